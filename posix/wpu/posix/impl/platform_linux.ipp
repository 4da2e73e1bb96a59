// wpu/posix/impl/platform_linux.ipp - the Linux layer: futex, gettid,
// CLOCK_MONOTONIC_COARSE/CLOCK_BOOTTIME, eventfd. Included by impl/platform.ipp only, after its
// helpers (namespace detail), when platform.hpp chose this layer.
#ifndef WPU_POSIX_IMPL_PLATFORM_LINUX_IPP
#define WPU_POSIX_IMPL_PLATFORM_LINUX_IPP

#include <linux/futex.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

WPU_NAMESPACE_BEGIN
namespace posix {
namespace platform {

// ---- Linux --------------------------------------------------------------------

// libstdc++'s and libc++'s steady_clock on Linux is CLOCK_MONOTONIC, which
// FUTEX_WAIT_BITSET takes as an absolute deadline.
WPU_DECL void park(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                   const clock::time_point* until) noexcept {
  timespec ts;
  if (until != nullptr) ts = detail::to_timespec(*until);
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT_BITSET_PRIVATE, expected,
            until != nullptr ? &ts : nullptr, nullptr, FUTEX_BITSET_MATCH_ANY);
}

WPU_DECL void unpark_one(std::atomic<std::uint32_t>* word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, 1, nullptr,
            nullptr, 0);
}

WPU_DECL void unpark_all(std::atomic<std::uint32_t>* word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
            nullptr, 0);
}

WPU_DECL std::uint32_t thread_id() noexcept {
  static thread_local const std::uint32_t tid = static_cast<std::uint32_t>(::syscall(SYS_gettid));
  return tid;
}

WPU_DECL std::uint32_t coarse_ms() noexcept {
  return static_cast<std::uint32_t>(detail::ms_on(CLOCK_MONOTONIC_COARSE));
}

// CLOCK_BOOTTIME: Linux's CLOCK_MONOTONIC stops while suspended.
WPU_DECL std::uint64_t uptime_ms() noexcept {
  return detail::ms_on(CLOCK_BOOTTIME);
}

WPU_DECL int pollable_open(pollable* p, bool set) noexcept {
  const int fd = ::eventfd(set ? 1u : 0u, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return errno;
  p->read_fd = p->write_fd = fd;
  return 0;
}

// Each set adds 1 to the counter, which is readable while nonzero and
// cannot come near its limit (2^64 - 2).
WPU_DECL void pollable_set(const pollable& p) noexcept {
  const std::uint64_t one = 1;
  while (::write(p.write_fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

// One read takes the whole counter to 0.
WPU_DECL void pollable_clear(const pollable& p) noexcept {
  std::uint64_t count;
  while (::read(p.read_fd, &count, sizeof count) < 0 && errno == EINTR) {
  }
}

}  // namespace platform
}  // namespace posix
WPU_NAMESPACE_END

#endif  // WPU_POSIX_IMPL_PLATFORM_LINUX_IPP
