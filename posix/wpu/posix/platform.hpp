// wpu/posix/platform.hpp - the one place the POSIX backend names its OS.
//
// Everything the backend needs from the system beyond POSIX threads and
// file descriptors: parking a thread on a 32-bit word with a deadline,
// thread ids, the clocks, and a pollable fd. One layer is compiled in:
//   linux     futex (FUTEX_WAIT_BITSET / FUTEX_WAKE, private), gettid,
//             CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME, eventfd
//   macos     os_sync_wait_on_address (macOS 14.4) or __ulock_wait,
//             pthread_threadid_np, a pipe
//   freebsd   _umtx_op (UMTX_OP_WAIT_UINT_PRIVATE / UMTX_OP_WAKE_PRIVATE),
//             pthread_getthreadid_np, eventfd (FreeBSD 13) or a pipe
//   portable  a parking lot (a mutex and a condition variable per parked
//             thread, found through a hash of the word's address), a
//             process-local thread number, clock_gettime(CLOCK_MONOTONIC),
//             a pipe
// WPU_POSIX_PLATFORM_PORTABLE (Meson: -Dposix-platform=portable, and any
// host without a native layer) selects the portable layer; otherwise the
// compiler's OS macros choose, and a system with no native layer gets the
// portable one. docs/platforms.md: the mappings, their status and deviations.
//
// Contract of every layer (the backend relies on nothing more):
// - park() returns when the word no longer holds `expected` (checked
//   atomically with going to sleep), after an unpark of the word, once
//   `until` has passed, or spuriously. Callers always re-check.
// - unpark_one() wakes at least one thread parked on the word if there is
//   one; unpark_all() every thread parked on it. Waking a word nobody parks
//   on is harmless (its memory must stay valid: the backend's records are
//   type-stable).
// All functions: any thread.
#ifndef WPU_POSIX_PLATFORM_HPP
#define WPU_POSIX_PLATFORM_HPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <atomic>
#  include <chrono>
#  include <cstdint>

#  if defined(WPU_POSIX_PLATFORM_PORTABLE)
#    define WPU_POSIX_PLATFORM_NAME "portable"
#  elif defined(__linux__)
#    define WPU_POSIX_PLATFORM_LINUX 1
#    define WPU_POSIX_PLATFORM_NAME "linux"
#  elif defined(__APPLE__)
#    define WPU_POSIX_PLATFORM_MACOS 1
#    define WPU_POSIX_PLATFORM_NAME "macos"
#  elif defined(__FreeBSD__)
#    define WPU_POSIX_PLATFORM_FREEBSD 1
#    define WPU_POSIX_PLATFORM_NAME "freebsd"
#  else
#    define WPU_POSIX_PLATFORM_PORTABLE 1
#    define WPU_POSIX_PLATFORM_NAME "portable"
#  endif

WPU_NAMESPACE_BEGIN
namespace posix {
namespace platform {

/// The monotonic clock of every deadline in the backend.
using clock = std::chrono::steady_clock;

/// The layer compiled in: "linux", "macos", "freebsd" or "portable".
constexpr const char* name = WPU_POSIX_PLATFORM_NAME;

/// Sleeps while `*word == expected`, until woken, the word changes or
/// `until` passes (nullptr: no limit); may return spuriously.
WPU_DECL void park(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                   const clock::time_point* until) noexcept;
/// Wakes one thread parked on `word` (if any).
WPU_DECL void unpark_one(std::atomic<std::uint32_t>* word) noexcept;
/// Wakes every thread parked on `word`.
WPU_DECL void unpark_all(std::atomic<std::uint32_t>* word) noexcept;

/// The calling thread's id: the kernel's where it has a 32-bit one, else a
/// process-unique number; never 0, fixed for the thread's life.
WPU_DECL std::uint32_t thread_id() noexcept;

/// Milliseconds on the monotonic clock, at the cheapest resolution the
/// system offers (MSG.time, GetMessageTime).
WPU_DECL std::uint32_t coarse_ms() noexcept;
/// Milliseconds since boot, time suspended included where the system can
/// tell (GetTickCount64).
WPU_DECL std::uint64_t uptime_ms() noexcept;
/// The monotonic clock in units of 100 ns (QueryPerformanceCounter).
WPU_DECL std::uint64_t monotonic_100ns() noexcept;

/// A pollable signal: `read_fd` is readable exactly while it is set. One fd
/// for both ends (eventfd) or a pipe's two. set may run on any thread at the
/// same time as clear: a set that overlaps a clear may be consumed by it, so
/// the clearing thread re-checks its condition after clearing (a set that
/// begins after clear returned always leaves it readable). close must not
/// overlap any other call on the same signal.
struct pollable {
  int read_fd = -1;
  int write_fd = -1;
};
/// Makes a pollable signal, set or not: 0, or the errno (EMFILE, ENFILE,
/// ENOMEM). Both fds non-blocking and close-on-exec.
WPU_DECL int pollable_open(pollable* p, bool set) noexcept;
/// Sets it; setting a set signal keeps it set (one clear clears it).
WPU_DECL void pollable_set(const pollable& p) noexcept;
/// Clears it (reads until nothing is left).
WPU_DECL void pollable_clear(const pollable& p) noexcept;
/// Closes its fds and resets them to -1.
WPU_DECL void pollable_close(pollable* p) noexcept;

}  // namespace platform
}  // namespace posix
WPU_NAMESPACE_END

#  if defined(WPU_HEADER_ONLY)
#    include <wpu/posix/impl/platform.ipp>
#  endif  // defined(WPU_HEADER_ONLY)

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_PLATFORM_HPP
