// tests/kernel32/thin_modules.hpp - LoadLibrary, GetProcAddress,
// GetModuleFileName, GetModuleHandle and OutputDebugString. The module is
// tests/kernel32/thin_module.c, built by tests/meson.build; its path comes in
// WPU_TEST_THIN_MODULE (a Windows path under Wine).

namespace thin {
inline std::string module_path() {
  const char* p = std::getenv("WPU_TEST_THIN_MODULE");
  return p != nullptr ? p : "";
}
// FARPROC is a function pointer, which doctest cannot print.
inline bool found(FARPROC f) {
  return f != nullptr;
}
inline bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
}  // namespace thin

TEST_CASE("kernel32 thin: LoadLibrary, GetProcAddress, FreeLibrary") {
  const std::string path = thin::module_path();
  REQUIRE(!path.empty());
  HMODULE m = LoadLibraryA(path.c_str());
  REQUIRE(m != nullptr);
  FARPROC f = GetProcAddress(m, "thin_module_answer");
  REQUIRE(thin::found(f));
  CHECK(reinterpret_cast<int (*)(void)>(reinterpret_cast<void (*)(void)>(f))() == 42);
#if defined(WPU_THIN_WITH_C)
  // Its constructor called GetModuleHandle and GetProcAddress during LoadLibraryA.
  FARPROC ctor = GetProcAddress(m, "thin_module_constructor_result");
  REQUIRE(thin::found(ctor));
  CHECK(reinterpret_cast<int (*)(void)>(reinterpret_cast<void (*)(void)>(ctor))() == 1);
#endif
  SetLastError(0);
  CHECK(!thin::found(GetProcAddress(m, "thin_module_no_such_function")));
  CHECK(GetLastError() == ERROR_PROC_NOT_FOUND);

  WCHAR wpath[1024];
  REQUIRE(MultiByteToWideChar(CP_UTF8, 0, path.c_str(), -1, wpath, 1024) > 0);
  HMODULE again = LoadLibraryW(wpath);
  CHECK(again == m);  // the same module, one more reference
  CHECK(FreeLibrary(again) == TRUE);
  CHECK(thin::found(GetProcAddress(m, "thin_module_answer")));  // still loaded
  HMODULE ex = LoadLibraryExA(path.c_str(), nullptr, LOAD_WITH_ALTERED_SEARCH_PATH);
  CHECK(ex == m);
  CHECK(FreeLibrary(ex) == TRUE);
  CHECK(FreeLibrary(m) == TRUE);

  SetLastError(0);
  CHECK(LoadLibraryA("wpu-no-such-module-for-kernel32-thin") == nullptr);
  CHECK(GetLastError() == ERROR_MOD_NOT_FOUND);
  SetLastError(0);
  CHECK(LoadLibraryW(THIN_W("wpu-no-such-module-for-kernel32-thin")) == nullptr);
  CHECK(GetLastError() == ERROR_MOD_NOT_FOUND);

  HMODULE self = GetModuleHandleA(nullptr);
  CHECK(self != nullptr);
  CHECK(GetModuleHandleW(nullptr) == self);
  SetLastError(0);
  CHECK(!thin::found(GetProcAddress(self, "thin_module_no_such_function")));
  CHECK(GetLastError() == ERROR_PROC_NOT_FOUND);
  SetLastError(0);
  CHECK(GetModuleHandleA("wpu-no-such-module-for-kernel32-thin") == nullptr);
  CHECK(GetLastError() == ERROR_MOD_NOT_FOUND);
}

TEST_CASE("kernel32 thin: GetModuleFileName and its truncation") {
  const std::string path = thin::module_path();
  REQUIRE(!path.empty());
  HMODULE m = LoadLibraryA(path.c_str());
  REQUIRE(m != nullptr);
  char a[1024];
  const DWORD n = GetModuleFileNameA(m, a, sizeof a);
  CHECK(n == path.size());
  CHECK(lstrcmpiA(a, path.c_str()) == 0);  // Windows may change the case of the drive

  // Too small: nSize-1 characters and a NUL, returns nSize, ERROR_INSUFFICIENT_BUFFER.
  std::memset(a, 'x', sizeof a);
  SetLastError(0);
  CHECK(GetModuleFileNameA(m, a, 5) == 5);
  CHECK(GetLastError() == ERROR_INSUFFICIENT_BUFFER);
  // Windows (Vista and later) ends the truncated name with a NUL; Wine 8 does not.
  if (!thin::under_wine()) CHECK(a[4] == '\0');
  CHECK(a[5] == 'x');
  CHECK(std::strncmp(a, path.c_str(), 4) == 0);

  WCHAR w[1024];
  const DWORD wn = GetModuleFileNameW(m, w, 1024);
  CHECK(wn == path.size());  // ASCII path: as many WCHARs
  SetLastError(0);
  CHECK(GetModuleFileNameW(m, w, 3) == 3);
  CHECK(GetLastError() == ERROR_INSUFFICIENT_BUFFER);
  if (!thin::under_wine()) CHECK(w[2] == 0);
  CHECK(w[0] == static_cast<WCHAR>(path[0]));
  SetLastError(0);
  CHECK(GetModuleFileNameW(m, w, static_cast<DWORD>(path.size())) ==
        path.size());  // no room for NUL
  CHECK(GetLastError() == ERROR_INSUFFICIENT_BUFFER);
  if (!thin::under_wine()) CHECK(w[path.size() - 1] == 0);

  const DWORD en = GetModuleFileNameA(nullptr, a, sizeof a);
  CHECK(en > 0);
  CHECK(en < sizeof a);
  const std::string exe(a, en);
#if defined(_WIN32)
  CHECK(thin::ends_with(exe, ".exe"));
#else
  CHECK(exe[0] == '/');
#endif
  CHECK(exe.find("kernel32-thin") != std::string::npos);
  CHECK(FreeLibrary(m) == TRUE);
}

#if !defined(_WIN32)
// On Windows the text goes to the debugger (wpu's file variable is POSIX only).
TEST_CASE("kernel32 thin: OutputDebugString into WPU_DEBUG_OUTPUT") {
  char tmpl[] = "/tmp/wpu-kernel32-thin-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  REQUIRE(fd >= 0);
  ::close(fd);
  ::setenv("WPU_DEBUG_OUTPUT", tmpl, 1);
  OutputDebugStringA("first line");
  OutputDebugStringW(THIN_W("w\u00F6rld\n"));
  OutputDebugStringA(nullptr);
  ::unsetenv("WPU_DEBUG_OUTPUT");
  std::string text;
  if (FILE* f = std::fopen(tmpl, "rb")) {
    char buf[256];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, got);
    std::fclose(f);
  }
  ::unlink(tmpl);
  CHECK(text == "first line\nw\xC3\xB6rld\n");
}
#endif
