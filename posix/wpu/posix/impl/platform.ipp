// wpu/posix/impl/platform.ipp - the platform layers (see platform.hpp).
//
// Exactly one of the sections below is compiled (platform.hpp chose it). The
// Linux and portable layers are built and tested on every change (tests/
// platform.cpp builds both); the macOS and FreeBSD layers are written to the
// systems' documented interfaces (docs/platforms.md) and are not compiled by
// this project's CI.
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
#  elif defined(WPU_POSIX_PLATFORM_MACOS)
#    include <pthread.h>
// os_sync_*: when the SDK has them and the compiler can test for them at run
// time (__builtin_available is clang's, Apple's compiler).
#    if defined(__has_include) && defined(__clang__)
#      if __has_include(<os/os_sync_wait_on_address.h>)
#        include <os/os_sync_wait_on_address.h>
#        define WPU_POSIX_PLATFORM_OS_SYNC 1
#      endif
#    endif
// The kernel's ulock calls (xnu, bsd/sys/ulock.h): exported by libSystem,
// declared by no SDK header. __ulock_wait(operation, addr, value,
// timeout_us; 0: none) sleeps while the 32-bit word at addr equals value;
// __ulock_wake(operation, addr, 0) wakes one, or all with ULF_WAKE_ALL.
extern "C" int __ulock_wait(std::uint32_t, void*, std::uint64_t, std::uint32_t);
extern "C" int __ulock_wake(std::uint32_t, void*, std::uint64_t);
#  elif defined(WPU_POSIX_PLATFORM_FREEBSD)
#    include <sys/param.h>  // __FreeBSD_version
#    include <sys/types.h>
#    include <sys/umtx.h>
#    include <pthread_np.h>
#    if __FreeBSD_version >= 1300000
#      include <sys/eventfd.h>
#      define WPU_POSIX_PLATFORM_EVENTFD 1
#    endif
#  else  // portable
#    include <condition_variable>
#    include <cstddef>
#    include <mutex>
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

#  if defined(WPU_POSIX_PLATFORM_LINUX)

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

#  elif defined(WPU_POSIX_PLATFORM_MACOS)

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
#    if defined(WPU_POSIX_PLATFORM_OS_SYNC)
  if (__builtin_available(macOS 14.4, *)) {
    if (until == nullptr)
      os_sync_wait_on_address(addr, expected, 4, OS_SYNC_WAIT_ON_ADDRESS_NONE);
    else
      os_sync_wait_on_address_with_timeout(addr, expected, 4, OS_SYNC_WAIT_ON_ADDRESS_NONE,
                                           OS_CLOCK_MACH_ABSOLUTE_TIME, left_ns);
    return;
  }
#    endif
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
#    if defined(WPU_POSIX_PLATFORM_OS_SYNC)
  if (__builtin_available(macOS 14.4, *)) {
    os_sync_wake_by_address_any(addr, 4, OS_SYNC_WAKE_BY_ADDRESS_NONE);
    return;
  }
#    endif
  __ulock_wake(detail::ul_compare_and_wait, addr, 0);
}

