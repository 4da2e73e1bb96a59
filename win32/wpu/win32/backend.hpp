// wpu/win32/backend.hpp - the Win32 backend.
//
// The same abstract interface on native Win32: socket handles, WPUFDIsSet,
// provider paths and blocking callbacks come from the backend-free core (so a
// provider can be hosted in-process without installing it); WPUModifyIFSHandle
// checks the proposed handle is an open kernel handle. To use the real table
// that ws2_32 passes to WSPStartup instead, wrap it in wpu::table_upcalls.
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
  explicit backend(catalog& providers = process_catalog()) noexcept : common_upcalls(providers) {}

  /// WPUModifyIFSHandle. Any thread. `proposed` must be an open kernel handle
  /// (GetHandleInformation succeeds) and `catalog_id` a catalog entry, else
  /// WSAEINVAL; it is registered with the id and returned unchanged.
  WPU_DECL SOCKET modify_ifs_handle(DWORD catalog_id, SOCKET proposed, int* err) noexcept override;
};

}  // namespace win32
WPU_NAMESPACE_END

#  if defined(WPU_HEADER_ONLY)
#    include <wpu/win32/impl/backend.ipp>
#  endif  // defined(WPU_HEADER_ONLY)

#endif  // defined(WPU_WINDOWS)

#endif  // WPU_WIN32_BACKEND_HPP
