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

// The two ntdll entry points the port functions need, looked up once.
struct nt_ports {
  using set_fn = LONG(WINAPI*)(HANDLE port, ULONG_PTR key, ULONG_PTR context, LONG status,
                               ULONG_PTR information);
  using query_fn = LONG(WINAPI*)(HANDLE port, int info_class, void* info, ULONG length,
                                 ULONG* returned);
  set_fn set = nullptr;      // NtSetIoCompletion
  query_fn query = nullptr;  // NtQueryIoCompletion

  static const nt_ports& get() noexcept {
    static const nt_ports fns = [] {
      nt_ports f;
      if (HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll")) {
        // Through void (*)() so GCC accepts the change of function type.
        f.set = reinterpret_cast<set_fn>(
            reinterpret_cast<void (*)()>(::GetProcAddress(ntdll, "NtSetIoCompletion")));
        f.query = reinterpret_cast<query_fn>(
            reinterpret_cast<void (*)()>(::GetProcAddress(ntdll, "NtQueryIoCompletion")));
      }
      return f;
    }();
    return fns;
  }
};

WPU_DECL HANDLE backend::new_port(DWORD concurrency, DWORD* err) noexcept {
  HANDLE port = ::CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, concurrency);
  if (port == nullptr) set_error(err, ::GetLastError());
  return port;
}

WPU_DECL void backend::close_port(HANDLE port) noexcept {
  ::CloseHandle(port);
}

WPU_DECL bool backend::is_port(HANDLE port) noexcept {
  // NtQueryIoCompletion answers only for a completion port (an event or a
  // file gives STATUS_OBJECT_TYPE_MISMATCH, garbage STATUS_INVALID_HANDLE).
  if (!may_be_event(port)) return false;
  const nt_ports& nt = nt_ports::get();
  if (nt.query == nullptr) {
    DWORD flags = 0;
    return ::GetHandleInformation(port, &flags) != FALSE;
  }
  LONG depth = 0;
  return nt.query(port, 0, &depth, sizeof depth, nullptr) >= 0;
}

WPU_DECL void backend::post_completion(HANDLE port, DWORD bytes, ULONG_PTR key,
                                       WSAOVERLAPPED* overlapped, DWORD error) noexcept {
  const auto context = reinterpret_cast<ULONG_PTR>(overlapped);
  const nt_ports& nt = nt_ports::get();
  if (nt.set != nullptr) {
    // A warning-severity status in the Win32 facility, which
    // GetQueuedCompletionStatus turns back into `error`.
    nt.set(port, key, context, static_cast<LONG>(ntstatus_from_win32(error)), bytes);
  } else {
    ::PostQueuedCompletionStatus(port, bytes, key, overlapped);
  }
}

WPU_DECL HANDLE backend::associate_system_handle(SOCKET h, HANDLE port, ULONG_PTR key,
                                                 DWORD concurrency, DWORD* err) noexcept {
  HANDLE r = ::CreateIoCompletionPort(reinterpret_cast<HANDLE>(h), port, key, concurrency);
  if (r == nullptr) set_error(err, ::GetLastError());
  return r;
}

WPU_DECL bool backend::wait_event(WSAEVENT event) noexcept {
  return may_be_event(event) && ::WaitForSingleObject(event, INFINITE) == WAIT_OBJECT_0;
}

}  // namespace win32
WPU_NAMESPACE_END

#endif  // defined(WPU_WINDOWS)

#endif  // WPU_WIN32_IMPL_BACKEND_IPP
