// wpu/posix/impl/sync.ipp - events, waits, thread ids and APCs.
#ifndef WPU_POSIX_IMPL_SYNC_IPP
#define WPU_POSIX_IMPL_SYNC_IPP

#include <wpu/posix/sync.hpp>

#include <wpu/detail/process_objects.hpp>

#if defined(WPU_POSIX)

#  include <cerrno>
#  include <chrono>
#  include <ctime>
#  include <sched.h>
#  include <thread>
#  include <type_traits>
#  include <unistd.h>

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

// Spinning only helps when another CPU can make progress meanwhile.
inline bool may_spin() noexcept {
  static const bool multi = std::thread::hardware_concurrency() > 1;
  return multi;
}

constexpr std::chrono::microseconds spin_limit{20};
// While spinning, a waiter looks at its APC queue only every 5 us: the
// producers are writing those lines, and reading them at every step made a
// stream of APCs several times slower (B3; 5 us measured ~15 % faster than 2),
// for a hand-off latency still below a wake's (8-20 us here).
constexpr std::chrono::microseconds apc_poll{5};
// A spinning waiter yields its CPU every 5 us: when the thread that will wake
// it shares that CPU, spinning only delays it. A yield that took longer than
// 2 us gave the CPU to another thread (a lone sched_yield costs ~0.5 us here),
// so the thread's next spin yields at once. Measured on one CPU (taskset):
// 1M APCs from another thread, 21-23 M/s without yields, 50-58 M/s with; the
// B1 ping-pong 245k round trips/s without, 78k with a 5 us first yield, 340k
// with the first yield at once.
constexpr std::chrono::microseconds yield_every{5};
constexpr std::chrono::nanoseconds yield_shared{2000};

// APC segment sizes: small for a thread that gets few APCs, doubling up to
// 4096 entries (64 KiB) under a burst.
constexpr std::size_t first_segment = 64;
constexpr std::size_t max_segment = 4096;

using clock = platform::clock;

// The spin phase of a wait: up to spin_limit, the caller checking its events at
// every step and its APC queue when apc_due() says so. `shared_cpu` is the
// owner's thread_record::yield_first: set when its last yield let another
// thread run.
struct spin_clock {
  explicit spin_clock(bool* shared) noexcept
      : shared_cpu(shared), next_yield(*shared ? now : now + yield_every) {}
  bool* shared_cpu;
  clock::time_point now = clock::now();
  clock::time_point end = now + spin_limit;
  // Both waits ran the APC queue just before they spin: the first look is
  // one poll period later. Looking again at once made the owner chase a
  // streaming producer a few APCs at a time, every look moving the lines the
  // producer writes: B3 then fell to 17-30 M/s in some passes, against 45-62.
  clock::time_point next_apc_poll = now + apc_poll;
  clock::time_point next_yield;
  unsigned steps = 0;
  // Pauses, or yields when due; false once the spin is over. The clock is read
  // every 8th step. After a yield, one more round of checks (APCs included)
  // before the spin can end: the thread may have been away a whole time slice.
  bool step() noexcept {
    cpu_relax();
    if ((++steps & 7) != 0) return true;
    now = clock::now();
    if (now >= next_yield) {
      const clock::time_point before = now;
      ::sched_yield();
      now = clock::now();
      *shared_cpu = now - before > yield_shared;
      next_yield = now + yield_every;
      next_apc_poll = now;
      return true;
    }
    return now < end;
  }
  bool apc_due() noexcept {
    if (now < next_apc_poll) return false;
    next_apc_poll = now + apc_poll;
    return true;
  }
};

// A deadline in milliseconds from now on the monotonic clock (which is
// steady_clock's on Linux); INFINITE: none, and no clock read.
struct deadline {
  bool infinite;
  clock::time_point at{};
  explicit deadline(DWORD ms) noexcept : infinite(ms == INFINITE) {
    if (!infinite) at = clock::now() + std::chrono::milliseconds(ms);
  }
  bool passed() const noexcept { return !infinite && clock::now() >= at; }
  // For platform::park: nullptr if infinite, else the deadline.
  const clock::time_point* limit() const noexcept { return infinite ? nullptr : &at; }
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
  static sync* s =
      ::wpu::detail::claim_process_object(::wpu::detail::process_object::sync, new sync());
  return *s;
}

