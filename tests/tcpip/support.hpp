// tests/tcpip/support.hpp - what the base provider's conformance tests share:
// the process setup (default catalog, WPU_TCPIP_PROVIDER), a WSAStartup
// session, loopback addresses for both families, connected TCP pairs and
// bound UDP pairs, extension function pointers, and waits with deadlines.
//
// Every call goes through wpu's host with the application API (the wpu_
// functions; on POSIX <wpu/winsock.h> gives Windows' names and values), so
// the same source checks wpu's POSIX provider natively and wpu's Win32
// provider (over the system's Winsock) under Wine, which stands in for
// Windows. Expected results are Windows' documented behaviour.
#ifndef WPU_TESTS_TCPIP_SUPPORT_HPP
#define WPU_TESTS_TCPIP_SUPPORT_HPP

#include <doctest/doctest.h>

#include <wpu/wpu.h>
#include <wpu/wpu.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#if defined(_WIN32)
#  include <winsock2.h>
#  include <ws2tcpip.h>
#  include <mswsock.h>
#  include <windows.h>
#  include <stdlib.h>
#else
#  include <arpa/inet.h>
#  include <netinet/in.h>
#  include <sys/resource.h>
#  include <sys/socket.h>
#  include <unistd.h>
#endif

// Last: Winsock's names and values (on POSIX they replace the C library's
// in this translation unit).
#include <wpu/winsock.h>

namespace tcpip_test {

// Windows' values of names that only <ws2ipdef.h>/<mswsock.h> define (on
// POSIX the C library has other values or none).
constexpr int ws_ip_pktinfo = 19;       // IPPROTO_IP / IP_PKTINFO
constexpr int ws_ipv6_pktinfo = 19;     // IPPROTO_IPV6 / IPV6_PKTINFO
constexpr int ws_ipproto_ipv6 = 41;     // IPPROTO_IPV6
constexpr int ws_tcp_nodelay = 0x0001;  // IPPROTO_TCP / TCP_NODELAY
constexpr int ws_ipproto_tcp = 6;       // IPPROTO_TCP
constexpr int ws_ipproto_udp = 17;      // IPPROTO_UDP
constexpr int ws_so_update_accept_context = 0x700B;
constexpr int ws_so_update_connect_context = 0x7010;
constexpr DWORD ws_error_operation_aborted = 995;  // ERROR_OPERATION_ABORTED
constexpr DWORD ws_wait_timeout = 258;             // WAIT_TIMEOUT

// The ProviderId of the base provider's four entries (common14.md).
inline GUID tcpip_provider_id() {
  GUID g{};
  g.Data1 = 0x6A3F2C10u;
  g.Data2 = 0x8B4D;
  g.Data3 = 0x4E5F;
  const unsigned char tail[8] = {0x9C, 0x21, 0x7D, 0x0E, 0x1B, 0x2A, 0x3C, 0x4D};
  std::memcpy(g.Data4, tail, sizeof tail);
  return g;
}

inline bool same_guid(const GUID& a, const GUID& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// Sets or clears an environment variable for this process: the C library's
// copy and, on Windows, the process environment block too.
inline void set_env(const char* name, const char* value) {
#if defined(_WIN32)
  ::SetEnvironmentVariableA(name, value);
  std::string kv = std::string(name) + "=" + (value != nullptr ? value : "");
  ::_putenv(kv.c_str());
#else
  if (value != nullptr)
    ::setenv(name, value, 1);
  else
    ::unsetenv(name);
#endif
}

// Before the first WSAStartup: the default catalog (WPU_CATALOG unset), whose
// entries name WPU_TCPIP_PROVIDER (meson gives the build machine's Unix path;
// under Wine the module is on drive Z:).
inline void prepare_process() {
  static const bool done = [] {
    set_env("WPU_CATALOG", nullptr);
    const char* v = std::getenv("WPU_TCPIP_PROVIDER");
    REQUIRE_MESSAGE(v != nullptr, "WPU_TCPIP_PROVIDER is not set (run through meson test)");
    std::string p = v;
#if defined(_WIN32)
    if (!p.empty() && p[0] == '/') p = "Z:" + p;
    for (char& c : p)
      if (c == '/') c = '\\';
#endif
    set_env("WPU_TCPIP_PROVIDER", p.c_str());
    return true;
  }();
  (void)done;
}

// WSAStartup(2.2) now, WSACleanup at scope exit.
class session {
 public:
  session() {
    prepare_process();
    WSADATA d{};
    REQUIRE(wpu_wsa_startup(MAKEWORD(2, 2), &d) == 0);
  }
  ~session() { CHECK(wpu_wsa_cleanup() == 0); }
  session(const session&) = delete;
  session& operator=(const session&) = delete;
};

// A socket closed at scope exit unless released or closed first.
class sock {
 public:
  sock() = default;
  explicit sock(SOCKET s) : s_(s) {}
  ~sock() { close(); }
  sock(sock&& o) noexcept : s_(o.release()) {}
  sock& operator=(sock&& o) noexcept {
    if (this != &o) {
      close();
      s_ = o.release();
    }
    return *this;
  }
  sock(const sock&) = delete;
  sock& operator=(const sock&) = delete;
  SOCKET get() const { return s_; }
  operator SOCKET() const { return s_; }
  bool valid() const { return s_ != INVALID_SOCKET; }
  SOCKET release() {
    SOCKET s = s_;
    s_ = INVALID_SOCKET;
    return s;
  }
  // closesocket now; its result.
  int close() {
    if (s_ == INVALID_SOCKET) return 0;
    const int rc = wpu_closesocket(s_);
    s_ = INVALID_SOCKET;
    return rc;
  }

 private:
  SOCKET s_ = INVALID_SOCKET;
};

// A socket address of either family, with its length.
struct endpoint {
  sockaddr_storage ss{};
  int len = 0;
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&ss); }
  sockaddr* sa() { return reinterpret_cast<sockaddr*>(&ss); }
  int family() const { return reinterpret_cast<const sockaddr*>(&ss)->sa_family; }
  unsigned short port() const {
    if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  }
  bool is_loopback() const {
    if (family() == AF_INET)
      return reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
    const unsigned char* a = reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr.s6_addr;
    static const unsigned char one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return std::memcmp(a, one, 16) == 0;
  }
};

