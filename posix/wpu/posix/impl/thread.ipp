// wpu/posix/impl/thread.ipp - the shared core: thread records (object_core), the
// wake protocol (arm/park/claim/wake), the APC lock, spin policy, deadlines.
#ifndef WPU_POSIX_IMPL_THREAD_IPP
#define WPU_POSIX_IMPL_THREAD_IPP

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
// While spinning, a waiter looks at its APC queue at most once per apc_poll:
// producers are writing those cache lines, and every look moves them away
// from the producer. apc_poll stays below the cost of a park/unpark round
// trip, so a spinning waiter still picks an APC up sooner than a parked one.
constexpr std::chrono::microseconds apc_poll{5};
// A spinning waiter yields its CPU every yield_every: when the thread that
// will wake it shares that CPU, spinning only delays it. A yield that took
// longer than yield_shared (several times a yield that finds nobody else to
// run) gave the CPU to another thread, so the thread's next spin yields at
// its first step.
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
  // one poll period later, so the owner does not chase a streaming producer
  // a few APCs at a time (every look moves the lines the producer writes).
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

// ---- threads and APCs -------------------------------------------------------

WPU_DECL thread_record* object_core::current_record() noexcept {
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
WPU_DECL thread_record* object_core::new_record() noexcept {
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

WPU_DECL void object_core::release_thread(thread_record* rec) noexcept {
  if (rec->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  threads_.put(rec);  // no handle names it and its thread has exited
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
WPU_DECL void thread_core::lock_apcs(thread_record* rec) noexcept {
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
WPU_DECL void thread_core::unlock_apcs(thread_record* rec) noexcept {
  const std::uint32_t old = rec->word.exchange(0, std::memory_order_seq_cst);
  if ((old & thread_record::apc_contended) != 0) {
    rec->apc_wakeups.fetch_add(1, std::memory_order_seq_cst);
    platform::unpark_one(&rec->apc_wakeups);
  }
  if ((old & thread_record::owner_armed) != 0) wake_owner(rec);
}

// The owner, before it checks its wait conditions for the last time; returns
// the word to park on.
WPU_DECL std::uint32_t thread_core::arm(thread_record* rec) noexcept {
  return rec->word.fetch_or(thread_record::owner_armed, std::memory_order_seq_cst) |
         thread_record::owner_armed;
}

// The owner, once its wait is over.
WPU_DECL void thread_core::disarm(thread_record* rec) noexcept {
  rec->word.fetch_and(~thread_record::owner_armed, std::memory_order_seq_cst);
}

// The owner, armed and with no condition true: parks until woken, the word
// changes, or `until` (nullptr: no limit) passes.
WPU_DECL void thread_core::sleep_armed(thread_record* rec, std::uint32_t armed_word,
                                       const platform::clock::time_point* until) noexcept {
  platform::park(&rec->word, armed_word, until);
}

// A waker, after making a condition true: true if the owner was armed, and
// the caller must then wake it. One claim wins per sleep. Records are
// type-stable: claiming one whose thread has moved on is a spurious wake.
WPU_DECL bool thread_core::claim(thread_record* rec) noexcept {
  return (rec->word.fetch_and(~thread_record::owner_armed, std::memory_order_seq_cst) &
          thread_record::owner_armed) != 0;
}

// Wakes the owner parked on its word (only the owner parks there).
WPU_DECL void thread_core::wake_owner(thread_record* rec) noexcept {
  platform::unpark_one(&rec->word);
}

// Spinning pays only when the thread that will wake us runs on another CPU
// meanwhile. A thread whose last spins all ended in a sleep anyway (its
// partner shares its CPU, or is slow) stops spinning, and tries again every
// 256th wait.
WPU_DECL bool thread_core::should_spin(thread_record* rec) noexcept {
  if (!detail::may_spin()) return false;
  return rec->failed_spins < 4 || (++rec->waits & 255) == 0;
}

WPU_DECL void thread_core::spin_result(thread_record* rec, bool succeeded) noexcept {
  if (succeeded)
    rec->failed_spins = 0;
  else if (rec->failed_spins < 4)
    ++rec->failed_spins;
}

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_THREAD_IPP