WPU_DECL DWORD& last_error() noexcept {
  static thread_local DWORD value = 0;
  return value;
}

// ---- events ---------------------------------------------------------------

// Tag bits are ignored in lookup_event and in every handle comparison below
// (see detail::untagged).

// A new object of `kind` with its state word at `initial`, or nullptr when
// memory or the handle table is exhausted. The record is set up under its
// stripe before the handle is published (so a thread holding a stale pointer
// reads either the old handle or 0, never the new one with old fields).
WPU_DECL event_object* sync::make_object(detail::object_kind kind, std::uint32_t initial,
                                         std::uint32_t maximum, std::uint64_t* h) noexcept {
  event_object* e = events_.get();
  if (e == nullptr) return nullptr;
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    e->signalled.store(detail::state::flags(kind) | initial, std::memory_order_relaxed);
    e->kind.store(kind, std::memory_order_relaxed);
    e->maximum = maximum;
    e->refs = 1;
    e->waiters = nullptr;
    e->fd = platform::pollable{};
    e->handle = 0;
    e->thread = nullptr;
  }
  *h = handles_.allocate(handle_kind::event, reinterpret_cast<std::uintptr_t>(e));
  if (*h == 0) {
    events_.put(e);
    return nullptr;
  }
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    e->handle = *h;
  }
  return e;
}

WPU_DECL WSAEVENT sync::create_event(int* err) noexcept {
  std::uint64_t h;
  if (make_object(detail::object_kind::manual_event, 0, 1, &h) == nullptr) {
    set_error(err, WSA_NOT_ENOUGH_MEMORY);
    return WSA_INVALID_EVENT;
  }
  return reinterpret_cast<WSAEVENT>(static_cast<std::uintptr_t>(h));
}

// Collects the threads asleep on `e` (stripe held) into sleepers[0..*n),
// waking at once those beyond MAXIMUM_WAIT_OBJECTS; the caller wakes the
// collected ones after the lock, so a woken thread never finds it held.
// Every sleeper is woken, whatever the kind: each re-checks (and, for an
// auto-reset event or a semaphore, tries to take the signal under the stripe),
// so no wait-all that cannot be satisfied keeps a wait-any from its signal.
// Records are type-stable: waking one whose wait has ended meanwhile is a
// harmless spurious wake.
WPU_DECL void sync::wake_locked(event_object* e, thread_record** sleepers,
                                std::size_t* n) noexcept {
  for (wait_block* b = e->waiters; b != nullptr; b = b->next) {
    thread_record* t = b->thread;
    if (!claim(t)) continue;           // not armed: it checks the state before it sleeps
    if (*n == MAXIMUM_WAIT_OBJECTS) {  // many sleepers: wake the rest under the lock
      wake_owner(t);
      continue;
    }
    sleepers[(*n)++] = t;
  }
}

WPU_DECL BOOL sync::set_event(WSAEVENT event, int* err) noexcept {
  event_object* e = lookup_event(event);
  if (e == nullptr) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  // Already set: nothing to do, no lock, no system call. (If the handle was
  // closed concurrently, this orders the set before the close.) Semaphores
  // and threads (not_event) are refused under the lock below.
  if ((e->signalled.load(std::memory_order_acquire) & ~detail::state::takes) == 1) return TRUE;
  // The sleeping waiters are collected under the lock and woken after it, so
  // a woken thread never finds the lock still held. Records are type-stable:
  // waking one whose wait has ended meanwhile is a harmless spurious wake.
  thread_record* sleepers[MAXIMUM_WAIT_OBJECTS];
  std::size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    const detail::object_kind k = e->kind.load(std::memory_order_relaxed);
    if (e->handle != detail::untagged(event) ||
        (k != detail::object_kind::manual_event && k != detail::object_kind::auto_event)) {
      set_error(err, WSA_INVALID_HANDLE);
      return FALSE;
    }
    const std::uint64_t v = e->signalled.load(std::memory_order_relaxed);
    if ((v & detail::state::count) != 0) return TRUE;
    e->signalled.store(v | 1, std::memory_order_seq_cst);
    if (e->fd.read_fd >= 0) platform::pollable_set(e->fd);
    wake_locked(e, sleepers, &n);
  }
  for (std::size_t i = 0; i < n; ++i) wake_owner(sleepers[i]);
  return TRUE;
}

