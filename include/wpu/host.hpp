// wpu/host.hpp - the provider host: the half of ws2_32 that loads providers,
// starts them and routes an application's Winsock calls to them.
//
// A host serves one catalog with one backend (the process catalog and the
// default backend for wpu::process_host(), which the C functions of
// <wpu/detail/winsock_decls.h> use). What it does, as ws2_32 does
// (../shared/docs/host-semantics.md; README.md, "Hosting a provider"):
//
//  - startup()/cleanup() count WSAStartup/WSACleanup. Nothing is loaded at
//    startup; the last cleanup closes every socket still open
//    (WSPCloseSocket), calls WSPCleanup once per WSPStartup made, and unloads
//    the modules (DllMain(DLL_PROCESS_DETACH) first on POSIX).
//  - socket() picks the catalog entry as WSASocketW does (the entry named by
//    lpProtocolInfo, or the first entry in catalog order matching family,
//    type and protocol; layered entries never), loads its provider on first
//    use and calls its WSPSocket, then records the socket's route.
//  - Loading: the entry's path with %VAR% expanded; dlopen (RTLD_NOW |
//    RTLD_LOCAL) and, when the module exports a C DllMain, DllMain(module,
//    DLL_PROCESS_ATTACH, NULL) (Windows: LoadLibraryW, whose loader calls
//    DllMain); the WSPStartup export called with MAKEWORD(2,2), the entry's
//    WSAPROTOCOL_INFOW and the backend's upcall table by value. One startup
//    per provider (ProviderId GUID) per process, however many entries name
//    it: the first entry used is the one WSPStartup sees, and WSPSocket sees
//    each socket's own entry (ReactOS's choice; Windows does not document it).
//  - Failures: a module that cannot be loaded or has no WSPStartup ->
//    WSAEPROVIDERFAILEDINIT; WSPStartup's own nonzero result as it is (a
//    Winsock error code, e.g. WSAVERNOTSUPPORTED; anything else ->
//    WSAEPROVIDERFAILEDINIT); a negotiated version other than 2.2 ->
//    WSPCleanup, then WSAEINVALIDPROVIDER; a NULL slot in the proc table ->
//    WSPCleanup, then WSAEINVALIDPROCTABLE. Each failure leaves a one-line
//    description for the calling thread (failure_text(): entry, file, symbol,
//    loader message) and writes it to stderr unless WPU_HOST_QUIET is set.
//  - Routing: find() maps a socket handle to its route (catalog entry and
//    proc table) lock-free; a provider's socket must be a handle it got from
//    WPUCreateSocketHandle or WPUModifyIFSHandle of this host's backend.
//
// Threads: every member may be called from any thread, concurrently. Loading,
// startup, cleanup and socket registration take the host's mutex (recursive:
// a provider's WSPStartup may call back into the catalog functions); find()
// takes no lock. The host never holds a lock while a provider runs, except
// around WSPStartup/WSPCleanup/DllMain, which run under the host's mutex. A
// cleanup racing calls on other threads is the application's error, as on
// Windows; it never frees what find() may return (routes live as long as the
// host).
#ifndef WPU_HOST_HPP
#define WPU_HOST_HPP

#include <wpu/config.hpp>
#include <wpu/catalog.hpp>
#include <wpu/detail/socket_registry.hpp>
#include <wpu/detail/winapi_decls.h>
#include <wpu/detail/winsock_decls.h>
#include <wpu/leaks.hpp>
#include <wpu/wpu.hpp>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

WPU_NAMESPACE_BEGIN

class WPU_API host {
 public:
  /// Where a hosted socket's calls go: the catalog entry its WSPSocket was
  /// called for (a chain entry for a layered provider) and the proc table of
  /// that entry's provider. Stable for the host's lifetime.
  struct route {
    DWORD catalog_id;
    const WSPPROC_TABLE* procs;
  };

  /// A host over `providers` whose providers get `backend`'s upcall table.
  /// Any thread.
  WPU_DECL explicit host(catalog& providers = process_catalog(),
                         native_backend& backend = default_backend()) noexcept;
  /// Performs what a last cleanup does for whatever is still started.
  WPU_DECL ~host();
  host(const host&) = delete;
  host& operator=(const host&) = delete;

  /// WSAStartup: returns 0 or the error (WSAVERNOTSUPPORTED for major 0,
  /// WSAEFAULT for NULL data, nothing counted then). Negotiates min(requested,
  /// 2.2): 2.x above 2.2 and 3.0+ give 2.2, 1.x above 1.1 gives 1.1.
  WPU_DECL int startup(WORD version, WSADATA* data) noexcept;
  /// WSACleanup: 0, or SOCKET_ERROR with WSANOTINITIALISED in *err.
  WPU_DECL int cleanup(int* err) noexcept;
  /// True between a startup and the matching last cleanup.
  bool started() const noexcept { return starts_.load(std::memory_order_relaxed) > 0; }

