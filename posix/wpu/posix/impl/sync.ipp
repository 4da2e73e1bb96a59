// wpu/posix/impl/sync.ipp - events, waits, thread ids and APCs (Linux).
#ifndef WPU_POSIX_IMPL_SYNC_IPP
#define WPU_POSIX_IMPL_SYNC_IPP

#include <wpu/posix/sync.hpp>

#if defined(WPU_POSIX)

#  if !defined(__linux__)
#    error "wpu's POSIX backend sleeps on Linux futexes; other systems are not supported yet"
#  endif

#  include <cerrno>
#  include <chrono>
#  include <ctime>
#  include <fcntl.h>
#  include <linux/futex.h>
#  include <sched.h>
#  include <sys/syscall.h>
#  include <thread>
#  include <type_traits>
#  include <unistd.h>
#  if !defined(WPU_EVENT_FD_PIPE)
#    include <sys/eventfd.h>
#  endif

WPU_NAMESPACE_BEGIN
namespace posix {
namespace detail {

// ---- small helpers --------------------------------------------------------

inline void cpu_relax() noexcept {
#  if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#  elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#  endif
}

// The futex word is a std::atomic<std::uint32_t>, which is a plain 32-bit
// word on Linux (static_assert below).
static_assert(sizeof(std::atomic<std::uint32_t>) == 4, "futex word");

inline void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                       const timespec* relative) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected,
            relative, nullptr, 0);
}

inline void futex_wake(std::atomic<std::uint32_t>* word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, 1, nullptr,
            nullptr, 0);
}

// Spinning only helps when another CPU can make progress meanwhile.
inline bool may_spin() noexcept {
  static const bool multi = std::thread::hardware_concurrency() > 1;
  return multi;
}

constexpr std::chrono::microseconds spin_limit{20};

using clock = std::chrono::steady_clock;

// A deadline in milliseconds from now on the monotonic clock; INFINITE: none.
struct deadline {
  bool infinite;
  clock::time_point at;
  explicit deadline(DWORD ms) noexcept
      : infinite(ms == INFINITE), at(clock::now() + std::chrono::milliseconds(ms)) {}
  // The time left as a relative timespec; false once it has passed.
  bool remaining(timespec* ts) const noexcept {
    auto left = at - clock::now();
    if (left <= clock::duration::zero()) return false;
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    ts->tv_sec = static_cast<time_t>(ns / 1000000000);
    ts->tv_nsec = static_cast<long>(ns % 1000000000);
    return true;
  }
};

// ---- stable_pool ------------------------------------------------------------

template <class T, std::size_t Chunk>
T* stable_pool<T, Chunk>::get() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (free_.empty()) {
    try {
      std::unique_ptr<T[]> block(new T[Chunk]);
      free_.reserve(free_.size() + Chunk);
      chunks_.reserve(chunks_.size() + 1);
      for (std::size_t i = Chunk; i-- > 0;) {
        if constexpr (std::is_same_v<T, event_object>) block[i].stripe = next_stripe_++ % 256;
        free_.push_back(&block[i]);
      }
      chunks_.push_back(std::move(block));
    } catch (...) {
      return nullptr;
    }
  }
  T* p = free_.back();
  free_.pop_back();
  return p;
}

template <class T, std::size_t Chunk>
void stable_pool<T, Chunk>::put(T* p) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    free_.push_back(p);
  } catch (...) {
    // Out of memory: the record is retired (still type-stable, never reused).
  }
}

// The calling thread's record; its destructor runs at thread exit.
struct thread_slot {
  thread_record* rec = nullptr;
  ~thread_slot() {
    if (rec != nullptr) sync::instance().thread_exit(rec);
    rec = nullptr;
  }
};

inline thread_slot& this_thread_slot() noexcept {
  static thread_local thread_slot slot;
  return slot;
}

// Set once the slot's destructor has run (thread_local with a trivial
// destructor, so it can be read at any point of thread exit).
inline bool& this_thread_exiting() noexcept {
  static thread_local bool exiting = false;
  return exiting;
}

}  // namespace detail

using detail::event_object;
using detail::thread_record;
using detail::wait_block;

WPU_DECL sync& sync::instance() noexcept {
  static sync* s = new sync();
  return *s;
}

WPU_DECL DWORD& last_error() noexcept {
  static thread_local DWORD value = 0;
  return value;
}

// ---- events ---------------------------------------------------------------

