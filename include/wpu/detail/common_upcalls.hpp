// wpu/detail/common_upcalls.hpp - what is the same on every backend:
// socket handles, WPUFDIsSet, provider paths, blocking callbacks, the
// bookkeeping half of WPUModifyIFSHandle, and WPUCompleteOverlappedRequest
// with socket-to-port association over each backend's ports. Both backends
// derive from it.
#ifndef WPU_DETAIL_COMMON_UPCALLS_HPP
#define WPU_DETAIL_COMMON_UPCALLS_HPP

#include <wpu/blocking_hook.hpp>
#include <wpu/catalog.hpp>
#include <wpu/detail/port_links.hpp>
#include <wpu/handle_table.hpp>
#include <wpu/upcalls.hpp>

#include <cstdint>
#include <mutex>
#include <unordered_map>

WPU_NAMESPACE_BEGIN
namespace detail {

class WPU_API common_upcalls : public upcalls {
 public:
  /// Who completes overlapped I/O on IFS handles (WPUModifyIFSHandle's):
  /// `wpu` (POSIX, where no kernel does: WPUCompleteOverlappedRequest and
  /// associate_port accept registered IFS handles, with wpu's ports), or
  /// `system` (Win32: the kernel completes I/O on a system socket to the
  /// system port it is associated with, so WPUCompleteOverlappedRequest
  /// refuses IFS handles as Windows does, and associate_port hands them to
  /// associate_system_handle).
  enum class ifs_completion { system, wpu };

  explicit common_upcalls(catalog& providers, ifs_completion ifs = ifs_completion::system) noexcept
      : catalog_(providers), ifs_completion_(ifs) {}

  /// WPUCreateSocketHandle. Any thread. The handle is a wpu handle (>= 2^60,
  /// multiple of 4), never an fd or kernel handle, and unique in the process:
  /// it carries this backend's table id, so every other backend refuses it.
  /// Fails with WSAEINVAL for an unknown catalog id and WSAENOBUFS when 4M
  /// handles are live (or the backend's table got no id: 1024 live tables).
  WPU_DECL SOCKET create_socket_handle(DWORD catalog_id, DWORD_PTR context,
                                       int* err) noexcept override;

  /// WPUQuerySocketHandleContext. Any thread, lock-free. WSAENOTSOCK for
  /// anything but a live handle from create_socket_handle; WSAEFAULT for a
  /// NULL context pointer.
  int query_socket_handle_context(SOCKET s, DWORD_PTR* context, int* err) noexcept override {
    std::uint64_t v;
    if (!handles_.lookup(s, handle_kind::socket, &v)) {
      set_error(err, WSAENOTSOCK);
      return SOCKET_ERROR;
    }
    if (context == nullptr) {
      set_error(err, WSAEFAULT);
      return SOCKET_ERROR;
    }
    *context = static_cast<DWORD_PTR>(v);
    return 0;
  }

  /// WPUCloseSocketHandle. Any thread; of two concurrent closes one wins and
  /// the other gets WSAENOTSOCK. The context is not touched (the provider owns it).
  WPU_DECL int close_socket_handle(SOCKET s, int* err) noexcept override;

  /// WPUFDIsSet: __WSAFDIsSet. Any thread; 0 for a NULL set.
  WPU_DECL int fd_is_set(SOCKET s, spi_fd_set* set) noexcept override;

  /// WPUGetProviderPath. Any thread. See catalog::provider_path for the length
  /// rule; WSAEFAULT also for a NULL GUID or length pointer.
  WPU_DECL int get_provider_path(GUID* provider_id, WCHAR* path, int* path_len,
                                 int* err) noexcept override;

  /// WPUQueryBlockingCallback. Returns the calling thread's hook (callback
  /// NULL and context 0 when none is set). WSAEFAULT for NULL outputs,
  /// WSAEINVAL for an unknown catalog id.
  WPU_DECL int query_blocking_callback(DWORD catalog_id, LPBLOCKINGCALLBACK* callback,
                                       DWORD_PTR* context, int* err) noexcept override;

