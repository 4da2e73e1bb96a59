// wpu/posix/impl/platform_freebsd.ipp - the FreeBSD layer: _umtx_op, pthread_getthreadid_np,
// CLOCK_MONOTONIC_FAST/CLOCK_MONOTONIC, eventfd (13+) or a pipe. Written to the
// documented interfaces; not compiled by this project's CI (docs/platforms.md).
// Included by impl/platform.ipp only, after its helpers (namespace detail),
// when platform.hpp chose this layer.
#ifndef WPU_POSIX_IMPL_PLATFORM_FREEBSD_IPP
#define WPU_POSIX_IMPL_PLATFORM_FREEBSD_IPP

#include <sys/param.h>  // __FreeBSD_version
#include <sys/types.h>
#include <sys/umtx.h>
#include <pthread_np.h>
#if __FreeBSD_version >= 1300000
#  include <sys/eventfd.h>
#  define WPU_POSIX_PLATFORM_EVENTFD 1
#endif

WPU_NAMESPACE_BEGIN
namespace posix {
namespace platform {

// ---- FreeBSD --------------------------------------------------------------------
//
// _umtx_op(2): UMTX_OP_WAIT_UINT_PRIVATE sleeps while the 32-bit word at obj
// equals val, with an optional struct _umtx_time (its size in uaddr, the
// struct in uaddr2): here an absolute deadline on CLOCK_MONOTONIC, the clock
// of libc++'s steady_clock. UMTX_OP_WAKE_PRIVATE wakes up to val sleepers.

WPU_DECL void park(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                   const clock::time_point* until) noexcept {
  if (until == nullptr) {
    ::_umtx_op(word, UMTX_OP_WAIT_UINT_PRIVATE, expected, nullptr, nullptr);
    return;
  }
  struct _umtx_time t;
  t._timeout = detail::to_timespec(*until);
  t._flags = UMTX_ABSTIME;
  t._clockid = CLOCK_MONOTONIC;
  ::_umtx_op(word, UMTX_OP_WAIT_UINT_PRIVATE, expected,
             reinterpret_cast<void*>(static_cast<std::uintptr_t>(sizeof t)), &t);
}

WPU_DECL void unpark_one(std::atomic<std::uint32_t>* word) noexcept {
  ::_umtx_op(word, UMTX_OP_WAKE_PRIVATE, 1, nullptr, nullptr);
}

WPU_DECL void unpark_all(std::atomic<std::uint32_t>* word) noexcept {
  ::_umtx_op(word, UMTX_OP_WAKE_PRIVATE, INT_MAX, nullptr, nullptr);
}

// The kernel's thread id (lwpid), a positive 32-bit number.
WPU_DECL std::uint32_t thread_id() noexcept {
  static thread_local const std::uint32_t tid =
      static_cast<std::uint32_t>(::pthread_getthreadid_np());
  return tid;
}

WPU_DECL std::uint32_t coarse_ms() noexcept {
  return static_cast<std::uint32_t>(detail::ms_on(CLOCK_MONOTONIC_FAST));
}

// FreeBSD has no clock that counts suspended time; CLOCK_MONOTONIC is the
// one its developers will make count it (CLOCK_BOOTTIME is an alias of it).
WPU_DECL std::uint64_t uptime_ms() noexcept {
  return detail::ms_on(CLOCK_MONOTONIC);
}

#if defined(WPU_POSIX_PLATFORM_EVENTFD)
// eventfd(2), FreeBSD 13 and later: the same counter semantics as Linux's.
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
#else
WPU_DECL int pollable_open(pollable* p, bool set) noexcept {
  return detail::open_pipe(p, set);
}
WPU_DECL void pollable_set(const pollable& p) noexcept {
  detail::pipe_set(p);
}
WPU_DECL void pollable_clear(const pollable& p) noexcept {
  detail::pipe_clear(p);
}
#endif

}  // namespace platform
}  // namespace posix
WPU_NAMESPACE_END

#endif  // WPU_POSIX_IMPL_PLATFORM_FREEBSD_IPP
