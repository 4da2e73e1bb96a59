// wpu/posix/impl/backend.ipp
#ifndef WPU_POSIX_IMPL_BACKEND_IPP
#define WPU_POSIX_IMPL_BACKEND_IPP

#include <wpu/posix/backend.hpp>

#if defined(WPU_POSIX)

#  include <climits>
#  include <fcntl.h>

WPU_NAMESPACE_BEGIN
namespace posix {

WPU_DECL SOCKET backend::modify_ifs_handle(DWORD catalog_id, SOCKET proposed, int* err) noexcept {
  bool is_fd = proposed <= static_cast<SOCKET>(INT_MAX) &&
               ::fcntl(static_cast<int>(proposed), F_GETFD) != -1;
  return register_ifs_handle(catalog_id, proposed, is_fd, err);
}

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_BACKEND_IPP
