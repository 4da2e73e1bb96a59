// wpu/posix/impl/client_windows.ipp - the POSIX client side of windows and messages
// (<wpu/winapi.h>).
// Included where wpu/impl/c_api.ipp is (src.hpp; wpu.hpp in header-only
// mode), after it.
#ifndef WPU_POSIX_IMPL_CLIENT_WINDOWS_IPP
#define WPU_POSIX_IMPL_CLIENT_WINDOWS_IPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/detail/winapi_decls.h>
#  include <wpu/leaks.hpp>
#  include <wpu/wpu.hpp>
#  include <wpu/posix/sync.hpp>

extern "C" {

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

}  // extern "C"

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_CLIENT_WINDOWS_IPP
