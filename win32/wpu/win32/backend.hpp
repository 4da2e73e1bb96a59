// wpu/win32/backend.hpp - the Win32 backend.
//
// The same abstract interface on native Win32: socket handles, WPUFDIsSet,
// provider paths and blocking callbacks come from the backend-free core (so a
// provider can be hosted in-process without installing it); WPUModifyIFSHandle
// checks the proposed handle is an open kernel handle. Events are kernel
// events (waitable with WSAWaitForMultipleEvents), threads are duplicated
// thread handles, APCs are QueueUserAPC's, WPUPostMessage is PostMessageW,
// and WPUCompleteOverlappedRequest queues to real I/O completion ports. To use the real table that
// ws2_32 passes to WSPStartup instead, wrap it in wpu::table_upcalls.
#ifndef WPU_WIN32_BACKEND_HPP
#define WPU_WIN32_BACKEND_HPP

#include <wpu/config.hpp>

#if defined(WPU_WINDOWS)

#  include <wpu/detail/common_upcalls.hpp>

WPU_NAMESPACE_BEGIN
namespace win32 {

class backend final : public detail::common_upcalls {
 public:
  /// A backend over `providers` (the process catalog by default). Any thread.
  /// IFS handles are system sockets, completed by the kernel: see
  /// common_upcalls::ifs_completion.
  explicit backend(catalog& providers = process_catalog()) noexcept
      : common_upcalls(providers, ifs_completion::system) {}

  /// WPUModifyIFSHandle. Any thread. `proposed` must be an open kernel handle
  /// (GetHandleInformation succeeds) and `catalog_id` a catalog entry, else
  /// WSAEINVAL; it is registered with the id and returned unchanged.
  WPU_DECL SOCKET modify_ifs_handle(DWORD catalog_id, SOCKET proposed, int* err) noexcept override;

  /// WPUCreateEvent: a manual-reset, non-signalled kernel event. Any thread;
  /// the handle is usable from every thread of the process.
  /// WSA_INVALID_EVENT with WSA_NOT_ENOUGH_MEMORY when it cannot be made.
  WPU_DECL WSAEVENT create_event(int* err) noexcept override;

  /// WPUSetEvent. Any thread; wakes every thread waiting on the event, in any
  /// thread. FALSE with WSA_INVALID_HANDLE for anything but a live event.
  WPU_DECL BOOL set_event(WSAEVENT event, int* err) noexcept override;

  /// WPUResetEvent. Any thread. FALSE with WSA_INVALID_HANDLE as set_event.
  WPU_DECL BOOL reset_event(WSAEVENT event, int* err) noexcept override;

  /// WPUCloseEvent: closes the handle. Any thread; the caller must ensure no
  /// other thread still uses it. FALSE with WSA_INVALID_HANDLE as set_event.
  WPU_DECL BOOL close_event(WSAEVENT event, int* err) noexcept override;

  /// WPUOpenCurrentThread: fills `thread` with a new handle to the calling
  /// thread (ThreadHandle) and its thread id (Reserved). Any thread; the
  /// result may be used from every thread. WSAEFAULT for NULL `thread`,
  /// WSAENOBUFS when no handle can be made.
  WPU_DECL int open_current_thread(WSATHREADID* thread, int* err) noexcept override;

  /// WPUCloseThread: closes the handle and zeroes `thread`. Any thread.
  /// WSAEFAULT for NULL `thread`, a NULL ThreadHandle or a handle that does
  /// not close.
  WPU_DECL int close_thread(WSATHREADID* thread, int* err) noexcept override;

  /// WPUQueueApc: QueueUserAPC. Any thread; `apc(context)` runs on the
  /// thread `thread` names, inside one of its alertable waits (SleepEx,
  /// WSAWaitForMultipleEvents with fAlertable TRUE), in queueing order.
  /// WSAEFAULT for NULL `thread`, ThreadHandle or `apc`, or when the thread
  /// cannot take the APC (it has exited, or the handle is not open).
  WPU_DECL int queue_apc(WSATHREADID* thread, LPWSAUSERAPC apc, DWORD_PTR context,
                         int* err) noexcept override;

  /// WPUPostMessage: PostMessageW, as ws2_32's. Any thread; the message is
  /// queued on the thread that owns `hwnd` (hwnd NULL: the calling thread)
  /// and dispatched there. FALSE with GetLastError() ERROR_INVALID_WINDOW_HANDLE
  /// for a dead or garbage HWND, ERROR_NOT_ENOUGH_QUOTA when the queue is full.
  WPU_DECL BOOL post_message(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) noexcept override;

 private:
  // Completion ports for the overlapped functions of common_upcalls: real
  // ones from CreateIoCompletionPort. A packet for a failed operation is
  // queued with NtSetIoCompletion and the status NTSTATUS_FROM_WIN32(error),
  // so GetQueuedCompletionStatus returns FALSE with `error`, as on POSIX
  // (PostQueuedCompletionStatus can only queue successes).
  WPU_DECL HANDLE new_port(DWORD concurrency, DWORD* err) noexcept override;
  WPU_DECL void close_port(HANDLE port) noexcept override;
  WPU_DECL bool is_port(HANDLE port) noexcept override;
  WPU_DECL void post_completion(HANDLE port, DWORD bytes, ULONG_PTR key, WSAOVERLAPPED* overlapped,
                                DWORD error) noexcept override;
  WPU_DECL bool wait_event(WSAEVENT event) noexcept override;
  // A registered IFS handle (a system socket): the system's
  // CreateIoCompletionPort, whose port the kernel completes its I/O to.
  WPU_DECL HANDLE associate_system_handle(SOCKET h, HANDLE port, ULONG_PTR key, DWORD concurrency,
                                          DWORD* err) noexcept override;

  // An event worth passing to the kernel: not NULL and within the 32
  // significant bits of a kernel handle. wpu socket handles (>= 2^60), the
  // pseudo-handles (-1, -2, ...) and garbage above that are rejected first.
  WPU_DECL static bool may_be_event(WSAEVENT event) noexcept;
};

}  // namespace win32
WPU_NAMESPACE_END

#  if defined(WPU_HEADER_ONLY)
#    include <wpu/win32/impl/backend.ipp>
#  endif  // defined(WPU_HEADER_ONLY)

#endif  // defined(WPU_WINDOWS)

#endif  // WPU_WIN32_BACKEND_HPP
