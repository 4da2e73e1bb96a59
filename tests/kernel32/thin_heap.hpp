// tests/kernel32/thin_heap.hpp - private heaps and the process heap.

TEST_CASE("kernel32 thin: heap zeroing, growth, in-place reallocation, HeapDestroy") {
  HANDLE heap = HeapCreate(0, 0, 0);
  REQUIRE(heap != nullptr);
  auto* p = static_cast<unsigned char*>(HeapAlloc(heap, HEAP_ZERO_MEMORY, 100));
  REQUIRE(p != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % 16 == 0);
  bool zero = true;
  for (int i = 0; i < 100; ++i) zero = zero && p[i] == 0;
  CHECK(zero);
  CHECK(HeapSize(heap, 0, p) == 100);
  for (int i = 0; i < 100; ++i) p[i] = static_cast<unsigned char>(i + 1);

  auto* q = static_cast<unsigned char*>(HeapReAlloc(heap, HEAP_ZERO_MEMORY, p, 5000));
  REQUIRE(q != nullptr);
  CHECK(HeapSize(heap, 0, q) == 5000);
  bool kept = true, grown_zero = true;
  for (int i = 0; i < 100; ++i) kept = kept && q[i] == static_cast<unsigned char>(i + 1);
  for (int i = 100; i < 5000; ++i) grown_zero = grown_zero && q[i] == 0;
  CHECK(kept);
  CHECK(grown_zero);

  // In place only: shrinking keeps the block; a large growth cannot be done in place.
  CHECK(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, q, 50) == q);
  CHECK(HeapSize(heap, 0, q) == 50);
  CHECK(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, q, 64 << 20) == nullptr);
  CHECK(HeapSize(heap, 0, q) == 50);  // unchanged
  CHECK(q[49] == 50);

  void* empty = HeapAlloc(heap, 0, 0);
  CHECK(empty != nullptr);
  CHECK(HeapSize(heap, 0, empty) == 0);
  CHECK(HeapFree(heap, 0, empty) == TRUE);
  CHECK(HeapFree(heap, 0, nullptr) == TRUE);

  // Blocks left allocated: HeapDestroy frees them (the sanitizer builds check it).
  for (int i = 0; i < 100; ++i) CHECK(HeapAlloc(heap, 0, 64 + i) != nullptr);
  CHECK(HeapDestroy(heap) == TRUE);
}

TEST_CASE("kernel32 thin: the process heap") {
  HANDLE heap = GetProcessHeap();
  REQUIRE(heap != nullptr);
  CHECK(GetProcessHeap() == heap);
  void* p = HeapAlloc(heap, HEAP_ZERO_MEMORY, 32);
  REQUIRE(p != nullptr);
  CHECK(HeapSize(heap, 0, p) == 32);
  CHECK(HeapFree(heap, 0, p) == TRUE);
}

#if !defined(_WIN32)
// Windows' behaviour for these is undefined or a heap-corruption break; wpu's
// is documented (docs/kernel32.md) and checked here only.
TEST_CASE("kernel32 thin: wpu's heap errors for foreign pointers and handles") {
  HANDLE heap = HeapCreate(0, 0, 0);
  REQUIRE(heap != nullptr);
  int local = 0;
  SetLastError(0);
  CHECK(HeapFree(heap, 0, &local) == FALSE);
  CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
  SetLastError(0);
  CHECK(HeapSize(heap, 0, &local) == static_cast<SIZE_T>(-1));
  CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
  CHECK(HeapReAlloc(heap, 0, &local, 10) == nullptr);
  void* p = HeapAlloc(heap, 0, 8);
  SetLastError(0);
  CHECK(HeapFree(GetProcessHeap(), 0, p) == FALSE);  // another heap's block
  CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
  CHECK(HeapFree(heap, 0, p) == TRUE);
  CHECK(HeapFree(heap, 0, p) == FALSE);  // twice
  CHECK(HeapDestroy(heap) == TRUE);
  SetLastError(0);
  CHECK(HeapFree(heap, 0, p) == FALSE);  // a destroyed heap
  CHECK(GetLastError() == ERROR_INVALID_HANDLE);
  CHECK(HeapAlloc(heap, 0, 8) == nullptr);
  CHECK(HeapDestroy(heap) == FALSE);
  CHECK(HeapFree(nullptr, 0, p) == FALSE);
  CHECK(HeapDestroy(GetProcessHeap()) == FALSE);

  HANDLE fixed = HeapCreate(0, 0, 1000);
  REQUIRE(fixed != nullptr);
  void* a = HeapAlloc(fixed, 0, 600);
  CHECK(a != nullptr);
  CHECK(HeapAlloc(fixed, 0, 600) == nullptr);  // over the maximum
  CHECK(HeapReAlloc(fixed, 0, a, 1001) == nullptr);
  CHECK(HeapSize(fixed, 0, a) == 600);
  CHECK(HeapFree(fixed, 0, a) == TRUE);
  CHECK(HeapAlloc(fixed, 0, 1000) != nullptr);
  CHECK(HeapDestroy(fixed) == TRUE);

  SetLastError(0);
  CHECK(HeapCreate(HEAP_CREATE_ENABLE_EXECUTE, 0, 0) == nullptr);
  CHECK(GetLastError() == ERROR_NOT_SUPPORTED);
}
#endif