WPU_DECL event_object* sync::lookup_event(WSAEVENT event) const noexcept {
  std::uint64_t v;
  if (!handles_.lookup(reinterpret_cast<std::uintptr_t>(event), handle_kind::event, &v))
    return nullptr;
  return reinterpret_cast<event_object*>(static_cast<std::uintptr_t>(v));
}

WPU_DECL WSAEVENT sync::create_event(int* err) noexcept {
  event_object* e = events_.get();
  if (e == nullptr) {
    set_error(err, WSA_NOT_ENOUGH_MEMORY);
    return WSA_INVALID_EVENT;
  }
  std::uint64_t h;
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    e->signalled.store(0, std::memory_order_relaxed);
    e->refs = 1;
    e->waiters = nullptr;
    e->read_fd = e->write_fd = -1;
    e->handle = 0;
  }
  h = handles_.allocate(handle_kind::event, reinterpret_cast<std::uintptr_t>(e));
  if (h == 0) {
    events_.put(e);
    set_error(err, WSA_NOT_ENOUGH_MEMORY);
    return WSA_INVALID_EVENT;
  }
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    e->handle = h;
  }
  return reinterpret_cast<WSAEVENT>(static_cast<std::uintptr_t>(h));
}

WPU_DECL BOOL sync::set_event(WSAEVENT event, int* err) noexcept {
  event_object* e = lookup_event(event);
  if (e == nullptr) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  // Already set: nothing to do, no lock, no system call. (If the handle was
  // closed concurrently, this orders the set before the close.)
  if (e->signalled.load(std::memory_order_acquire) != 0) return TRUE;
  // The sleeping waiters are collected under the lock and woken after it, so
  // a woken thread never finds the lock still held. Records are type-stable:
  // waking one whose wait has ended meanwhile is a harmless spurious wake.
  thread_record* sleepers[MAXIMUM_WAIT_OBJECTS];
  std::size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    if (e->handle != reinterpret_cast<std::uintptr_t>(event)) {
      set_error(err, WSA_INVALID_HANDLE);
      return FALSE;
    }
    if (e->signalled.load(std::memory_order_relaxed) != 0) return TRUE;
    e->signalled.store(1, std::memory_order_seq_cst);
    if (e->write_fd >= 0) {
#  if defined(WPU_EVENT_FD_PIPE)
      const char byte = 1;
      while (::write(e->write_fd, &byte, 1) < 0 && errno == EINTR) {
      }
#  else
      const std::uint64_t one = 1;
      while (::write(e->write_fd, &one, sizeof one) < 0 && errno == EINTR) {
      }
#  endif
    }
    for (wait_block* b = e->waiters; b != nullptr; b = b->next) {
      thread_record* t = b->thread;
      // seq_cst store of the state, then seq_cst load of `sleeping`; the waiter
      // does the mirror image, so one of the two sees the other.
      if (t->sleeping.load(std::memory_order_seq_cst) == 0) continue;  // awake: sees the state
      if (n == MAXIMUM_WAIT_OBJECTS) {  // many sleepers: wake the rest under the lock
        wake(t);
        continue;
      }
      sleepers[n++] = t;
    }
  }
  for (std::size_t i = 0; i < n; ++i) wake(sleepers[i]);
  return TRUE;
}

WPU_DECL BOOL sync::reset_event(WSAEVENT event, int* err) noexcept {
  event_object* e = lookup_event(event);
  if (e == nullptr) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  if (e->signalled.load(std::memory_order_acquire) == 0) return TRUE;  // no lock, no syscall
  std::lock_guard<std::mutex> lock(stripe(e));
  if (e->handle != reinterpret_cast<std::uintptr_t>(event)) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  if (e->signalled.load(std::memory_order_relaxed) != 0) {
    e->signalled.store(0, std::memory_order_release);
    if (e->read_fd >= 0) {
#  if defined(WPU_EVENT_FD_PIPE)
      char byte;
      while (::read(e->read_fd, &byte, 1) < 0 && errno == EINTR) {
      }
#  else
      std::uint64_t count;
      while (::read(e->read_fd, &count, sizeof count) < 0 && errno == EINTR) {
      }
#  endif
    }
  }
  return TRUE;
}

// Drops one reference with the stripe held; the last one frees the event.
WPU_DECL void sync::drop_event_ref(event_object* e) noexcept {
  if (--e->refs != 0) return;
  if (e->read_fd >= 0) ::close(e->read_fd);
  if (e->write_fd >= 0 && e->write_fd != e->read_fd) ::close(e->write_fd);
  e->read_fd = e->write_fd = -1;
  e->signalled.store(0, std::memory_order_relaxed);
  events_.put(e);  // the pool's own lock; never the other way round
}