WPU_DECL BOOL sync::reset_event(WSAEVENT event, int* err) noexcept {
  event_object* e = lookup_event(event);
  if (e == nullptr) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  // Not set: nothing to do, no lock, no system call (semaphores and threads,
  // which are no events, are refused under the lock).
  if ((e->signalled.load(std::memory_order_acquire) & ~detail::state::takes) == 0) return TRUE;
  std::lock_guard<std::mutex> lock(stripe(e));
  if (e->handle != detail::untagged(event) ||
      e->kind.load(std::memory_order_relaxed) > detail::object_kind::auto_event) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  const std::uint64_t v = e->signalled.load(std::memory_order_relaxed);
  if ((v & detail::state::count) != 0) {
    e->signalled.store(v & ~detail::state::count, std::memory_order_release);
    if (e->fd.read_fd >= 0) platform::pollable_clear(e->fd);
  }
  return TRUE;
}

// Drops one reference with the stripe held; the last one frees the event.
WPU_DECL void sync::drop_event_ref(event_object* e) noexcept {
  if (--e->refs != 0) return;
  if (e->fd.read_fd >= 0) platform::pollable_close(&e->fd);
  e->signalled.store(0, std::memory_order_relaxed);
  if (e->thread != nullptr) {  // a thread object: its state and reference on the record
    release_thread(e->thread->rec);
    delete e->thread;
    e->thread = nullptr;
  }
  events_.put(e);  // the pool's own lock; never the other way round
}

