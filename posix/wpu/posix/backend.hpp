// wpu/posix/backend.hpp - the POSIX backend (Linux first).
//
// Socket handles, WPUFDIsSet, provider paths and blocking callbacks come from
// the backend-free core; WPUModifyIFSHandle checks the proposed handle is an
// open file descriptor.
#ifndef WPU_POSIX_BACKEND_HPP
#define WPU_POSIX_BACKEND_HPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/detail/common_upcalls.hpp>

WPU_NAMESPACE_BEGIN
namespace posix {

class backend final : public detail::common_upcalls {
 public:
  /// A backend over `providers` (the process catalog by default). Each
  /// backend has its own handle table. Any thread may construct one.
  explicit backend(catalog& providers = process_catalog()) noexcept : common_upcalls(providers) {}

  /// WPUModifyIFSHandle. Any thread. `proposed` must be an open file
  /// descriptor and `catalog_id` a catalog entry (else WSAEINVAL); the fd is
  /// registered with the id and returned unchanged, as on Windows.
  WPU_DECL SOCKET modify_ifs_handle(DWORD catalog_id, SOCKET proposed, int* err) noexcept override;
};

}  // namespace posix
WPU_NAMESPACE_END

#  if defined(WPU_HEADER_ONLY)
#    include <wpu/posix/impl/backend.ipp>
#  endif  // defined(WPU_HEADER_ONLY)

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_BACKEND_HPP
