// wpu/impl/host.ipp - the provider host (wpu/host.hpp).
#ifndef WPU_IMPL_HOST_IPP
#define WPU_IMPL_HOST_IPP

#include <wpu/host.hpp>

#if defined(WPU_POSIX)
#  include <wpu/posix/impl/k32_modules.ipp>  // k32::load_module, k32::free_module
#  include <dlfcn.h>
#endif  // defined(WPU_POSIX)

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

WPU_NAMESPACE_BEGIN

namespace detail {

// What the host keeps for one thread: the text of its last provider failure
// and the WSATHREADID passed as lpThreadId for its calls, opened on first use
// from the default backend (never destroyed; its thread ids are valid for
// every backend of the platform). Used and destroyed on its own thread only:
// the destructor runs when the thread exits.
struct host_thread_state {
  std::string failure;
  WSATHREADID id{};
  bool id_open = false;

  host_thread_state() = default;
  host_thread_state(const host_thread_state&) = delete;
  host_thread_state& operator=(const host_thread_state&) = delete;
  ~host_thread_state() {
    int e = 0;
    if (id_open) default_backend().close_thread(&id, &e);
  }
};

#if defined(WPU_WINDOWS)
// Windows: the state is a heap object named by a fiber-local slot, whose
// callback deletes it when the thread (or fiber) ends. It is not a
// thread_local object with a destructor: with GCC's emulated TLS
// (mingw-w64) that destructor runs after the exiting thread's TLS storage
// was freed, and writes into freed heap memory.
inline void WINAPI delete_host_thread_state(void* state) noexcept {
  delete static_cast<host_thread_state*>(state);
}

// The slot, allocated on first use and never freed (FLS_OUT_OF_INDEXES when
// the process has none left). The module holding the callback is pinned:
// threads may end after it would otherwise have been unloaded.
inline DWORD host_thread_state_slot() noexcept {
  static const DWORD slot = [] {
    HMODULE self = nullptr;
    ::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                         reinterpret_cast<LPCWSTR>(&delete_host_thread_state), &self);
    return ::FlsAlloc(&delete_host_thread_state);
  }();
  return slot;
}
#endif  // defined(WPU_WINDOWS)

// The calling thread's state, created on first use; nullptr when it cannot
// be (out of memory; on Windows also no fiber-local slot). Leaves the
// thread's last error as it was.
inline host_thread_state* this_thread_state() noexcept {
#if defined(WPU_WINDOWS)
  const DWORD saved = ::GetLastError();
  host_thread_state* state = nullptr;
  const DWORD slot = host_thread_state_slot();
  if (slot != FLS_OUT_OF_INDEXES) {
    state = static_cast<host_thread_state*>(::FlsGetValue(slot));
    if (state == nullptr) {
      state = new (std::nothrow) host_thread_state;
      if (state != nullptr && ::FlsSetValue(slot, state) == FALSE) {
        delete state;
        state = nullptr;
      }
    }
  }
  ::SetLastError(saved);
  return state;
#else   // !defined(WPU_WINDOWS)
  static thread_local host_thread_state state;
  return &state;
#endif  // defined(WPU_WINDOWS)
}

inline void report_host_failure(const std::string& text) noexcept {
  if (host_thread_state* state = this_thread_state()) {
    try {
      state->failure = text;
    } catch (...) {
      state->failure.clear();
    }
  }
  if (std::getenv("WPU_HOST_QUIET") == nullptr) std::fprintf(stderr, "wpu: %s\n", text.c_str());
}

