// tests/kernel32/thin_sync.hpp - critical sections, Interlocked*, TLS
// indexes, clocks and GetSystemInfo. Checks run on the main thread only (the
// static mingw build crashes on doctest checks in other threads).

TEST_CASE("kernel32 thin: critical section recursion and owner fields") {
  CHECK(sizeof(CRITICAL_SECTION) == 40);
  CRITICAL_SECTION cs;
  InitializeCriticalSection(&cs);
  CHECK(cs.LockCount == -1);
  CHECK(cs.RecursionCount == 0);
  CHECK(cs.OwningThread == nullptr);
  EnterCriticalSection(&cs);
  CHECK(cs.RecursionCount == 1);
  CHECK(cs.OwningThread == thin::self_id());
  EnterCriticalSection(&cs);
  CHECK(cs.RecursionCount == 2);
  CHECK(TryEnterCriticalSection(&cs) == TRUE);
  CHECK(cs.RecursionCount == 3);
  LeaveCriticalSection(&cs);
  CHECK(cs.RecursionCount == 2);
  CHECK(cs.OwningThread == thin::self_id());
  LeaveCriticalSection(&cs);
  LeaveCriticalSection(&cs);
  CHECK(cs.RecursionCount == 0);
  CHECK(cs.OwningThread == nullptr);
  CHECK(cs.LockCount == -1);
  CHECK(TryEnterCriticalSection(&cs) == TRUE);
  CHECK(cs.RecursionCount == 1);
  LeaveCriticalSection(&cs);
  DeleteCriticalSection(&cs);
}

TEST_CASE("kernel32 thin: TryEnterCriticalSection from another thread fails while held") {
  CRITICAL_SECTION cs;
  CHECK(InitializeCriticalSectionAndSpinCount(&cs, 1000) == TRUE);
  EnterCriticalSection(&cs);
  BOOL while_held = -1;
  std::thread([&] { while_held = TryEnterCriticalSection(&cs); }).join();
  CHECK(while_held == FALSE);
  CHECK(cs.RecursionCount == 1);
  LeaveCriticalSection(&cs);
  BOOL after = -1;
  LONG recursion_in_thread = -1;
  std::thread([&] {
    after = TryEnterCriticalSection(&cs);
    if (after) {
      recursion_in_thread = cs.RecursionCount;
      LeaveCriticalSection(&cs);
    }
  }).join();
  CHECK(after == TRUE);
  CHECK(recursion_in_thread == 1);
  CHECK((SetCriticalSectionSpinCount(&cs, 4000) & 0x00FFFFFFu) == 1000);
  CHECK((SetCriticalSectionSpinCount(&cs, 0) & 0x00FFFFFFu) == 4000);
  DeleteCriticalSection(&cs);
}

TEST_CASE("kernel32 thin: EnterCriticalSection waits for the owner, and excludes") {
  CRITICAL_SECTION cs;
  InitializeCriticalSection(&cs);
  EnterCriticalSection(&cs);
  std::atomic<int> entered{0};
  std::thread waiter([&] {
    EnterCriticalSection(&cs);
    entered = 1;
    LeaveCriticalSection(&cs);
  });
  Sleep(50);
  CHECK(entered.load() == 0);  // still blocked: the main thread owns it
  LeaveCriticalSection(&cs);
  waiter.join();
  CHECK(entered.load() == 1);

  // Contention: 4 threads, recursive entries, a plain counter.
  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        EnterCriticalSection(&cs);
        EnterCriticalSection(&cs);
        ++counter;
        LeaveCriticalSection(&cs);
        LeaveCriticalSection(&cs);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(counter == 80000);
  CHECK(cs.RecursionCount == 0);
  CHECK(cs.OwningThread == nullptr);
  DeleteCriticalSection(&cs);

  CRITICAL_SECTION ex;
  CHECK(InitializeCriticalSectionEx(&ex, 0, 0) == TRUE);
  EnterCriticalSection(&ex);
  CHECK(ex.RecursionCount == 1);
  LeaveCriticalSection(&ex);
  DeleteCriticalSection(&ex);
}

