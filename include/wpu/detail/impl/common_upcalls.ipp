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
    // A fresh entry: a registration of a value already registered is a new
    // socket that got it, and must not inherit the old one's port.
    ifs_entry& e = ifs_handles_[proposed];
    e = ifs_entry{};
    e.catalog_id = catalog_id;
    e.serial = ++ifs_serials_;
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
  if (catalog_id != nullptr) *catalog_id = it->second.catalog_id;
  return true;
}

WPU_DECL std::uint64_t common_upcalls::ifs_serial(SOCKET h) const noexcept {
  std::lock_guard<std::mutex> lock(ifs_mutex_);
  auto it = ifs_handles_.find(h);
  return it != ifs_handles_.end() ? it->second.serial : 0;
}

WPU_DECL bool common_upcalls::forget_ifs_handle(SOCKET h, std::uint64_t serial) noexcept {
  std::lock_guard<std::mutex> lock(ifs_mutex_);
  auto it = ifs_handles_.find(h);
  if (it == ifs_handles_.end() || (serial != 0 && it->second.serial != serial)) return false;
  ifs_handles_.erase(it);
  return true;
}

// ---- Overlapped completion ----------------------------------------------

namespace overlapped_fields {

// The OVERLAPPED fields the client reads while the provider writes them.
// Windows' headers declare them plain ULONG_PTRs; GCC and Clang's builtins
// give them atomic access without changing the type.
inline void store_release(ULONG_PTR* field, ULONG_PTR value) noexcept {
  __atomic_store_n(field, value, __ATOMIC_RELEASE);
}
inline void store_relaxed(ULONG_PTR* field, ULONG_PTR value) noexcept {
  __atomic_store_n(field, value, __ATOMIC_RELAXED);
}
inline ULONG_PTR load_acquire(const ULONG_PTR* field) noexcept {
  return __atomic_load_n(field, __ATOMIC_ACQUIRE);
}

}  // namespace overlapped_fields

WPU_DECL int common_upcalls::complete_overlapped_request(SOCKET s, WSAOVERLAPPED* overlapped,
                                                         DWORD error, DWORD transferred,
                                                         int* err) noexcept {
  if (overlapped == nullptr) {
    set_error(err, WSA_INVALID_PARAMETER);
    return SOCKET_ERROR;
  }
  if (error == WSS_OPERATION_IN_PROGRESS || error > 0xFFFF) {
    set_error(err, WSAEINVAL);
    return SOCKET_ERROR;
  }
  if (!is_live_socket(s)) return complete_ifs_request(s, overlapped, error, transferred, err);
  // Everything read from the OVERLAPPED is read before Internal says done:
  // from then on the client may reuse or free it.
  const auto event_bits = reinterpret_cast<std::uintptr_t>(overlapped->hEvent);
  // The port is decided before anything is written, so the result is a
  // packet or an error, never 0 without the packet: s was live above; if its
  // link is found now, the packet goes to that port even if s is closed from
  // here on (the completion counts as before the close). If it is not found,
  // either s was never associated (still live: no packet is due) or s was
  // closed since (and its slot maybe reused and linked by a newer socket, so
  // its entry no longer names it): a handle never comes back to life, so a
  // second liveness check tells the two apart, and a dead s is an error
  // before anything was written.
  port_links::link_target target;
  const bool queue = (event_bits & 1) == 0 && links_.find(s, &target);
  if (!queue && (event_bits & 1) == 0 && !is_live_socket(s)) {
    set_error(err, WSAEINVAL);
    return SOCKET_ERROR;
  }
  overlapped_fields::store_relaxed(&overlapped->InternalHigh, transferred);
  overlapped_fields::store_release(&overlapped->Internal, error);
  if (const auto event = reinterpret_cast<WSAEVENT>(event_bits & ~std::uintptr_t{1}))
    set_event(event, nullptr);
  if (queue) post_completion(target.port, transferred, target.key, overlapped, error);
  return 0;
}

WPU_DECL int common_upcalls::complete_ifs_request(SOCKET s, WSAOVERLAPPED* overlapped, DWORD error,
                                                  DWORD transferred, int* err) noexcept {
  if (ifs_completion_ != ifs_completion::wpu ||
      static_cast<std::uint64_t>(s) >= handle_table::marker) {  // a wpu handle, not live
    set_error(err, WSAEINVAL);
    return SOCKET_ERROR;
  }
  const auto event_bits = reinterpret_cast<std::uintptr_t>(overlapped->hEvent);
  // The registration and its port are read together under the lock, before
  // anything is written: a packet goes to the port the handle had then.
  bool queue = false;
  port_links::link_target target;
  {
    std::lock_guard<std::mutex> lock(ifs_mutex_);
    auto it = ifs_handles_.find(s);
    if (it == ifs_handles_.end()) {
      set_error(err, WSAEINVAL);
      return SOCKET_ERROR;
    }
    if ((event_bits & 1) == 0 && it->second.linked) {
      queue = true;
      target = it->second.target;
    }
  }
  overlapped_fields::store_relaxed(&overlapped->InternalHigh, transferred);
  overlapped_fields::store_release(&overlapped->Internal, error);
  if (const auto event = reinterpret_cast<WSAEVENT>(event_bits & ~std::uintptr_t{1}))
    set_event(event, nullptr);
  if (queue) post_completion(target.port, transferred, target.key, overlapped, error);
  return 0;
}

