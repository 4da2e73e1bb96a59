// wpu/posix/thread.hpp - the records every primitive shares: a thread's record
// (wake word, APC lock, APC queue), handle untagging and type-stable pools.
// Wake protocol: wpu/posix/impl/thread.ipp.
#ifndef WPU_POSIX_THREAD_HPP
#define WPU_POSIX_THREAD_HPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/detail/winapi_decls.h>
#  include <wpu/upcalls.hpp>
#  include <wpu/posix/platform.hpp>

#  include <boost/lockfree/spsc_queue.hpp>

#  include <atomic>
#  include <cstddef>
#  include <cstdint>
#  include <memory>
#  include <mutex>
#  include <vector>

WPU_NAMESPACE_BEGIN
namespace posix {
namespace detail {

/// The handle an event, thread id, window or port handle names: Windows
/// ignores the low two bits of a kernel handle (ntdef.h's OBJ_HANDLE_TAGBITS,
/// free for applications as tag bits), so h|1, h|2 and h|3 name h. wpu
/// handles are multiples of 4; every lookup, close and comparison of those
/// four kinds goes through this. Socket handles do not: a tagged socket is
/// no socket (WSAENOTSOCK).
inline std::uint64_t untagged(const void* h) noexcept {
  return reinterpret_cast<std::uintptr_t>(h) & ~std::uintptr_t{3};
}

/// One queued APC: the routine and its context (a trivially copyable pair,
/// stored by value).
struct apc_item {
  LPWSAUSERAPC routine;
  DWORD_PTR context;
};

/// A ring of queued APCs: one Boost.Lockfree single-producer/single-consumer
/// queue. A thread's APC queue is a chain of segments: producers (serialised
/// by the APC lock in thread_record::word) fill the tail and link a new, larger segment
/// when it is full; the owner drains the head and frees it once it is empty
/// and has a successor.
struct apc_segment {
  explicit apc_segment(std::size_t n) : items(n), capacity(n) {}
  boost::lockfree::spsc_queue<apc_item> items;
  std::atomic<apc_segment*> next{nullptr};
  std::size_t capacity;
};

struct thread_messages;

/// A thread that waits or receives APCs. Created on the thread's first wait,
/// SleepEx or WPUOpenCurrentThread; reference counted (the thread itself and
/// each open WSATHREADID), so a record is never reused while a handle names
/// it.
struct thread_record {
  // One word for the APC producers' lock and the owner's wake-up:
  //   apc_locked     a producer (or the owner setting up / exiting) holds the
  //                  APC lock, which guards `exited` and `tail`;
  //   apc_contended  producers may be asleep waiting for the lock;
  //   owner_armed    the owner may sleep: it has armed the word and will
  //                  check its wait conditions once more before it does.
  // Every successful change is a seq_cst read-modify-write, so each one
  // synchronises with the next. A producer's unlock clears owner_armed and
  // wakes the owner if it was set, so queueing an APC costs two atomic
  // instructions, and a burst into a sleeping thread one wake.
  // Only the owner parks on `word`; producers waiting for the lock park on
  // `apc_wakeups`, which each unlock that saw apc_contended increments
  // (protocol and no-lost-wake-up argument at thread_core::lock_apcs).
  alignas(64) std::atomic<std::uint32_t> word{0};
  std::atomic<std::uint32_t> apc_wakeups{0};
  bool exited = false;          // guarded by the APC lock
  apc_segment* tail = nullptr;  // guarded by the APC lock; nullptr once exited
  // Handle opens and closes.
  alignas(64) std::atomic<std::uint32_t> refs{0};
  std::uint32_t os_tid = 0;
  // The message queue: made by the thread's first message call, then kept
  // with the record for good (posters may hold a stale record pointer).
  std::atomic<thread_messages*> messages{nullptr};
  // Owner only: the head segment, APCs already taken off it (run FIFO, also
  // when an APC itself waits alertably), and the adaptive-spin counters.
  alignas(64) apc_segment* head = nullptr;
  std::uint32_t batch_pos = 0;
  std::uint32_t batch_len = 0;
  std::uint32_t failed_spins = 0;  // recent spins that ended in a sleep anyway
  std::uint32_t waits = 0;
  bool yield_first = false;  // its last spin's yield let another thread run
  static constexpr std::uint32_t batch_size = 128;
  apc_item batch[batch_size];

  static constexpr std::uint32_t apc_locked = 1;
  static constexpr std::uint32_t apc_contended = 2;
  static constexpr std::uint32_t owner_armed = 4;
};

/// A pool whose records are never freed: a pointer into it always names a
/// record of type T. Any thread.
template <class T, std::size_t Chunk>
class stable_pool {
 public:
  /// A free record, or nullptr when memory is exhausted.
  T* get() noexcept;
  void put(T* p) noexcept;

 private:
  std::mutex mutex_;
  std::vector<T*> free_;
  std::vector<std::unique_ptr<T[]>> chunks_;
  std::uint32_t next_stripe_ = 0;
};

}  // namespace detail

/// The wake protocol of a thread_record and its APC lock: the whole state is
/// in the record, so every function is static. impl/thread.ipp states the
/// protocol next to its code, with the argument that no wake-up is lost.
/// object_core derives from it, so every primitive above calls these unqualified.
class thread_core {
 protected:
  /// Any thread: takes the record's APC lock (guards `exited` and `tail`);
  /// held for a few instructions.
  WPU_DECL static void lock_apcs(detail::thread_record* rec) noexcept;
  /// The holder: releases it, wakes one parked producer if any, and wakes the
  /// owner if it was armed.
  WPU_DECL static void unlock_apcs(detail::thread_record* rec) noexcept;
  /// The owner, before its last check of its wait conditions: the word to
  /// park on.
  WPU_DECL static std::uint32_t arm(detail::thread_record* rec) noexcept;
  /// The owner, once its wait is over.
  WPU_DECL static void disarm(detail::thread_record* rec) noexcept;
  /// The owner, armed and with no condition true: parks until woken, the
  /// word changes or `until` (nullptr: no limit) passes.
  WPU_DECL static void sleep_armed(detail::thread_record* rec, std::uint32_t armed_word,
                                   const platform::clock::time_point* until) noexcept;
  /// A waker, after making a condition true: true if the owner was armed;
  /// the caller then calls wake_owner (after dropping its locks).
  WPU_DECL static bool claim(detail::thread_record* rec) noexcept;
  /// Any thread: wakes the owner parked on its word.
  WPU_DECL static void wake_owner(detail::thread_record* rec) noexcept;
  /// The owner: whether this wait spins before it parks, and the outcome of
  /// a spin (adaptive: a thread whose spins keep failing stops spinning).
  WPU_DECL static bool should_spin(detail::thread_record* rec) noexcept;
  WPU_DECL static void spin_result(detail::thread_record* rec, bool succeeded) noexcept;
  /// The owner: whether an APC is queued (impl/apc.ipp), taking the next
  /// batch off the queue when the current one is used up (refill).
  WPU_DECL static bool has_apcs(detail::thread_record* rec) noexcept;
  WPU_DECL static bool refill(detail::thread_record* rec) noexcept;
};
}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_THREAD_HPP
