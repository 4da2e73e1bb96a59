// wpu/posix/impl/client_ports.ipp - the POSIX client side of completion ports
// (<wpu/winapi.h>).
// Included where wpu/impl/c_api.ipp is (src.hpp; wpu.hpp in header-only
// mode), after it.
#ifndef WPU_POSIX_IMPL_CLIENT_PORTS_IPP
#define WPU_POSIX_IMPL_CLIENT_PORTS_IPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/detail/winapi_decls.h>
#  include <wpu/leaks.hpp>
#  include <wpu/wpu.hpp>
#  include <wpu/posix/sync.hpp>

extern "C" {

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

}  // extern "C"

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_CLIENT_PORTS_IPP
