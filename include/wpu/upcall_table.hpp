// wpu/upcall_table.hpp - between the C WSPUPCALLTABLE and wpu::upcalls.
//
// make_upcall_table(backend) returns a table of C-callable thunks that reach
// `backend`, ready to pass by value to a provider's WSPStartup. There is one
// active backend per backend type per process (the C table carries no user
// pointer); the last make_upcall_table call for that type wins, as Windows'
// "most recently supplied table" rule says. The backend must outlive every use
// of the table. When the type is final, the thunks call it without a virtual
// dispatch.
//
// table_upcalls goes the other way: it presents any WSPUPCALLTABLE (for
// example the one ws2_32 hands a provider on Windows) as a wpu::upcalls.
//
// Threads: the thunks and table_upcalls may be called from any thread; each
// forwards on the calling thread.
#ifndef WPU_UPCALL_TABLE_HPP
#define WPU_UPCALL_TABLE_HPP

#include <wpu/upcalls.hpp>

#include <atomic>
#include <type_traits>

WPU_NAMESPACE_BEGIN
namespace detail {

template <class Backend>
struct table_thunks {
  static inline std::atomic<Backend*> self{nullptr};
  static Backend* get() noexcept { return self.load(std::memory_order_acquire); }

  static BOOL WSPAPI close_event(WSAEVENT e, LPINT err) { return get()->close_event(e, err); }
  static int WSPAPI close_socket_handle(SOCKET s, LPINT err) {
    return get()->close_socket_handle(s, err);
  }
  static WSAEVENT WSPAPI create_event(LPINT err) { return get()->create_event(err); }
  static SOCKET WSPAPI create_socket_handle(DWORD id, DWORD_PTR ctx, LPINT err) {
    return get()->create_socket_handle(id, ctx, err);
  }
  static int WSPAPI fd_is_set(SOCKET s, spi_fd_set* set) { return get()->fd_is_set(s, set); }
  static int WSPAPI get_provider_path(LPGUID g, WCHAR* path, LPINT len, LPINT err) {
    return get()->get_provider_path(g, path, len, err);
  }
  static SOCKET WSPAPI modify_ifs_handle(DWORD id, SOCKET h, LPINT err) {
    return get()->modify_ifs_handle(id, h, err);
  }
  static BOOL WSPAPI post_message(HWND w, UINT m, WPARAM wp, LPARAM lp) {
    return get()->post_message(w, m, wp, lp);
  }
  static int WSPAPI query_blocking_callback(DWORD id, LPBLOCKINGCALLBACK* cb, PDWORD_PTR ctx,
                                            LPINT err) {
    return get()->query_blocking_callback(id, cb, ctx, err);
  }
  static int WSPAPI query_socket_handle_context(SOCKET s, PDWORD_PTR ctx, LPINT err) {
    return get()->query_socket_handle_context(s, ctx, err);
  }
  static int WSPAPI queue_apc(LPWSATHREADID t, LPWSAUSERAPC apc, DWORD_PTR ctx, LPINT err) {
    return get()->queue_apc(t, apc, ctx, err);
  }
  static BOOL WSPAPI reset_event(WSAEVENT e, LPINT err) { return get()->reset_event(e, err); }
  static BOOL WSPAPI set_event(WSAEVENT e, LPINT err) { return get()->set_event(e, err); }
  static int WSPAPI open_current_thread(LPWSATHREADID t, LPINT err) {
    return get()->open_current_thread(t, err);
  }
  static int WSPAPI close_thread(LPWSATHREADID t, LPINT err) { return get()->close_thread(t, err); }
  static int WSPAPI complete_overlapped_request(SOCKET s, LPWSAOVERLAPPED o, DWORD e, DWORD n,
                                                LPINT err) {
    return get()->complete_overlapped_request(s, o, e, n, err);
  }
};

}  // namespace detail

/// Builds the 15-slot table for `backend` and makes it the active backend of
/// its type. Any thread.
template <class Backend>
WSPUPCALLTABLE make_upcall_table(Backend& backend) noexcept {
  static_assert(std::is_base_of_v<upcalls, Backend>, "Backend must implement wpu::upcalls");
  using thunks = detail::table_thunks<Backend>;
  thunks::self.store(&backend, std::memory_order_release);
  WSPUPCALLTABLE t;
  t.lpWPUCloseEvent = &thunks::close_event;
  t.lpWPUCloseSocketHandle = &thunks::close_socket_handle;
  t.lpWPUCreateEvent = &thunks::create_event;
  t.lpWPUCreateSocketHandle = &thunks::create_socket_handle;
  t.lpWPUFDIsSet = &thunks::fd_is_set;
  t.lpWPUGetProviderPath = &thunks::get_provider_path;
  t.lpWPUModifyIFSHandle = &thunks::modify_ifs_handle;
  t.lpWPUPostMessage = &thunks::post_message;
  t.lpWPUQueryBlockingCallback = &thunks::query_blocking_callback;
  t.lpWPUQuerySocketHandleContext = &thunks::query_socket_handle_context;
  t.lpWPUQueueApc = &thunks::queue_apc;
  t.lpWPUResetEvent = &thunks::reset_event;
  t.lpWPUSetEvent = &thunks::set_event;
  t.lpWPUOpenCurrentThread = &thunks::open_current_thread;
  t.lpWPUCloseThread = &thunks::close_thread;
  return t;
}

