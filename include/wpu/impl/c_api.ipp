// wpu/impl/c_api.ipp - the default backend and the C API of <wpu/wpu.h>.
#ifndef WPU_IMPL_C_API_IPP
#define WPU_IMPL_C_API_IPP

#include <wpu/wpu.hpp>

#include <string_view>

WPU_NAMESPACE_BEGIN

WPU_DECL native_backend& default_backend() noexcept {
  static native_backend* backend = new native_backend(process_catalog());
  return *backend;
}

WPU_NAMESPACE_END

extern "C" {

WPU_DECL int wpu_get_upcall_table(LPWSPUPCALLTABLE table) {
  if (table == nullptr) return WSAEFAULT;
  if (int rc = wpu::process_catalog_status(); rc != 0) return rc;
  *table = wpu::make_upcall_table(wpu::default_backend());
  return 0;
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

WPU_DECL int wpu_set_blocking_hook(LPBLOCKINGCALLBACK callback, DWORD_PTR context) {
  wpu::this_thread_blocking_hook() = {callback, context};
  return 0;
}

#if defined(WPU_POSIX)
WPU_DECL int WSPAPI wpu_complete_overlapped_request(SOCKET s, LPWSAOVERLAPPED overlapped,
                                                    DWORD error, DWORD transferred, LPINT err) {
  return wpu::default_backend().complete_overlapped_request(s, overlapped, error, transferred, err);
}
#endif  // defined(WPU_POSIX)

}  // extern "C"

#endif  // WPU_IMPL_C_API_IPP
