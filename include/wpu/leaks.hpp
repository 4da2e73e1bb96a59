// wpu/leaks.hpp - the leak report (docs/leaks.md; the C API is <wpu/leaks.h>).
//
// A process-wide registry of the objects made through wpu's upcall tables
// and C API: each record names the object's kind and handle value, the call
// that made it, the catalog entry it was made for (0 when unknown) and the
// OS thread that made it. Reports list what is still recorded and drop it.
//
// Cost when off: the upcall tables are built over the backend itself (the
// decorator leak_upcalls is not in the path) and each C API create/close
// site tests one cached flag (leaks::enabled()).
//
// Threads: every function may be called from any thread, concurrently. The
// registry takes one mutex per record, forget and report; a report writes
// while holding it, so lines of two reports never interleave. The current
// catalog entry (leak_entry_scope) is per thread.
#ifndef WPU_LEAKS_HPP
#define WPU_LEAKS_HPP

#include <wpu/config.hpp>
#include <wpu/leaks.h>
#include <wpu/upcalls.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

WPU_NAMESPACE_BEGIN

/// What a record is. Names in reports: see leak_kind_name.
enum class leak_kind : unsigned char {
  socket,         ///< an application socket (WSASocket, socket, accept, WSAAccept)
  socket_handle,  ///< WPUCreateSocketHandle / WPUModifyIFSHandle
  event,          ///< WPUCreateEvent, WSACreateEvent
  thread_id,      ///< WPUOpenCurrentThread (the WSATHREADID's ThreadHandle)
  window,         ///< CreateWindowExW (POSIX C API)
  port,           ///< CreateIoCompletionPort making a port (POSIX C API)
};

/// "socket", "socket handle", "event", "thread id", "window", "port".
WPU_API WPU_DECL const char* leak_kind_name(leak_kind kind) noexcept;

/// One object still open.
struct leak_record {
  leak_kind kind;
  std::uintptr_t handle;  ///< the handle value (for a thread id: its ThreadHandle)
  const char* api;        ///< the call that made it ("WPUCreateEvent", ...), a literal
  DWORD catalog_id;       ///< the catalog entry it was made for, 0 when unknown
  DWORD thread;           ///< the OS thread id of the creating thread
};

namespace leaks {

namespace detail {
// 0: WPU_LEAKS not read yet; 1: off and never on (nothing recorded); 2: on;
// 3: off after having been on (closes still forget records).
// Constant-initialized: valid before any dynamic initialization.
#if defined(WPU_HEADER_ONLY)
inline std::atomic<int> state_flag{0};
#else   // !defined(WPU_HEADER_ONLY)
extern WPU_API std::atomic<int> state_flag;
#endif  // defined(WPU_HEADER_ONLY)
inline std::atomic<int>& state() noexcept {
  return state_flag;
}
// Reads WPU_LEAKS / WPU_LEAKS_FILE once (the first caller wins); true when on.
WPU_API WPU_DECL bool resolve() noexcept;
// Forgets the socket handle `s` if WPUModifyIFSHandle made it: an IFS
// handle is the provider's own OS handle, which its WSPCloseSocket closes
// without an upcall.
WPU_API WPU_DECL void forget_ifs(SOCKET s) noexcept;
}  // namespace detail

/// True when recording is on. The first call reads WPU_LEAKS (and
/// WPU_LEAKS_FILE); later ones load one cached flag.
inline bool enabled() noexcept {
  const int s = detail::state().load(std::memory_order_relaxed);
  if (s == 1) return false;
  return s == 2 || detail::resolve();
}

/// Turns recording on or off; returns the previous state. On turning on,
/// the exit report is registered (once per process).
WPU_API WPU_DECL bool enable(bool on) noexcept;

/// Records an object made by `api`. `catalog_id` 0 means the calling
/// thread's current entry (leak_entry_scope), if any. A record of the same
/// kind and handle replaces the older one (the handle value was reused).
/// Does nothing when recording is off, or for a null/invalid handle
/// (0 and all-ones), or when out of memory (that object is then not
/// tracked).
WPU_API WPU_DECL void created(leak_kind kind, std::uintptr_t handle, const char* api,
                              DWORD catalog_id = 0) noexcept;
/// Forgets an object (closing one that is not recorded is no error). Seen
/// also when recording is off, so objects made while it was on are not
/// reported once closed.
WPU_API WPU_DECL void closed(leak_kind kind, std::uintptr_t handle) noexcept;

/// The create/close sites of wpu's C API: one cached-flag test when off.
inline void note_created(leak_kind kind, std::uintptr_t handle, const char* api,
                         DWORD catalog_id = 0) noexcept {
  if (enabled()) created(kind, handle, api, catalog_id);
}
inline void note_closed(leak_kind kind, std::uintptr_t handle) noexcept {
  if (detail::state().load(std::memory_order_relaxed) != 1) closed(kind, handle);
}
/// note_socket, for an application socket the host made: wpu/host.hpp.
/// The catalog entries of a provider module as the host reports them at
/// its WSPCleanup.
using entry_list = std::vector<DWORD>;

/// Reports and forgets every record (`entries` empty), or the records made
/// for one of `entries` except application sockets (a provider's report:
/// those are the application's, left to the WSACleanup report). `where` names the report's place
/// ("WSACleanup", "exit", ...). The text goes to `text` when it is not NULL (appended), else to the
/// output (<wpu/leaks.h>). Returns the number of objects reported; nothing is written when it is 0.
WPU_API WPU_DECL std::size_t report(const char* where, std::string* text = nullptr,
                                    const entry_list& entries = entry_list()) noexcept;

/// The records now held, in creation order (for tests and tools).
WPU_API WPU_DECL std::vector<leak_record> snapshot();

/// The calling thread's current catalog entry (0: none), which created()
/// records when its caller names none. The host sets it while it calls a
/// provider's WSPStartup, WSPSocket, WSPAccept, WSPCloseSocket and
/// WSPCleanup.
WPU_API WPU_DECL DWORD current_entry() noexcept;

}  // namespace leaks