/// The C-callable WPUCompleteOverlappedRequest for `backend` (not part of the
/// table on Windows either: ws2_32 exports it).
template <class Backend>
LPWPUCOMPLETEOVERLAPPEDREQUEST make_complete_overlapped_request(Backend& backend) noexcept {
  using thunks = detail::table_thunks<Backend>;
  thunks::self.store(&backend, std::memory_order_release);
  return &thunks::complete_overlapped_request;
}

/// Any WSPUPCALLTABLE seen as wpu::upcalls. A NULL slot (which ws2_32 never
/// passes) fails with WSAEOPNOTSUPP instead of crashing.
class table_upcalls final : public upcalls {
 public:
  explicit table_upcalls(const WSPUPCALLTABLE& table,
                         LPWPUCOMPLETEOVERLAPPEDREQUEST complete = nullptr) noexcept
      : t_(table), complete_(complete) {}

  BOOL close_event(WSAEVENT e, int* err) noexcept override {
    return t_.lpWPUCloseEvent ? t_.lpWPUCloseEvent(e, err) : absent(err, FALSE);
  }
  int close_socket_handle(SOCKET s, int* err) noexcept override {
    return t_.lpWPUCloseSocketHandle ? t_.lpWPUCloseSocketHandle(s, err)
                                     : absent(err, SOCKET_ERROR);
  }
  WSAEVENT create_event(int* err) noexcept override {
    return t_.lpWPUCreateEvent ? t_.lpWPUCreateEvent(err) : absent(err, WSA_INVALID_EVENT);
  }
  SOCKET create_socket_handle(DWORD id, DWORD_PTR ctx, int* err) noexcept override {
    return t_.lpWPUCreateSocketHandle ? t_.lpWPUCreateSocketHandle(id, ctx, err)
                                      : absent(err, INVALID_SOCKET);
  }
  int fd_is_set(SOCKET s, spi_fd_set* set) noexcept override {
    return t_.lpWPUFDIsSet ? t_.lpWPUFDIsSet(s, set) : 0;
  }
  int get_provider_path(GUID* g, WCHAR* path, int* len, int* err) noexcept override {
    return t_.lpWPUGetProviderPath ? t_.lpWPUGetProviderPath(g, path, len, err)
                                   : absent(err, SOCKET_ERROR);
  }
  SOCKET modify_ifs_handle(DWORD id, SOCKET h, int* err) noexcept override {
    return t_.lpWPUModifyIFSHandle ? t_.lpWPUModifyIFSHandle(id, h, err)
                                   : absent(err, INVALID_SOCKET);
  }
  BOOL post_message(HWND w, UINT m, WPARAM wp, LPARAM lp) noexcept override {
    return t_.lpWPUPostMessage ? t_.lpWPUPostMessage(w, m, wp, lp) : FALSE;
  }
  int query_blocking_callback(DWORD id, LPBLOCKINGCALLBACK* cb, DWORD_PTR* ctx,
                              int* err) noexcept override {
    return t_.lpWPUQueryBlockingCallback ? t_.lpWPUQueryBlockingCallback(id, cb, ctx, err)
                                         : absent(err, SOCKET_ERROR);
  }
  int query_socket_handle_context(SOCKET s, DWORD_PTR* ctx, int* err) noexcept override {
    return t_.lpWPUQuerySocketHandleContext ? t_.lpWPUQuerySocketHandleContext(s, ctx, err)
                                            : absent(err, SOCKET_ERROR);
  }
  int queue_apc(WSATHREADID* t, LPWSAUSERAPC apc, DWORD_PTR ctx, int* err) noexcept override {
    return t_.lpWPUQueueApc ? t_.lpWPUQueueApc(t, apc, ctx, err) : absent(err, SOCKET_ERROR);
  }
  BOOL reset_event(WSAEVENT e, int* err) noexcept override {
    return t_.lpWPUResetEvent ? t_.lpWPUResetEvent(e, err) : absent(err, FALSE);
  }
  BOOL set_event(WSAEVENT e, int* err) noexcept override {
    return t_.lpWPUSetEvent ? t_.lpWPUSetEvent(e, err) : absent(err, FALSE);
  }
  int open_current_thread(WSATHREADID* t, int* err) noexcept override {
    return t_.lpWPUOpenCurrentThread ? t_.lpWPUOpenCurrentThread(t, err)
                                     : absent(err, SOCKET_ERROR);
  }
  int close_thread(WSATHREADID* t, int* err) noexcept override {
    return t_.lpWPUCloseThread ? t_.lpWPUCloseThread(t, err) : absent(err, SOCKET_ERROR);
  }
  int complete_overlapped_request(SOCKET s, WSAOVERLAPPED* o, DWORD e, DWORD n,
                                  int* err) noexcept override {
    return complete_ ? complete_(s, o, e, n, err) : absent(err, SOCKET_ERROR);
  }

 private:
  template <class T>
  static T absent(int* err, T result) noexcept {
    set_error(err, WSAEOPNOTSUPP);
    return result;
  }

  WSPUPCALLTABLE t_;
  LPWPUCOMPLETEOVERLAPPEDREQUEST complete_;
};

WPU_NAMESPACE_END

#endif  // WPU_UPCALL_TABLE_HPP