WPU_DECL BOOL sync::close_event(WSAEVENT event, int* err) noexcept {
  std::uint64_t v;
  if (!handles_.release(reinterpret_cast<std::uintptr_t>(event), handle_kind::event, &v)) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  auto* e = reinterpret_cast<event_object*>(static_cast<std::uintptr_t>(v));
  std::lock_guard<std::mutex> lock(stripe(e));
  e->handle = 0;
  drop_event_ref(e);
  return TRUE;
}

WPU_DECL int sync::event_fd(WSAEVENT event, int* err) noexcept {
  event_object* e = lookup_event(event);
  if (e == nullptr) {
    set_error(err, WSA_INVALID_HANDLE);
    return -1;
  }
  std::lock_guard<std::mutex> lock(stripe(e));
  if (e->handle != reinterpret_cast<std::uintptr_t>(event)) {
    set_error(err, WSA_INVALID_HANDLE);
    return -1;
  }
  if (e->read_fd < 0) {
#  if defined(WPU_EVENT_FD_PIPE)
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
      set_error(err, errno == EMFILE || errno == ENFILE ? WSAEMFILE : WSA_NOT_ENOUGH_MEMORY);
      return -1;
    }
    e->read_fd = fds[0];
    e->write_fd = fds[1];
    if (e->signalled.load(std::memory_order_relaxed) != 0) {
      const char byte = 1;
      while (::write(e->write_fd, &byte, 1) < 0 && errno == EINTR) {
      }
    }
#  else
    int fd = ::eventfd(e->signalled.load(std::memory_order_relaxed), EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
      set_error(err, errno == EMFILE || errno == ENFILE ? WSAEMFILE : WSA_NOT_ENOUGH_MEMORY);
      return -1;
    }
    e->read_fd = e->write_fd = fd;
#  endif
  }
  return e->read_fd;
}

// ---- threads and APCs -------------------------------------------------------

WPU_DECL thread_record* sync::current_record() noexcept {
  detail::thread_slot& slot = detail::this_thread_slot();
  if (slot.rec != nullptr) return slot.rec;
  if (detail::this_thread_exiting()) return nullptr;  // called from a later TLS destructor
  thread_record* rec = threads_.get();
  if (rec == nullptr) return nullptr;
  try {
    rec->apcs.reset(new boost::lockfree::queue<detail::apc_item>(16));
  } catch (...) {
    threads_.put(rec);
    return nullptr;
  }
  rec->os_tid = static_cast<std::uint32_t>(::syscall(SYS_gettid));
  rec->exited.store(false, std::memory_order_relaxed);
  rec->sleeping.store(0, std::memory_order_relaxed);
  rec->refs.store(1, std::memory_order_release);  // the thread's own reference
  slot.rec = rec;
  return rec;
}

WPU_DECL void sync::thread_exit(thread_record* rec) noexcept {
  detail::this_thread_exiting() = true;
  rec->exited.store(true, std::memory_order_seq_cst);
  detail::apc_item item;
  while (rec->apcs->pop(item)) {
    // Pending APCs are dropped, not run (Windows loses them too).
  }
  release_thread(rec);
}

WPU_DECL void sync::release_thread(thread_record* rec) noexcept {
  if (rec->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Last reference: nobody can push any more. Items pushed after the owner
  // exited are freed with the queue.
  rec->apcs.reset();
  threads_.put(rec);
}

// A counted reference to the thread an id names, or nullptr. The pool is
// type-stable, so incrementing a record that was recycled meanwhile is
// harmless: the second lookup then fails and the reference is given back.
WPU_DECL thread_record* sync::acquire_thread(HANDLE h) noexcept {
  auto key = reinterpret_cast<std::uintptr_t>(h);
  std::uint64_t v;
  if (!handles_.lookup(key, handle_kind::thread, &v)) return nullptr;
  auto* rec = reinterpret_cast<thread_record*>(static_cast<std::uintptr_t>(v));
  std::uint32_t r = rec->refs.load(std::memory_order_relaxed);
  do {
    if (r == 0) return nullptr;
  } while (!rec->refs.compare_exchange_weak(r, r + 1, std::memory_order_acquire,
                                            std::memory_order_relaxed));
  std::uint64_t again;
  if (!handles_.lookup(key, handle_kind::thread, &again) || again != v) {
    release_thread(rec);
    return nullptr;
  }
  return rec;
}

WPU_DECL int sync::open_current_thread(WSATHREADID* thread, int* err) noexcept {
  if (thread == nullptr) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  thread_record* rec = current_record();
  if (rec == nullptr) {
    set_error(err, WSAENOBUFS);
    return SOCKET_ERROR;
  }
  rec->refs.fetch_add(1, std::memory_order_relaxed);
  std::uint64_t h = handles_.allocate(handle_kind::thread, reinterpret_cast<std::uintptr_t>(rec));
  if (h == 0) {
    release_thread(rec);
    set_error(err, WSAENOBUFS);
    return SOCKET_ERROR;
  }
  thread->ThreadHandle = reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(h));
  thread->Reserved = rec->os_tid;
  return 0;
}