// The loopback address of `af` (AF_INET 127.0.0.1, AF_INET6 ::1) at `port`.
inline endpoint loopback(int af, unsigned short port = 0) {
  endpoint e;
  if (af == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&e.ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    e.len = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&e.ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    a->sin6_addr.s6_addr[15] = 1;
    e.len = sizeof(sockaddr_in6);
  }
  return e;
}

// The wildcard address of `af` at port 0.
inline endpoint any_address(int af) {
  endpoint e = loopback(af);
  if (af == AF_INET)
    reinterpret_cast<sockaddr_in*>(&e.ss)->sin_addr.s_addr = htonl(INADDR_ANY);
  else
    reinterpret_cast<sockaddr_in6*>(&e.ss)->sin6_addr.s6_addr[15] = 0;
  return e;
}

inline endpoint local_name(SOCKET s) {
  endpoint e;
  e.len = sizeof e.ss;
  REQUIRE(wpu_getsockname(s, e.sa(), &e.len) == 0);
  return e;
}

inline endpoint peer_name(SOCKET s) {
  endpoint e;
  e.len = sizeof e.ss;
  REQUIRE(wpu_getpeername(s, e.sa(), &e.len) == 0);
  return e;
}

inline int proto_of(int type) {
  return type == SOCK_STREAM ? ws_ipproto_tcp : ws_ipproto_udp;
}

// WSASocketW(af, type, proto, NULL, 0, WSA_FLAG_OVERLAPPED): a socket that
// also serves overlapped calls (socket() makes the same kind on Windows).
inline sock make_socket(int af, int type) {
  sock s(wpu_wsa_socket_w(af, type, proto_of(type), nullptr, 0, WSA_FLAG_OVERLAPPED));
  REQUIRE_MESSAGE(s.valid(), "WSASocketW(" << af << ", " << type << ") failed: "
                                           << WSAGetLastError() << " " << wpu_host_failure_text());
  return s;
}

