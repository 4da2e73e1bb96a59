// wpu/posix/impl/platform_macos.ipp - the macOS layer: os_sync_wait_on_address or __ulock_wait,
// pthread_threadid_np, CLOCK_MONOTONIC_RAW_APPROX/CLOCK_MONOTONIC, a pipe. Written to the
// documented interfaces; not compiled by this project's CI (docs/platforms.md). Included by
// impl/platform.ipp only, after its helpers (namespace detail), when platform.hpp chose this layer.
#ifndef WPU_POSIX_IMPL_PLATFORM_MACOS_IPP
#define WPU_POSIX_IMPL_PLATFORM_MACOS_IPP

#include <pthread.h>
// os_sync_*: when the SDK has them and the compiler can test for them at run
// time (__builtin_available is clang's, Apple's compiler).
#if defined(__has_include) && defined(__clang__)
#  if __has_include(<os/os_sync_wait_on_address.h>)
#    include <os/os_sync_wait_on_address.h>
#    define WPU_POSIX_PLATFORM_OS_SYNC 1
#  endif
#endif
// The kernel's ulock calls (xnu, bsd/sys/ulock.h): exported by libSystem,
// declared by no SDK header. __ulock_wait(operation, addr, value,
// timeout_us; 0: none) sleeps while the 32-bit word at addr equals value;
// __ulock_wake(operation, addr, 0) wakes one, or all with ULF_WAKE_ALL.
extern "C" int __ulock_wait(std::uint32_t, void*, std::uint64_t, std::uint32_t);
extern "C" int __ulock_wake(std::uint32_t, void*, std::uint64_t);

WPU_NAMESPACE_BEGIN
namespace posix {
namespace platform {

// ---- macOS ----------------------------------------------------------------------
//
// Parking: os_sync_wait_on_address_with_timeout / os_sync_wake_by_address_*
// (<os/os_sync_wait_on_address.h>, public since macOS 14.4) when the running
// system has them, else the private __ulock_wait/__ulock_wake that libc++'s
// std::atomic::wait uses on older systems (the same kernel call). Both take a
// relative timeout (nanoseconds, microseconds), computed from `until` on
// steady_clock: libc++'s steady_clock is not mach_absolute_time's unit on
// every Mac, so an absolute deadline would need a conversion that a relative
// one avoids.

namespace detail {
constexpr std::uint32_t ul_compare_and_wait = 1;  // UL_COMPARE_AND_WAIT (process-private)
constexpr std::uint32_t ulf_wake_all = 0x100;     // ULF_WAKE_ALL
}  // namespace detail

WPU_DECL void park(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                   const clock::time_point* until) noexcept {
  std::uint64_t left_ns = 0;
  if (until != nullptr) {
    left_ns = detail::ns_until(*until);
    if (left_ns == 0) return;  // passed (and __ulock_wait reads 0 as no limit)
  }
  void* addr = static_cast<void*>(word);
#if defined(WPU_POSIX_PLATFORM_OS_SYNC)
  if (__builtin_available(macOS 14.4, *)) {
    if (until == nullptr)
      os_sync_wait_on_address(addr, expected, 4, OS_SYNC_WAIT_ON_ADDRESS_NONE);
    else
      os_sync_wait_on_address_with_timeout(addr, expected, 4, OS_SYNC_WAIT_ON_ADDRESS_NONE,
                                           OS_CLOCK_MACH_ABSOLUTE_TIME, left_ns);
    return;
  }
#endif
  // Microseconds, rounded up, at most UINT32_MAX (about 71 minutes: a longer
  // wait returns early, which the contract allows).
  std::uint32_t us = 0;
  if (until != nullptr) {
    const std::uint64_t up = (left_ns + 999u) / 1000u;
    us = up > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(up);
  }
  __ulock_wait(detail::ul_compare_and_wait, addr, expected, us);
}

WPU_DECL void unpark_one(std::atomic<std::uint32_t>* word) noexcept {
  void* addr = static_cast<void*>(word);
#if defined(WPU_POSIX_PLATFORM_OS_SYNC)
  if (__builtin_available(macOS 14.4, *)) {
    os_sync_wake_by_address_any(addr, 4, OS_SYNC_WAKE_BY_ADDRESS_NONE);
    return;
  }
#endif
  __ulock_wake(detail::ul_compare_and_wait, addr, 0);
}

WPU_DECL void unpark_all(std::atomic<std::uint32_t>* word) noexcept {
  void* addr = static_cast<void*>(word);
#if defined(WPU_POSIX_PLATFORM_OS_SYNC)
  if (__builtin_available(macOS 14.4, *)) {
    os_sync_wake_by_address_all(addr, 4, OS_SYNC_WAKE_BY_ADDRESS_NONE);
    return;
  }
#endif
  __ulock_wake(detail::ul_compare_and_wait | detail::ulf_wake_all, addr, 0);
}

// pthread_threadid_np: the system-wide 64-bit thread id; its low 32 bits
// (unique among the process's live threads in practice), or a process
// number should they be 0.
WPU_DECL std::uint32_t thread_id() noexcept {
  static thread_local const std::uint32_t tid = [] {
    std::uint64_t id = 0;
    ::pthread_threadid_np(::pthread_self(), &id);
    const auto low = static_cast<std::uint32_t>(id);
    return low != 0 ? low : detail::next_thread_number();
  }();
  return tid;
}

WPU_DECL std::uint32_t coarse_ms() noexcept {
  return static_cast<std::uint32_t>(detail::ms_on(CLOCK_MONOTONIC_RAW_APPROX));
}

// macOS's CLOCK_MONOTONIC keeps counting while the system sleeps
// (CLOCK_UPTIME_RAW is the one that stops).
WPU_DECL std::uint64_t uptime_ms() noexcept {
  return detail::ms_on(CLOCK_MONOTONIC);
}

WPU_DECL int pollable_open(pollable* p, bool set) noexcept {
  return detail::open_pipe(p, set);
}
WPU_DECL void pollable_set(const pollable& p) noexcept {
  detail::pipe_set(p);
}
WPU_DECL void pollable_clear(const pollable& p) noexcept {
  detail::pipe_clear(p);
}

}  // namespace platform
}  // namespace posix
WPU_NAMESPACE_END

#endif  // WPU_POSIX_IMPL_PLATFORM_MACOS_IPP