TEST_CASE("kernel32 thin: Interlocked return values") {
  LONG volatile v = 5;
  CHECK(sizeof(LONG) == 4);
  CHECK(InterlockedIncrement(&v) == 6);
  CHECK(InterlockedDecrement(&v) == 5);
  CHECK(InterlockedExchange(&v, 10) == 5);
  CHECK(v == 10);
  CHECK(InterlockedExchangeAdd(&v, 3) == 10);
  CHECK(v == 13);
  CHECK(InterlockedCompareExchange(&v, 20, 12) == 13);  // no match: unchanged
  CHECK(v == 13);
  CHECK(InterlockedCompareExchange(&v, 20, 13) == 13);
  CHECK(v == 20);
  CHECK(InterlockedAnd(&v, 0x14) == 20);
  CHECK(v == 0x14);
  CHECK(InterlockedOr(&v, 0x3) == 0x14);
  CHECK(v == 0x17);
  CHECK(InterlockedXor(&v, 0x5) == 0x17);
  CHECK(v == 0x12);
  LONG volatile m = 0x7FFFFFFF;
  CHECK(InterlockedIncrement(&m) == static_cast<LONG>(0x80000000u));  // 32-bit wrap

  LONGLONG volatile q = 0xFFFFFFFFLL;
  CHECK(InterlockedIncrement64(&q) == 0x100000000LL);
  CHECK(InterlockedDecrement64(&q) == 0xFFFFFFFFLL);
  CHECK(InterlockedExchange64(&q, 1LL << 40) == 0xFFFFFFFFLL);
  CHECK(InterlockedExchangeAdd64(&q, 1) == 1LL << 40);
  CHECK(InterlockedCompareExchange64(&q, 7, (1LL << 40) + 1) == (1LL << 40) + 1);
  CHECK(q == 7);
  CHECK(InterlockedAnd64(&q, 3) == 7);
  CHECK(InterlockedOr64(&q, 1LL << 33) == 3);
  CHECK(InterlockedXor64(&q, 1) == (1LL << 33) + 3);
  CHECK(q == (1LL << 33) + 2);

  int a = 0, b = 0;
  PVOID volatile p = &a;
  CHECK(InterlockedExchangePointer(&p, &b) == &a);
  CHECK(InterlockedCompareExchangePointer(&p, &a, &a) == &b);  // no match
  CHECK(p == &b);
  CHECK(InterlockedCompareExchangePointer(&p, nullptr, &b) == &b);
  CHECK(p == nullptr);
  MemoryBarrier();

  LONG volatile shared = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50000; ++i) InterlockedIncrement(&shared);
    });
  for (auto& t : threads) t.join();
  CHECK(shared == 200000);
}

TEST_CASE("kernel32 thin: TLS indexes hold per-thread values") {
  const DWORD index = TlsAlloc();
  REQUIRE(index != TLS_OUT_OF_INDEXES);
  SetLastError(ERROR_INVALID_HANDLE);
  CHECK(TlsGetValue(index) == nullptr);
  CHECK(GetLastError() == ERROR_SUCCESS);  // set on success, as Windows does
  int mine = 1, theirs = 2;
  CHECK(TlsSetValue(index, &mine) == TRUE);
  void* seen_first = &theirs;
  void* seen_after_set = nullptr;
  std::thread([&] {
    seen_first = TlsGetValue(index);
    TlsSetValue(index, &theirs);
    seen_after_set = TlsGetValue(index);
  }).join();
  CHECK(seen_first == nullptr);
  CHECK(seen_after_set == &theirs);
  CHECK(TlsGetValue(index) == &mine);

  CHECK(TlsFree(index) == TRUE);
  SetLastError(0);
  CHECK(TlsFree(index) == FALSE);  // no longer allocated
  CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
  const DWORD again = TlsAlloc();
  REQUIRE(again != TLS_OUT_OF_INDEXES);
  CHECK(TlsGetValue(again) == nullptr);  // TlsFree forgot the old value everywhere
  CHECK(TlsFree(again) == TRUE);

  SetLastError(0);
  CHECK(TlsGetValue(5000) == nullptr);
  CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
  SetLastError(0);
  CHECK(TlsSetValue(5000, &mine) == FALSE);
  CHECK(GetLastError() == ERROR_INVALID_PARAMETER);

  // Well beyond the 64 TEB slots (Windows: 1088 in all, some used by the runtime).
  std::vector<DWORD> many;
  for (int i = 0; i < 1000; ++i) {
    const DWORD k = TlsAlloc();
    if (k == TLS_OUT_OF_INDEXES) break;
    many.push_back(k);
  }
  CHECK(many.size() == 1000);
  if (!many.empty()) {
    CHECK(TlsSetValue(many.back(), &theirs) == TRUE);
    CHECK(TlsGetValue(many.back()) == &theirs);
  }
  for (DWORD k : many) CHECK(TlsFree(k) == TRUE);
}