  /// WPUCompleteOverlappedRequest, for sockets from create_socket_handle and,
  /// with ifs_completion::wpu, for registered IFS handles. Any thread
  /// (usually the provider's I/O thread); the client sees the result on
  /// whichever thread waits on the event or the port. In order:
  ///  1. reads lpOverlapped->hEvent (before anything the client can see, so a
  ///     client that frees the OVERLAPPED once it is done is safe) and, unless
  ///     bit 0 of hEvent is set, the socket's port; when it has none, checks
  ///     again that s is live (closed meanwhile, its slot maybe reused and
  ///     associated by a new socket: WSAEINVAL, nothing written);
  ///  2. InternalHigh = transferred, then Internal = error with a release
  ///     store (0 for success; a thread that reads Internal with acquire and
  ///     sees it done sees the byte count); Offset and OffsetHigh untouched;
  ///  3. sets the event hEvent & ~1 when that is not NULL (a dead event is
  ///     ignored: the client's mistake, which the provider cannot act on);
  ///  4. unless bit 0 of hEvent is set, queues (transferred, key, overlapped)
  ///     to the port step 1 found, if any. GetQueuedCompletionStatus then
  ///     returns FALSE with `error` for a failed operation.
  /// Racing close_socket_handle, the result is an error with nothing written
  /// or 0 with exactly one packet (when associated), never 0 without it.
  /// An IFS handle's port is read under the registration lock in step 1; a
  /// handle forgotten or registered again from then on counts as after the
  /// completion. wpu sockets never take that lock.
  /// Errors: WSA_INVALID_PARAMETER for a NULL overlapped (as WinCE),
  /// WSAEINVAL for anything but a live socket of this backend (or, with
  /// ifs_completion::wpu, a registered IFS handle), and WSAEINVAL for an
  /// `error` that Internal cannot carry (WSS_OPERATION_IN_PROGRESS, or above
  /// 0xFFFF: not a Win32 or Winsock code).
  WPU_DECL int complete_overlapped_request(SOCKET s, WSAOVERLAPPED* overlapped, DWORD error,
                                           DWORD transferred, int* err) noexcept override;

  /// CreateIoCompletionPort((HANDLE)s, port, key, concurrency) for a socket
  /// from create_socket_handle or a registered IFS handle: associates it
  /// with `port` (NULL: a new port with `concurrency`) and returns the port.
  /// Once per socket, as Windows; registering an IFS handle again (a new
  /// socket got the fd) drops its association. With ifs_completion::system
  /// an IFS handle goes to associate_system_handle (the system's
  /// CreateIoCompletionPort and its errors).
  /// Any thread. NULL with *err = ERROR_INVALID_HANDLE (neither a live socket
  /// of this backend nor a registered IFS handle; `port` not a live
  /// completion port),
  /// ERROR_INVALID_PARAMETER (the socket already has a port) or
  /// ERROR_NOT_ENOUGH_MEMORY. POSIX ports are wpu handles; Win32 ports are
  /// real ones from CreateIoCompletionPort, which must stay open while
  /// associated sockets complete requests (Windows would keep the port
  /// object alive; wpu holds no reference).
  WPU_DECL HANDLE associate_port(SOCKET s, HANDLE port, ULONG_PTR key, DWORD concurrency,
                                 DWORD* err) noexcept;

  /// WSAGetOverlappedResult as the client sees it when no provider answers
  /// it (section 3.15's protocol, over what complete_overlapped_request
  /// writes). While Internal is WSS_OPERATION_IN_PROGRESS: with `wait`, waits
  /// on hEvent & ~1, then reads again; without, FALSE with WSA_IO_INCOMPLETE.
  /// Then *bytes = InternalHigh, *flags = Offset (the result flags a
  /// provider keeps there), and TRUE if Internal is 0, else FALSE with the
  /// error Internal holds. The calling thread blocks; any thread may call.
  /// Errors: WSAENOTSOCK (not a live socket of this backend), WSAEFAULT
  /// (NULL overlapped, bytes or flags), WSA_INVALID_PARAMETER (`wait` with a
  /// NULL event: Windows would wait on the socket handle, which a wpu handle
  /// cannot be), WSA_INVALID_HANDLE (the event is not a live event). With
  /// ifs_completion::wpu a registered IFS handle is accepted as well.
  WPU_DECL BOOL get_overlapped_result(SOCKET s, WSAOVERLAPPED* overlapped, DWORD* bytes, BOOL wait,
                                      DWORD* flags, int* err) noexcept;

