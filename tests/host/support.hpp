// tests/host/support.hpp - what the host tests share: module paths, a view of
// a test provider's exports, catalog entries removed at scope exit, a
// WSAStartup/WSACleanup session.
#ifndef WPU_TESTS_HOST_SUPPORT_HPP
#define WPU_TESTS_HOST_SUPPORT_HPP

#include <doctest/doctest.h>

#include <wpu/wpu.h>
#include <wpu/wpu.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#if !defined(_WIN32)
#  include <dlfcn.h>
#  include <fcntl.h>
#  include <unistd.h>
#endif

// Last: Winsock's names and values and the host's wpu_ functions
// (<wpu/winsock.h>: on POSIX it maps Windows' names onto wpu's).
#include <wpu/winsock.h>

#include "../providers/providers.h"

namespace host_test {

// Threads a test starts run no doctest macro (CHECK, REQUIRE, INFO, *_MESSAGE,
// nor a helper below that uses one): they hand results back to the test's
// thread, which checks them. doctest keeps thread_local objects with
// destructors (its message stack, its string stream), and in the static
// mingw-w64 build those destructors run after the thread's emulated TLS
// block was freed, so a helper thread that used one corrupts the heap when
// it exits (and a later, unrelated allocation crashes).

// A module path from the environment variable `var` (set by meson).
inline std::string module_path(const char* var) {
  const char* v = std::getenv(var);
  REQUIRE_MESSAGE(v != nullptr, var << " is not set (run through meson test)");
  std::string p = v;
#if defined(_WIN32)
  // meson gives the build machine's Unix path; Wine maps / to drive Z:.
  if (!p.empty() && p[0] == '/') p = "Z:" + p;
  for (char& c : p)
    if (c == '/') c = '\\';
#endif
  return p;
}

inline wpu::wstring widen(const std::string& s) {
  wpu::wstring w;
  for (char c : s) w += static_cast<WCHAR>(static_cast<unsigned char>(c));
  return w;
}

inline bool contains(const char* text, const std::string& part) {
  return std::strstr(text, part.c_str()) != nullptr;
}

// The base name of a path (the part a failure message must name at least).
inline std::string base_name(const std::string& p) {
  const std::size_t at = p.find_last_of("/\\");
  return at == std::string::npos ? p : p.substr(at + 1);
}

// A module the test holds open itself, to read a provider's exports (the
// host's load then shares it; the state survives the host's unload).
class module {
 public:
  explicit module(const std::string& path) {
#if defined(_WIN32)
    handle_ = ::LoadLibraryW(reinterpret_cast<LPCWSTR>(widen(path).c_str()));
#else
    handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
#endif
    REQUIRE_MESSAGE(handle_ != nullptr, "cannot load " << path);
  }
  ~module() {
    close();
  }
  module(const module&) = delete;
  module& operator=(const module&) = delete;

  void close() {
    if (handle_ == nullptr) return;
#if defined(_WIN32)
    ::FreeLibrary(static_cast<HMODULE>(handle_));
#else
    ::dlclose(handle_);
#endif
    handle_ = nullptr;
  }

  template <class F>
  F sym(const char* name) const {
#if defined(_WIN32)
    auto p = reinterpret_cast<void (*)()>(::GetProcAddress(static_cast<HMODULE>(handle_), name));
#else
    auto p = reinterpret_cast<void (*)()>(::dlsym(handle_, name));
#endif
    const bool found = p != nullptr;
    REQUIRE_MESSAGE(found, "no export " << name);
    return reinterpret_cast<F>(p);
  }

  // True while any handle to `path` is open in the process.
  static bool loaded(const std::string& path) {
#if defined(_WIN32)
    return ::GetModuleHandleW(reinterpret_cast<LPCWSTR>(widen(path).c_str())) != nullptr;
#else
    void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (h != nullptr) ::dlclose(h);
    return h != nullptr;
#endif
  }

 private:
  void* handle_ = nullptr;
};

// The recording provider's exports (providers.h).
struct recorder {
  module m;
  explicit recorder(const std::string& path) : m(path) { reset(); }