/// Sets the calling thread's current catalog entry for its lifetime when
/// recording is on (restoring the previous one after); does nothing when it
/// is off. Construct and destroy on the same thread.
class WPU_API leak_entry_scope {
 public:
  explicit leak_entry_scope(DWORD catalog_id) noexcept {
    if (leaks::enabled()) {
      active_ = true;
      saved_ = swap(catalog_id);
    }
  }
  ~leak_entry_scope() {
    if (active_) swap(saved_);
  }
  leak_entry_scope(const leak_entry_scope&) = delete;
  leak_entry_scope& operator=(const leak_entry_scope&) = delete;

 private:
  // Sets the thread's entry, returns the previous one.
  WPU_DECL static DWORD swap(DWORD catalog_id) noexcept;
  bool active_ = false;
  DWORD saved_ = 0;
};

/// The decorator: forwards every upcall to `inner` on the calling thread
/// and records what the creating upcalls made (socket handles with the
/// catalog id they were made for, events and thread ids with the current
/// entry) and forgets what the closing ones closed. `inner` must outlive
/// it. A table made over it (make_upcall_table) reaches `inner` through it.
class WPU_API leak_upcalls final : public upcalls {
 public:
  explicit leak_upcalls(upcalls& inner) noexcept : inner_(inner) {}
  upcalls& inner() noexcept { return inner_; }

  WPU_DECL BOOL close_event(WSAEVENT event, int* err) noexcept override;
  WPU_DECL int close_socket_handle(SOCKET s, int* err) noexcept override;
  WPU_DECL WSAEVENT create_event(int* err) noexcept override;
  WPU_DECL SOCKET create_socket_handle(DWORD catalog_id, DWORD_PTR context,
                                       int* err) noexcept override;
  int fd_is_set(SOCKET s, spi_fd_set* set) noexcept override { return inner_.fd_is_set(s, set); }
  int get_provider_path(GUID* provider_id, WCHAR* path, int* path_len, int* err) noexcept override {
    return inner_.get_provider_path(provider_id, path, path_len, err);
  }
  WPU_DECL SOCKET modify_ifs_handle(DWORD catalog_id, SOCKET proposed, int* err) noexcept override;
  BOOL post_message(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) noexcept override {
    return inner_.post_message(hwnd, msg, wparam, lparam);
  }
  int query_blocking_callback(DWORD catalog_id, LPBLOCKINGCALLBACK* callback, DWORD_PTR* context,
                              int* err) noexcept override {
    return inner_.query_blocking_callback(catalog_id, callback, context, err);
  }
  int query_socket_handle_context(SOCKET s, DWORD_PTR* context, int* err) noexcept override {
    return inner_.query_socket_handle_context(s, context, err);
  }
  int queue_apc(WSATHREADID* thread, LPWSAUSERAPC apc, DWORD_PTR context,
                int* err) noexcept override {
    return inner_.queue_apc(thread, apc, context, err);
  }
  BOOL reset_event(WSAEVENT event, int* err) noexcept override {
    return inner_.reset_event(event, err);
  }
  BOOL set_event(WSAEVENT event, int* err) noexcept override {
    return inner_.set_event(event, err);
  }
  WPU_DECL int open_current_thread(WSATHREADID* thread, int* err) noexcept override;
  WPU_DECL int close_thread(WSATHREADID* thread, int* err) noexcept override;
  int complete_overlapped_request(SOCKET s, WSAOVERLAPPED* overlapped, DWORD error,
                                  DWORD transferred, int* err) noexcept override {
    return inner_.complete_overlapped_request(s, overlapped, error, transferred, err);
  }

 private:
  upcalls& inner_;
};

namespace detail {
/// The decorator over default_backend() that wpu_get_upcall_table builds
/// its table over when recording is on: made on first use, never destroyed.
/// Any thread.
WPU_API WPU_DECL leak_upcalls& default_leak_upcalls() noexcept;
}  // namespace detail

WPU_NAMESPACE_END

#if defined(WPU_HEADER_ONLY)
#  include <wpu/impl/leaks.ipp>
#endif  // defined(WPU_HEADER_ONLY)

#endif  // WPU_LEAKS_HPP
