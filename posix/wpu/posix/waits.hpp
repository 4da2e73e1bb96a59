// wpu/posix/waits.hpp - waits on waitable objects (WSAWaitForMultipleEvents,
// WaitForMultipleObjectsEx) and SleepEx, on the calling thread. block() is
// the one blocking loop: the message waits use it too, passing their queue.
// Definitions: impl/waits.ipp.
#ifndef WPU_POSIX_WAITS_HPP
#define WPU_POSIX_WAITS_HPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/posix/ports.hpp>

#  include <cstdint>

WPU_NAMESPACE_BEGIN
namespace posix {

class object_waits : public completion_ports {
 public:
  // The calling thread. APCs run on it, only when `alertable` and nothing
  // else ends the wait first.
  /// WSAWaitForMultipleEvents; errors (WSA_INVALID_PARAMETER,
  /// WSA_INVALID_HANDLE) through err with WAIT_FAILED.
  WPU_DECL DWORD wait(DWORD count, const WSAEVENT* events, bool wait_all, DWORD timeout_ms,
                      bool alertable, int* err) noexcept;
  /// SleepEx.
  WPU_DECL DWORD sleep(DWORD timeout_ms, bool alertable) noexcept;

 protected:
  object_waits() = default;

  /// The owner `rec`: spins briefly, then registers on `objs` (their live
  /// `handles`) and parks, until the wait is satisfied (WAIT_OBJECT_0 + i), a message
  /// arrives in `msgs` (non-NULL: WAIT_OBJECT_0 + count), an APC runs
  /// (WAIT_IO_COMPLETION, when alertable) or the timeout passes.
  WPU_DECL DWORD block(detail::thread_record* rec, detail::event_object* const* objs,
                       const std::uint64_t* handles, DWORD count, bool wait_all, DWORD timeout_ms,
                       bool alertable, detail::thread_messages* msgs, int* err) noexcept;
};

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_WAITS_HPP
