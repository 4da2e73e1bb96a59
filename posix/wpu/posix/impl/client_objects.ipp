// wpu/posix/impl/client_objects.ipp - the POSIX client side of kernel objects: events,
// semaphores, threads and their waits (<wpu/winapi.h>).
// Included where wpu/impl/c_api.ipp is (src.hpp; wpu.hpp in header-only
// mode), after it.
#ifndef WPU_POSIX_IMPL_CLIENT_OBJECTS_IPP
#define WPU_POSIX_IMPL_CLIENT_OBJECTS_IPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/detail/winapi_decls.h>
#  include <wpu/leaks.hpp>
#  include <wpu/wpu.hpp>
#  include <wpu/posix/sync.hpp>

WPU_NAMESPACE_BEGIN
namespace detail {

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

}  // namespace detail
WPU_NAMESPACE_END

extern "C" {

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

}  // extern "C"

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_CLIENT_OBJECTS_IPP
