// wpu/posix/backend.hpp - the POSIX backend (Linux first).
//
// Socket handles, WPUFDIsSet, provider paths and blocking callbacks come from
// the backend-free core; WPUModifyIFSHandle checks the proposed handle is an
// open file descriptor. Events, thread ids, APCs, windows and completion
// ports are the process-wide objects of wpu::posix::sync (posix/sync.hpp),
// shared by every backend instance and by the client functions of
// <wpu/winapi.h>; WPUCompleteOverlappedRequest posts to those ports.
#ifndef WPU_POSIX_BACKEND_HPP
#define WPU_POSIX_BACKEND_HPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/detail/common_upcalls.hpp>
#  include <wpu/posix/sync.hpp>

WPU_NAMESPACE_BEGIN
namespace posix {

class WPU_API backend final : public ::wpu::detail::common_upcalls {
 public:
  /// A backend over `providers` (the process catalog by default). Each
  /// backend has its own handle table, whose socket values no other backend
  /// accepts, and its own upcall table binding. Any thread may construct one.
  /// IFS handles (registered fds) are completed by wpu: see
  /// common_upcalls::ifs_completion.
  WPU_DECL explicit backend(catalog& providers = process_catalog()) noexcept;
  WPU_DECL ~backend() override;

  /// WPUModifyIFSHandle. Any thread. `proposed` must be an open file
  /// descriptor and `catalog_id` a catalog entry (else WSAEINVAL); the fd is
  /// registered with the id and returned unchanged, as on Windows.
  WPU_DECL SOCKET modify_ifs_handle(DWORD catalog_id, SOCKET proposed, int* err) noexcept override;

  // The members below are out of line (backend.ipp), so code compiled
  // against the shared library calls only the exported backend and never the
  // library-internal posix::sync.

  // Events (slots 2, 12, 11, 0): any thread; a set wakes the threads waiting
  // on the event, on their own threads. Manual reset, created non-signalled;
  // WSA_INVALID_HANDLE for anything but a live event. Set on a set event and
  // reset on a reset event make no system call.
  WPU_DECL WSAEVENT create_event(int* err) noexcept override;
  WPU_DECL BOOL set_event(WSAEVENT event, int* err) noexcept override;
  WPU_DECL BOOL reset_event(WSAEVENT event, int* err) noexcept override;
  WPU_DECL BOOL close_event(WSAEVENT event, int* err) noexcept override;

  // Thread ids and APCs (slots 13, 14, 10). WPUOpenCurrentThread names the
  // calling thread (any thread: std::thread, the main thread...);
  // WPUCloseThread and WPUQueueApc may be called from any thread. The APC runs
  // on the target thread, FIFO, inside its next alertable wait; WSAEFAULT for
  // NULL arguments, a closed id or an exited thread.
  WPU_DECL int open_current_thread(WSATHREADID* thread, int* err) noexcept override;
  WPU_DECL int close_thread(WSATHREADID* thread, int* err) noexcept override;
  // Slot 7: posts exactly like PostMessageW, from any thread; the message is
  // dispatched on the window's owner thread. FALSE (last error
  // ERROR_INVALID_WINDOW_HANDLE) for anything but a live window.
  WPU_DECL BOOL post_message(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) noexcept override;
  WPU_DECL int queue_apc(WSATHREADID* thread, LPWSAUSERAPC apc, DWORD_PTR context,
                         int* err) noexcept override;

 private:
  // Completion ports and waits for the overlapped functions of
  // common_upcalls: the process-wide ones of <wpu/winapi.h>.
  WPU_DECL HANDLE new_port(DWORD concurrency, DWORD* err) noexcept override;
  WPU_DECL void close_port(HANDLE port) noexcept override;
  WPU_DECL bool is_port(HANDLE port) noexcept override;
  WPU_DECL void post_completion(HANDLE port, DWORD bytes, ULONG_PTR key, WSAOVERLAPPED* overlapped,
                                DWORD error) noexcept override;
  WPU_DECL bool wait_event(WSAEVENT event) noexcept override;

  sync& sync_;
};

}  // namespace posix
WPU_NAMESPACE_END

#  if defined(WPU_HEADER_ONLY)
#    include <wpu/posix/impl/backend.ipp>
#  endif  // defined(WPU_HEADER_ONLY)

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_BACKEND_HPP
