// wpu/posix/impl/platform_portable.ipp - the portable layer: a parking lot, a process thread
// number, CLOCK_MONOTONIC, a pipe. Built and tested on Linux (tests/platform.cpp). Included by
// impl/platform.ipp only, after its helpers (namespace detail), when platform.hpp chose this layer.
#ifndef WPU_POSIX_IMPL_PLATFORM_PORTABLE_IPP
#define WPU_POSIX_IMPL_PLATFORM_PORTABLE_IPP

#include <condition_variable>
#include <cstddef>
#include <mutex>

WPU_NAMESPACE_BEGIN
namespace posix {
namespace platform {

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

}  // namespace platform
}  // namespace posix
WPU_NAMESPACE_END

#endif  // WPU_POSIX_IMPL_PLATFORM_PORTABLE_IPP