  /// WSASocketW (see the header comment for the selection and load rules).
  /// Errors: WSANOTINITIALISED; WSAEINVAL (lpProtocolInfo names no entry);
  /// WSAEAFNOSUPPORT / WSAESOCKTNOSUPPORT / WSAEPROTONOSUPPORT (no entry
  /// matches: the deepest partial match wins); WSAEINPROGRESS (each matching
  /// entry's WSPSocket failed with it: a busy provider passes the request on
  /// to the next match, as ReactOS does); the load and startup errors
  /// above; the provider's own error; WSASYSCALLFAILURE when the provider
  /// returned a socket that is not a handle of this host's backend (it is
  /// closed again) or failed without an error code.
  WPU_DECL SOCKET socket(int af, int type, int protocol, const WSAPROTOCOL_INFOW* info, GROUP g,
                         DWORD flags, int* err) noexcept;
  /// WSAAccept through s's provider; the new socket gets s's route.
  WPU_DECL SOCKET accept(SOCKET s, sockaddr* addr, int* addrlen, LPCONDITIONPROC condition,
                         DWORD_PTR callback_data, int* err) noexcept;
  /// closesocket: WSPCloseSocket; on success the handle is no longer routed
  /// and, for an IFS handle, its registration with the backend (catalog id,
  /// port association) is dropped, unless a new socket registered the same
  /// value meanwhile.
  WPU_DECL int close(SOCKET s, int* err) noexcept;
  /// select: the provider of the first socket of the first non-empty set
  /// (read, write, except) gets the whole call. WSAEINVAL when all are
  /// NULL or empty.
  WPU_DECL int select(int nfds, spi_fd_set* readfds, spi_fd_set* writefds, spi_fd_set* exceptfds,
                      const timeval* timeout, int* err) noexcept;

  /// The route of a hosted socket, or NULL with WSANOTINITIALISED (not
  /// started) or WSAENOTSOCK. Lock-free.
  const route* find(SOCKET s, int* err) const noexcept {
    if (!started()) {
      set_error(err, WSANOTINITIALISED);
      return nullptr;
    }
    const route* r = sockets_.find(s);
    if (r == nullptr) set_error(err, WSAENOTSOCK);
    return r;
  }

  /// Loads and starts the provider of a catalog entry now (socket() does it
  /// on first use). 0 or the load/startup error; WSAEINVAL for an unknown
  /// entry, WSANOTINITIALISED before startup.
  WPU_DECL int load(DWORD catalog_id, int* err) noexcept;

  /// The calling thread's description of the last provider failure of any
  /// host ("" when none). Valid on that thread until its next failure or its
  /// exit.
  WPU_DECL static const char* failure_text() noexcept;

  /// The thread id passed as lpThreadId for the calling thread (opened once
  /// per thread, closed when the thread exits; on Windows once per fiber,
  /// closed when the fiber or thread ends). Its ThreadHandle is NULL when
  /// it could not be opened.
  WPU_DECL static WSATHREADID* caller_thread() noexcept;

  catalog& providers() noexcept { return catalog_; }
  native_backend& backend() noexcept { return backend_; }

 private:
  // One provider module (one ProviderId). `procs` is what every route of
  // the provider points at; it is zeroed when the module is unloaded.
  struct module {
    GUID id{};
    void* library = nullptr;  // dlopen handle / HMODULE
    WSPPROC_TABLE procs{};
    int startups = 0;  // successful WSPStartup calls not yet cleaned up
  };
  struct entry_route : route {
    module* owner;
  };

  WPU_DECL int load_locked(DWORD catalog_id, const route** out, int* err) noexcept;
  WPU_DECL int start_module(module& m, const provider_entry& e) noexcept;
  WPU_DECL void unload_module(module& m) noexcept;
  WPU_DECL void cleanup_locked() noexcept;
  WPU_DECL bool registrable(SOCKET s) const noexcept;
  WPU_DECL int register_socket(SOCKET s, const route* r, int* err) noexcept;

  catalog& catalog_;
  native_backend& backend_;
  // The leak report's decorator over backend_ (wpu/leaks.hpp), which
  // upcalls_ reaches backend_ through when the report was on at
  // construction; else null.
  std::unique_ptr<leak_upcalls> leaks_;
  // The trace decorator over backend_ or leaks_, when tracing was on at
  // construction and backend_ is not the default backend; else null.
  // Declared after leaks_: destroyed before what it wraps.
  std::unique_ptr<trace_upcalls> trace_;
  WSPUPCALLTABLE upcalls_;
  int upcalls_status_;
  std::atomic<int> starts_{0};
  mutable std::recursive_mutex mutex_;  // modules_, routes_, registration, startup/cleanup
  std::deque<module> modules_;
  std::deque<entry_route> routes_;
  detail::socket_registry<route> sockets_;
};

/// The host of the C functions: the process catalog and the default backend.
WPU_API WPU_DECL host& process_host() noexcept;

namespace leaks {
namespace detail {
// created() for an application socket: the catalog entry of its route in
// process_host() (wpu/impl/host.ipp). Any thread.
WPU_API WPU_DECL void record_socket(SOCKET s, const char* api) noexcept;
}  // namespace detail
/// The leak report's create site for an application socket the host made
/// (INVALID_SOCKET: nothing); one cached-flag test when the report is off.
inline void note_socket(SOCKET s, const char* api) noexcept {
  if (enabled() && s != INVALID_SOCKET) detail::record_socket(s, api);
}
}  // namespace leaks

WPU_NAMESPACE_END

#if defined(WPU_HEADER_ONLY)
#  include <wpu/impl/host.ipp>
#  include <wpu/impl/host_c_api.ipp>
#endif  // defined(WPU_HEADER_ONLY)

#endif  // WPU_HOST_HPP