// The name of the first NULL slot of a proc table, or NULL when it is full.
inline const char* missing_proc(const WSPPROC_TABLE& p) noexcept {
#define WPU_PROC_SLOT(name) \
  if (p.lpWSP##name == nullptr) return "lpWSP" #name;
  WPU_PROC_SLOT(Accept)
  WPU_PROC_SLOT(AddressToString)
  WPU_PROC_SLOT(AsyncSelect)
  WPU_PROC_SLOT(Bind)
  WPU_PROC_SLOT(CancelBlockingCall)
  WPU_PROC_SLOT(Cleanup)
  WPU_PROC_SLOT(CloseSocket)
  WPU_PROC_SLOT(Connect)
  WPU_PROC_SLOT(DuplicateSocket)
  WPU_PROC_SLOT(EnumNetworkEvents)
  WPU_PROC_SLOT(EventSelect)
  WPU_PROC_SLOT(GetOverlappedResult)
  WPU_PROC_SLOT(GetPeerName)
  WPU_PROC_SLOT(GetSockName)
  WPU_PROC_SLOT(GetSockOpt)
  WPU_PROC_SLOT(GetQOSByName)
  WPU_PROC_SLOT(Ioctl)
  WPU_PROC_SLOT(JoinLeaf)
  WPU_PROC_SLOT(Listen)
  WPU_PROC_SLOT(Recv)
  WPU_PROC_SLOT(RecvDisconnect)
  WPU_PROC_SLOT(RecvFrom)
  WPU_PROC_SLOT(Select)
  WPU_PROC_SLOT(Send)
  WPU_PROC_SLOT(SendDisconnect)
  WPU_PROC_SLOT(SendTo)
  WPU_PROC_SLOT(SetSockOpt)
  WPU_PROC_SLOT(Shutdown)
  WPU_PROC_SLOT(Socket)
  WPU_PROC_SLOT(StringToAddress)
#undef WPU_PROC_SLOT
  return nullptr;
}

// Unloads a module the host loaded. POSIX: k32::free_module, the count
// LoadLibrary shares (DllMain(DLL_PROCESS_DETACH) when it was the last
// reference).
inline void close_library(void* library) noexcept {
#if defined(WPU_POSIX)
  k32::free_module(library);
#else   // !defined(WPU_POSIX)
  ::FreeLibrary(static_cast<HMODULE>(library));
#endif  // defined(WPU_POSIX)
}

#if defined(WPU_WINDOWS)
// Windows: a provider DLL written for Windows imports ws2_32's catalog
// functions and WPUCompleteOverlappedRequest, which know the system's
// catalog and sockets, not wpu's. The host points those imports of every
// module it loads at wpu's own functions, and points the module's
// LoadLibrary imports at loaders that do the same to what they load (a
// layered provider loading the provider below it).
inline HMODULE WINAPI host_load_library_w(LPCWSTR name);
inline HMODULE WINAPI host_load_library_ex_w(LPCWSTR name, HANDLE file, DWORD flags);
inline HMODULE WINAPI host_load_library_a(LPCSTR name);

inline void* redirected_import(const char* dll, const char* name) noexcept {
  struct redirect {
    const char* dll;
    const char* name;
    void* target;
  };
  static const redirect table[] = {
      {"ws2_32.dll", "WPUCompleteOverlappedRequest",
       reinterpret_cast<void*>(&::wpu_complete_overlapped_request)},
      {"ws2_32.dll", "WSCEnumProtocols", reinterpret_cast<void*>(&::wpu_wsc_enum_protocols)},
      {"ws2_32.dll", "WSCGetProviderPath", reinterpret_cast<void*>(&::wpu_wsc_get_provider_path)},
      {"ws2_32.dll", "WSAEnumProtocolsW", reinterpret_cast<void*>(&::wpu_wsa_enum_protocols_w)},
      {"kernel32.dll", "LoadLibraryW", reinterpret_cast<void*>(&host_load_library_w)},
      {"kernel32.dll", "LoadLibraryExW", reinterpret_cast<void*>(&host_load_library_ex_w)},
      {"kernel32.dll", "LoadLibraryA", reinterpret_cast<void*>(&host_load_library_a)},
  };
  for (const redirect& r : table)
    if (::lstrcmpiA(dll, r.dll) == 0 && std::strcmp(name, r.name) == 0) return r.target;
  return nullptr;
}

// Rewrites the module's import address table entries named above. Any
// thread; idempotent.
inline void redirect_imports(HMODULE module) noexcept {
  if (module == nullptr) return;
  auto* base = reinterpret_cast<BYTE*>(module);
  auto* dos = reinterpret_cast<IMAGE_DOS_HEADER*>(base);
  if (dos->e_magic != IMAGE_DOS_SIGNATURE) return;
  auto* nt = reinterpret_cast<IMAGE_NT_HEADERS*>(base + dos->e_lfanew);
  if (nt->Signature != IMAGE_NT_SIGNATURE) return;
  const IMAGE_DATA_DIRECTORY& dir = nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];
  if (dir.VirtualAddress == 0) return;
  for (auto* d = reinterpret_cast<IMAGE_IMPORT_DESCRIPTOR*>(base + dir.VirtualAddress);
       d->Name != 0; ++d) {
    const char* dll = reinterpret_cast<const char*>(base + d->Name);
    auto* names = reinterpret_cast<IMAGE_THUNK_DATA*>(
        base + (d->OriginalFirstThunk != 0 ? d->OriginalFirstThunk : d->FirstThunk));
    auto* slots = reinterpret_cast<IMAGE_THUNK_DATA*>(base + d->FirstThunk);
    for (; names->u1.AddressOfData != 0; ++names, ++slots) {
      if (IMAGE_SNAP_BY_ORDINAL(names->u1.Ordinal)) continue;
      auto* by_name = reinterpret_cast<IMAGE_IMPORT_BY_NAME*>(base + names->u1.AddressOfData);
      void* target = redirected_import(dll, reinterpret_cast<const char*>(by_name->Name));
      if (target == nullptr) continue;
      DWORD old = 0;
      if (::VirtualProtect(&slots->u1.Function, sizeof slots->u1.Function, PAGE_READWRITE, &old) ==
          FALSE)
        continue;
      slots->u1.Function = reinterpret_cast<ULONG_PTR>(target);
      ::VirtualProtect(&slots->u1.Function, sizeof slots->u1.Function, old, &old);
    }
  }
}

