// wpu/win32/impl/backend.ipp
#ifndef WPU_WIN32_IMPL_BACKEND_IPP
#define WPU_WIN32_IMPL_BACKEND_IPP

#include <wpu/win32/backend.hpp>

#if defined(WPU_WINDOWS)

WPU_NAMESPACE_BEGIN
namespace win32 {

WPU_DECL SOCKET backend::modify_ifs_handle(DWORD catalog_id, SOCKET proposed, int* err) noexcept {
  DWORD flags = 0;
  // Kernel handles have 32 significant bits; wpu handles and garbage above
  // that are rejected before asking the kernel.
  bool is_handle = proposed != 0 && proposed != INVALID_SOCKET && proposed <= 0xFFFFFFFFu &&
                   ::GetHandleInformation(reinterpret_cast<HANDLE>(proposed), &flags) != FALSE;
  return register_ifs_handle(catalog_id, proposed, is_handle, err);
}

}  // namespace win32
WPU_NAMESPACE_END

#endif  // defined(WPU_WINDOWS)

#endif  // WPU_WIN32_IMPL_BACKEND_IPP
