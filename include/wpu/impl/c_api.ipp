// wpu/impl/c_api.ipp - the default backend and the C API of <wpu/wpu.h>.
#ifndef WPU_IMPL_C_API_IPP
#define WPU_IMPL_C_API_IPP

#include <wpu/detail/winapi_decls.h>
#include <wpu/leaks.hpp>
#include <wpu/wpu.hpp>
#include <wpu/detail/process_objects.hpp>

#include <climits>
#include <cstring>
#include <string_view>

WPU_NAMESPACE_BEGIN

WPU_DECL native_backend& default_backend() noexcept {
  static native_backend* backend = detail::claim_process_object(
      detail::process_object::default_backend, new native_backend(process_catalog()));
  return *backend;
}

namespace detail {
// The calling thread's last error (WSAGetLastError/GetLastError).
inline void set_thread_last_error(DWORD error) noexcept {
#if defined(WPU_POSIX)
  posix::last_error() = error;
#else   // !defined(WPU_POSIX)
  ::SetLastError(error);
#endif  // defined(WPU_POSIX)
}

#if defined(WPU_POSIX)
// The kernel-object entry points' shared steps (see <wpu/winapi.h>).
// A name wpu cannot give (see CreateEventW): non-NULL and not empty.
template <class Char>
inline bool kernel_name(const Char* name) noexcept {
  return name != nullptr && name[0] != 0;
}

inline HANDLE new_event(BOOL manual, BOOL initial, bool named) noexcept {
  if (named) {
    wpu::posix::last_error() = ERROR_NOT_SUPPORTED;
    return nullptr;
  }
  DWORD err = 0;
  HANDLE h =
      wpu::posix::sync::instance().create_kernel_event(manual != FALSE, initial != FALSE, &err);
  return wpu::posix::detail::with_last_error(h, err);
}

inline HANDLE new_semaphore(LONG initial, LONG maximum, bool named) noexcept {
  if (named) {
    wpu::posix::last_error() = ERROR_NOT_SUPPORTED;
    return nullptr;
  }
  DWORD err = 0;
  HANDLE h = wpu::posix::sync::instance().create_semaphore(initial, maximum, &err);
  return wpu::posix::detail::with_last_error(h, err);
}

inline DWORD wait_objects(DWORD count, const HANDLE* handles, BOOL wait_all, DWORD ms,
                          BOOL alertable) noexcept {
  int err = 0;
  DWORD r = wpu::posix::sync::instance().wait(count, handles, wait_all != FALSE, ms,
                                              alertable != FALSE, &err);
  if (r == WAIT_FAILED) wpu::posix::last_error() = static_cast<DWORD>(err);
  return r;
}
#endif  // defined(WPU_POSIX)

// The default backend behind a trace_upcalls (over the leak report's
// decorator when the report is on at that moment): made when a table is
// first asked for with tracing on, never destroyed (as the backend).
inline trace_upcalls& traced_default_backend() noexcept {
  static trace_upcalls* traced = new trace_upcalls(
      leaks::enabled() ? static_cast<upcalls&>(default_leak_upcalls()) : default_backend());
  return *traced;
}
}  // namespace detail

WPU_NAMESPACE_END

