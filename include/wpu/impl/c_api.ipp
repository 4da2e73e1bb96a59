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

}  // extern "C"

#endif  // WPU_IMPL_C_API_IPP