inline HMODULE WINAPI host_load_library_w(LPCWSTR name) {
  HMODULE m = ::LoadLibraryW(name);
  redirect_imports(m);
  return m;
}

inline HMODULE WINAPI host_load_library_ex_w(LPCWSTR name, HANDLE file, DWORD flags) {
  HMODULE m = ::LoadLibraryExW(name, file, flags);
  if ((flags & (LOAD_LIBRARY_AS_DATAFILE | LOAD_LIBRARY_AS_DATAFILE_EXCLUSIVE |
                LOAD_LIBRARY_AS_IMAGE_RESOURCE)) == 0)
    redirect_imports(m);
  return m;
}

inline HMODULE WINAPI host_load_library_a(LPCSTR name) {
  HMODULE m = ::LoadLibraryA(name);
  redirect_imports(m);
  return m;
}
#endif  // defined(WPU_WINDOWS)

// The leak report's decorator for a host over `backend`: the default
// backend's is wpu_get_upcall_table's (so the process host's table is that
// one, as without the report); another backend's is made into `own`.
// nullptr when out of memory (the table is then made without it).
inline leak_upcalls* leak_decorator(native_backend& backend,
                                    std::unique_ptr<leak_upcalls>& own) noexcept {
  if (&backend == &default_backend()) return &default_leak_upcalls();
  own.reset(new (std::nothrow) leak_upcalls(backend));
  return own.get();
}

// The catalog entries whose route belongs to module `m`, in route order
// (the leak report of its WSPCleanup). Out of memory: none. Under the host's
// mutex.
template <class Routes, class Module>
void module_entries(const Routes& routes, const Module* m, leaks::entry_list* out) noexcept {
  try {
    for (const auto& r : routes)
      if (r.owner == m) out->push_back(r.catalog_id);
  } catch (...) {
    out->clear();
  }
}