// A TCP socket listening on the loopback address of `af`.
struct listening {
  sock s;
  endpoint at;
};
inline listening make_listener(int af, int backlog = SOMAXCONN) {
  listening l{make_socket(af, SOCK_STREAM), {}};
  endpoint a = loopback(af);
  REQUIRE(wpu_bind(l.s, a.sa(), a.len) == 0);
  REQUIRE(wpu_listen(l.s, backlog) == 0);
  l.at = local_name(l.s);
  REQUIRE(l.at.port() != 0);
  return l;
}

// A connected TCP pair over the loopback of `af`: blocking connect (the
// kernel completes it before accept), then accept.
struct tcp_pair {
  sock client, server;
  endpoint server_at;
};
inline tcp_pair make_tcp_pair(int af) {
  listening l = make_listener(af);
  tcp_pair p;
  p.client = make_socket(af, SOCK_STREAM);
  REQUIRE(wpu_connect(p.client, l.at.sa(), l.at.len) == 0);
  p.server = sock(wpu_accept(l.s, nullptr, nullptr));
  REQUIRE(p.server.valid());
  p.server_at = l.at;
  return p;
}

// Two UDP sockets bound to the loopback of `af`, each connected to nothing.
struct udp_pair {
  sock a, b;
  endpoint a_at, b_at;
};
inline udp_pair make_udp_pair(int af) {
  udp_pair p;
  p.a = make_socket(af, SOCK_DGRAM);
  p.b = make_socket(af, SOCK_DGRAM);
  endpoint l = loopback(af);
  REQUIRE(wpu_bind(p.a, l.sa(), l.len) == 0);
  REQUIRE(wpu_bind(p.b, l.sa(), l.len) == 0);
  p.a_at = local_name(p.a);
  p.b_at = local_name(p.b);
  return p;
}

// Sends all of `data` with blocking send calls; true when all went. Uses no
// doctest macro, so any thread may call it (under mingw, a doctest message
// scope in a secondary thread leaves thread-local state whose destruction at
// thread exit crashes).
inline bool send_everything(SOCKET s, const char* data, int len) {
  int off = 0;
  while (off < len) {
    const int n = wpu_send(s, data + off, len - off, 0);
    if (n <= 0) return false;
    off += n;
  }
  return true;
}
inline bool send_everything(SOCKET s, const std::string& data) {
  return send_everything(s, data.data(), static_cast<int>(data.size()));
}

// Receives exactly `len` bytes into `out` with blocking recv calls; true
// when they came. Any thread may call it.
inline bool recv_everything(SOCKET s, int len, std::string& out) {
  out.assign(static_cast<std::size_t>(len), '\0');
  int off = 0;
  while (off < len) {
    const int n = wpu_recv(s, &out[static_cast<std::size_t>(off)], len - off, 0);
    if (n <= 0) return false;
    off += n;
  }
  return true;
}

// The same for the test's main thread, failing the test case on error.
inline void send_all(SOCKET s, const char* data, int len) {
  const bool ok = send_everything(s, data, len);
  const int err = WSAGetLastError();
  REQUIRE_MESSAGE(ok, "send failed: " << err);
}
inline void send_all(SOCKET s, const std::string& data) {
  send_all(s, data.data(), static_cast<int>(data.size()));
}
inline std::string recv_exact(SOCKET s, int len) {
  std::string out;
  const bool ok = recv_everything(s, len, out);
  const int err = WSAGetLastError();
  REQUIRE_MESSAGE(ok, "recv failed or the stream ended, error " << err);
  return out;
}

// A thread joined at scope exit, so a failed REQUIRE in the test's thread
// does not destroy a joinable std::thread (std::terminate).
class scoped_thread {
 public:
  template <class Fn>
  explicit scoped_thread(Fn fn) : t_(std::move(fn)) {}
  ~scoped_thread() {
    if (t_.joinable()) t_.join();
  }
  scoped_thread(const scoped_thread&) = delete;
  scoped_thread& operator=(const scoped_thread&) = delete;
  void join() { t_.join(); }

