// wpu/posix/impl/backend.ipp
#ifndef WPU_POSIX_IMPL_BACKEND_IPP
#define WPU_POSIX_IMPL_BACKEND_IPP

#include <wpu/posix/backend.hpp>

#if defined(WPU_POSIX)

#  include <climits>
#  include <fcntl.h>

WPU_NAMESPACE_BEGIN
namespace posix {

WPU_DECL backend::backend(catalog& providers) noexcept
    : common_upcalls(providers, ifs_completion::wpu), sync_(sync::instance()) {}

WPU_DECL backend::~backend() = default;

WPU_DECL WSAEVENT backend::create_event(int* err) noexcept {
  return sync_.create_event(err);
}
WPU_DECL BOOL backend::set_event(WSAEVENT event, int* err) noexcept {
  return sync_.set_event(event, err);
}
WPU_DECL BOOL backend::reset_event(WSAEVENT event, int* err) noexcept {
  return sync_.reset_event(event, err);
}
WPU_DECL BOOL backend::close_event(WSAEVENT event, int* err) noexcept {
  return sync_.close_event(event, err);
}

WPU_DECL int backend::open_current_thread(WSATHREADID* thread, int* err) noexcept {
  return sync_.open_current_thread(thread, err);
}
WPU_DECL int backend::close_thread(WSATHREADID* thread, int* err) noexcept {
  return sync_.close_thread(thread, err);
}
WPU_DECL BOOL backend::post_message(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) noexcept {
  DWORD err = 0;
  BOOL ok = sync_.post_message(hwnd, msg, wparam, lparam, &err);
  if (err != 0) last_error() = err;
  return ok;
}
WPU_DECL int backend::queue_apc(WSATHREADID* thread, LPWSAUSERAPC apc, DWORD_PTR context,
                                int* err) noexcept {
  return sync_.queue_apc(thread, apc, context, err);
}

WPU_DECL HANDLE backend::new_port(DWORD concurrency, DWORD* err) noexcept {
  return sync_.create_port(INVALID_HANDLE_VALUE, nullptr, 0, concurrency, err);
}
WPU_DECL void backend::close_port(HANDLE port) noexcept {
  sync_.close_port(port, nullptr);
}
WPU_DECL bool backend::is_port(HANDLE port) noexcept {
  return sync_.is_port(port);
}
WPU_DECL void backend::post_completion(HANDLE port, DWORD bytes, ULONG_PTR key,
                                       WSAOVERLAPPED* overlapped, DWORD error) noexcept {
  sync_.post_completion(port, bytes, key, overlapped, error, nullptr);
}
WPU_DECL bool backend::wait_event(WSAEVENT event) noexcept {
  return sync_.wait(1, &event, false, INFINITE, false, nullptr) != WAIT_FAILED;
}

WPU_DECL SOCKET backend::modify_ifs_handle(DWORD catalog_id, SOCKET proposed, int* err) noexcept {
  bool is_fd = proposed <= static_cast<SOCKET>(INT_MAX) &&
               ::fcntl(static_cast<int>(proposed), F_GETFD) != -1;
  return register_ifs_handle(catalog_id, proposed, is_fd, err);
}

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_BACKEND_IPP
