// wpu/posix/impl/platform.ipp - the platform layers (see platform.hpp).
//
// The helpers every layer uses and what is common to all; the layer
// platform.hpp chose is in impl/platform_<layer>.ipp, included at the end. The
// Linux and portable layers are built and tested on every change
// (tests/platform.cpp builds both); the macOS and FreeBSD layers are written
// to the systems' documented interfaces (docs/platforms.md) and are not
// compiled by this project's CI.
#ifndef WPU_POSIX_IMPL_PLATFORM_IPP
#define WPU_POSIX_IMPL_PLATFORM_IPP

#include <wpu/posix/platform.hpp>

#if defined(WPU_POSIX)

#  include <cerrno>
#  include <climits>
#  include <ctime>
#  include <fcntl.h>
#  include <unistd.h>

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

inline std::uint64_t ms_on(clockid_t id) noexcept {
  timespec ts;
  ::clock_gettime(id, &ts);
  return ms_of(ts);
}

// The time left until `until`, in nanoseconds; 0 when it has passed.
inline std::uint64_t ns_until(clock::time_point until) noexcept {
  const auto left =
      std::chrono::duration_cast<std::chrono::nanoseconds>(until - clock::now()).count();
  return left > 0 ? static_cast<std::uint64_t>(left) : 0u;
}

// A process-unique thread number, 1, 2, ... (0 skipped when it wraps): for
// the layers whose kernel thread id is not a 32-bit number.
inline std::uint32_t next_thread_number() noexcept {
  static std::atomic<std::uint32_t> last{0};
  std::uint32_t n;
  do {
    n = last.fetch_add(1, std::memory_order_relaxed) + 1;
  } while (n == 0);
  return n;
}

// Sets O_NONBLOCK and FD_CLOEXEC on fd: 0 or the errno.
inline int make_nonblocking_cloexec(int fd) noexcept {
  const int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return errno;
  const int fdfl = ::fcntl(fd, F_GETFD);
  if (fdfl < 0 || ::fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) < 0) return errno;
  return 0;
}

// One byte into the pipe; a full pipe (EAGAIN) is set already.
inline void pipe_set(const pollable& p) noexcept {
  const char one = 1;
  while (::write(p.write_fd, &one, 1) < 0 && errno == EINTR) {
  }
}

// Empties the pipe: reads until EAGAIN (or an error other than EINTR).
inline void pipe_clear(const pollable& p) noexcept {
  char buf[64];
  for (;;) {
    const ssize_t n = ::read(p.read_fd, buf, sizeof buf);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    return;
  }
}

// A pipe as a pollable signal (every layer without eventfd): readable while
// at least one byte is in it. Both ends non-blocking and close-on-exec; the
// flags are set after pipe() (no pipe2 on macOS), so a fork+exec in another
// thread in between can inherit the fds: callers that fork concurrently
// accept that, as with any pipe() user.
inline int open_pipe(pollable* p, bool set) noexcept {
  int fds[2];
  if (::pipe(fds) != 0) return errno;
  int err = make_nonblocking_cloexec(fds[0]);
  if (err == 0) err = make_nonblocking_cloexec(fds[1]);
  if (err != 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return err;
  }
  p->read_fd = fds[0];
  p->write_fd = fds[1];
  if (set) pipe_set(*p);
  return 0;
}

}  // namespace detail

// The word is a std::atomic<std::uint32_t>, a plain aligned 32-bit word (the
// native layers hand its address to the kernel).
static_assert(sizeof(std::atomic<std::uint32_t>) == 4, "the park word is 32 bits");

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

#  if defined(WPU_POSIX_PLATFORM_LINUX)
#    include <wpu/posix/impl/platform_linux.ipp>
#  elif defined(WPU_POSIX_PLATFORM_MACOS)
#    include <wpu/posix/impl/platform_macos.ipp>
#  elif defined(WPU_POSIX_PLATFORM_FREEBSD)
#    include <wpu/posix/impl/platform_freebsd.ipp>
#  else
#    include <wpu/posix/impl/platform_portable.ipp>
#  endif

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_PLATFORM_IPP
