// wpu/detail/impl/common_upcalls.ipp
#ifndef WPU_DETAIL_IMPL_COMMON_UPCALLS_IPP
#define WPU_DETAIL_IMPL_COMMON_UPCALLS_IPP

#include <wpu/detail/common_upcalls.hpp>

WPU_NAMESPACE_BEGIN
namespace detail {

WPU_DECL SOCKET common_upcalls::create_socket_handle(DWORD catalog_id, DWORD_PTR context,
                                                     int* err) noexcept {
  if (!catalog_.contains(catalog_id)) {
    set_error(err, WSAEINVAL);
    return INVALID_SOCKET;
  }
  std::uint64_t h = handles_.allocate(handle_kind::socket, context);
  if (h == 0) {
    set_error(err, WSAENOBUFS);
    return INVALID_SOCKET;
  }
  return static_cast<SOCKET>(h);
}

WPU_DECL int common_upcalls::close_socket_handle(SOCKET s, int* err) noexcept {
  if (!handles_.release(s, handle_kind::socket, nullptr)) {
    set_error(err, WSAENOTSOCK);
    return SOCKET_ERROR;
  }
  return 0;
}

WPU_DECL int common_upcalls::fd_is_set(SOCKET s, spi_fd_set* set) noexcept {
  return fd_isset(s, set);
}

WPU_DECL int common_upcalls::get_provider_path(GUID* provider_id, WCHAR* path, int* path_len,
                                               int* err) noexcept {
  if (provider_id == nullptr || path_len == nullptr) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  int rc = catalog_.provider_path(*provider_id, path, path_len);
  if (rc != 0) {
    set_error(err, rc);
    return SOCKET_ERROR;
  }
  return 0;
}

WPU_DECL int common_upcalls::query_blocking_callback(DWORD catalog_id, LPBLOCKINGCALLBACK* callback,
                                                     DWORD_PTR* context, int* err) noexcept {
  if (callback == nullptr || context == nullptr) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  if (!catalog_.contains(catalog_id)) {
    set_error(err, WSAEINVAL);
    return SOCKET_ERROR;
  }
  const blocking_hook& hook = this_thread_blocking_hook();
  *callback = hook.callback;
  *context = hook.callback != nullptr ? hook.context : 0;
  return 0;
}

WPU_DECL SOCKET common_upcalls::register_ifs_handle(DWORD catalog_id, SOCKET proposed,
                                                    bool is_native, int* err) noexcept {
  if (!is_native || !catalog_.contains(catalog_id)) {
    set_error(err, WSAEINVAL);
    return INVALID_SOCKET;
  }
  try {
    std::lock_guard<std::mutex> lock(ifs_mutex_);
    ifs_handles_[proposed] = catalog_id;
  } catch (...) {
    set_error(err, WSAENOBUFS);
    return INVALID_SOCKET;
  }
  return proposed;
}

WPU_DECL bool common_upcalls::ifs_catalog_id(SOCKET h, DWORD* catalog_id) const noexcept {
  std::lock_guard<std::mutex> lock(ifs_mutex_);
  auto it = ifs_handles_.find(h);
  if (it == ifs_handles_.end()) return false;
  if (catalog_id != nullptr) *catalog_id = it->second;
  return true;
}

WPU_DECL bool common_upcalls::forget_ifs_handle(SOCKET h) noexcept {
  std::lock_guard<std::mutex> lock(ifs_mutex_);
  return ifs_handles_.erase(h) != 0;
}

// ---- Not yet provided (see README.md) ----------------------------------

WPU_DECL int common_upcalls::complete_overlapped_request(SOCKET, WSAOVERLAPPED*, DWORD, DWORD,
                                                         int* err) noexcept {
  set_error(err, WSAEOPNOTSUPP);
  return SOCKET_ERROR;
}

}  // namespace detail
WPU_NAMESPACE_END

#endif  // WPU_DETAIL_IMPL_COMMON_UPCALLS_IPP
