// wpu/upcall_table.hpp - between the C WSPUPCALLTABLE and wpu::upcalls.
//
// make_upcall_table(backend) returns a table of C-callable thunks that reach
// `backend`, ready to pass by value to a provider's WSPStartup. The C table
// carries no user pointer, so each backend object gets its own set of
// function pointers: a binding, made by the first make_upcall_table or
// make_complete_overlapped_request for the object (later calls return the
// same pointers) and released when the object is destroyed (wpu::upcalls'
// destructor). Several backends, and their tables, live side by side: one
// per catalog or provider under test, the default backend's from
// wpu_get_upcall_table among them.
//
// Binding lifetime (the caller's contract):
//  - A table reaches its backend until the backend is destroyed. From then
//    on every slot fails cleanly without touching the backend: WSANOTINITIALISED
//    through lpErrno (as an upcall after WSPCleanup), INVALID_SOCKET /
//    WSA_INVALID_EVENT / SOCKET_ERROR / FALSE as the slot's failure value;
//    WPUFDIsSet returns 0 and WPUPostMessage FALSE (they have no lpErrno).
//  - The backend must not be destroyed while a call through its table runs
//    or may start on another thread (as with any object: that call could
//    reach the backend mid-destruction).
//  - A released binding is handed out again, to a later backend of the same
//    type, only once every never-used one is taken, and then the one released
//    longest ago. A table kept past its backend's death may then reach that
//    later backend; its socket handles are still refused there (WSAENOTSOCK:
//    socket values are unique per process, handle_table.hpp), but
//    process-wide objects (POSIX events, threads, windows, ports) are shared
//    by all backends anyway. Drop a table when its backend dies.
//  - There are detail::upcall_bindings::slots (64) bindings per backend type
//    alive at once. Beyond that make_upcall_table returns a table whose every
//    slot fails as above with WSAENOBUFS; try_make_upcall_table says so.
// When the backend type is final (wpu::posix::backend, wpu::win32::backend),
// the thunks call it without a virtual dispatch: a call costs one extra load
// (the binding) and a test.
//
// table_upcalls goes the other way: it presents any WSPUPCALLTABLE (for
// example the one ws2_32 hands a provider on Windows) as a wpu::upcalls.
//
// Threads: make_upcall_table, try_make_upcall_table and
// make_complete_overlapped_request may be called from any thread (they take
// the bindings' mutex); the thunks and table_upcalls from any thread, each
// forwarding on the calling thread without a lock.
#ifndef WPU_UPCALL_TABLE_HPP
#define WPU_UPCALL_TABLE_HPP

#include <wpu/detail/upcall_bindings.hpp>
#include <wpu/upcalls.hpp>

#include <atomic>
#include <cstddef>
#include <type_traits>
#include <utility>

WPU_NAMESPACE_BEGIN
namespace detail {

// Thunk set `Slot` of `Backend`: reads cell `Slot` of the type's pool; a NULL
// cell (never bound, or the backend destroyed) fails with `unbound`.
template <class Backend, std::size_t Slot>
struct table_thunks {
  static constexpr int unbound = Slot < upcall_bindings::slots ? WSANOTINITIALISED : WSAENOBUFS;

  static Backend* get() noexcept {
    return static_cast<Backend*>(
        upcall_pool<Backend>::pool.cells[Slot].load(std::memory_order_acquire));
  }
  template <class T>
  static T fail(LPINT err, T result) noexcept {
    set_error(err, unbound);
    return result;
  }

  static BOOL WSPAPI close_event(WSAEVENT e, LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->close_event(e, err) : fail(err, BOOL{FALSE});
  }
  static int WSPAPI close_socket_handle(SOCKET s, LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->close_socket_handle(s, err) : fail(err, int{SOCKET_ERROR});
  }
  static WSAEVENT WSPAPI create_event(LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->create_event(err) : fail(err, WSAEVENT{WSA_INVALID_EVENT});
  }
  static SOCKET WSPAPI create_socket_handle(DWORD id, DWORD_PTR ctx, LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->create_socket_handle(id, ctx, err) : fail(err, SOCKET{INVALID_SOCKET});
  }
  static int WSPAPI fd_is_set(SOCKET s, spi_fd_set* set) {
    Backend* b = get();
    return b != nullptr ? b->fd_is_set(s, set) : 0;
  }
  static int WSPAPI get_provider_path(LPGUID g, WCHAR* path, LPINT len, LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->get_provider_path(g, path, len, err) : fail(err, int{SOCKET_ERROR});
  }
  static SOCKET WSPAPI modify_ifs_handle(DWORD id, SOCKET h, LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->modify_ifs_handle(id, h, err) : fail(err, SOCKET{INVALID_SOCKET});
  }
  static BOOL WSPAPI post_message(HWND w, UINT m, WPARAM wp, LPARAM lp) {
    Backend* b = get();
    return b != nullptr ? b->post_message(w, m, wp, lp) : FALSE;
  }
  static int WSPAPI query_blocking_callback(DWORD id, LPBLOCKINGCALLBACK* cb, PDWORD_PTR ctx,
                                            LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->query_blocking_callback(id, cb, ctx, err)
                        : fail(err, int{SOCKET_ERROR});
  }
  static int WSPAPI query_socket_handle_context(SOCKET s, PDWORD_PTR ctx, LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->query_socket_handle_context(s, ctx, err)
                        : fail(err, int{SOCKET_ERROR});
  }
  static int WSPAPI queue_apc(LPWSATHREADID t, LPWSAUSERAPC apc, DWORD_PTR ctx, LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->queue_apc(t, apc, ctx, err) : fail(err, int{SOCKET_ERROR});
  }
  static BOOL WSPAPI reset_event(WSAEVENT e, LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->reset_event(e, err) : fail(err, BOOL{FALSE});
  }
  static BOOL WSPAPI set_event(WSAEVENT e, LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->set_event(e, err) : fail(err, BOOL{FALSE});
  }
  static int WSPAPI open_current_thread(LPWSATHREADID t, LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->open_current_thread(t, err) : fail(err, int{SOCKET_ERROR});
  }
  static int WSPAPI close_thread(LPWSATHREADID t, LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->close_thread(t, err) : fail(err, int{SOCKET_ERROR});
  }
  static int WSPAPI complete_overlapped_request(SOCKET s, LPWSAOVERLAPPED o, DWORD e, DWORD n,
                                                LPINT err) {
    Backend* b = get();
    return b != nullptr ? b->complete_overlapped_request(s, o, e, n, err)
                        : fail(err, int{SOCKET_ERROR});
  }