WPU_DECL void unpark_all(std::atomic<std::uint32_t>* word) noexcept {
  void* addr = static_cast<void*>(word);
#    if defined(WPU_POSIX_PLATFORM_OS_SYNC)
  if (__builtin_available(macOS 14.4, *)) {
    os_sync_wake_by_address_all(addr, 4, OS_SYNC_WAKE_BY_ADDRESS_NONE);
    return;
  }
#    endif
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

#  elif defined(WPU_POSIX_PLATFORM_FREEBSD)

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

#    if defined(WPU_POSIX_PLATFORM_EVENTFD)
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
#    else
WPU_DECL int pollable_open(pollable* p, bool set) noexcept {
  return detail::open_pipe(p, set);
}
WPU_DECL void pollable_set(const pollable& p) noexcept {
  detail::pipe_set(p);
}
WPU_DECL void pollable_clear(const pollable& p) noexcept {
  detail::pipe_clear(p);
}
#    endif

#  else  // portable

// ---- portable: a parking lot ----------------------------------------------------
//
// A fixed table of buckets, each a mutex and a FIFO list of the threads
// parked on the words that hash to it. A parked thread waits on the condition
// variable of its own node, so a wake reaches exactly the threads it
// chooses. The node lives on park()'s stack: it exists exactly while its
// thread is inside park() (so park() also works in thread_local destructors
// at thread exit, when a thread_local node could already be gone).
//
// No lost wake-up. Invariant: whoever changes a word and then unparks it
// takes the word's bucket lock AFTER the change (unpark_* always does), and
// park() compares the word with `expected` while holding that lock and links
// its node before releasing it (the condition variable's wait releases it
// atomically with sleeping). So either park's comparison comes after the
// waker's unlock, and sees the change (the lock orders the store before the
// load), or the node is linked before the waker's scan, which finds it.
//
// Lock order: one bucket lock at a time; nothing else is taken under it. A
// node is linked only while its thread is inside park(), which unlinks it
// (or finds it unlinked by its waker) under the bucket lock before
// returning, and a waker notifies under the bucket lock, so the node (and
// its condition variable) outlives every access to it.

namespace detail {

struct parked_thread {
  std::condition_variable wake;
  const void* word = nullptr;  // what it is parked on; bucket lock
  bool woken = false;          // set by the unparker; bucket lock
  parked_thread* prev = nullptr;
  parked_thread* next = nullptr;
};

struct park_bucket {
  alignas(64) std::mutex lock;    // a bucket per cache line
  parked_thread* head = nullptr;  // oldest first
  parked_thread* tail = nullptr;
};

constexpr std::size_t park_bucket_count = 128;  // a power of two

inline park_bucket& bucket_of(const void* word) noexcept {
  // Never destroyed: threads may park and unpark during static destruction.
  static park_bucket* const table = new park_bucket[park_bucket_count];
  // Fibonacci hashing of the address (words are 4-aligned: the low bits say
  // little), the top bits choosing the bucket.
  const std::uint64_t h =
      static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(word)) * 0x9E3779B97F4A7C15ull;
  return table[h >> 57];  // 64 - log2(park_bucket_count)
}
static_assert(park_bucket_count == 128, "bucket_of takes the top 7 bits");

// Both under b.lock.
inline void link(park_bucket& b, parked_thread* n) noexcept {
  n->prev = b.tail;
  n->next = nullptr;
  if (b.tail != nullptr)
    b.tail->next = n;
  else
    b.head = n;
  b.tail = n;
}
inline void unlink(park_bucket& b, parked_thread* n) noexcept {
  if (n->prev != nullptr)
    n->prev->next = n->next;
  else
    b.head = n->next;
  if (n->next != nullptr)
    n->next->prev = n->prev;
  else
    b.tail = n->prev;
  n->prev = n->next = nullptr;
}

// Wakes up to `count` threads parked on `word`, oldest first.
inline void unpark(const void* word, std::size_t count) noexcept {
  park_bucket& b = bucket_of(word);
  std::lock_guard<std::mutex> hold(b.lock);
  parked_thread* n = b.head;
  while (n != nullptr && count > 0) {
    parked_thread* next = n->next;
    if (n->word == word) {
      unlink(b, n);
      n->woken = true;
      n->wake.notify_one();  // under the lock: the node cannot go away yet
      --count;
    }
    n = next;
  }
}

}  // namespace detail

WPU_DECL void park(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                   const clock::time_point* until) noexcept {
  detail::park_bucket& b = detail::bucket_of(word);
  std::unique_lock<std::mutex> hold(b.lock);
  if (word->load(std::memory_order_acquire) != expected) return;
  detail::parked_thread self;
  self.word = word;
  detail::link(b, &self);
  while (!self.woken) {
    if (until == nullptr) {
      self.wake.wait(hold);
    } else if (self.wake.wait_until(hold, *until) == std::cv_status::timeout) {
      break;
    }
  }
  if (!self.woken) detail::unlink(b, &self);  // timed out; a waker unlinks what it wakes
}

WPU_DECL void unpark_one(std::atomic<std::uint32_t>* word) noexcept {
  detail::unpark(word, 1);
}

WPU_DECL void unpark_all(std::atomic<std::uint32_t>* word) noexcept {
  detail::unpark(word, static_cast<std::size_t>(-1));
}

WPU_DECL std::uint32_t thread_id() noexcept {
  static thread_local const std::uint32_t tid = detail::next_thread_number();
  return tid;
}

WPU_DECL std::uint32_t coarse_ms() noexcept {
  return static_cast<std::uint32_t>(detail::ms_on(CLOCK_MONOTONIC));
}

// POSIX names no clock that counts suspended time: CLOCK_MONOTONIC.
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