WPU_DECL int sync::close_thread(WSATHREADID* thread, int* err) noexcept {
  std::uint64_t v;
  if (thread == nullptr || !handles_.release(reinterpret_cast<std::uintptr_t>(thread->ThreadHandle),
                                             handle_kind::thread, &v)) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  release_thread(reinterpret_cast<thread_record*>(static_cast<std::uintptr_t>(v)));
  thread->ThreadHandle = nullptr;
  thread->Reserved = 0;
  return 0;
}

// Wakes `rec` if it is (about to be) asleep. The caller has made the thread's
// wait condition true with a seq_cst store or RMW; the waiter stores
// `sleeping` (seq_cst), then re-checks its condition with seq_cst loads, so
// one of the two sees the other. (Only seq_cst operations, no fences, so
// ThreadSanitizer can follow it.)
WPU_DECL void sync::wake(thread_record* rec) noexcept {
  if (rec->sleeping.load(std::memory_order_seq_cst) == 0) return;
  rec->wake_seq.fetch_add(1, std::memory_order_release);
  detail::futex_wake(&rec->wake_seq);
}

// Spinning pays only when the thread that will wake us runs on another CPU
// meanwhile. A thread whose last spins all ended in a sleep anyway (its
// partner shares its CPU, or is slow) stops spinning, and tries again every
// 256th wait.
WPU_DECL bool sync::should_spin(thread_record* rec) noexcept {
  if (!detail::may_spin()) return false;
  return rec->failed_spins < 4 || (++rec->waits & 255) == 0;
}

WPU_DECL void sync::spin_result(thread_record* rec, bool succeeded) noexcept {
  if (succeeded)
    rec->failed_spins = 0;
  else if (rec->failed_spins < 4)
    ++rec->failed_spins;
}