  static constexpr WSPUPCALLTABLE table() noexcept {
    WSPUPCALLTABLE t{};
    t.lpWPUCloseEvent = &close_event;
    t.lpWPUCloseSocketHandle = &close_socket_handle;
    t.lpWPUCreateEvent = &create_event;
    t.lpWPUCreateSocketHandle = &create_socket_handle;
    t.lpWPUFDIsSet = &fd_is_set;
    t.lpWPUGetProviderPath = &get_provider_path;
    t.lpWPUModifyIFSHandle = &modify_ifs_handle;
    t.lpWPUPostMessage = &post_message;
    t.lpWPUQueryBlockingCallback = &query_blocking_callback;
    t.lpWPUQuerySocketHandleContext = &query_socket_handle_context;
    t.lpWPUQueueApc = &queue_apc;
    t.lpWPUResetEvent = &reset_event;
    t.lpWPUSetEvent = &set_event;
    t.lpWPUOpenCurrentThread = &open_current_thread;
    t.lpWPUCloseThread = &close_thread;
    return t;
  }
};

// Every thunk set of `Backend`, indexed by cell (the last: never bound).
template <class Backend, class Cells>
struct thunk_sets;
template <class Backend, std::size_t... Slot>
struct thunk_sets<Backend, std::index_sequence<Slot...>> {
  static constexpr WSPUPCALLTABLE tables[] = {table_thunks<Backend, Slot>::table()...};
  static constexpr LPWPUCOMPLETEOVERLAPPEDREQUEST completes[] = {
      &table_thunks<Backend, Slot>::complete_overlapped_request...};
};
template <class Backend>
using thunks_of = thunk_sets<Backend, std::make_index_sequence<upcall_bindings::slots + 1>>;

// The cell `backend` is bound to (upcall_bindings::slots: none was free).
template <class Backend>
std::size_t bind_backend(Backend& backend) noexcept {
  static_assert(std::is_base_of_v<upcalls, Backend>, "Backend must implement wpu::upcalls");
  static_assert(!std::is_const_v<Backend>, "the upcalls are non-const members");
  const upcalls* owner = &backend;
  return upcall_bindings::bind(upcall_pool<Backend>::pool, owner, static_cast<void*>(&backend));
}

}  // namespace detail

/// Builds the 15-slot table that reaches `backend` (the same pointers every
/// time for one object; other pointers for every other live object of the
/// type). When all bindings of the type are taken, a table whose every slot
/// fails with WSAENOBUFS. Any thread.
template <class Backend>
WSPUPCALLTABLE make_upcall_table(Backend& backend) noexcept {
  return detail::thunks_of<Backend>::tables[detail::bind_backend(backend)];
}

/// make_upcall_table that says whether it could bind: 0, or WSAENOBUFS when
/// all bindings of the type are taken (*table is then the failing table).
/// WSAEFAULT for a NULL table. Any thread.
template <class Backend>
int try_make_upcall_table(Backend& backend, WSPUPCALLTABLE* table) noexcept {
  if (table == nullptr) return WSAEFAULT;
  const std::size_t slot = detail::bind_backend(backend);
  *table = detail::thunks_of<Backend>::tables[slot];
  return slot < detail::upcall_bindings::slots ? 0 : WSAENOBUFS;
}

/// The C-callable WPUCompleteOverlappedRequest for `backend` (not part of the
/// table on Windows either: ws2_32 exports it). The same binding as
/// make_upcall_table's, with the same lifetime and failures. Any thread.
template <class Backend>
LPWPUCOMPLETEOVERLAPPEDREQUEST make_complete_overlapped_request(Backend& backend) noexcept {
  return detail::thunks_of<Backend>::completes[detail::bind_backend(backend)];
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
