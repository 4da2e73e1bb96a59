// wpu/posix/events.hpp - WSA events (WPUCreateEvent / WSACreateEvent and the
// rest) and the rules by which any waitable object is signalled and taken.
// The record (detail::event_object) is in core.hpp, because kernel objects
// and waits share it. Definitions: impl/events.ipp.
#ifndef WPU_POSIX_EVENTS_HPP
#define WPU_POSIX_EVENTS_HPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/posix/core.hpp>

#  include <atomic>
#  include <cstddef>
#  include <cstdint>

WPU_NAMESPACE_BEGIN
namespace posix {

class event_objects : public object_core {
 public:
  // Any thread. Errors are Winsock codes through `err`.
  /// WPUCreateEvent / WSACreateEvent: manual reset, non-signalled. NULL with
  /// WSA_NOT_ENOUGH_MEMORY when memory or the handle table is exhausted.
  WPU_DECL WSAEVENT create_event(int* err) noexcept;
  /// WPUSetEvent: wakes every thread waiting on the event (they run on their
  /// own threads). FALSE with WSA_INVALID_HANDLE for anything but a live event.
  WPU_DECL BOOL set_event(WSAEVENT event, int* err) noexcept;
  /// WPUResetEvent. FALSE with WSA_INVALID_HANDLE as above.
  WPU_DECL BOOL reset_event(WSAEVENT event, int* err) noexcept;
  /// WPUCloseEvent. The handle dies at once; threads already waiting keep
  /// waiting on the object (as on Windows), which is freed after the last one.
  WPU_DECL BOOL close_event(WSAEVENT event, int* err) noexcept;
  /// wpu_event_fd: readable exactly while signalled; made on first request.
  /// -1 with WSA_INVALID_HANDLE or WSAEMFILE.
  WPU_DECL int event_fd(WSAEVENT event, int* err) noexcept;

 protected:
  event_objects() = default;

  /// A new object of `kind` with one reference (its handle), its handle in
  /// *h; nullptr when memory or the handle table is exhausted. Any thread.
  WPU_DECL detail::event_object* make_object(detail::object_kind kind, std::uint32_t initial,
                                             std::uint32_t maximum, std::uint64_t* h) noexcept;
  /// Drops one reference; the last closes the object's fd and returns the
  /// record to its pool.
  WPU_DECL void drop_event_ref(detail::event_object* e) noexcept;  // stripe held
  /// After e's state became signalled: claims every armed sleeper on e's
  /// waiter list (each re-checks its own wait) and collects up to
  /// MAXIMUM_WAIT_OBJECTS of them into sleepers[*n], for the caller to wake
  /// after it drops the stripe; any beyond that are woken here.
  WPU_DECL void wake_locked(detail::event_object* e, detail::thread_record** sleepers,
                            std::size_t* n) noexcept;  // stripe held

  // A wait-any's test of one object: true if it satisfies the wait, having
  // taken its signal if it has one to take (take_one, under the stripe). A
  // manual event or a thread costs one lock-free load (seq_cst: the waiter's
  // half of the wake protocol, see thread_record::word); inlined into the
  // waits' loops.
#  if defined(__GNUC__)
  __attribute__((always_inline))
#  endif
  bool
  try_take(detail::event_object* e, std::uint64_t h, bool validate) noexcept {
    const std::uint64_t v = e->signalled.load(std::memory_order_seq_cst);
    if ((v & detail::state::count) == 0) return false;
    if ((v & detail::state::takes) == 0) return true;
    return take_one(e, h, validate);
  }
  WPU_DECL bool take_one(detail::event_object* e, std::uint64_t h, bool validate) noexcept;
  WPU_DECL static bool take_locked(detail::event_object* e) noexcept;  // stripe held
  /// A wait-all's test: under every object's stripe, in address order, takes
  /// all signals at once or none. 1 taken, 0 not all signalled, -1 a handle
  /// died (when `validate`).
  WPU_DECL int take_all(detail::event_object* const* objs, const std::uint64_t* handles,
                        DWORD count, bool validate) noexcept;
};

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_EVENTS_HPP