WPU_DECL int sync::queue_apc(WSATHREADID* thread, LPWSAUSERAPC routine, DWORD_PTR context,
                             int* err) noexcept {
  if (thread == nullptr || routine == nullptr) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  thread_record* rec = acquire_thread(thread->ThreadHandle);
  if (rec == nullptr) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  if (rec->exited.load(std::memory_order_acquire)) {
    release_thread(rec);
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  if (!rec->apcs->push(detail::apc_item{routine, context})) {
    release_thread(rec);
    set_error(err, WSAENOBUFS);
    return SOCKET_ERROR;
  }
  wake(rec);  // after the push's seq_cst CAS: see wake()
  release_thread(rec);
  return 0;
}

// Runs every APC queued to the calling thread, FIFO, including any queued
// while they run. True if at least one ran.
WPU_DECL bool sync::run_apcs(thread_record* rec) noexcept {
  detail::apc_item item;
  bool ran = false;
  while (rec->apcs->pop(item)) {
    item.routine(item.context);
    ran = true;
  }
  return ran;
}

// ---- waits ------------------------------------------------------------------

// 1 if every event is signalled at one instant (all their stripes held),
// 0 if not, -1 if `validate` and a handle is no longer live.
WPU_DECL int sync::all_signalled(event_object* const* objs, const std::uint64_t* handles,
                                 DWORD count, bool validate) noexcept {
  std::uint32_t ids[MAXIMUM_WAIT_OBJECTS];
  DWORD n = 0;
  for (DWORD i = 0; i < count; ++i) {  // distinct stripes, ascending (insertion sort)
    std::uint32_t s = objs[i]->stripe;
    DWORD j = n;
    while (j > 0 && ids[j - 1] > s) --j;
    if (j > 0 && ids[j - 1] == s) continue;
    for (DWORD k = n; k > j; --k) ids[k] = ids[k - 1];
    ids[j] = s;
    ++n;
  }
  for (DWORD i = 0; i < n; ++i) stripes_[ids[i]].m.lock();
  int result = 1;
  for (DWORD i = 0; i < count; ++i) {
    if (validate && objs[i]->handle != handles[i]) {
      result = -1;
      break;
    }
    if (objs[i]->signalled.load(std::memory_order_relaxed) == 0) result = 0;
  }
  for (DWORD i = n; i-- > 0;) stripes_[ids[i]].m.unlock();
  return result;
}

WPU_DECL DWORD sync::wait(DWORD count, const WSAEVENT* events, bool wait_all, DWORD timeout_ms,
                          bool alertable, int* err) noexcept {
  if (count == 0 || count > MAXIMUM_WAIT_OBJECTS || events == nullptr) {
    set_error(err, WSA_INVALID_PARAMETER);
    return WAIT_FAILED;
  }
  event_object* objs[MAXIMUM_WAIT_OBJECTS];
  std::uint64_t handles[MAXIMUM_WAIT_OBJECTS];
  for (DWORD i = 0; i < count; ++i) {
    objs[i] = lookup_event(events[i]);
    if (objs[i] == nullptr) {
      set_error(err, WSA_INVALID_HANDLE);
      return WAIT_FAILED;
    }
    handles[i] = reinterpret_cast<std::uintptr_t>(events[i]);
  }
  if (wait_all) {
    // Windows refuses an object twice in a wait-all (STATUS_INVALID_PARAMETER_MIX).
    for (DWORD i = 0; i < count; ++i)
      for (DWORD j = i + 1; j < count; ++j)
        if (handles[i] == handles[j]) {
          set_error(err, WSA_INVALID_PARAMETER);
          return WAIT_FAILED;
        }
  }

  // Satisfied already: the lowest signalled index, no lock, no system call.
  if (!wait_all) {
    for (DWORD i = 0; i < count; ++i)
      if (objs[i]->signalled.load(std::memory_order_acquire) != 0) return WAIT_OBJECT_0 + i;
  } else {
    int r = all_signalled(objs, handles, count, true);
    if (r < 0) {
      set_error(err, WSA_INVALID_HANDLE);
      return WAIT_FAILED;
    }
    if (r > 0) return WAIT_OBJECT_0;
  }

  thread_record* rec = nullptr;
  if (alertable || timeout_ms != 0) {
    rec = current_record();
    if (rec == nullptr) {
      set_error(err, WSA_NOT_ENOUGH_MEMORY);
      return WAIT_FAILED;
    }
  }
  // Signalled objects win over APCs, as in the NT kernel's wait.
  if (alertable && run_apcs(rec)) return WAIT_IO_COMPLETION;
  if (timeout_ms == 0) return WAIT_TIMEOUT;
  return block(rec, objs, handles, count, wait_all, timeout_ms, alertable, err);
}

WPU_DECL DWORD sync::block(thread_record* rec, event_object* const* objs,
                           const std::uint64_t* handles, DWORD count, bool wait_all,
                           DWORD timeout_ms, bool alertable, int* err) noexcept {
  const detail::deadline until(timeout_ms);
  auto any_index = [&]() -> long {
    for (DWORD i = 0; i < count; ++i)
      if (objs[i]->signalled.load(std::memory_order_seq_cst) != 0) return static_cast<long>(i);
    return -1;
  };
  auto all_look_set = [&]() {
    for (DWORD i = 0; i < count; ++i)
      if (objs[i]->signalled.load(std::memory_order_acquire) == 0) return false;
    return true;
  };

  // 1. Spin briefly without registering: a hand-off between two running
  //    threads then costs no system call on either side.
  //    Adaptive: see should_spin().
  if (should_spin(rec)) {
    const auto spin_end = detail::clock::now() + detail::spin_limit;
    for (unsigned k = 1;; ++k) {
      if (!wait_all) {
        long i = any_index();
        if (i >= 0) {
          spin_result(rec, true);
          return WAIT_OBJECT_0 + static_cast<DWORD>(i);
        }
      } else if (all_look_set()) {
        int r = all_signalled(objs, handles, count, true);
        if (r > 0) {
          spin_result(rec, true);
          return WAIT_OBJECT_0;
        }
        if (r < 0) {
          set_error(err, WSA_INVALID_HANDLE);
          return WAIT_FAILED;
        }
      }
      if (alertable && !rec->apcs->empty()) {
        spin_result(rec, true);
        run_apcs(rec);
        return WAIT_IO_COMPLETION;
      }
      detail::cpu_relax();
      if ((k & 63) == 0) {
        auto now = detail::clock::now();
        if (now >= spin_end) {
          spin_result(rec, false);
          break;
        }
        if (!until.infinite && now >= until.at) return WAIT_TIMEOUT;
      }
    }
  }

  // 2. Register on every event, checking each is still open.
  wait_block blocks[MAXIMUM_WAIT_OBJECTS];
  DWORD registered = 0;
  bool closed = false;
  for (; registered < count; ++registered) {
    event_object* e = objs[registered];
    std::lock_guard<std::mutex> lock(stripe(e));
    if (e->handle != handles[registered]) {
      closed = true;
      break;
    }
    wait_block& b = blocks[registered];
    b.thread = rec;
    b.prev = nullptr;
    b.next = e->waiters;
    if (e->waiters != nullptr) e->waiters->prev = &b;
    e->waiters = &b;
    ++e->refs;
  }

  // 3. Sleep on the thread's wake word until a condition holds.
  DWORD result = WAIT_FAILED;
  if (closed) {
    set_error(err, WSA_INVALID_HANDLE);
  } else {
    for (;;) {
      rec->sleeping.store(1, std::memory_order_seq_cst);
      const std::uint32_t seq = rec->wake_seq.load(std::memory_order_acquire);
      if (!wait_all) {
        long i = any_index();
        if (i >= 0) {
          result = WAIT_OBJECT_0 + static_cast<DWORD>(i);
          break;
        }
      } else if (all_signalled(objs, handles, count, false) > 0) {
        result = WAIT_OBJECT_0;
        break;
      }
      if (alertable && !rec->apcs->empty()) {
        result = WAIT_IO_COMPLETION;
        break;
      }
      timespec left;
      if (!until.infinite && !until.remaining(&left)) {
        result = WAIT_TIMEOUT;
        break;
      }
      detail::futex_wait(&rec->wake_seq, seq, until.infinite ? nullptr : &left);
    }
    rec->sleeping.store(0, std::memory_order_relaxed);
  }

  // 4. Unregister; a close during the wait may leave us the last reference.
  for (DWORD i = 0; i < registered; ++i) {
    event_object* e = objs[i];
    std::lock_guard<std::mutex> lock(stripe(e));
    wait_block& b = blocks[i];
    if (b.prev != nullptr)
      b.prev->next = b.next;
    else
      e->waiters = b.next;
    if (b.next != nullptr) b.next->prev = b.prev;
    drop_event_ref(e);
  }
  if (result == WAIT_IO_COMPLETION) run_apcs(rec);
  return result;
}

WPU_DECL DWORD sync::sleep(DWORD timeout_ms, bool alertable) noexcept {
  thread_record* rec = alertable ? current_record() : nullptr;
  if (rec == nullptr) {  // not alertable (or out of memory): a plain sleep
    if (timeout_ms == 0) {
      ::sched_yield();
      return 0;
    }
    if (timeout_ms == INFINITE) {
      for (;;) ::pause();
    }
    timespec at;
    ::clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_sec += static_cast<time_t>(timeout_ms / 1000);
    at.tv_nsec += static_cast<long>(timeout_ms % 1000) * 1000000L;
    if (at.tv_nsec >= 1000000000L) {
      at.tv_nsec -= 1000000000L;
      ++at.tv_sec;
    }
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
    }
    return 0;
  }
  if (run_apcs(rec)) return WAIT_IO_COMPLETION;
  if (timeout_ms == 0) return 0;
  const detail::deadline until(timeout_ms);
  if (should_spin(rec)) {
    const auto spin_end = detail::clock::now() + detail::spin_limit;
    for (unsigned k = 1;; ++k) {
      if (!rec->apcs->empty()) {
        spin_result(rec, true);
        return run_apcs(rec) ? WAIT_IO_COMPLETION : 0;
      }
      detail::cpu_relax();
      if ((k & 63) == 0 && detail::clock::now() >= spin_end) {
        spin_result(rec, false);
        break;
      }
    }
  }
  for (;;) {
    rec->sleeping.store(1, std::memory_order_seq_cst);
    const std::uint32_t seq = rec->wake_seq.load(std::memory_order_acquire);
    if (!rec->apcs->empty()) break;
    timespec left;
    if (!until.infinite && !until.remaining(&left)) break;
    detail::futex_wait(&rec->wake_seq, seq, until.infinite ? nullptr : &left);
  }
  rec->sleeping.store(0, std::memory_order_relaxed);
  return run_apcs(rec) ? WAIT_IO_COMPLETION : 0;
}

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_SYNC_IPP
