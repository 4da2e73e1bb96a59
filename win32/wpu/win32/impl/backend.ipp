// wpu/win32/impl/backend.ipp
#ifndef WPU_WIN32_IMPL_BACKEND_IPP
#define WPU_WIN32_IMPL_BACKEND_IPP

#include <wpu/win32/backend.hpp>

#if defined(WPU_WINDOWS)

#  include <cstdint>

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

WPU_DECL bool backend::may_be_event(WSAEVENT event) noexcept {
  const std::uintptr_t v = reinterpret_cast<std::uintptr_t>(event);
  return v != 0 && v <= 0xFFFFFFFFu;
}

WPU_DECL WSAEVENT backend::create_event(int* err) noexcept {
  HANDLE h = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  if (h == nullptr) {
    set_error(err, WSA_NOT_ENOUGH_MEMORY);
    return WSA_INVALID_EVENT;
  }
  return h;
}

WPU_DECL BOOL backend::set_event(WSAEVENT event, int* err) noexcept {
  if (!may_be_event(event) || ::SetEvent(event) == FALSE) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  return TRUE;
}

WPU_DECL BOOL backend::reset_event(WSAEVENT event, int* err) noexcept {
  if (!may_be_event(event) || ::ResetEvent(event) == FALSE) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  return TRUE;
}

WPU_DECL BOOL backend::close_event(WSAEVENT event, int* err) noexcept {
  if (!may_be_event(event) || ::CloseHandle(event) == FALSE) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  return TRUE;
}

WPU_DECL int backend::open_current_thread(WSATHREADID* thread, int* err) noexcept {
  if (thread == nullptr) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  HANDLE h = nullptr;
  HANDLE process = ::GetCurrentProcess();
  if (::DuplicateHandle(process, ::GetCurrentThread(), process, &h, 0, FALSE,
                        DUPLICATE_SAME_ACCESS) == FALSE) {
    set_error(err, WSAENOBUFS);
    return SOCKET_ERROR;
  }
  thread->ThreadHandle = h;
  thread->Reserved = ::GetCurrentThreadId();
  return 0;
}

WPU_DECL int backend::close_thread(WSATHREADID* thread, int* err) noexcept {
  if (thread == nullptr || thread->ThreadHandle == nullptr ||
      ::CloseHandle(thread->ThreadHandle) == FALSE) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  thread->ThreadHandle = nullptr;
  thread->Reserved = 0;
  return 0;
}

WPU_DECL int backend::queue_apc(WSATHREADID* thread, LPWSAUSERAPC apc, DWORD_PTR context,
                                int* err) noexcept {
  // LPWSAUSERAPC and PAPCFUNC are both void (*)(ULONG_PTR) on Win64.
  if (thread == nullptr || thread->ThreadHandle == nullptr || apc == nullptr ||
      ::QueueUserAPC(reinterpret_cast<PAPCFUNC>(apc), thread->ThreadHandle, context) == 0) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  return 0;
}

WPU_DECL BOOL backend::post_message(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) noexcept {
  return ::PostMessageW(hwnd, msg, wparam, lparam);
}

}  // namespace win32
WPU_NAMESPACE_END

#endif  // defined(WPU_WINDOWS)

#endif  // WPU_WIN32_IMPL_BACKEND_IPP