// The report after a provider's last WSPCleanup: what its entries made and
// did not close, "at WSPCleanup of catalog entry N" (entries N, M, ...).
inline void report_module_leaks(const leaks::entry_list& entries) noexcept {
  try {
    std::string where =
        entries.size() == 1 ? "WSPCleanup of catalog entry " : "WSPCleanup of catalog entries ";
    for (std::size_t i = 0; i < entries.size(); ++i)
      where += (i == 0 ? "" : ", ") + std::to_string(entries[i]);
    leaks::report(where.c_str(), nullptr, entries);
  } catch (...) {
    // Out of memory: the objects stay recorded, for the next report.
  }
}

}  // namespace detail

WPU_DECL host::host(catalog& providers, native_backend& backend) noexcept
    : catalog_(providers), backend_(backend), upcalls_{} {
  // The leak report's decorator, when on, sits between the table and the
  // backend; tracing, when on, outside it. Over the default backend both
  // are wpu_get_upcall_table's (the same table).
  leak_upcalls* leak = leaks::enabled() ? detail::leak_decorator(backend_, leaks_) : nullptr;
  if (!detail::trace_active()) {
    upcalls_status_ = leak != nullptr ? try_make_upcall_table(*leak, &upcalls_)
                                      : try_make_upcall_table(backend_, &upcalls_);
  } else if (&backend_ == &default_backend()) {
    upcalls_status_ = try_make_upcall_table(detail::traced_default_backend(), &upcalls_);
  } else {
    trace_.reset(new (std::nothrow)
                     trace_upcalls(leak != nullptr ? static_cast<upcalls&>(*leak) : backend_));
    upcalls_status_ = trace_ ? try_make_upcall_table(*trace_, &upcalls_) : WSAENOBUFS;
  }
}

WPU_DECL host::~host() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (starts_.load(std::memory_order_relaxed) > 0) cleanup_locked();
  starts_.store(0, std::memory_order_relaxed);
}

