// wpu/posix/impl/platform.ipp - the platform layers (see platform.hpp).
#ifndef WPU_POSIX_IMPL_PLATFORM_IPP
#define WPU_POSIX_IMPL_PLATFORM_IPP

#include <wpu/posix/platform.hpp>

#if defined(WPU_POSIX)

#  include <cerrno>
#  include <climits>
#  include <ctime>
#  include <fcntl.h>
#  include <unistd.h>

#  if defined(WPU_POSIX_PLATFORM_LINUX)
#    include <linux/futex.h>
#    include <sys/eventfd.h>
#    include <sys/syscall.h>
#  endif

WPU_NAMESPACE_BEGIN
namespace posix {
namespace platform {
namespace detail {

inline timespec to_timespec(clock::time_point t) noexcept {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1000000000);
  ts.tv_nsec = static_cast<long>(ns % 1000000000);
  return ts;
}

inline std::uint64_t ms_of(const timespec& ts) noexcept {
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000u +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}

}  // namespace detail

#  if defined(WPU_POSIX_PLATFORM_LINUX)

// The word is a std::atomic<std::uint32_t>, a plain aligned 32-bit word.
static_assert(sizeof(std::atomic<std::uint32_t>) == 4, "futex word");

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
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::uint32_t>(detail::ms_of(ts));
}

WPU_DECL std::uint64_t uptime_ms() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
  return detail::ms_of(ts);
}

WPU_DECL int pollable_open(pollable* p, bool set) noexcept {
  const int fd = ::eventfd(set ? 1u : 0u, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return errno;
  p->read_fd = p->write_fd = fd;
  return 0;
}

WPU_DECL void pollable_set(const pollable& p) noexcept {
  const std::uint64_t one = 1;
  while (::write(p.write_fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

WPU_DECL void pollable_clear(const pollable& p) noexcept {
  std::uint64_t count;
  while (::read(p.read_fd, &count, sizeof count) < 0 && errno == EINTR) {
  }
}

#  else
#    error "wpu: no platform layer for this system yet (posix/wpu/posix/impl/platform.ipp)"
#  endif  // layers

// ---- common to every layer ---------------------------------------------------

WPU_DECL std::uint64_t monotonic_100ns() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 10000000u +
         static_cast<std::uint64_t>(ts.tv_nsec) / 100u;
}

WPU_DECL void pollable_close(pollable* p) noexcept {
  if (p->read_fd >= 0) ::close(p->read_fd);
  if (p->write_fd >= 0 && p->write_fd != p->read_fd) ::close(p->write_fd);
  p->read_fd = p->write_fd = -1;
}

}  // namespace platform
}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_PLATFORM_IPP
