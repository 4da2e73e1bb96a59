// tests/kernel32_thin.cpp - the thin kernel32 subset (<wpu/kernel32.h>):
// Windows' documented behaviour, checked natively against wpu's functions and,
// in the win32 cross build under Wine, against the system's (which checks the
// expectations themselves). The cases are in tests/kernel32/thin_*.hpp.
#if defined(_WIN32)
#  define STRSAFE_NO_DEPRECATE
#endif
#include "kernel32/common.hpp"
#if defined(_WIN32)
#  include <strsafe.h>
#endif
#if defined(WPU_HEADER_ONLY)
#  include <wpu/wpu.hpp>  // header-only mode: the definitions
#endif

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>
#if !defined(_WIN32)
#  include <unistd.h>
#endif

// A WCHAR string literal on both platforms.
#if defined(_WIN32)
#  define THIN_W(s) L##s
#else
#  define THIN_W(s) u##s
#endif

namespace thin {
using wstr = std::basic_string<WCHAR>;

// The thread id as CRITICAL_SECTION.OwningThread holds it.
inline HANDLE self_id() {
  return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(GetCurrentThreadId()));
}
// Wine's kernel32 (which the win32 build runs on) differs from Windows'
// documentation in a few places; those checks name it and skip under Wine.
inline bool under_wine() {
#if defined(_WIN32)
  HMODULE ntdll = GetModuleHandleA("ntdll.dll");
  return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
#else
  return false;
#endif
}
}  // namespace thin

#include "kernel32/thin_sync.hpp"
#include "kernel32/thin_heap.hpp"
#include "kernel32/thin_strings.hpp"
#include "kernel32/thin_modules.hpp"

#if defined(WPU_THIN_WITH_C)
extern "C" int thin_c_check(void);
TEST_CASE("kernel32 thin: the subset from C99") {
  CHECK(thin_c_check() == 0);  // else: the line of tests/kernel32/thin_c.c that failed
}
#endif
