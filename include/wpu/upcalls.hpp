// wpu/upcalls.hpp - the abstract upcall interface.
//
// One member per WSPUPCALLTABLE slot (in slot order) plus
// complete_overlapped_request, with the SPI's own conventions: results and
// errors exactly as the WPU* functions return them, the error code through
// `err` (which may be NULL), and no exception ever crossing the interface.
// Backends (wpu::posix::backend, wpu::win32::backend) are final classes;
// wpu::table_upcalls adapts any C WSPUPCALLTABLE to this interface and
// wpu::make_upcall_table builds a C table from any implementation.
#ifndef WPU_UPCALLS_HPP
#define WPU_UPCALLS_HPP

#include <wpu/config.hpp>
#include <wpu/detail/upcall_bindings.hpp>
#include <wpu/detail/ws2spi_decls.h>

WPU_NAMESPACE_BEGIN

#if defined(WPU_WINDOWS)
using spi_fd_set = ::fd_set;
/// __WSAFDIsSet / FD_ISSET, without the macro; 0 for a NULL set.
inline int fd_isset(SOCKET s, spi_fd_set* set) noexcept {
  return set != nullptr ? ::__WSAFDIsSet(s, set) : 0;
}
#else   // !defined(WPU_WINDOWS)
using spi_fd_set = ::wpu_fd_set;
/// __WSAFDIsSet / FD_ISSET, without the macro; 0 for a NULL set.
inline int fd_isset(SOCKET s, spi_fd_set* set) noexcept {
  return ::wpu_fd_is_set(s, set);
}
#endif  // defined(WPU_WINDOWS)

/// Writes `code` through `err` when `err` is not NULL. Every upcall reports
/// failure through this, so a NULL lpErrno never crashes.
inline void set_error(int* err, int code) noexcept {
  if (err != nullptr) *err = code;
}
/// The same for a Win32 error code (the window, message and port functions).
inline void set_error(DWORD* err, DWORD code) noexcept {
  if (err != nullptr) *err = code;
}

/// A completion packet's status for a Win32 or Winsock error code, as Windows
/// keeps it (OVERLAPPED_ENTRY.Internal): 0 for success, else
/// NTSTATUS_FROM_WIN32(error), that is 0x80070000 | error. Both backends
/// queue failed operations with it; win32_error_of gives the code back.
constexpr ULONG_PTR ntstatus_from_win32(DWORD error) noexcept {
  return error == 0 ? 0 : (0x80070000u | (error & 0xFFFFu));
}
constexpr DWORD win32_error_of(ULONG_PTR status) noexcept {
  return static_cast<DWORD>(status & 0xFFFFu);
}

class WPU_API upcalls {
 public:
  /// Unbinds the C tables make_upcall_table built for this object: calls
  /// through them fail cleanly from then on (upcall_table.hpp). No call
  /// through them may be running while the object is destroyed.
  virtual ~upcalls() { detail::upcall_bindings::unbind(this); }

  virtual BOOL close_event(WSAEVENT event, int* err) noexcept = 0;   // slot 0
  virtual int close_socket_handle(SOCKET s, int* err) noexcept = 0;  // slot 1
  virtual WSAEVENT create_event(int* err) noexcept = 0;              // slot 2
  virtual SOCKET create_socket_handle(DWORD catalog_id, DWORD_PTR context,
                                      int* err) noexcept = 0;     // slot 3
  virtual int fd_is_set(SOCKET s, spi_fd_set* set) noexcept = 0;  // slot 4
  virtual int get_provider_path(GUID* provider_id, WCHAR* path, int* path_len,
                                int* err) noexcept = 0;  // slot 5
  virtual SOCKET modify_ifs_handle(DWORD catalog_id, SOCKET proposed, int* err) noexcept = 0;  // 6
  virtual BOOL post_message(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) noexcept = 0;   // 7
  virtual int query_blocking_callback(DWORD catalog_id, LPBLOCKINGCALLBACK* callback,
                                      DWORD_PTR* context, int* err) noexcept = 0;  // slot 8
  virtual int query_socket_handle_context(SOCKET s, DWORD_PTR* context,
                                          int* err) noexcept = 0;  // slot 9
  virtual int queue_apc(WSATHREADID* thread, LPWSAUSERAPC apc, DWORD_PTR context,
                        int* err) noexcept = 0;                                 // slot 10
  virtual BOOL reset_event(WSAEVENT event, int* err) noexcept = 0;              // slot 11
  virtual BOOL set_event(WSAEVENT event, int* err) noexcept = 0;                // slot 12
  virtual int open_current_thread(WSATHREADID* thread, int* err) noexcept = 0;  // slot 13
  virtual int close_thread(WSATHREADID* thread, int* err) noexcept = 0;         // slot 14
  virtual int complete_overlapped_request(SOCKET s, WSAOVERLAPPED* overlapped, DWORD error,
                                          DWORD transferred, int* err) noexcept = 0;  // export
};

WPU_NAMESPACE_END

#if defined(WPU_HEADER_ONLY)
#  include <wpu/detail/impl/upcall_bindings.ipp>
#endif  // defined(WPU_HEADER_ONLY)

#endif  // WPU_UPCALLS_HPP