WPU_DECL HANDLE common_upcalls::associate_ifs_port(SOCKET s, HANDLE port, ULONG_PTR key,
                                                   DWORD concurrency, DWORD* err) noexcept {
  if (ifs_completion_ == ifs_completion::system) {
    DWORD id = 0;
    if (!ifs_catalog_id(s, &id)) {
      set_error(err, ERROR_INVALID_HANDLE);
      return nullptr;
    }
    return associate_system_handle(s, port, key, concurrency, err);
  }
  if (port != nullptr && !is_port(port)) {
    set_error(err, ERROR_INVALID_HANDLE);
    return nullptr;
  }
  std::uint64_t serial = 0;
  {
    std::lock_guard<std::mutex> lock(ifs_mutex_);
    auto it = ifs_handles_.find(s);
    if (it == ifs_handles_.end()) {
      set_error(err, ERROR_INVALID_HANDLE);
      return nullptr;
    }
    if (it->second.linked) {
      set_error(err, ERROR_INVALID_PARAMETER);
      return nullptr;
    }
    serial = it->second.serial;
  }
  // A new port is made outside the lock; then the registration must still
  // be the same one (same serial) and unlinked.
  HANDLE made = nullptr;
  if (port == nullptr) {
    made = port = new_port(concurrency, err);
    if (port == nullptr) return nullptr;
  }
  DWORD failure = 0;
  {
    std::lock_guard<std::mutex> lock(ifs_mutex_);
    auto it = ifs_handles_.find(s);
    if (it == ifs_handles_.end() || it->second.serial != serial) {
      failure = ERROR_INVALID_HANDLE;  // forgotten or registered again meanwhile
    } else if (it->second.linked) {
      failure = ERROR_INVALID_PARAMETER;  // a concurrent association won
    } else {
      it->second.linked = true;
      it->second.target = {port, key};
    }
  }
  if (failure == 0) return port;
  set_error(err, failure);
  if (made != nullptr) close_port(made);
  return nullptr;
}

WPU_DECL HANDLE common_upcalls::associate_port(SOCKET s, HANDLE port, ULONG_PTR key,
                                               DWORD concurrency, DWORD* err) noexcept {
  if (static_cast<std::uint64_t>(s) < handle_table::marker)  // never a wpu handle
    return associate_ifs_port(s, port, key, concurrency, err);
  if (!is_live_socket(s) || (port != nullptr && !is_port(port))) {
    set_error(err, ERROR_INVALID_HANDLE);
    return nullptr;
  }
  port_links::link_target existing;
  if (links_.find(s, &existing)) {
    set_error(err, ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  HANDLE made = nullptr;
  if (port == nullptr) {
    made = port = new_port(concurrency, err);
    if (port == nullptr) return nullptr;
  }
  switch (links_.link(s, {port, key})) {
    case port_links::result::linked:
      return port;
    case port_links::result::already_linked:
      set_error(err, ERROR_INVALID_PARAMETER);
      break;
    case port_links::result::no_memory:
      set_error(err, ERROR_NOT_ENOUGH_MEMORY);
      break;
  }
  if (made != nullptr) close_port(made);
  return nullptr;
}

WPU_DECL BOOL common_upcalls::get_overlapped_result(SOCKET s, WSAOVERLAPPED* overlapped,
                                                    DWORD* bytes, BOOL wait, DWORD* flags,
                                                    int* err) noexcept {
  DWORD ifs_id = 0;
  if (!is_live_socket(s) &&
      (ifs_completion_ != ifs_completion::wpu || !ifs_catalog_id(s, &ifs_id))) {
    set_error(err, WSAENOTSOCK);
    return FALSE;
  }
  if (overlapped == nullptr || bytes == nullptr || flags == nullptr) {
    set_error(err, WSAEFAULT);
    return FALSE;
  }
  ULONG_PTR status = overlapped_fields::load_acquire(&overlapped->Internal);
  if (status == WSS_OPERATION_IN_PROGRESS) {
    const auto event = reinterpret_cast<WSAEVENT>(
        reinterpret_cast<std::uintptr_t>(overlapped->hEvent) & ~std::uintptr_t{1});
    if (!wait) {
      set_error(err, WSA_IO_INCOMPLETE);
      return FALSE;
    }
    if (event == nullptr) {
      set_error(err, WSA_INVALID_PARAMETER);
      return FALSE;
    }
    if (!wait_event(event)) {
      set_error(err, WSA_INVALID_HANDLE);
      return FALSE;
    }
    status = overlapped_fields::load_acquire(&overlapped->Internal);
    if (status == WSS_OPERATION_IN_PROGRESS) {  // the event was set by someone else
      set_error(err, WSA_IO_INCOMPLETE);
      return FALSE;
    }
  }
  *bytes = static_cast<DWORD>(overlapped->InternalHigh);
  *flags = overlapped->Offset;
  if (status != 0) {
    set_error(err, static_cast<int>(status));
    return FALSE;
  }
  return TRUE;
}

}  // namespace detail
WPU_NAMESPACE_END

#endif  // WPU_DETAIL_IMPL_COMMON_UPCALLS_IPP
