// tests/kernel32/common.hpp - Windows' names for the kernel32 tests: the
// system's on Windows (the same tests then check Wine's kernel32 and so
// check themselves), wpu's on POSIX.
#ifndef WPU_TESTS_KERNEL32_COMMON_HPP
#define WPU_TESTS_KERNEL32_COMMON_HPP

#if defined(_WIN32)
#  include <winsock2.h>
#  include <windows.h>
#else
#  include <wpu/winapi.h>
#  include <wpu/kernel32.h>
#endif

#endif  // WPU_TESTS_KERNEL32_COMMON_HPP