extern "C" {

WPU_DECL int wpu_get_upcall_table(LPWSPUPCALLTABLE table) {
  if (table == nullptr) return WSAEFAULT;
  if (int rc = wpu::process_catalog_status(); rc != 0) return rc;
  // The default backend's own binding: tables of other backends stay bound.
  // Tracing on now: the table reaches it through the trace decorator (over
  // the leak report's when that is on too); the leak report alone: its
  // decorator.
  if (wpu::detail::trace_active())
    return wpu::try_make_upcall_table(wpu::detail::traced_default_backend(), table);
  if (wpu::leaks::enabled())
    return wpu::try_make_upcall_table(wpu::detail::default_leak_upcalls(), table);
  return wpu::try_make_upcall_table(wpu::default_backend(), table);
}

WPU_DECL int wpu_catalog_add(const WSAPROTOCOL_INFOW* info, const WCHAR* path, DWORD* catalog_id) {
  if (info == nullptr || path == nullptr) return WSAEFAULT;
  return wpu::process_catalog().add(*info, wpu::wstring_view(path), catalog_id);
}

WPU_DECL int wpu_catalog_remove(DWORD catalog_id) {
  return wpu::process_catalog().remove(catalog_id);
}

WPU_DECL int wpu_catalog_load_file(const char* file, int* error_line) {
  return wpu::process_catalog().load_file(file, error_line);
}

WPU_DECL int wpu_catalog_get(DWORD catalog_id, WSAPROTOCOL_INFOW* info) {
  return wpu::process_catalog().protocol_info(catalog_id, info);
}

WPU_DECL int wpu_catalog_write_order(const DWORD* ids, DWORD count) {
  return wpu::process_catalog().write_order(ids, count);
}

// ---- <wpu/winapi.h>: the catalog functions a provider calls (both platforms) --

WPU_DECL int wpu_wsc_enum_protocols(LPINT lpiProtocols, LPWSAPROTOCOL_INFOW lpProtocolBuffer,
                                    LPDWORD lpdwBufferLength, LPINT lpErrno) {
  return wpu::process_catalog().enum_protocols(lpiProtocols, lpProtocolBuffer, lpdwBufferLength,
                                               true, lpErrno);
}

WPU_DECL int wpu_wsc_get_provider_path(LPGUID lpProviderId, WCHAR* lpszProviderDllPath,
                                       LPINT lpProviderDllPathLen, LPINT lpErrno) {
  int rc = lpProviderId == nullptr || lpProviderDllPathLen == nullptr
               ? WSAEFAULT
               : wpu::process_catalog().provider_path(*lpProviderId, lpszProviderDllPath,
                                                      lpProviderDllPathLen);
  if (rc == 0) return 0;
  if (lpErrno != nullptr) *lpErrno = rc;
  return SOCKET_ERROR;
}

WPU_DECL DWORD wpu_expand_environment_strings_w(LPCWSTR lpSrc, LPWSTR lpDst, DWORD nSize) {
  if (lpSrc == nullptr) {
    wpu::detail::set_thread_last_error(ERROR_INVALID_PARAMETER);
    return 0;
  }
  try {
    const wpu::wstring out = wpu::expand_environment(lpSrc);
    const std::size_t needed = out.size() + 1;
    if (needed > 0xFFFFFFFFu) {
      wpu::detail::set_thread_last_error(ERROR_NOT_ENOUGH_MEMORY);
      return 0;
    }
    if (lpDst != nullptr && nSize > 0) {
      const std::size_t n = needed <= nSize ? out.size() : nSize - 1;
      std::memcpy(lpDst, out.data(), n * sizeof(WCHAR));
      lpDst[n] = 0;
    }
    return static_cast<DWORD>(needed);
  } catch (...) {
    wpu::detail::set_thread_last_error(ERROR_NOT_ENOUGH_MEMORY);
    return 0;
  }
}

WPU_DECL int wpu_set_blocking_hook(LPBLOCKINGCALLBACK callback, DWORD_PTR context) {
  wpu::this_thread_blocking_hook() = {callback, context};
  return 0;
}

WPU_DECL BOOL wpu_post_select_reply(const WSPUPCALLTABLE* upcalls, HWND hwnd, UINT msg, SOCKET s,
                                    LONG event, int error) {
  if (upcalls == nullptr || upcalls->lpWPUPostMessage == nullptr) return FALSE;
  if (event <= 0 || event > FD_ALL_EVENTS || (event & (event - 1)) != 0) return FALSE;
  return upcalls->lpWPUPostMessage(
      hwnd, msg, static_cast<WPARAM>(s),
      static_cast<LPARAM>(WSAMAKESELECTREPLY(static_cast<WORD>(event), static_cast<WORD>(error))));
}

WPU_DECL int WSPAPI wpu_complete_overlapped_request(SOCKET s, LPWSAOVERLAPPED overlapped,
                                                    DWORD error, DWORD transferred, LPINT err) {
  if (wpu::detail::trace_active())
    return wpu::detail::traced_default_backend().complete_overlapped_request(s, overlapped, error,
                                                                             transferred, err);
  return wpu::default_backend().complete_overlapped_request(s, overlapped, error, transferred, err);
}

WPU_DECL HANDLE wpu_associate_socket(SOCKET s, HANDLE port, ULONG_PTR key, DWORD concurrency) {
  DWORD err = 0;
  HANDLE h = wpu::default_backend().associate_port(s, port, key, concurrency, &err);
  if (h == nullptr) {
#if defined(WPU_POSIX)
    wpu::posix::last_error() = err;
#else   // !defined(WPU_POSIX)
    ::SetLastError(err);
#endif  // defined(WPU_POSIX)
  }
  return h;
}

WPU_DECL int wpu_get_overlapped_result(SOCKET s, LPWSAOVERLAPPED overlapped, LPDWORD bytes,
                                       BOOL wait, LPDWORD flags) {
  int err = 0;
  return wpu::default_backend().get_overlapped_result(s, overlapped, bytes, wait, flags, &err)
             ? 0
             : err;
}

#if defined(WPU_POSIX)
// ---- <wpu/winapi.h>: the client side of events, waits and the last error ----
// Failures store their error code as the calling thread's last error.

WPU_DECL WSAEVENT wpu_wsa_create_event(void) {
  auto trace = wpu::detail::app_trace("WSACreateEvent");
  int err = 0;
  WSAEVENT e = wpu::posix::sync::instance().create_event(&err);
  if (e == WSA_INVALID_EVENT) wpu::posix::last_error() = static_cast<DWORD>(err);
  wpu::leaks::note_created(wpu::leak_kind::event, reinterpret_cast<std::uintptr_t>(e),
                           "WSACreateEvent");
  return trace.done(wpu::detail::trace_result::handle, e);
}

WPU_DECL BOOL wpu_wsa_set_event(WSAEVENT event) {
  auto trace = wpu::detail::app_trace("WSASetEvent", wpu::detail::tr::handle{event});
  int err = 0;
  BOOL ok = wpu::posix::sync::instance().set_event(event, &err);
  if (!ok) wpu::posix::last_error() = static_cast<DWORD>(err);
  return trace.done(wpu::detail::trace_result::boolean, ok);
}

WPU_DECL BOOL wpu_wsa_reset_event(WSAEVENT event) {
  auto trace = wpu::detail::app_trace("WSAResetEvent", wpu::detail::tr::handle{event});
  int err = 0;
  BOOL ok = wpu::posix::sync::instance().reset_event(event, &err);
  if (!ok) wpu::posix::last_error() = static_cast<DWORD>(err);
  return trace.done(wpu::detail::trace_result::boolean, ok);
}

WPU_DECL BOOL wpu_wsa_close_event(WSAEVENT event) {
  auto trace = wpu::detail::app_trace("WSACloseEvent", wpu::detail::tr::handle{event});
  int err = 0;
  BOOL ok = wpu::posix::sync::instance().close_event(event, &err);
  if (!ok) wpu::posix::last_error() = static_cast<DWORD>(err);
  if (ok) wpu::leaks::note_closed(wpu::leak_kind::event, reinterpret_cast<std::uintptr_t>(event));
  return trace.done(wpu::detail::trace_result::boolean, ok);
}

WPU_DECL DWORD wpu_wsa_wait_for_multiple_events(DWORD count, const WSAEVENT* events, BOOL wait_all,
                                                DWORD timeout, BOOL alertable) {
  auto trace = wpu::detail::app_trace("WSAWaitForMultipleEvents", count, events, wait_all, timeout,
                                      alertable);
  int err = 0;
  DWORD r = wpu::posix::sync::instance().wait(count, events, wait_all != FALSE, timeout,
                                              alertable != FALSE, &err);
  if (r == WAIT_FAILED) wpu::posix::last_error() = static_cast<DWORD>(err);
  return trace.done(wpu::detail::trace_result::wait, r);
}

WPU_DECL DWORD wpu_sleep_ex(DWORD milliseconds, BOOL alertable) {
  return wpu::posix::sync::instance().sleep(milliseconds, alertable != FALSE);
}

WPU_DECL int wpu_wsa_get_last_error(void) {
  return static_cast<int>(wpu::posix::last_error());
}

WPU_DECL void wpu_wsa_set_last_error(int error) {
  wpu::posix::last_error() = static_cast<DWORD>(error);
}

WPU_DECL DWORD wpu_get_last_error(void) {
  return wpu::posix::last_error();
}

WPU_DECL void wpu_set_last_error(DWORD error) {
  wpu::posix::last_error() = error;
}

WPU_DECL int wpu_event_fd(WSAEVENT event) {
  int err = 0;
  int fd = wpu::posix::sync::instance().event_fd(event, &err);
  if (fd < 0) wpu::posix::last_error() = static_cast<DWORD>(err);
  return fd;
}

// ---- <wpu/winapi.h>: windows and messages ------------------------------------
// Each stores its Win32 error as the last error when it fails (a call that
// succeeds leaves the last error alone, as Windows mostly does).

WPU_DECL ATOM wpu_register_class_w(const WNDCLASSW* wc) {
  DWORD err = 0;
  ATOM a = wpu::posix::sync::instance().register_class(wc, &err);
  return wpu::posix::detail::with_last_error(a, err);
}

WPU_DECL BOOL wpu_unregister_class_w(LPCWSTR class_name, HINSTANCE) {
  DWORD err = 0;
  BOOL ok = wpu::posix::sync::instance().unregister_class(class_name, &err);
  return wpu::posix::detail::with_last_error(ok, err);
}

WPU_DECL HWND wpu_create_window_ex_w(DWORD ex_style, LPCWSTR class_name, LPCWSTR window_name,
                                     DWORD style, int, int, int, int, HWND parent, HMENU menu,
                                     HINSTANCE instance, LPVOID param) {
  DWORD err = 0;
  HWND h = wpu::posix::sync::instance().create_window(class_name, window_name, ex_style, style,
                                                      parent, menu, instance, param, &err);
  wpu::leaks::note_created(wpu::leak_kind::window, reinterpret_cast<std::uintptr_t>(h),
                           "CreateWindowExW");
  return wpu::posix::detail::with_last_error(h, err);
}

WPU_DECL BOOL wpu_destroy_window(HWND hwnd) {
  DWORD err = 0;
  BOOL ok = wpu::posix::sync::instance().destroy_window(hwnd, &err);
  if (ok) wpu::leaks::note_closed(wpu::leak_kind::window, reinterpret_cast<std::uintptr_t>(hwnd));
  return wpu::posix::detail::with_last_error(ok, err);
}

WPU_DECL BOOL wpu_is_window(HWND hwnd) {
  return wpu::posix::sync::instance().is_window(hwnd) ? TRUE : FALSE;
}

WPU_DECL LONG_PTR wpu_get_window_long_ptr_w(HWND hwnd, int index) {
  DWORD err = 0;
  LONG_PTR v = wpu::posix::sync::instance().window_long(hwnd, index, false, 0, &err);
  return wpu::posix::detail::with_last_error(v, err);
}

WPU_DECL LONG_PTR wpu_set_window_long_ptr_w(HWND hwnd, int index, LONG_PTR value) {
  DWORD err = 0;
  LONG_PTR v = wpu::posix::sync::instance().window_long(hwnd, index, true, value, &err);
  return wpu::posix::detail::with_last_error(v, err);
}

WPU_DECL DWORD wpu_get_window_thread_process_id(HWND hwnd, LPDWORD pid) {
  DWORD err = 0;
  DWORD tid = wpu::posix::sync::instance().window_thread(hwnd, &err);
  if (tid != 0 && pid != nullptr) *pid = static_cast<DWORD>(::getpid());
  return wpu::posix::detail::with_last_error(tid, err);
}

WPU_DECL DWORD wpu_get_current_thread_id(void) {
  return wpu::posix::sync::current_thread_id();
}

WPU_DECL BOOL wpu_post_message_w(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
  DWORD err = 0;
  BOOL ok = wpu::posix::sync::instance().post_message(hwnd, msg, wparam, lparam, &err);
  return wpu::posix::detail::with_last_error(ok, err);
}

WPU_DECL BOOL wpu_post_thread_message_w(DWORD thread_id, UINT msg, WPARAM wparam, LPARAM lparam) {
  DWORD err = 0;
  BOOL ok = wpu::posix::sync::instance().post_thread_message(thread_id, msg, wparam, lparam, &err);
  return wpu::posix::detail::with_last_error(ok, err);
}

WPU_DECL void wpu_post_quit_message(int exit_code) {
  wpu::posix::sync::instance().post_quit(exit_code);
}

WPU_DECL BOOL wpu_get_message_w(LPMSG msg, HWND hwnd, UINT min, UINT max) {
  DWORD err = 0;
  int r = wpu::posix::sync::instance().get_message(msg, hwnd, min, max, PM_REMOVE, true, &err);
  return wpu::posix::detail::with_last_error(r < 0 ? -1 : r == 0 ? FALSE : TRUE, err);
}

WPU_DECL BOOL wpu_peek_message_w(LPMSG msg, HWND hwnd, UINT min, UINT max, UINT remove) {
  DWORD err = 0;
  int r = wpu::posix::sync::instance().get_message(msg, hwnd, min, max, remove, false, &err);
  return wpu::posix::detail::with_last_error(r == 0 || r == 1 ? TRUE : FALSE, err);
}

WPU_DECL LRESULT wpu_dispatch_message_w(const MSG* msg) {
  DWORD err = 0;
  LRESULT r = wpu::posix::sync::instance().dispatch_message(msg, &err);
  return wpu::posix::detail::with_last_error(r, err);
}

WPU_DECL LRESULT wpu_def_window_proc_w(HWND, UINT msg, WPARAM, LPARAM) {
  return msg == WM_NCCREATE ? TRUE : 0;
}

WPU_DECL BOOL wpu_translate_message(const MSG*) {
  return FALSE;
}

WPU_DECL DWORD wpu_msg_wait_for_multiple_objects_ex(DWORD count, const HANDLE* handles,
                                                    DWORD milliseconds, DWORD wake_mask,
                                                    DWORD flags) {
  DWORD err = 0;
  DWORD r =
      wpu::posix::sync::instance().msg_wait(count, handles, milliseconds, wake_mask, flags, &err);
  return wpu::posix::detail::with_last_error(r, err);
}

// ---- <wpu/winapi.h>: completion ports ------------------------------------------

WPU_DECL HANDLE wpu_create_io_completion_port(HANDLE file, HANDLE port, ULONG_PTR key,
                                              DWORD concurrency) {
  // A file descriptor (an IFS handle, if registered) or a wpu socket handle:
  // an association of the default backend's.
  const auto value = reinterpret_cast<std::uintptr_t>(file);
  if (value <= static_cast<std::uintptr_t>(INT_MAX) ||
      (file != INVALID_HANDLE_VALUE &&
       wpu::handle_table::kind_of(value) == wpu::handle_kind::socket))
    return wpu_associate_socket(static_cast<SOCKET>(value), port, key, concurrency);
  DWORD err = 0;
  HANDLE h = wpu::posix::sync::instance().create_port(file, port, key, concurrency, &err);
  wpu::leaks::note_created(wpu::leak_kind::port, reinterpret_cast<std::uintptr_t>(h),
                           "CreateIoCompletionPort");
  return wpu::posix::detail::with_last_error(h, err);
}

WPU_DECL BOOL wpu_get_queued_completion_status(HANDLE port, LPDWORD bytes, PULONG_PTR key,
                                               LPOVERLAPPED* overlapped, DWORD milliseconds) {
  if (bytes == nullptr || key == nullptr || overlapped == nullptr) {
    wpu::posix::last_error() = ERROR_INVALID_PARAMETER;
    return FALSE;
  }
  DWORD err = 0;
  OVERLAPPED_ENTRY e{};
  if (wpu::posix::sync::instance().get_completions(port, &e, 1, milliseconds, false, &err) == 0) {
    *overlapped = nullptr;
    return wpu::posix::detail::with_last_error(FALSE, err);
  }
  *bytes = e.dwNumberOfBytesTransferred;
  *key = e.lpCompletionKey;
  *overlapped = e.lpOverlapped;
  if (e.Internal != 0) {  // the operation failed: FALSE, with its error
    wpu::posix::last_error() = wpu::win32_error_of(e.Internal);
    return FALSE;
  }
  return TRUE;
}

WPU_DECL BOOL wpu_get_queued_completion_status_ex(HANDLE port, LPOVERLAPPED_ENTRY entries,
                                                  ULONG count, PULONG removed, DWORD milliseconds,
                                                  BOOL alertable) {
  if (removed == nullptr) {
    wpu::posix::last_error() = ERROR_INVALID_PARAMETER;
    return FALSE;
  }
  DWORD err = 0;
  *removed = wpu::posix::sync::instance().get_completions(port, entries, count, milliseconds,
                                                          alertable != FALSE, &err);
  return wpu::posix::detail::with_last_error(*removed != 0 ? TRUE : FALSE, err);
}

WPU_DECL BOOL wpu_post_queued_completion_status(HANDLE port, DWORD bytes, ULONG_PTR key,
                                                LPOVERLAPPED overlapped) {
  DWORD err = 0;
  BOOL ok = wpu::posix::sync::instance().post_completion(port, bytes, key, overlapped, 0, &err);
  return wpu::posix::detail::with_last_error(ok, err);
}

// ---- <wpu/winapi.h>: kernel objects --------------------------------------------

WPU_DECL HANDLE wpu_create_event_w(LPSECURITY_ATTRIBUTES, BOOL manual, BOOL initial, LPCWSTR name) {
  return wpu::detail::new_event(manual, initial, wpu::detail::kernel_name(name));
}

WPU_DECL HANDLE wpu_create_event_a(LPSECURITY_ATTRIBUTES, BOOL manual, BOOL initial, LPCSTR name) {
  return wpu::detail::new_event(manual, initial, wpu::detail::kernel_name(name));
}

WPU_DECL BOOL wpu_set_event(HANDLE event) {
  return wpu_wsa_set_event(event);
}

WPU_DECL BOOL wpu_reset_event(HANDLE event) {
  return wpu_wsa_reset_event(event);
}

WPU_DECL HANDLE wpu_create_semaphore_w(LPSECURITY_ATTRIBUTES, LONG initial, LONG maximum,
                                       LPCWSTR name) {
  return wpu::detail::new_semaphore(initial, maximum, wpu::detail::kernel_name(name));
}

WPU_DECL HANDLE wpu_create_semaphore_a(LPSECURITY_ATTRIBUTES, LONG initial, LONG maximum,
                                       LPCSTR name) {
  return wpu::detail::new_semaphore(initial, maximum, wpu::detail::kernel_name(name));
}

WPU_DECL BOOL wpu_release_semaphore(HANDLE semaphore, LONG count, LPLONG previous) {
  DWORD err = 0;
  BOOL ok = wpu::posix::sync::instance().release_semaphore(semaphore, count, previous, &err);
  return wpu::posix::detail::with_last_error(ok, err);
}

WPU_DECL HANDLE wpu_create_thread(LPSECURITY_ATTRIBUTES, SIZE_T stack, LPTHREAD_START_ROUTINE start,
                                  LPVOID param, DWORD flags, LPDWORD tid) {
  DWORD err = 0;
  HANDLE h = wpu::posix::sync::instance().create_thread(stack, start, param,
                                                        (flags & CREATE_SUSPENDED) != 0, tid, &err);
  return wpu::posix::detail::with_last_error(h, err);
}

WPU_DECL void wpu_exit_thread(DWORD code) {
  wpu::posix::sync::instance().exit_thread(code);
}

WPU_DECL BOOL wpu_get_exit_code_thread(HANDLE thread, LPDWORD code) {
  DWORD err = 0;
  BOOL ok = wpu::posix::sync::instance().thread_exit_code(thread, code, &err);
  return wpu::posix::detail::with_last_error(ok, err);
}

WPU_DECL DWORD wpu_resume_thread(HANDLE thread) {
  DWORD err = 0;
  DWORD r = wpu::posix::sync::instance().resume_thread(thread, &err);
  return wpu::posix::detail::with_last_error(r, err);
}

WPU_DECL DWORD wpu_queue_user_apc(PAPCFUNC routine, HANDLE thread, ULONG_PTR data) {
  DWORD err = 0;
  BOOL ok = wpu::posix::sync::instance().queue_user_apc(routine, thread, data, &err);
  return wpu::posix::detail::with_last_error(ok ? DWORD{1} : DWORD{0}, err);
}

WPU_DECL DWORD wpu_wait_for_single_object(HANDLE handle, DWORD ms) {
  return wpu::detail::wait_objects(1, &handle, FALSE, ms, FALSE);
}

WPU_DECL DWORD wpu_wait_for_single_object_ex(HANDLE handle, DWORD ms, BOOL alertable) {
  return wpu::detail::wait_objects(1, &handle, FALSE, ms, alertable);
}

WPU_DECL DWORD wpu_wait_for_multiple_objects(DWORD count, const HANDLE* handles, BOOL wait_all,
                                             DWORD ms) {
  return wpu::detail::wait_objects(count, handles, wait_all, ms, FALSE);
}

WPU_DECL DWORD wpu_wait_for_multiple_objects_ex(DWORD count, const HANDLE* handles, BOOL wait_all,
                                                DWORD ms, BOOL alertable) {
  return wpu::detail::wait_objects(count, handles, wait_all, ms, alertable);
}

WPU_DECL BOOL wpu_close_handle(HANDLE handle) {
  wpu::posix::sync& sync = wpu::posix::sync::instance();
  DWORD err = 0;
  if (sync.is_port(handle)) {
    const BOOL ok = sync.close_port(handle, &err);
    if (ok) wpu::leaks::note_closed(wpu::leak_kind::port, reinterpret_cast<std::uintptr_t>(handle));
    return wpu::posix::detail::with_last_error(ok, err);
  }
  int wsa_err = 0;
  if (sync.close_event(handle, &wsa_err)) {
    wpu::leaks::note_closed(wpu::leak_kind::event, reinterpret_cast<std::uintptr_t>(handle));
    return TRUE;
  }
  wpu::posix::last_error() = ERROR_INVALID_HANDLE;
  return FALSE;
}

#endif  // defined(WPU_POSIX)

}  // extern "C"

#endif  // WPU_IMPL_C_API_IPP
