// wpu/posix/core.hpp - the state every POSIX primitive shares: the waitable
// object record (events, semaphores and thread objects share one 64-byte
// record with a state word), the handle table, the type-stable pools of
// those records and of thread records, and the stripe locks that guard a
// waitable object's mutable fields.
//
// The primitives are classes stacked on this one, each deriving from the one
// below it, so a primitive uses only what lies under it (a thread-local
// destructor reaches its own layer through sync::instance(); the thread's
// exit hook, sync::thread_exit, is the top's):
//
//   thread_core       wake protocol and APC lock        thread.hpp
//   object_core       handles, pools, stripes, records  core.hpp
//   event_objects     WSA events, signal/take rules     events.hpp
//   apc_queues        thread ids, WPUQueueApc           apc.hpp
//   kernel_objects    CreateEvent, semaphores, threads  objects.hpp
//   completion_ports  IOCP                              ports.hpp
//   object_waits      WSAWaitForMultipleEvents, SleepEx waits.hpp
//   message_queues    windows, PostMessage, GetMessage  messages.hpp
//   sync              the process's one instance        sync.hpp
//
// One object (sync::instance()) is all of them, so a fast path reaches any
// of this state at a fixed offset from one pointer, with no indirection.
// Code outside the stack includes <wpu/posix/sync.hpp>, its top; in a
// header-only build that header also brings every definition.
// Definitions: impl/thread.ipp.
#ifndef WPU_POSIX_CORE_HPP
#define WPU_POSIX_CORE_HPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/handle_table.hpp>
#  include <wpu/posix/platform.hpp>
#  include <wpu/posix/thread.hpp>

#  include <atomic>
#  include <cstddef>
#  include <cstdint>
#  include <mutex>

WPU_NAMESPACE_BEGIN
namespace posix {
namespace detail {

/// A thread's registration on one event's waiter list.
struct wait_block {
  thread_record* thread = nullptr;
  wait_block* prev = nullptr;
  wait_block* next = nullptr;
};

/// What a thread object (kind thread) knows of its thread beyond the state
/// word; allocated by CreateThread, freed with the object. Written before the
/// thread starts: its record (on which this holds a reference), what it runs.
/// Then: its exit code (set before the object is signalled), its kernel id
/// (0 until the thread has stored it; the creator parks on it) and the
/// suspend count of CREATE_SUSPENDED (a word the new
/// thread sleeps on; changed under the object's stripe).
struct thread_state {
  thread_record* rec = nullptr;
  DWORD(WINAPI* start)(LPVOID) = nullptr;
  LPVOID param = nullptr;
  std::atomic<DWORD> exit_code{STILL_ACTIVE};
  std::atomic<std::uint32_t> tid{0};
  std::atomic<std::uint32_t> suspend_count{0};
};

/// What a waitable object is. Fixed while a handle names the object (written
/// before the handle is published); atomic because a thread holding a stale
/// pointer may read it while the record is set up again.
enum class object_kind : std::uint8_t {
  manual_event,  // WSACreateEvent, WPUCreateEvent, CreateEvent(manual)
  auto_event,    // CreateEvent(auto-reset): a satisfied wait takes the signal
  semaphore,     // CreateSemaphore: a satisfied wait takes one count
  thread,        // CreateThread: signalled once the thread has ended
};

/// The state word of a waitable object: the count in the low 32 bits (0 or
/// 1 for events and threads, the count of a semaphore), and two flags fixed
/// by the kind, so the lock-free fast paths tell the kinds apart with the
/// one load they make anyway: `takes` (auto-reset events and semaphores: a
/// satisfied wait takes the signal) and `not_event` (semaphores and threads,
/// which SetEvent and ResetEvent refuse). A manual-reset event's word is
/// plain 0 or 1.
namespace state {
constexpr std::uint64_t count = 0xFFFFFFFFull;
constexpr std::uint64_t takes = std::uint64_t{1} << 63;
constexpr std::uint64_t not_event = std::uint64_t{1} << 62;
constexpr std::uint64_t flags(object_kind k) noexcept {
  return k == object_kind::auto_event  ? takes
         : k == object_kind::semaphore ? takes | not_event
         : k == object_kind::thread    ? not_event
                                       : 0;
}
}  // namespace state

/// A waitable object: an event, a semaphore or a thread (all reached through
/// handles of kind event, told apart by `kind`). `signalled` is the state
/// word (see state), read without locks. Its count is raised under the
/// stripe lock; manual events are lowered (ResetEvent) under it too, and the
/// signal of an auto-reset event or a semaphore is only ever taken under it,
/// so a wait-all holding every stripe of its objects sees and takes all of
/// them at one instant. The other plain fields are guarded by the stripe
/// lock.
struct alignas(64) event_object {
  std::atomic<std::uint64_t> signalled{0};
  std::atomic<object_kind> kind{object_kind::manual_event};
  std::uint32_t refs = 0;    // 1 while the handle is open, +1 per wait block (+1 thread)
  std::uint64_t handle = 0;  // the live handle, 0 once closed
  wait_block* waiters = nullptr;
  platform::pollable fd;           // made by the first event_fd; under the stripe
  std::uint32_t stripe = 0;        // fixed for the life of the process
  std::uint32_t maximum = 0;       // semaphores: the largest count
  thread_state* thread = nullptr;  // threads: see thread_state (owned)
};

}  // namespace detail

class object_core : protected thread_core {
 public:
  /// Live handles of every kind (for tests and diagnostics). Any thread.
  std::size_t live_handles() const noexcept { return handles_.size(); }
  /// The calling thread's id (the kernel's). Any thread.
  static DWORD current_thread_id() noexcept { return platform::thread_id(); }

 protected:
  object_core() = default;
  object_core(const object_core&) = delete;
  object_core& operator=(const object_core&) = delete;

  // The live object `event` names (tag bits ignored, see detail::untagged),
  // or nullptr. Any thread, lock-free; callers check the handle again under
  // the stripe before they trust more than the state word. Defined here so
  // the fast paths of SetEvent, ResetEvent and the waits inline it.
#  if defined(__GNUC__)
  __attribute__((always_inline))
#  endif
  detail::event_object*
  lookup_event(WSAEVENT event) const noexcept {
    std::uint64_t v;
    if (!handles_.lookup(detail::untagged(event), handle_kind::event, &v)) return nullptr;
    return reinterpret_cast<detail::event_object*>(static_cast<std::uintptr_t>(v));
  }
  /// The lock guarding e's waiters, handle, refs and fd (fixed per record).
  std::mutex& stripe(const detail::event_object* e) noexcept { return stripes_[e->stripe].m; }

  /// The calling thread's record, made on first use; nullptr when memory is
  /// exhausted or the thread is past its exit hook.
  WPU_DECL detail::thread_record* current_record() noexcept;
  /// A fresh record with one reference (its thread's); any thread
  /// (CreateThread makes its new thread's record before the thread runs).
  WPU_DECL detail::thread_record* new_record() noexcept;
  /// Drops one reference; the last returns the record to its pool.
  WPU_DECL void release_thread(detail::thread_record* rec) noexcept;

  struct alignas(64) padded_mutex {
    std::mutex m;
  };
  static constexpr std::uint32_t stripe_count = 256;

  handle_table handles_;  // events, thread ids, windows and ports
  detail::stable_pool<detail::event_object, 1024> events_;
  detail::stable_pool<detail::thread_record, 16> threads_;
  padded_mutex stripes_[stripe_count];
};

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_CORE_HPP