TEST_CASE("kernel32 thin: Sleep, tick counts, performance counter, process id") {
  Sleep(0);
  LARGE_INTEGER freq{}, c0{}, c1{};
  CHECK(sizeof(LARGE_INTEGER) == 8);
  CHECK(QueryPerformanceFrequency(&freq) == TRUE);
  CHECK(freq.QuadPart == 10000000);
  CHECK(QueryPerformanceCounter(&c0) == TRUE);
  const ULONGLONG t0 = GetTickCount64();
  const DWORD d0 = GetTickCount();
  Sleep(30);
  const ULONGLONG t1 = GetTickCount64();
  CHECK(QueryPerformanceCounter(&c1) == TRUE);
  CHECK(t1 - t0 >= 20);  // tick granularity on Windows is ~16 ms
  CHECK(t1 - t0 < 10000);
  CHECK(static_cast<DWORD>(GetTickCount() - d0) >= 20);
  const LONGLONG elapsed_us = (c1.QuadPart - c0.QuadPart) * 1000000 / freq.QuadPart;
  CHECK(elapsed_us >= 29000);
  CHECK(c1.LowPart == static_cast<DWORD>(c1.QuadPart & 0xFFFFFFFF));
  CHECK(c1.HighPart == static_cast<LONG>(c1.QuadPart >> 32));
  CHECK(GetCurrentProcessId() != 0);
  CHECK(GetCurrentProcessId() == GetCurrentProcessId());
#if !defined(_WIN32)
  CHECK(GetCurrentProcessId() == static_cast<DWORD>(::getpid()));
#endif
}

TEST_CASE("kernel32 thin: GetSystemInfo") {
  CHECK(sizeof(SYSTEM_INFO) == 48);
  CHECK(offsetof(SYSTEM_INFO, dwPageSize) == 4);
  CHECK(offsetof(SYSTEM_INFO, lpMinimumApplicationAddress) == 8);
  CHECK(offsetof(SYSTEM_INFO, dwNumberOfProcessors) == 32);
  CHECK(offsetof(SYSTEM_INFO, wProcessorLevel) == 44);
  SYSTEM_INFO si;
  std::memset(&si, 0xAB, sizeof si);
  GetSystemInfo(&si);
  CHECK(si.dwPageSize == 4096);
  CHECK(si.dwAllocationGranularity == 65536);
  CHECK(si.dwNumberOfProcessors >= 1);
  CHECK(si.dwActiveProcessorMask != 0);
  CHECK(si.lpMinimumApplicationAddress == reinterpret_cast<LPVOID>(0x10000));
#if defined(__x86_64__)
  CHECK(si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_AMD64);
  CHECK(si.dwProcessorType == PROCESSOR_AMD_X8664);
  CHECK(si.lpMaximumApplicationAddress == reinterpret_cast<LPVOID>(0x7FFFFFFEFFFFull));
#elif defined(__aarch64__)
  CHECK(si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_ARM64);
#endif
  SYSTEM_INFO native;
  GetNativeSystemInfo(&native);
  CHECK(native.wProcessorArchitecture == si.wProcessorArchitecture);
  CHECK(native.dwPageSize == si.dwPageSize);
}
