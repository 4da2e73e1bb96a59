// tests/kernel32/objects_common.hpp - helpers of the kernel-object tests
// (tests/kernel32/objects*.hpp). Doctest checks run on the main thread only
// (a check inside a second thread crashes at thread exit in the static mingw
// build): threads record what they saw, the main thread checks it.
#ifndef WPU_TESTS_KERNEL32_OBJECTS_COMMON_HPP
#define WPU_TESTS_KERNEL32_OBJECTS_COMMON_HPP

#include "common.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>

// A WCHAR string literal on both platforms.
#if defined(_WIN32)
#  define K32_W(s) L##s
#else
#  define K32_W(s) u##s
#endif

namespace k32_test {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Windows spells these as long or as macros of other types: DWORDs here.
inline constexpr DWORD wait_0 = WAIT_OBJECT_0;
inline constexpr DWORD wait_timeout = WAIT_TIMEOUT;
inline constexpr DWORD wait_failed = WAIT_FAILED;
inline constexpr DWORD wait_io = WAIT_IO_COMPLETION;
inline constexpr DWORD still_active = STILL_ACTIVE;
inline constexpr DWORD e_invalid_handle = ERROR_INVALID_HANDLE;
inline constexpr DWORD e_invalid_parameter = ERROR_INVALID_PARAMETER;
inline constexpr DWORD e_too_many_posts = ERROR_TOO_MANY_POSTS;

// No handle: Windows hands out small multiples of 4, wpu values >= 2^60.
inline HANDLE garbage_handle() {
  return reinterpret_cast<HANDLE>(std::uintptr_t{0x7FFFFFF0});
}

// The same handle with Windows' tag bits set (h|1..h|3 name h).
inline HANDLE tagged(HANDLE h, unsigned bits) {
  return reinterpret_cast<HANDLE>(reinterpret_cast<std::uintptr_t>(h) | bits);
}

// Polls `pred` every millisecond for at most `limit`.
template <class Pred>
bool eventually(Pred pred, milliseconds limit = milliseconds(10000)) {
  const auto end = steady::now() + limit;
  while (!pred()) {
    if (steady::now() > end) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

// Waits for a thread handle; a thread still running after the deadline (a
// lost wake-up under test) cannot be joined: the process ends with a failure
// rather than hang.
inline void join_or_die(HANDLE thread, const char* what, DWORD limit_ms = 10000) {
  if (WaitForSingleObject(thread, limit_ms) != wait_0) {
    FAIL_CHECK("thread still running after the deadline: " << what);
    std::fprintf(stderr, "kernel32-objects: %s: thread still running, exiting\n", what);
    std::fflush(nullptr);
    std::_Exit(EXIT_FAILURE);
  }
  CHECK(CloseHandle(thread));
}

// A thread made by CreateThread running `f()` (a callable returning DWORD).
template <class F>
struct thread_fn {
  F f;
  static DWORD WINAPI entry(LPVOID p) {
    auto* self = static_cast<thread_fn*>(p);
    const DWORD r = self->f();
    delete self;
    return r;
  }
};

template <class F>
HANDLE start_thread(F f, DWORD flags = 0, DWORD* tid = nullptr) {
  auto* box = new thread_fn<F>{std::move(f)};
  DWORD id = 0;
  HANDLE h = CreateThread(nullptr, 0, &thread_fn<F>::entry, box, flags, &id);
  if (h == nullptr) delete box;
  if (tid != nullptr) *tid = id;
  return h;
}

// Counts its calls in the std::atomic<int> its argument points to.
inline void CALLBACK count_apc(ULONG_PTR p) {
  ++*reinterpret_cast<std::atomic<int>*>(p);
}

// Milliseconds a call took.
template <class F>
long long elapsed_ms(F f) {
  const auto t0 = steady::now();
  f();
  return std::chrono::duration_cast<milliseconds>(steady::now() - t0).count();
}

}  // namespace k32_test

#endif  // WPU_TESTS_KERNEL32_OBJECTS_COMMON_HPP
