// wpu/posix/impl/client_events.ipp - the POSIX client side of events, waits, thread ids
// and the last error (<wpu/winapi.h>, wpu_wsa_*).
// Included where wpu/impl/c_api.ipp is (src.hpp; wpu.hpp in header-only
// mode), after it.
#ifndef WPU_POSIX_IMPL_CLIENT_EVENTS_IPP
#define WPU_POSIX_IMPL_CLIENT_EVENTS_IPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/detail/winapi_decls.h>
#  include <wpu/leaks.hpp>
#  include <wpu/wpu.hpp>
#  include <wpu/posix/sync.hpp>

extern "C" {

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

}  // extern "C"

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_CLIENT_EVENTS_IPP