WPU_DECL int host::startup(WORD version, WSADATA* data) noexcept {
  const unsigned major = LOBYTE(version), minor = HIBYTE(version);
  if (major == 0) return WSAVERNOTSUPPORTED;
  if (data == nullptr) return WSAEFAULT;
  WORD negotiated = version;
  if (major > 2 || (major == 2 && minor > 2))
    negotiated = MAKEWORD(2, 2);
  else if (major == 1 && minor > 1)
    negotiated = MAKEWORD(1, 1);
  *data = WSADATA{};
  data->wVersion = negotiated;
  data->wHighVersion = MAKEWORD(2, 2);
  std::snprintf(data->szDescription, sizeof data->szDescription, "wpu Winsock 2.2 provider host");
  std::snprintf(data->szSystemStatus, sizeof data->szSystemStatus, "Running");
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  starts_.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

WPU_DECL int host::cleanup(int* err) noexcept {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  const int n = starts_.load(std::memory_order_relaxed);
  if (n == 0) {
    set_error(err, WSANOTINITIALISED);
    return SOCKET_ERROR;
  }
  if (n == 1) cleanup_locked();
  starts_.store(n - 1, std::memory_order_relaxed);
  return 0;
}

// The last cleanup: sockets first, then one WSPCleanup per WSPStartup, then
// the modules (host-semantics.md 2.4).
WPU_DECL void host::cleanup_locked() noexcept {
  std::vector<std::pair<SOCKET, const route*>> open;
  try {
    sockets_.for_each([&](SOCKET s, const route* r) { open.emplace_back(s, r); });
  } catch (...) {
    open.clear();  // out of memory: the sockets are dropped without WSPCloseSocket
  }
  for (const auto& sr : open) {
    int e = 0;
    leak_entry_scope leak_scope(sr.second->catalog_id);
    sr.second->procs->lpWSPCloseSocket(sr.first, &e);
    leaks::detail::forget_ifs(sr.first);
  }
  sockets_.clear();
  for (module& m : modules_)
    if (m.startups > 0) unload_module(m);
  leaks::report("WSACleanup");  // what is still open (nothing when the report is off)
}

WPU_DECL void host::unload_module(module& m) noexcept {
  leaks::entry_list leak_entries;  // the module's catalog entries, when the report is on
  if (leaks::enabled()) detail::module_entries(routes_, &m, &leak_entries);
  {
    leak_entry_scope leak_scope(leak_entries.empty() ? 0 : leak_entries.front());
    for (; m.startups > 0; --m.startups) {
      int e = 0;
      m.procs.lpWSPCleanup(&e);
    }
  }
  if (!leak_entries.empty()) detail::report_module_leaks(leak_entries);
  detail::close_library(m.library);
  m.library = nullptr;
  m.procs = WSPPROC_TABLE{};
}

WPU_DECL int host::start_module(module& m, const provider_entry& e) noexcept {
  const std::string entry = "catalog entry " + std::to_string(e.info.dwCatalogEntryId);
  wstring expanded;
  std::string file;
  try {
    expanded = expand_environment(e.path);
    if (!detail::utf16_to_utf8(expanded, &file)) {
      detail::report_host_failure(entry + ": the provider path is not valid UTF-16");
      return WSAEPROVIDERFAILEDINIT;
    }
  } catch (...) {
    return WSA_NOT_ENOUGH_MEMORY;
  }
  if (upcalls_status_ != 0) {
    detail::report_host_failure(entry + ": no upcall table for the host's backend (" +
                                std::to_string(upcalls_status_) + ")");
    return WSAEPROVIDERFAILEDINIT;
  }
#if defined(WPU_POSIX)
  // One count per module with LoadLibrary: DllMain(DLL_PROCESS_ATTACH) runs
  // only when neither the host nor a provider holds the module yet.
  DWORD load_error = 0;
  std::string why;
  void* library = k32::load_module(file.c_str(), &load_error, &why);
  if (library == nullptr) {
    if (load_error == ERROR_DLL_INIT_FAILED)
      detail::report_host_failure(entry + ": DllMain(DLL_PROCESS_ATTACH) of '" + file +
                                  "' returned FALSE");
    else if (load_error == ERROR_NOT_ENOUGH_MEMORY)
      return WSA_NOT_ENOUGH_MEMORY;
    else
      detail::report_host_failure(entry + ": cannot load provider module '" + file + "': " + why);
    return WSAEPROVIDERFAILEDINIT;
  }
  auto start = reinterpret_cast<LPWSPSTARTUP>(::dlsym(library, "WSPStartup"));
#else   // !defined(WPU_POSIX)
  HMODULE library = ::LoadLibraryW(reinterpret_cast<LPCWSTR>(expanded.c_str()));
  if (library == nullptr) {
    detail::report_host_failure(entry + ": cannot load provider module '" + file +
                                "': LoadLibraryW failed with error " +
                                std::to_string(::GetLastError()));
    return WSAEPROVIDERFAILEDINIT;
  }
  detail::redirect_imports(library);
  auto start = reinterpret_cast<LPWSPSTARTUP>(
      reinterpret_cast<void (*)()>(::GetProcAddress(library, "WSPStartup")));
#endif  // defined(WPU_POSIX)
  if (start == nullptr) {
    detail::report_host_failure(entry + ": provider module '" + file +
                                "' does not export WSPStartup (extern \"C\", default visibility)");
    detail::close_library(library);
    return WSAEPROVIDERFAILEDINIT;
  }
  WSPDATA data{};
  WSPPROC_TABLE procs{};
  WSAPROTOCOL_INFOW info = e.info;
  leak_entry_scope leak_scope(e.info.dwCatalogEntryId);
  const int rc = start(MAKEWORD(2, 2), &data, &info, upcalls_, &procs);
  if (rc != 0) {
    detail::report_host_failure(entry + ": WSPStartup of '" + file + "' failed with " +
                                std::to_string(rc));
    detail::close_library(library);
    return rc >= WSABASEERR && rc < WSABASEERR + 2000 ? rc : WSAEPROVIDERFAILEDINIT;
  }
  if (data.wVersion != MAKEWORD(2, 2)) {
    detail::report_host_failure(entry + ": WSPStartup of '" + file + "' negotiated version " +
                                std::to_string(LOBYTE(data.wVersion)) + "." +
                                std::to_string(HIBYTE(data.wVersion)) + ", not 2.2");
    if (procs.lpWSPCleanup != nullptr) {
      int ce = 0;
      procs.lpWSPCleanup(&ce);
    }
    detail::close_library(library);
    return WSAEINVALIDPROVIDER;
  }
  if (const char* missing = detail::missing_proc(procs)) {
    detail::report_host_failure(entry + ": WSPStartup of '" + file + "' left the proc table slot " +
                                missing + " NULL");
    if (procs.lpWSPCleanup != nullptr) {
      int ce = 0;
      procs.lpWSPCleanup(&ce);
    }
    detail::close_library(library);
    return WSAEINVALIDPROCTABLE;
  }
  m.library = library;
  m.procs = procs;
  m.startups = 1;
  return 0;
}

WPU_DECL int host::load_locked(DWORD catalog_id, const route** out, int* err) noexcept {
  for (entry_route& r : routes_) {
    if (r.catalog_id == catalog_id && r.owner->startups > 0) {
      *out = &r;
      return 0;
    }
  }
  try {
    std::vector<provider_entry> all = catalog_.entries();
    const provider_entry* e = nullptr;
    for (const provider_entry& x : all)
      if (x.info.dwCatalogEntryId == catalog_id) e = &x;
    if (e == nullptr) {
      set_error(err, WSAEINVAL);
      return SOCKET_ERROR;
    }
    module* m = nullptr;
    for (module& x : modules_)
      if (same_guid(x.id, e->info.ProviderId)) m = &x;
    if (m == nullptr) {
      modules_.emplace_back();
      m = &modules_.back();
      m->id = e->info.ProviderId;
    }
    if (m->startups == 0) {
      if (int rc = start_module(*m, *e); rc != 0) {
        set_error(err, rc);
        return SOCKET_ERROR;
      }
    }
    entry_route* r = nullptr;
    for (entry_route& x : routes_)
      if (x.catalog_id == catalog_id) r = &x;
    if (r == nullptr) {
      routes_.emplace_back();
      r = &routes_.back();
      r->catalog_id = catalog_id;
    }
    r->procs = &m->procs;
    r->owner = m;
    *out = r;
    return 0;
  } catch (...) {
    set_error(err, WSA_NOT_ENOUGH_MEMORY);
    return SOCKET_ERROR;
  }
}

WPU_DECL int host::load(DWORD catalog_id, int* err) noexcept {
  if (!started()) {
    set_error(err, WSANOTINITIALISED);
    return SOCKET_ERROR;
  }
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  const route* r = nullptr;
  return load_locked(catalog_id, &r, err);
}

WPU_DECL bool host::registrable(SOCKET s) const noexcept {
  DWORD id = 0;
  return backend_.is_live_socket(s) || backend_.ifs_catalog_id(s, &id);
}

WPU_DECL int host::register_socket(SOCKET s, const route* r, int* err) noexcept {
  if (!registrable(s)) {
    detail::report_host_failure("catalog entry " + std::to_string(r->catalog_id) +
                                ": the provider returned socket " + std::to_string(s) +
                                ", which is not a handle from WPUCreateSocketHandle or "
                                "WPUModifyIFSHandle; it was closed again");
    int e = 0;
    r->procs->lpWSPCloseSocket(s, &e);
    set_error(err, WSASYSCALLFAILURE);
    return SOCKET_ERROR;
  }
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (!sockets_.insert(s, r)) {
    const std::uint64_t ifs_serial = backend_.ifs_serial(s);
    int e = 0;
    r->procs->lpWSPCloseSocket(s, &e);
    if (ifs_serial != 0) backend_.forget_ifs_handle(s, ifs_serial);
    set_error(err, WSAENOBUFS);
    return SOCKET_ERROR;
  }
  return 0;
}

WPU_DECL SOCKET host::socket(int af, int type, int protocol, const WSAPROTOCOL_INFOW* info, GROUP g,
                             DWORD flags, int* err) noexcept {
  if (!started()) {
    set_error(err, WSANOTINITIALISED);
    return INVALID_SOCKET;
  }
  std::vector<provider_entry> all;
  try {
    all = catalog_.entries();
  } catch (...) {
    set_error(err, WSA_NOT_ENOUGH_MEMORY);
    return INVALID_SOCKET;
  }
  std::size_t next = 0;
  bool busy = false;  // an earlier matching entry failed with WSAEINPROGRESS
  for (;;) {
    // The entry: the one lpProtocolInfo names, or the first match in
    // catalog order from `next`, noting the deepest partial match.
    const provider_entry* e = nullptr;
    if (info != nullptr) {
      for (const provider_entry& x : all)
        if (x.info.dwCatalogEntryId == info->dwCatalogEntryId) e = &x;
      if (e == nullptr) {
        set_error(err, WSAEINVAL);
        return INVALID_SOCKET;
      }
    } else {
      int depth = 0;  // 1 family matched, 2 type too
      for (; next < all.size() && e == nullptr; ++next) {
        const WSAPROTOCOL_INFOW& x = all[next].info;
        if (x.ProtocolChain.ChainLen == LAYERED_PROTOCOL) continue;
        if (af != 0 && x.iAddressFamily != af) continue;
        if (depth < 1) depth = 1;
        if (type != 0 && x.iSocketType != type) continue;
        if (depth < 2) depth = 2;
        const bool protocol_ok =
            protocol == 0
                ? (x.dwProviderFlags & PFL_MATCHES_PROTOCOL_ZERO) != 0
                : (protocol >= x.iProtocol && protocol <= x.iProtocol + x.iProtocolMaxOffset);
        if (protocol_ok) e = &all[next];
      }
      if (e == nullptr) {
        set_error(err, busy         ? WSAEINPROGRESS
                       : depth == 2 ? WSAEPROTONOSUPPORT
                       : depth == 1 ? WSAESOCKTNOSUPPORT
                                    : WSAEAFNOSUPPORT);
        return INVALID_SOCKET;
      }
    }
    const route* r = nullptr;
    {
      std::lock_guard<std::recursive_mutex> lock(mutex_);
      if (load_locked(e->info.dwCatalogEntryId, &r, err) != 0) return INVALID_SOCKET;
    }
    WSAPROTOCOL_INFOW entry_info = e->info;
    auto* provider_info = info != nullptr ? const_cast<WSAPROTOCOL_INFOW*>(info) : &entry_info;
    int e2 = 0;
    leak_entry_scope leak_scope(r->catalog_id);
    SOCKET s = r->procs->lpWSPSocket(af, type, protocol, provider_info, g, flags, &e2);
    if (s == INVALID_SOCKET) {
      // A provider busy with a blocking call passes the request on to the
      // next matching entry, as ReactOS does.
      if (e2 == WSAEINPROGRESS && info == nullptr) {
        busy = true;
        continue;
      }
      set_error(err, e2 != 0 ? e2 : WSASYSCALLFAILURE);
      return INVALID_SOCKET;
    }
    return register_socket(s, r, err) == 0 ? s : INVALID_SOCKET;
  }
}

WPU_DECL SOCKET host::accept(SOCKET s, sockaddr* addr, int* addrlen, LPCONDITIONPROC condition,
                             DWORD_PTR callback_data, int* err) noexcept {
  const route* r = find(s, err);
  if (r == nullptr) return INVALID_SOCKET;
  int e = 0;
  leak_entry_scope leak_scope(r->catalog_id);
  SOCKET a = r->procs->lpWSPAccept(s, addr, addrlen, condition, callback_data, &e);
  if (a == INVALID_SOCKET) {
    set_error(err, e != 0 ? e : WSASYSCALLFAILURE);
    return INVALID_SOCKET;
  }
  return register_socket(a, r, err) == 0 ? a : INVALID_SOCKET;
}

WPU_DECL int host::close(SOCKET s, int* err) noexcept {
  const route* r = find(s, err);
  if (r == nullptr) return SOCKET_ERROR;
  // The registration this close ends: once WSPCloseSocket has released the
  // handle value, another thread's socket may get the same value (an fd) and
  // register it before the erase below, which must leave that one alone.
  // The same holds for an IFS handle's registration with the backend (and
  // its port association): a closed fd must not keep them, and a new
  // socket's registration of the same value must survive.
  std::uint64_t serial;
  {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    serial = sockets_.serial_of(s);
  }
  const std::uint64_t ifs_serial = backend_.ifs_serial(s);
  int e = 0;
  {
    leak_entry_scope leak_scope(r->catalog_id);
    if (r->procs->lpWSPCloseSocket(s, &e) != 0) {
      set_error(err, e != 0 ? e : WSASYSCALLFAILURE);
      return SOCKET_ERROR;
    }
  }
  if (ifs_serial != 0) backend_.forget_ifs_handle(s, ifs_serial);
  leaks::detail::forget_ifs(s);
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (serial != 0) sockets_.erase(s, serial);
  return 0;
}

WPU_DECL int host::select(int nfds, spi_fd_set* readfds, spi_fd_set* writefds,
                          spi_fd_set* exceptfds, const timeval* timeout, int* err) noexcept {
  if (!started()) {
    set_error(err, WSANOTINITIALISED);
    return SOCKET_ERROR;
  }
  SOCKET first = INVALID_SOCKET;
  for (spi_fd_set* set : {readfds, writefds, exceptfds}) {
    if (set != nullptr && set->fd_count > 0) {
      first = set->fd_array[0];
      break;
    }
  }
  if (first == INVALID_SOCKET) {
    set_error(err, WSAEINVAL);
    return SOCKET_ERROR;
  }
  const route* r = find(first, err);
  if (r == nullptr) return SOCKET_ERROR;
  int e = 0;
  const int n =
      r->procs->lpWSPSelect(nfds, readfds, writefds, exceptfds, const_cast<timeval*>(timeout), &e);
  if (n == SOCKET_ERROR) set_error(err, e != 0 ? e : WSASYSCALLFAILURE);
  return n;
}

WPU_DECL const char* host::failure_text() noexcept {
  const detail::host_thread_state* state = detail::this_thread_state();
  return state != nullptr ? state->failure.c_str() : "";
}

WPU_DECL WSATHREADID* host::caller_thread() noexcept {
  detail::host_thread_state* state = detail::this_thread_state();
  if (state == nullptr) {
    // No state for this thread (out of memory): an id without a thread
    // handle, as when the backend cannot open one.
    static thread_local WSATHREADID none;
    none = WSATHREADID{};
    return &none;
  }
  if (!state->id_open) {
    int e = 0;
    state->id_open = default_backend().open_current_thread(&state->id, &e) == 0;
  }
  return &state->id;
}

WPU_DECL void leaks::detail::record_socket(SOCKET s, const char* api) noexcept {
  int err = 0;
  const host::route* route = process_host().find(s, &err);
  created(leak_kind::socket, static_cast<std::uintptr_t>(s), api,
          route != nullptr ? route->catalog_id : 0);
}

WPU_DECL host& process_host() noexcept {
  static host* h = new host(process_catalog(), default_backend());
  return *h;
}

WPU_NAMESPACE_END

#endif  // WPU_IMPL_HOST_IPP