WPU_DECL BOOL sync::close_event(WSAEVENT event, int* err) noexcept {
  std::uint64_t v;
  if (!handles_.release(detail::untagged(event), handle_kind::event, &v)) {
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
  // Only manual-reset events: an fd cannot show a signal that waits take.
  if (e->handle != detail::untagged(event) ||
      e->kind.load(std::memory_order_relaxed) != detail::object_kind::manual_event) {
    set_error(err, WSA_INVALID_HANDLE);
    return -1;
  }
  if (e->fd.read_fd < 0) {
    const bool set = (e->signalled.load(std::memory_order_relaxed) & detail::state::count) != 0;
    const int rc = platform::pollable_open(&e->fd, set);
    if (rc != 0) {
      set_error(err, rc == EMFILE || rc == ENFILE ? WSAEMFILE : WSA_NOT_ENOUGH_MEMORY);
      return -1;
    }
  }
  return e->fd.read_fd;
}

// ---- threads and APCs -------------------------------------------------------

WPU_DECL thread_record* sync::current_record() noexcept {
  detail::thread_slot& slot = detail::this_thread_slot();
  if (slot.rec != nullptr) return slot.rec;
  if (detail::this_thread_exiting()) return nullptr;  // called from a later TLS destructor
  thread_record* rec = new_record();
  if (rec == nullptr) return nullptr;
  rec->os_tid = platform::thread_id();
  slot.rec = rec;
  return rec;
}

// A fresh record with one reference (its thread's), an empty APC queue and no
// thread id yet; nullptr when memory is exhausted. Any thread: CreateThread
// makes its new thread's record before the thread exists.
WPU_DECL thread_record* sync::new_record() noexcept {
  thread_record* rec = threads_.get();
  if (rec == nullptr) return nullptr;
  detail::apc_segment* first;
  try {
    first = new detail::apc_segment(detail::first_segment);
  } catch (...) {
    threads_.put(rec);
    return nullptr;
  }
  lock_apcs(rec);
  rec->exited = false;
  rec->tail = first;
  unlock_apcs(rec);
  rec->head = first;
  rec->batch_pos = rec->batch_len = 0;
  rec->failed_spins = rec->waits = 0;  // a recycled record starts afresh
  rec->yield_first = false;
  rec->os_tid = 0;
  rec->refs.store(1, std::memory_order_release);  // the thread's own reference
  return rec;
}

// On the exiting thread: APCs still queued are dropped, not run (Windows
// loses them too), and their memory is freed now; producers see `exited`.
WPU_DECL void sync::thread_exit(thread_record* rec) noexcept {
  detail::this_thread_exiting() = true;
  exit_messages(rec);
  lock_apcs(rec);
  rec->exited = true;
  rec->tail = nullptr;
  unlock_apcs(rec);
  for (detail::apc_segment* s = rec->head; s != nullptr;) {
    detail::apc_segment* next = s->next.load(std::memory_order_acquire);
    delete s;
    s = next;
  }
  rec->head = nullptr;
  rec->batch_pos = rec->batch_len = 0;
  release_thread(rec);
}

WPU_DECL void sync::release_thread(thread_record* rec) noexcept {
  if (rec->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  threads_.put(rec);  // no handle names it and its thread has exited
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
  if (thread == nullptr ||
      !handles_.release(detail::untagged(thread->ThreadHandle), handle_kind::thread, &v)) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  release_thread(reinterpret_cast<thread_record*>(static_cast<std::uintptr_t>(v)));
  thread->ThreadHandle = nullptr;
  thread->Reserved = 0;
  return 0;
}

// The APC lock and the owner's wake word (see thread_record::word).
//
// Two sleepers, two words. The owner parks on `word` itself; producers that
// find the lock held park on `apc_wakeups`, a counter the unlocker bumps.
// Sharing `word` keeps an APC at two read-modify-writes (lock, unlock) while
// letting one unlock both release the lock and claim the owner's armed flag.
//
// Every successful change of `word` is a seq_cst read-modify-write, so the
// changes form one chain in which each synchronises with the next: a waker
// that made a condition true before its claim (or unlock) is seen by the
// owner's next arm(), and an owner armed before the claim is woken by it.
// (Only atomic operations, no fences, so ThreadSanitizer can follow it.)
//
// Producers (lock_apcs), no lost wake-up: a producer loads `apc_wakeups`
// (value s) BEFORE it loads `word`, then, while the lock is held, makes sure
// apc_contended is set (its own CAS, or seen set), then parks on
// `apc_wakeups` expecting s. apc_contended stays set until the unlock that
// clears the whole word; that unlock comes after the producer's view of
// `word` in the word's modification order, and it bumps `apc_wakeups` after
// its exchange and then unparks one waiter. All of these are seq_cst, so the
// producer's load of s precedes the bump: either the bump is already visible
// when park checks the counter (park returns at once), or the producer is
// parked and the unpark finds it. A producer woken (or returning) without the
// lock retries, and takes it with apc_contended kept set, because others may
// still be parked: the next unlock wakes one of them. (The counter wraps; a
// producer would miss a change only if exactly 2^32 unlocks ran between its
// load and its park, and then only until the next unlock.)
//
// The owner (arm/sleep_armed/claim): it sets owner_armed, checks its wait
// conditions once more, and parks on `word` expecting the armed value. Any
// change of the word (a producer locking) makes park return at once and the
// owner re-checks; a waker that makes a condition true then claims (clears
// owner_armed) and, if it was set, unparks the owner. Only the owner parks on
// `word`, so unpark_one(&word) reaches it.
//
// Any thread; held for a few instructions (one push), so producers spin
// briefly before they park.
WPU_DECL void sync::lock_apcs(thread_record* rec) noexcept {
  std::uint32_t w = rec->word.load(std::memory_order_relaxed);
  for (int spins = 0; spins < 64; ++spins) {
    if ((w & thread_record::apc_locked) == 0 &&
        rec->word.compare_exchange_weak(w, w | thread_record::apc_locked, std::memory_order_seq_cst,
                                        std::memory_order_relaxed))
      return;
    detail::cpu_relax();
    w = rec->word.load(std::memory_order_relaxed);
  }
  for (;;) {
    const std::uint32_t seen = rec->apc_wakeups.load(std::memory_order_seq_cst);
    w = rec->word.load(std::memory_order_seq_cst);
    if ((w & thread_record::apc_locked) == 0) {
      // Taken after a wait: keep `contended`, others may still be parked.
      if (rec->word.compare_exchange_weak(
              w, w | thread_record::apc_locked | thread_record::apc_contended,
              std::memory_order_seq_cst, std::memory_order_relaxed))
        return;
      continue;
    }
    if ((w & thread_record::apc_contended) == 0 &&
        !rec->word.compare_exchange_weak(w, w | thread_record::apc_contended,
                                         std::memory_order_seq_cst, std::memory_order_relaxed))
      continue;
    platform::park(&rec->apc_wakeups, seen, nullptr);
  }
}

// The lock holder. One exchange releases the lock and claims the owner's
// armed flag; a parked producer and the parked owner are woken. An unlock
// that pushed nothing may wake the owner spuriously; it re-checks.
WPU_DECL void sync::unlock_apcs(thread_record* rec) noexcept {
  const std::uint32_t old = rec->word.exchange(0, std::memory_order_seq_cst);
  if ((old & thread_record::apc_contended) != 0) {
    rec->apc_wakeups.fetch_add(1, std::memory_order_seq_cst);
    platform::unpark_one(&rec->apc_wakeups);
  }
  if ((old & thread_record::owner_armed) != 0) wake_owner(rec);
}

// The owner, before it checks its wait conditions for the last time; returns
// the word to park on.
WPU_DECL std::uint32_t sync::arm(thread_record* rec) noexcept {
  return rec->word.fetch_or(thread_record::owner_armed, std::memory_order_seq_cst) |
         thread_record::owner_armed;
}

// The owner, once its wait is over.
WPU_DECL void sync::disarm(thread_record* rec) noexcept {
  rec->word.fetch_and(~thread_record::owner_armed, std::memory_order_seq_cst);
}

// The owner, armed and with no condition true: parks until woken, the word
// changes, or `until` (nullptr: no limit) passes.
WPU_DECL void sync::sleep_armed(thread_record* rec, std::uint32_t armed_word,
                                const platform::clock::time_point* until) noexcept {
  platform::park(&rec->word, armed_word, until);
}

// A waker, after making a condition true: true if the owner was armed, and
// the caller must then wake it. One claim wins per sleep. Records are
// type-stable: claiming one whose thread has moved on is a spurious wake.
WPU_DECL bool sync::claim(thread_record* rec) noexcept {
  return (rec->word.fetch_and(~thread_record::owner_armed, std::memory_order_seq_cst) &
          thread_record::owner_armed) != 0;
}

// Wakes the owner parked on its word (only the owner parks there).
WPU_DECL void sync::wake_owner(thread_record* rec) noexcept {
  platform::unpark_one(&rec->word);
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
  const std::uint64_t key = detail::untagged(thread->ThreadHandle);
  std::uint64_t v;
  if (!handles_.lookup(key, handle_kind::thread, &v)) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  auto* rec = reinterpret_cast<thread_record*>(static_cast<std::uintptr_t>(v));
  const int rc = push_apc(rec, detail::apc_item{routine, context}, key, v);
  if (rc == 0) return 0;
  set_error(err, rc);
  return SOCKET_ERROR;
}

// Queues `item` to `rec`: 0, WSAEFAULT (the thread has exited, or `key` is
// non-zero and no longer a thread handle carrying `value`) or WSAENOBUFS.
// Records are type-stable, so locking one that was recycled meanwhile is
// harmless; under the lock, the handle still naming it proves it was not
// (a record is reused only after its last handle is closed). With key 0 the
// caller holds a reference on the record instead.
WPU_DECL int sync::push_apc(thread_record* rec, const detail::apc_item& item, std::uint64_t key,
                            std::uint64_t value) noexcept {
  detail::apc_segment* spare = nullptr;  // allocated outside the lock
  for (;;) {
    lock_apcs(rec);
    std::uint64_t again;
    if (rec->exited ||
        (key != 0 && (!handles_.lookup(key, handle_kind::thread, &again) || again != value))) {
      unlock_apcs(rec);
      delete spare;
      return WSAEFAULT;
    }
    detail::apc_segment* tail = rec->tail;
    if (tail->items.push(item)) break;
    if (spare != nullptr) {
      // Full: link a larger segment (the owner frees the old one once drained).
      spare->items.push(item);
      tail->next.store(spare, std::memory_order_release);
      rec->tail = spare;
      spare = nullptr;
      break;
    }
    const std::size_t size =
        tail->capacity < detail::max_segment ? tail->capacity * 2 : detail::max_segment;
    unlock_apcs(rec);
    try {
      spare = new detail::apc_segment(size);
    } catch (...) {
      return WSAENOBUFS;
    }
  }
  unlock_apcs(rec);  // wakes the owner if it is armed: see thread_record::word
  delete spare;      // another producer linked a segment meanwhile
  return 0;
}

// True if an APC is queued to the calling thread (its owner).
WPU_DECL bool sync::has_apcs(thread_record* rec) noexcept {
  return rec->batch_pos != rec->batch_len || rec->head->items.read_available() != 0 ||
         rec->head->next.load(std::memory_order_acquire) != nullptr;
}

// Takes the next batch of APCs off the head segment into rec->batch, moving to
// the next segment when the head is drained. False if none is queued.
WPU_DECL bool sync::refill(thread_record* rec) noexcept {
  for (;;) {
    detail::apc_segment* s = rec->head;
    std::size_t n = s->items.pop(rec->batch, thread_record::batch_size);
    if (n == 0) {
      detail::apc_segment* next = s->next.load(std::memory_order_acquire);
      if (next == nullptr) return false;
      // Every push into `s` happened before `next` was linked: take the last.
      n = s->items.pop(rec->batch, thread_record::batch_size);
      if (n == 0) {
        delete s;
        rec->head = next;
        continue;
      }
    }
    rec->batch_pos = 0;
    rec->batch_len = static_cast<std::uint32_t>(n);
    return true;
  }
}

// Runs every APC queued to the calling thread, FIFO, including any queued
// while they run; an APC that itself waits alertably continues the same
// sequence. Returns how many ran.
WPU_DECL std::size_t sync::run_apcs(thread_record* rec) noexcept {
  std::size_t ran = 0;
  for (;;) {
    if (rec->batch_pos == rec->batch_len && !refill(rec)) return ran;
    const detail::apc_item item = rec->batch[rec->batch_pos++];
    item.routine(item.context);
    ++ran;
  }
}

// After a sleep that ended with APCs to run: a burst (more than one batch)
// means its producer is running right now, so the next waits spin again even
// if recent spins failed. Without this, a thread fed a steady stream that
// once stopped spinning (its producer was preempted, or shared its CPU) stays
// in a wake per burst, and the scheduler tends to keep the pair on one CPU.
WPU_DECL std::size_t sync::run_apcs_after_sleep(thread_record* rec) noexcept {
  const std::size_t ran = run_apcs(rec);
  if (ran > thread_record::batch_size) spin_result(rec, true);
  return ran;
}

// ---- waits ------------------------------------------------------------------

// Takes the signal of an auto-reset event or one count of a semaphore if
// there is one; true for a signalled manual event or thread. Stripe held.
WPU_DECL bool sync::take_locked(event_object* e) noexcept {
  const std::uint64_t v = e->signalled.load(std::memory_order_relaxed);
  if ((v & detail::state::count) == 0) return false;
  if ((v & detail::state::takes) != 0)  // auto-reset: to 0; semaphore: one count
    e->signalled.store((v & detail::state::not_event) != 0 ? v - 1 : v & ~detail::state::count,
                       std::memory_order_relaxed);
  return true;
}

// try_take's slow path: an auto-reset event or a semaphore that looked
// signalled. `validate`: the caller holds no reference on the object (it is
// not registered on it), so the record may have been closed and reused; a
// signal is then taken only while `h` still names it.
WPU_DECL bool sync::take_one(event_object* e, std::uint64_t h, bool validate) noexcept {
  std::lock_guard<std::mutex> lock(stripe(e));
  if (validate && e->handle != h) return false;
  return take_locked(e);
}

// 1 if every object is signalled at one instant (all their stripes held), and
// then the signals of the auto-reset events and semaphores among them are
// taken, all under those locks: a wait-all takes all or nothing. 0 if not,
// -1 if `validate` and a handle is no longer live.
WPU_DECL int sync::take_all(event_object* const* objs, const std::uint64_t* handles, DWORD count,
                            bool validate) noexcept {
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
    if ((objs[i]->signalled.load(std::memory_order_relaxed) & detail::state::count) == 0)
      result = 0;
  }
  if (result > 0)
    for (DWORD i = 0; i < count; ++i) take_locked(objs[i]);  // distinct objects
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
    handles[i] = detail::untagged(events[i]);
  }
  if (wait_all) {
    // Windows refuses an object twice in a wait-all (STATUS_INVALID_PARAMETER_MIX),
    // e and e|1 included: both name one object.
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
      if (try_take(objs[i], handles[i], true)) return WAIT_OBJECT_0 + i;
  } else {
    int r = take_all(objs, handles, count, true);
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
  if (alertable && run_apcs(rec) != 0) return WAIT_IO_COMPLETION;
  if (timeout_ms == 0) return WAIT_TIMEOUT;
  return block(rec, objs, handles, count, wait_all, timeout_ms, alertable, nullptr, err);
}

WPU_DECL DWORD sync::block(thread_record* rec, event_object* const* objs,
                           const std::uint64_t* handles, DWORD count, bool wait_all,
                           DWORD timeout_ms, bool alertable, detail::thread_messages* msgs,
                           int* err) noexcept {
  const detail::deadline until(timeout_ms);
  // `registered`: the wait holds a reference on every object (see try_take).
  auto any_index = [&](bool registered) -> long {
    for (DWORD i = 0; i < count; ++i)
      if (try_take(objs[i], handles[i], !registered)) return static_cast<long>(i);
    return -1;
  };
  auto all_look_set = [&]() {
    for (DWORD i = 0; i < count; ++i)
      if ((objs[i]->signalled.load(std::memory_order_acquire) & detail::state::count) == 0)
        return false;
    return true;
  };
  // MsgWaitForMultipleObjectsEx and GetMessageW: a message that arrived in
  // the calling thread's queue counts as object `count`.
  auto new_message = [&]() { return msgs != nullptr && incoming(msgs); };

  // 1. Spin briefly without registering: a hand-off between two running
  //    threads then costs no system call on either side.
  //    Adaptive: see should_spin().
  if (should_spin(rec)) {
    detail::spin_clock spin(&rec->yield_first);
    for (;;) {
      // The APC queue and the message ring are lines posters write: looked
      // at every poll period only.
      const bool poll = spin.apc_due();
      if (!wait_all) {
        long i = any_index(false);
        if (i >= 0) {
          spin_result(rec, true);
          return WAIT_OBJECT_0 + static_cast<DWORD>(i);
        }
        if (poll && new_message()) {
          spin_result(rec, true);
          return WAIT_OBJECT_0 + count;
        }
      } else if (all_look_set() && (msgs == nullptr || (poll && new_message()))) {
        int r = take_all(objs, handles, count, true);
        if (r > 0) {
          spin_result(rec, true);
          return WAIT_OBJECT_0;
        }
        if (r < 0) {
          set_error(err, WSA_INVALID_HANDLE);
          return WAIT_FAILED;
        }
      }
      if (alertable && poll && has_apcs(rec)) {
        spin_result(rec, true);
        run_apcs(rec);
        return WAIT_IO_COMPLETION;
      }
      if (!spin.step()) {
        spin_result(rec, false);
        break;
      }
      if (!until.infinite && spin.now >= until.at) return WAIT_TIMEOUT;
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

  // 3. Sleep on the thread's wake word until a condition holds. While it
  //    sleeps, the completion port whose packet the thread runs does not
  //    count it (see suspend_port_slot).
  DWORD result = WAIT_FAILED;
  bool suspended = false;
  if (closed) {
    set_error(err, WSA_INVALID_HANDLE);
  } else {
    for (;;) {
      const std::uint32_t armed = arm(rec);
      if (!wait_all) {
        long i = any_index(true);
        if (i >= 0) {
          result = WAIT_OBJECT_0 + static_cast<DWORD>(i);
          break;
        }
        if (new_message()) {
          result = WAIT_OBJECT_0 + count;
          break;
        }
      } else if ((msgs == nullptr || new_message()) && take_all(objs, handles, count, false) > 0) {
        result = WAIT_OBJECT_0;
        break;
      }
      if (alertable && has_apcs(rec)) {
        result = WAIT_IO_COMPLETION;
        break;
      }
      if (until.passed()) {
        result = WAIT_TIMEOUT;
        break;
      }
      if (!suspended) {
        suspend_port_slot();
        suspended = true;
      }
      sleep_armed(rec, armed, until.limit());
    }
    disarm(rec);
    if (suspended) resume_port_slot();
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
  if (result == WAIT_IO_COMPLETION) run_apcs_after_sleep(rec);
  return result;
}

WPU_DECL DWORD sync::sleep(DWORD timeout_ms, bool alertable) noexcept {
  thread_record* rec = alertable ? current_record() : nullptr;
  if (rec == nullptr) {  // not alertable (or out of memory): a plain sleep
    if (timeout_ms == 0) {
      ::sched_yield();
      return 0;
    }
    suspend_port_slot();  // see block()
    if (timeout_ms == INFINITE) {
      for (;;) ::pause();
    }
    // sleep_until resumes after a signal handler and keeps the deadline.
    std::this_thread::sleep_until(platform::clock::now() + std::chrono::milliseconds(timeout_ms));
    resume_port_slot();
    return 0;
  }
  if (run_apcs(rec) != 0) return WAIT_IO_COMPLETION;
  if (timeout_ms == 0) return 0;
  const detail::deadline until(timeout_ms);
  if (should_spin(rec)) {
    detail::spin_clock spin(&rec->yield_first);
    for (;;) {
      if (spin.apc_due() && has_apcs(rec)) {
        spin_result(rec, true);
        return run_apcs(rec) != 0 ? WAIT_IO_COMPLETION : 0;
      }
      if (!spin.step()) {
        spin_result(rec, false);
        break;
      }
    }
  }
  bool suspended = false;
  for (;;) {
    const std::uint32_t armed = arm(rec);
    if (has_apcs(rec)) break;
    if (until.passed()) break;
    if (!suspended) {
      suspend_port_slot();  // see block()
      suspended = true;
    }
    sleep_armed(rec, armed, until.limit());
  }
  disarm(rec);
  if (suspended) resume_port_slot();
  return run_apcs_after_sleep(rec) != 0 ? WAIT_IO_COMPLETION : 0;
}

}  // namespace posix
WPU_NAMESPACE_END

#  include <wpu/posix/impl/objects.ipp>

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_SYNC_IPP
