// wpu/detail/common_upcalls.hpp - the upcalls that need no operating system:
// socket handles, WPUFDIsSet, provider paths, blocking callbacks, and the
// bookkeeping half of WPUModifyIFSHandle. Both backends derive from it.
#ifndef WPU_DETAIL_COMMON_UPCALLS_HPP
#define WPU_DETAIL_COMMON_UPCALLS_HPP

#include <wpu/blocking_hook.hpp>
#include <wpu/catalog.hpp>
#include <wpu/handle_table.hpp>
#include <wpu/upcalls.hpp>

#include <mutex>
#include <unordered_map>

WPU_NAMESPACE_BEGIN
namespace detail {

class common_upcalls : public upcalls {
 public:
  explicit common_upcalls(catalog& providers) noexcept : catalog_(providers) {}

  /// WPUCreateSocketHandle. Any thread. The handle is a wpu handle (>= 2^60,
  /// multiple of 4), never an fd or kernel handle. Fails with WSAEINVAL for an
  /// unknown catalog id and WSAENOBUFS when 4M handles are live.
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

  // The upcall whose backends come in a later release (overlapped
  // completion). Until then it fails cleanly with WSAEOPNOTSUPP; README.md
  // lists its status. Events, thread ids, APCs and messages are each
  // backend's own.
  WPU_DECL int complete_overlapped_request(SOCKET s, WSAOVERLAPPED* overlapped, DWORD error,
                                           DWORD transferred, int* err) noexcept override;

  /// The catalog id an IFS handle was registered with by WPUModifyIFSHandle.
  WPU_DECL bool ifs_catalog_id(SOCKET h, DWORD* catalog_id) const noexcept;

  /// Drops an IFS handle's registration (call it when the provider closes the
  /// handle, so a reused fd or kernel handle value starts clean).
  WPU_DECL bool forget_ifs_handle(SOCKET h) noexcept;

  handle_table& handles() noexcept { return handles_; }
  catalog& providers() noexcept { return catalog_; }

 protected:
  /// The shared tail of WPUModifyIFSHandle: `is_native` says whether the
  /// backend found `proposed` to be a live fd / kernel handle.
  WPU_DECL SOCKET register_ifs_handle(DWORD catalog_id, SOCKET proposed, bool is_native,
                                      int* err) noexcept;

 private:
  catalog& catalog_;
  handle_table handles_;
  mutable std::mutex ifs_mutex_;
  std::unordered_map<SOCKET, DWORD> ifs_handles_;
};

}  // namespace detail
WPU_NAMESPACE_END

#if defined(WPU_HEADER_ONLY)
#  include <wpu/detail/impl/common_upcalls.ipp>
#endif  // defined(WPU_HEADER_ONLY)

#endif  // WPU_DETAIL_COMMON_UPCALLS_HPP