  /// The catalog id an IFS handle was registered with by WPUModifyIFSHandle.
  /// Any thread.
  WPU_DECL bool ifs_catalog_id(SOCKET h, DWORD* catalog_id) const noexcept;

  /// The serial number of h's current IFS registration (each registration
  /// gets a new one); 0 when h is not registered. Any thread.
  WPU_DECL std::uint64_t ifs_serial(SOCKET h) const noexcept;

  /// Drops an IFS handle's registration and its port association, so a
  /// reused fd or kernel handle value starts clean. With a nonzero `serial`
  /// only the registration ifs_serial returned is dropped: a closer that
  /// read the serial before closing the handle leaves alone a registration
  /// another thread made for a new socket that got the same value. True if
  /// it dropped one. Any thread.
  WPU_DECL bool forget_ifs_handle(SOCKET h, std::uint64_t serial = 0) noexcept;

  handle_table& handles() noexcept { return handles_; }

  /// True for a live handle from create_socket_handle. Any thread, lock-free.
  bool is_live_socket(SOCKET s) const noexcept {
    std::uint64_t context;
    return handles_.lookup(s, handle_kind::socket, &context);
  }
  catalog& providers() noexcept { return catalog_; }

 protected:
  /// The shared tail of WPUModifyIFSHandle: `is_native` says whether the
  /// backend found `proposed` to be a live fd / kernel handle.
  WPU_DECL SOCKET register_ifs_handle(DWORD catalog_id, SOCKET proposed, bool is_native,
                                      int* err) noexcept;

  // The backend's completion ports and event wait, for the overlapped
  // functions above. Any thread.
  /// A new port (NULL with *err as CreateIoCompletionPort).
  virtual HANDLE new_port(DWORD concurrency, DWORD* err) noexcept = 0;
  /// Closes a port new_port made.
  virtual void close_port(HANDLE port) noexcept = 0;
  /// True for a live completion port.
  virtual bool is_port(HANDLE port) noexcept = 0;
  /// Queues a packet; `error` 0 for a successful operation. A dead port
  /// drops it (see associate_port).
  virtual void post_completion(HANDLE port, DWORD bytes, ULONG_PTR key, WSAOVERLAPPED* overlapped,
                               DWORD error) noexcept = 0;
  /// Waits for a live event: false when `event` is not one.
  virtual bool wait_event(WSAEVENT event) noexcept = 0;
  /// ifs_completion::system only: CreateIoCompletionPort on a registered IFS
  /// handle, the system's (NULL with its error in *err).
  virtual HANDLE associate_system_handle(SOCKET h, HANDLE port, ULONG_PTR key, DWORD concurrency,
                                         DWORD* err) noexcept {
    (void)h, (void)port, (void)key, (void)concurrency;
    set_error(err, ERROR_INVALID_HANDLE);
    return nullptr;
  }

 private:
  // An IFS registration: WPUModifyIFSHandle's catalog id, the registration's
  // serial, and the port association (ifs_completion::wpu).
  struct ifs_entry {
    DWORD catalog_id = 0;
    std::uint64_t serial = 0;
    bool linked = false;
    port_links::link_target target;
  };

  WPU_DECL int complete_ifs_request(SOCKET s, WSAOVERLAPPED* overlapped, DWORD error,
                                    DWORD transferred, int* err) noexcept;
  WPU_DECL HANDLE associate_ifs_port(SOCKET s, HANDLE port, ULONG_PTR key, DWORD concurrency,
                                     DWORD* err) noexcept;

  catalog& catalog_;
  const ifs_completion ifs_completion_;
  handle_table handles_;
  port_links links_;
  mutable std::mutex ifs_mutex_;
  std::uint64_t ifs_serials_ = 0;  // guarded by ifs_mutex_
  std::unordered_map<SOCKET, ifs_entry> ifs_handles_;
};

}  // namespace detail
WPU_NAMESPACE_END

#if defined(WPU_HEADER_ONLY)
#  include <wpu/detail/impl/common_upcalls.ipp>
#endif  // defined(WPU_HEADER_ONLY)

#endif  // WPU_DETAIL_COMMON_UPCALLS_HPP