 private:
  std::thread t_;
};

// True when the process runs under Wine (which stands in for Windows here;
// where Wine departs from Windows' documentation a test says so and skips
// only that check under Wine).
inline bool under_wine() {
#if defined(_WIN32)
  HMODULE nt = ::GetModuleHandleA("ntdll.dll");
  return nt != nullptr && ::GetProcAddress(nt, "wine_get_version") != nullptr;
#else
  return false;
#endif
}

// A payload whose bytes depend on their offset and `seed`.
inline std::string pattern(std::size_t len, unsigned seed = 1) {
  std::string s(len, '\0');
  for (std::size_t i = 0; i < len; ++i)
    s[i] = static_cast<char>((i * 31u + seed * 7u + (i >> 8)) & 0xFF);
  return s;
}

inline void set_nonblocking(SOCKET s, bool on) {
  ULONG v = on ? 1 : 0;
  REQUIRE(wpu_ioctlsocket(s, FIONBIO, &v) == 0);
}

// SIO_GET_EXTENSION_FUNCTION_POINTER for `id` on `s`.
template <class Fn>
Fn extension(SOCKET s, GUID id) {
  Fn fn = nullptr;
  DWORD got = 0;
  const int rc = wpu_wsa_ioctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof id, &fn,
                               sizeof fn, &got, nullptr, nullptr);
  REQUIRE_MESSAGE(rc == 0, "SIO_GET_EXTENSION_FUNCTION_POINTER failed: " << WSAGetLastError());
  CHECK(got == sizeof fn);
  const bool found = fn != nullptr;
  REQUIRE(found);
  return fn;
}

inline HANDLE as_handle(SOCKET s) {
  return reinterpret_cast<HANDLE>(static_cast<uintptr_t>(s));
}

// WSAWaitForMultipleEvents on one event, not alertable: true once signalled
// within `ms`.
inline bool signalled(WSAEVENT ev, DWORD ms) {
  return WSAWaitForMultipleEvents(1, &ev, FALSE, ms, FALSE) == WSA_WAIT_EVENT_0;
}

// Alertable waits until `done()` or `ms` elapse; true when done() held.
template <class Pred>
bool alertable_until(Pred done, int ms) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    SleepEx(20, TRUE);
  }
  return true;
}

// Polls `done()` (with short sleeps) until it holds or `ms` elapse.
template <class Pred>
bool eventually(Pred done, int ms) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// Polls FIONREAD until `s` has exactly `n` bytes waiting or `ms` elapse;
// true when it did.
inline bool unread_becomes(SOCKET s, ULONG n, int ms) {
  return eventually(
      [&] {
        ULONG a = 0;
        return wpu_ioctlsocket(s, FIONREAD, &a) == 0 && a == n;
      },
      ms);
}

// The address families every model runs on.
struct ipv4 {
  static constexpr int af = AF_INET;
};
struct ipv6 {
  static constexpr int af = AF_INET6;
};

// A generous bound for anything loopback should deliver at once (sanitizer
// builds and Wine are slow; nothing waits for it when things work).
constexpr DWORD soon_ms = 5000;

// Fails with the call's WSAGetLastError when it does not return `bad`.
#define TCPIP_FAILS_WITH(call, bad, code)                        \
  do {                                                           \
    const auto tcpip_rc_ = (call);                               \
    const int tcpip_err_ = WSAGetLastError();                    \
    CHECK(tcpip_rc_ == (bad));                                   \
    CHECK_MESSAGE(tcpip_err_ == (code), "error " << tcpip_err_); \
  } while (0)

}  // namespace tcpip_test

TYPE_TO_STRING(tcpip_test::ipv4);
TYPE_TO_STRING(tcpip_test::ipv6);

#endif  // WPU_TESTS_TCPIP_SUPPORT_HPP
