// wpu/posix/sync.hpp - the POSIX backend's objects: events, kernel objects,
// thread ids and APCs, completion ports, waits, windows and messages.
//
// Each primitive is its own class, stacked on a shared core (core.hpp lists
// the stack); `sync` is the top of the stack and its one instance, so
// WPUCreateEvent's events and WSACreateEvent's are the same objects,
// whichever backend instance made them.
//
// Design (the Windows kernel / .NET PAL model, in user space):
// - An event is a 64-byte record: an atomic state word, the handle it is
//   reachable by, and a list of the threads waiting on it. It owns no file
//   descriptor until wpu_event_fd() asks for one. Auto-reset events,
//   semaphores and CreateThread's thread objects are the same record with
//   another kind (objects.hpp, docs/kernel-objects.md); a wait that takes
//   their signal does so under the record's stripe lock.
// - Every thread that waits owns one wake word (parked on through
//   wpu/posix/platform.hpp) and one APC queue:
//   chained Boost.Lockfree single-producer/single-consumer rings, producers
//   serialised by one lock per target thread, the thread itself draining
//   them in batches without a lock. Waiters put a wait block on each event's
//   list; a setter wakes the threads on that list. An APC producer wakes its
//   target the same way, so an APC reaches a thread already blocked in an
//   INFINITE alertable wait, with one wake per sleep, not per APC.
// - Records are never returned to the allocator (type-stable pools), so a
//   stale handle that races a close reads a valid record and is then refused
//   by the handle check; handles are generational (wpu/handle_table.hpp).
// - Record fields that can change are atomics or guarded by one of 256 stripe
//   locks chosen per record. A wait-all takes the stripes of all its events in
//   address order and checks every state at once: atomic, no lock-ordering
//   deadlock, and a setter never needs more than its own stripe.
// - Setting a set event, resetting a reset event and waiting on a signalled
//   event read one atomic word: no lock, no system call. Blocking waits spin
//   for up to 20 us first (machines with more than one CPU, adaptively), then
//   park on the thread's wake word.
#ifndef WPU_POSIX_SYNC_HPP
#define WPU_POSIX_SYNC_HPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/detail/winapi_decls.h>
#  include <wpu/posix/messages.hpp>

#  include <cstdint>

WPU_NAMESPACE_BEGIN
namespace posix {

/// The process's one object manager: every primitive (core.hpp lists them),
/// so WPUCreateEvent's events and WSACreateEvent's are the same objects,
/// whichever backend instance made them.
class sync final : public message_queues {
 public:
  /// The process's object manager; created on first use, never destroyed.
  /// Any thread.
  WPU_DECL static sync& instance() noexcept;

  /// The calling thread's exit hook (its thread-local slot's destructor):
  /// tears down its messages and APC queue (pending APCs are dropped, not
  /// run) and drops the thread's reference on its record.
  WPU_DECL void thread_exit(detail::thread_record* rec) noexcept;

 private:
  sync() = default;
};

/// The calling thread's last error (WSAGetLastError / GetLastError).
WPU_DECL DWORD& last_error() noexcept;

}  // namespace posix
WPU_NAMESPACE_END

#  if defined(WPU_HEADER_ONLY)
#    include <wpu/posix/impl/sync.ipp>
#    include <wpu/posix/impl/messages.ipp>
#    include <wpu/posix/impl/ports.ipp>
#  endif  // defined(WPU_HEADER_ONLY)

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_SYNC_HPP