  rec_state state() const {
    rec_state s{};
    m.sym<rec_get_state_fn>("rec_get_state")(&s);
    return s;
  }
  std::vector<rec_call> calls() const {
    std::vector<rec_call> out;
    rec_call c{};
    for (int i = 0; m.sym<rec_get_call_fn>("rec_get_call")(i, &c) == 0; ++i) out.push_back(c);
    return out;
  }
  // The calls of one function, in order.
  std::vector<rec_call> calls(int fn) const {
    std::vector<rec_call> out;
    for (const rec_call& c : calls())
      if (c.fn == fn) out.push_back(c);
    return out;
  }
  rec_call last() const {
    std::vector<rec_call> all = calls();
    REQUIRE(!all.empty());
    return all.back();
  }
  void reset() const { m.sym<rec_reset_fn>("rec_reset")(); }
  void fail_next(int fn, int error) const { m.sym<rec_fail_next_fn>("rec_fail_next")(fn, error); }
  void socket_mode(int mode) const { m.sym<rec_socket_mode_fn>("rec_socket_mode")(mode); }
  void ifs_source(rec_os_handle_make_fn make, rec_os_handle_destroy_fn destroy) const {
    m.sym<rec_ifs_source_fn>("rec_ifs_source")(make, destroy);
  }
  void pend(bool on) const { m.sym<rec_pend_fn>("rec_pend")(on ? 1 : 0); }
  bool complete_pending(DWORD error) const {
    return m.sym<rec_complete_pending_fn>("rec_complete_pending")(error) != 0;
  }
};

// The OS handles a recording provider in REC_SOCKET_IFS mode registers
// (recorder::ifs_source): the kernel side of an IFS provider, which the test
// plays. POSIX: file descriptors (what WPUModifyIFSHandle accepts there, and
// what a wpu completion port can be associated with); Windows: event handles
// (any open kernel handle is a valid IFS handle value to ws2_32's bookkeeping).
extern "C" inline SOCKET os_handle_make() {
#if defined(_WIN32)
  HANDLE h = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  return h != nullptr ? reinterpret_cast<SOCKET>(h) : 0;
#else
  const int fd = ::open("/dev/null", O_RDONLY);
  return fd > 0 ? static_cast<SOCKET>(fd) : 0;
#endif
}

extern "C" inline void os_handle_destroy(SOCKET h) {
#if defined(_WIN32)
  CloseHandle(reinterpret_cast<HANDLE>(h));
#else
  ::close(static_cast<int>(h));
#endif
}

// A test provider GUID: {5e5e0000-0000-4000-8000-0000000000NN}.
inline GUID provider_guid(unsigned char n) {
  GUID g{};
  g.Data1 = 0x5e5e0000u;
  g.Data3 = 0x4000;
  g.Data4[0] = 0x80;
  g.Data4[7] = n;
  return g;
}

inline WSAPROTOCOL_INFOW protocol(const GUID& provider, int af, int type, int proto,
                                  int max_offset = 0,
                                  DWORD provider_flags = PFL_MATCHES_PROTOCOL_ZERO,
                                  int chain_len = BASE_PROTOCOL) {
  WSAPROTOCOL_INFOW p{};
  p.ProviderId = provider;
  p.iAddressFamily = af;
  p.iSocketType = type;
  p.iProtocol = proto;
  p.iProtocolMaxOffset = max_offset;
  p.dwProviderFlags = provider_flags;
  p.ProtocolChain.ChainLen = chain_len;
  p.iVersion = 2;
  p.iMaxSockAddr = 16;
  p.iMinSockAddr = 16;
  return p;
}

// Catalog entries added by a test, removed (last first) at scope exit.
class entries {
 public:
  entries() = default;
  entries(const entries&) = delete;
  entries& operator=(const entries&) = delete;
  ~entries() {
    for (auto it = ids_.rbegin(); it != ids_.rend(); ++it) wpu_catalog_remove(*it);
  }
  DWORD add(const WSAPROTOCOL_INFOW& info, const std::string& path) {
    DWORD id = 0;
    const wpu::wstring w = widen(path);
    REQUIRE(wpu_catalog_add(&info, w.c_str(), &id) == 0);
    ids_.push_back(id);
    return id;
  }
  // Removes one now (to move it to the end of the catalog order with add).
  void remove(DWORD id) {
    REQUIRE(wpu_catalog_remove(id) == 0);
    for (auto it = ids_.begin(); it != ids_.end(); ++it)
      if (*it == id) {
        ids_.erase(it);
        break;
      }
  }

 private:
  std::vector<DWORD> ids_;
};

// WSAStartup(2.2) now, the last WSACleanup at scope exit (or earlier with end()).
class session {
 public:
  session() {
    WSADATA d{};
    REQUIRE(wpu_wsa_startup(MAKEWORD(2, 2), &d) == 0);
    open_ = true;
  }
  ~session() { end(); }
  session(const session&) = delete;
  session& operator=(const session&) = delete;
  void end() {
    if (!open_) return;
    open_ = false;
    CHECK(wpu_wsa_cleanup() == 0);
    CHECK(wpu_wsa_cleanup() == SOCKET_ERROR);  // it was the last one
    CHECK(WSAGetLastError() == WSANOTINITIALISED);
  }

 private:
  bool open_ = false;
};

inline DWORD catalog_id_of(SOCKET s) {
  DWORD id = 0;
  return wpu_socket_catalog_id(s, &id) == 0 ? id : 0;
}

// The WSAGetLastError after a call that failed.
#define HOST_FAILS_WITH(call, bad, code) \
  do {                                   \
    CHECK((call) == (bad));              \
    CHECK(WSAGetLastError() == (code));  \
  } while (0)

}  // namespace host_test

#endif  // WPU_TESTS_HOST_SUPPORT_HPP
