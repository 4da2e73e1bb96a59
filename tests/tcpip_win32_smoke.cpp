// Smoke test of the Win32 base provider (win32/tcpip/provider.c,
// wpu-tcpip.dll) through wpu's host, under Wine: the application calls wpu's
// host (wpu_wsa_startup, wpu_socket, ...), the host routes to the DLL, the
// DLL forwards to the system's Winsock. TCP loopback echo (blocking,
// overlapped with an event, a completion port, ConnectEx), UDP, event
// selection, and errors coming back through lpErrno. The full conformance
// suite of the base provider is tests/tcpip.cpp.
//
// The catalog: the process catalog's wpu Tcpip entries if it has them (the
// default catalog), else the four entries added here for
// $WPU_TCPIP_PROVIDER (a Windows path, set by meson).
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>

#include <wpu/wpu.h>
#include <wpu/wpu.hpp>
#include <wpu/winsock.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

// The ProviderId of wpu's base provider entries.
const GUID tcpip_guid = {
    0x6A3F2C10, 0x8B4D, 0x4E5F, {0x9C, 0x21, 0x7D, 0x0E, 0x1B, 0x2A, 0x3C, 0x4D}};

bool is_tcpip_entry(const WSAPROTOCOL_INFOW& p) {
  return std::memcmp(&p.ProviderId, &tcpip_guid, sizeof(GUID)) == 0 &&
         p.ProtocolChain.ChainLen == BASE_PROTOCOL;
}

std::vector<WSAPROTOCOL_INFOW> catalog_entries() {
  DWORD size = 0;
  int err = 0;
  REQUIRE(wpu_wsc_enum_protocols(nullptr, nullptr, &size, &err) == SOCKET_ERROR);
  REQUIRE(err == WSAENOBUFS);
  std::vector<WSAPROTOCOL_INFOW> all(size / sizeof(WSAPROTOCOL_INFOW) + 1);
  size = static_cast<DWORD>(all.size() * sizeof(WSAPROTOCOL_INFOW));
  const int n = wpu_wsc_enum_protocols(nullptr, all.data(), &size, &err);
  REQUIRE(n >= 0);
  all.resize(static_cast<std::size_t>(n));
  return all;
}

// The wpu Tcpip entries of the process catalog, added for the test's life
// when the catalog has none.
class tcpip_catalog {
 public:
  tcpip_catalog() {
    for (const WSAPROTOCOL_INFOW& p : catalog_entries())
      if (is_tcpip_entry(p)) return;
    const char* path = std::getenv("WPU_TCPIP_PROVIDER");
    REQUIRE_MESSAGE(path != nullptr, "WPU_TCPIP_PROVIDER is not set (run through meson test)");
    std::wstring wide;
    for (const char* c = path; *c != 0; ++c) wide += static_cast<wchar_t>(*c);
    struct kind {
      int af, type, proto;
      DWORD flags1;
      const wchar_t* name;
    };
    const kind kinds[] = {
        {AF_INET, SOCK_STREAM, IPPROTO_TCP, 0x20066u, L"wpu Tcpip [TCP/IP]"},
        {AF_INET, SOCK_DGRAM, IPPROTO_UDP, 0x20609u, L"wpu Tcpip [UDP/IP]"},
        {AF_INET6, SOCK_STREAM, IPPROTO_TCP, 0x20066u, L"wpu Tcpip [TCP/IPv6]"},
        {AF_INET6, SOCK_DGRAM, IPPROTO_UDP, 0x20609u, L"wpu Tcpip [UDP/IPv6]"},
    };
    for (const kind& k : kinds) {
      WSAPROTOCOL_INFOW p{};
      p.dwServiceFlags1 = k.flags1;
      p.dwProviderFlags = PFL_MATCHES_PROTOCOL_ZERO;
      p.ProviderId = tcpip_guid;
      p.ProtocolChain.ChainLen = BASE_PROTOCOL;
      p.iVersion = 2;
      p.iAddressFamily = k.af;
      p.iMaxSockAddr = k.af == AF_INET ? 16 : 28;
      p.iMinSockAddr = p.iMaxSockAddr;
      p.iSocketType = k.type;
      p.iProtocol = k.proto;
      p.dwMessageSize = k.type == SOCK_DGRAM ? 65467 : 0;
      wcsncpy(p.szProtocol, k.name, WSAPROTOCOL_LEN);
      DWORD id = 0;
      REQUIRE(wpu_catalog_add(&p, reinterpret_cast<const WCHAR*>(wide.c_str()), &id) == 0);
      added_.push_back(id);
    }
  }
  ~tcpip_catalog() {
    for (DWORD id : added_) wpu_catalog_remove(id);
  }
  tcpip_catalog(const tcpip_catalog&) = delete;
  tcpip_catalog& operator=(const tcpip_catalog&) = delete;

  // The entry a socket of (af, type) must have come from.
  static DWORD entry_for(int af, int type) {
    for (const WSAPROTOCOL_INFOW& p : catalog_entries())
      if (is_tcpip_entry(p) && p.iAddressFamily == af && p.iSocketType == type)
        return p.dwCatalogEntryId;
    return 0;
  }

 private:
  std::vector<DWORD> added_;
};

// WSAStartup/WSACleanup of wpu's host for one test case.
struct session {
  session() {
    WSADATA d{};
    REQUIRE(wpu_wsa_startup(MAKEWORD(2, 2), &d) == 0);
  }
  ~session() { CHECK(wpu_wsa_cleanup() == 0); }
  session(const session&) = delete;
  session& operator=(const session&) = delete;
};

DWORD catalog_id_of(SOCKET s) {
  DWORD id = 0;
  return wpu_socket_catalog_id(s, &id) == 0 ? id : 0;
}

sockaddr_in loopback(unsigned short port = 0) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

// A connected TCP pair through the host: (client, server side).
struct tcp_pair {
  SOCKET client = INVALID_SOCKET, server = INVALID_SOCKET;
  tcp_pair() {
    const SOCKET listener = wpu_socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE_MESSAGE(listener != INVALID_SOCKET, wpu_host_failure_text());
    sockaddr_in a = loopback();
    int len = sizeof a;
    REQUIRE(wpu_bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(wpu_listen(listener, 4) == 0);
    REQUIRE(wpu_getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    client = wpu_socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(client != INVALID_SOCKET);
    REQUIRE(wpu_connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    server = wpu_accept(listener, nullptr, nullptr);
    REQUIRE(server != INVALID_SOCKET);
    CHECK(wpu_closesocket(listener) == 0);
    // A blocking receive that gets nothing fails after 5 s instead of hanging.
    const DWORD ms = 5000;
    for (SOCKET s : {client, server})
      CHECK(wpu_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&ms),
                           sizeof ms) == 0);
  }
  ~tcp_pair() {
    if (client != INVALID_SOCKET) wpu_closesocket(client);
    if (server != INVALID_SOCKET) wpu_closesocket(server);
  }
  tcp_pair(const tcp_pair&) = delete;
  tcp_pair& operator=(const tcp_pair&) = delete;
};

// Receives exactly n bytes (blocking).
std::string recv_exactly(SOCKET s, std::size_t n) {
  std::string out;
  char buf[256];
  while (out.size() < n) {
    const int r = wpu_recv(s, buf, static_cast<int>(std::min(sizeof buf, n - out.size())), 0);
    if (r <= 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  return out;
}

}  // namespace

TEST_CASE("wpu-tcpip.dll: sockets are the system's, registered as IFS handles of wpu's entries") {
  tcpip_catalog cat;
  session app;
  const DWORD tcp = tcpip_catalog::entry_for(AF_INET, SOCK_STREAM);
  const DWORD udp = tcpip_catalog::entry_for(AF_INET, SOCK_DGRAM);
  REQUIRE(tcp != 0);
  REQUIRE(udp != 0);
  const SOCKET t = wpu_socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE_MESSAGE(t != INVALID_SOCKET, wpu_host_failure_text());
  const SOCKET u = wpu_socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(u != INVALID_SOCKET);
  CHECK(catalog_id_of(t) == tcp);
  CHECK(catalog_id_of(u) == udp);
  // Registered with the default backend under their entries.
  DWORD id = 0;
  CHECK(wpu::default_backend().ifs_catalog_id(t, &id));
  CHECK(id == tcp);
  // The system knows them: its own getsockopt answers on the handle.
  int type = 0, len = sizeof type;
  CHECK(::getsockopt(u, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &len) == 0);
  CHECK(type == SOCK_DGRAM);
  // SO_PROTOCOL_INFOW describes wpu's entry, not the system's.
  WSAPROTOCOL_INFOW pi{};
  len = sizeof pi;
  CHECK(wpu_getsockopt(u, SOL_SOCKET, SO_PROTOCOL_INFOW, reinterpret_cast<char*>(&pi), &len) == 0);
  CHECK(is_tcpip_entry(pi));
  CHECK(pi.dwCatalogEntryId == udp);
  // IPv6 (AF_INET6 = 23): the entries of their own family.
  const SOCKET t6 = wpu_socket(AF_INET6, SOCK_STREAM, 0);
  const SOCKET u6 = wpu_socket(AF_INET6, SOCK_DGRAM, 0);
  REQUIRE(t6 != INVALID_SOCKET);
  REQUIRE(u6 != INVALID_SOCKET);
  CHECK(catalog_id_of(t6) == tcpip_catalog::entry_for(AF_INET6, SOCK_STREAM));
  CHECK(catalog_id_of(u6) == tcpip_catalog::entry_for(AF_INET6, SOCK_DGRAM));
  CHECK(wpu_closesocket(t6) == 0);
  CHECK(wpu_closesocket(u6) == 0);
  CHECK(wpu_closesocket(t) == 0);
  CHECK(wpu_closesocket(u) == 0);
  CHECK_FALSE(wpu::default_backend().ifs_catalog_id(t, nullptr));  // closesocket forgot it
}

TEST_CASE("wpu-tcpip.dll: TCP loopback echo, blocking") {
  tcpip_catalog cat;
  session app;
  // The first socket is UDP, so WSPStartup sees the UDP entry: an accepted
  // socket still gets the TCP entry of its own family and type.
  const SOCKET first = wpu_socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(first != INVALID_SOCKET);
  tcp_pair pair;
  CHECK(catalog_id_of(pair.server) == tcpip_catalog::entry_for(AF_INET, SOCK_STREAM));
  DWORD registered = 0;
  CHECK(wpu::default_backend().ifs_catalog_id(pair.server, &registered));
  CHECK(registered == tcpip_catalog::entry_for(AF_INET, SOCK_STREAM));
  CHECK(wpu_closesocket(first) == 0);
  const std::string msg = "hello through wpu-tcpip";
  CHECK(wpu_send(pair.client, msg.data(), static_cast<int>(msg.size()), 0) ==
        static_cast<int>(msg.size()));
  const std::string got = recv_exactly(pair.server, msg.size());
  CHECK(got == msg);
  CHECK(wpu_send(pair.server, got.data(), static_cast<int>(got.size()), 0) ==
        static_cast<int>(got.size()));
  CHECK(recv_exactly(pair.client, msg.size()) == msg);
  // A graceful close: the peer reads 0.
  CHECK(wpu_shutdown(pair.client, SD_SEND) == 0);
  char c;
  CHECK(wpu_recv(pair.server, &c, 1, 0) == 0);
}

TEST_CASE("wpu-tcpip.dll: overlapped with an event, and through a completion port") {
  tcpip_catalog cat;
  session app;
  tcp_pair pair;
  char in[64] = {};
  WSABUF rbuf{sizeof in, in};
  WSAOVERLAPPED ov{};
  ov.hEvent = WSACreateEvent();
  REQUIRE(ov.hEvent != WSA_INVALID_EVENT);
  DWORD got = 0, flags = 0;
  const int r = wpu_wsa_recv(pair.server, &rbuf, 1, &got, &flags, &ov, nullptr);
  CHECK((r == 0 || WSAGetLastError() == WSA_IO_PENDING));
  DWORD bytes = 0;
  CHECK(wpu_wsa_get_overlapped_result(pair.server, &ov, &bytes, FALSE, &flags) == FALSE);
  CHECK(WSAGetLastError() == WSA_IO_INCOMPLETE);
  char out[] = "overlapped";
  WSABUF sbuf{sizeof out - 1, out};
  DWORD sent = 0;
  CHECK(wpu_wsa_send(pair.client, &sbuf, 1, &sent, 0, nullptr, nullptr) == 0);
  CHECK(WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 5000, FALSE) == WSA_WAIT_EVENT_0);
  CHECK(wpu_wsa_get_overlapped_result(pair.server, &ov, &bytes, TRUE, &flags) == TRUE);
  CHECK(bytes == sizeof out - 1);
  CHECK(std::string(in, bytes) == "overlapped");
  WSACloseEvent(ov.hEvent);

  // The IFS handle on a port: the system's CreateIoCompletionPort, and
  // wpu_associate_socket for the other end.
  HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 0);
  REQUIRE(port != nullptr);
  CHECK(CreateIoCompletionPort(reinterpret_cast<HANDLE>(pair.server), port, 7, 0) == port);
  CHECK(wpu_associate_socket(pair.client, port, 8, 0) == port);
  WSAOVERLAPPED pov{};
  flags = 0;
  const int r2 = wpu_wsa_recv(pair.server, &rbuf, 1, &got, &flags, &pov, nullptr);
  CHECK((r2 == 0 || WSAGetLastError() == WSA_IO_PENDING));
  WSAOVERLAPPED sov{};
  const int r3 = wpu_wsa_send(pair.client, &sbuf, 1, &sent, 0, &sov, nullptr);
  CHECK((r3 == 0 || WSAGetLastError() == WSA_IO_PENDING));
  bool saw_recv = false, saw_send = false;
  for (int i = 0; i < 2; ++i) {
    DWORD n = 0;
    ULONG_PTR key = 0;
    LPOVERLAPPED done = nullptr;
    REQUIRE(GetQueuedCompletionStatus(port, &n, &key, &done, 5000) == TRUE);
    if (key == 7 && done == &pov && n == sizeof out - 1) saw_recv = true;
    if (key == 8 && done == &sov && n == sizeof out - 1) saw_send = true;
  }
  CHECK(saw_recv);
  CHECK(saw_send);
  CHECK(CloseHandle(port) == TRUE);
}

namespace {
struct routine_record {
  int calls = 0;
  DWORD error = 0xFFFF, bytes = 0, thread = 0;
  LPWSAOVERLAPPED ov = nullptr;
};
routine_record routine_seen;
void CALLBACK record_routine(DWORD error, DWORD bytes, LPWSAOVERLAPPED ov, DWORD) {
  ++routine_seen.calls;
  routine_seen.error = error;
  routine_seen.bytes = bytes;
  routine_seen.ov = ov;
  routine_seen.thread = GetCurrentThreadId();
}
}  // namespace

TEST_CASE("wpu-tcpip.dll: completion routine, and WSAAsyncSelect messages") {
  tcpip_catalog cat;
  session app;
  tcp_pair pair;
  // The routine runs on this thread, in its next alertable wait.
  routine_seen = routine_record{};
  char in[16] = {};
  WSABUF rbuf{sizeof in, in};
  WSAOVERLAPPED ov{};
  DWORD got = 0, flags = 0;
  const int r = wpu_wsa_recv(pair.server, &rbuf, 1, &got, &flags, &ov, record_routine);
  CHECK((r == 0 || WSAGetLastError() == WSA_IO_PENDING));
  CHECK(wpu_send(pair.client, "apc", 3, 0) == 3);
  const auto deadline = GetTickCount() + 5000;
  while (routine_seen.calls == 0 && GetTickCount() < deadline) SleepEx(100, TRUE);
  CHECK(routine_seen.calls == 1);
  CHECK(routine_seen.error == 0);
  CHECK(routine_seen.bytes == 3);
  CHECK(routine_seen.ov == &ov);
  CHECK(routine_seen.thread == GetCurrentThreadId());
  CHECK(std::string(in, 3) == "apc");

  // FD_READ as a message to a window of this thread, wParam the socket.
  HWND hwnd = CreateWindowExW(0, L"STATIC", L"wpu-tcpip", 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr,
                              nullptr, nullptr);
  REQUIRE(hwnd != nullptr);
  const UINT msg = WM_USER + 7;
  CHECK(wpu_wsa_async_select(pair.server, hwnd, msg, FD_READ | FD_CLOSE) == 0);
  CHECK(wpu_send(pair.client, "m", 1, 0) == 1);
  MSG m{};
  bool seen = false;
  const auto until = GetTickCount() + 5000;
  while (!seen && GetTickCount() < until) {
    if (PeekMessageW(&m, hwnd, msg, msg, PM_REMOVE))
      seen = true;
    else
      Sleep(10);
  }
  REQUIRE(seen);
  CHECK(m.wParam == static_cast<WPARAM>(pair.server));
  CHECK(WSAGETSELECTEVENT(m.lParam) == FD_READ);
  CHECK(WSAGETSELECTERROR(m.lParam) == 0);
  char c = 0;
  CHECK(wpu_recv(pair.server, &c, 1, 0) == 1);
  CHECK(c == 'm');
  CHECK(wpu_wsa_async_select(pair.server, hwnd, 0, 0) == 0);
  DestroyWindow(hwnd);
}

TEST_CASE("wpu-tcpip.dll: extension functions and event selection come from the system") {
  tcpip_catalog cat;
  session app;
  const SOCKET listener = wpu_socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener != INVALID_SOCKET);
  sockaddr_in a = loopback();
  int len = sizeof a;
  REQUIRE(wpu_bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(wpu_listen(listener, 4) == 0);
  REQUIRE(wpu_getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) == 0);

  // FD_ACCEPT through WSAEventSelect/WSAEnumNetworkEvents.
  WSAEVENT e = WSACreateEvent();
  REQUIRE(e != WSA_INVALID_EVENT);
  CHECK(wpu_wsa_event_select(listener, e, FD_ACCEPT) == 0);

  // ConnectEx from SIO_GET_EXTENSION_FUNCTION_POINTER, on a bound socket.
  const SOCKET c = wpu_socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(c != INVALID_SOCKET);
  sockaddr_in any = loopback();
  REQUIRE(wpu_bind(c, reinterpret_cast<sockaddr*>(&any), sizeof any) == 0);
  GUID guid = WSAID_CONNECTEX;
  LPFN_CONNECTEX connect_ex = nullptr;
  DWORD n = 0;
  REQUIRE(wpu_wsa_ioctl(c, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid, &connect_ex,
                        sizeof connect_ex, &n, nullptr, nullptr) == 0);
  REQUIRE(reinterpret_cast<void*>(connect_ex) != nullptr);
  WSAOVERLAPPED ov{};
  ov.hEvent = WSACreateEvent();
  const BOOL started =
      connect_ex(c, reinterpret_cast<sockaddr*>(&a), sizeof a, nullptr, 0, nullptr, &ov);
  CHECK((started == TRUE || WSAGetLastError() == WSA_IO_PENDING));
  DWORD flags = 0, bytes = 0;
  CHECK(wpu_wsa_get_overlapped_result(c, &ov, &bytes, TRUE, &flags) == TRUE);
  CHECK(wpu_setsockopt(c, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0) == 0);

  CHECK(WSAWaitForMultipleEvents(1, &e, FALSE, 5000, FALSE) == WSA_WAIT_EVENT_0);
  WSANETWORKEVENTS ne{};
  CHECK(wpu_wsa_enum_network_events(listener, e, &ne) == 0);
  CHECK((ne.lNetworkEvents & FD_ACCEPT) != 0);
  CHECK(ne.iErrorCode[FD_ACCEPT_BIT] == 0);
  CHECK(wpu_wsa_event_select(listener, nullptr, 0) == 0);
  const SOCKET s = wpu_accept(listener, nullptr, nullptr);
  REQUIRE(s != INVALID_SOCKET);
  CHECK(wpu_send(c, "x", 1, 0) == 1);
  CHECK(recv_exactly(s, 1) == "x");
  WSACloseEvent(ov.hEvent);
  WSACloseEvent(e);
  CHECK(wpu_closesocket(s) == 0);
  CHECK(wpu_closesocket(c) == 0);
  CHECK(wpu_closesocket(listener) == 0);
}

TEST_CASE("wpu-tcpip.dll: UDP exchange") {
  tcpip_catalog cat;
  session app;
  const SOCKET a = wpu_socket(AF_INET, SOCK_DGRAM, 0);
  const SOCKET b = wpu_socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(a != INVALID_SOCKET);
  REQUIRE(b != INVALID_SOCKET);
  sockaddr_in aa = loopback(), ba = loopback();
  int len = sizeof ba;
  REQUIRE(wpu_bind(a, reinterpret_cast<sockaddr*>(&aa), sizeof aa) == 0);
  REQUIRE(wpu_bind(b, reinterpret_cast<sockaddr*>(&ba), sizeof ba) == 0);
  REQUIRE(wpu_getsockname(b, reinterpret_cast<sockaddr*>(&ba), &len) == 0);
  CHECK(wpu_sendto(a, "datagram", 8, 0, reinterpret_cast<sockaddr*>(&ba), sizeof ba) == 8);
  char buf[32];
  sockaddr_in from{};
  int from_len = sizeof from;
  CHECK(wpu_recvfrom(b, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len) == 8);
  CHECK(std::string(buf, 8) == "datagram");
  len = sizeof aa;
  REQUIRE(wpu_getsockname(a, reinterpret_cast<sockaddr*>(&aa), &len) == 0);
  CHECK(from.sin_port == aa.sin_port);
  // A datagram larger than the buffer: WSAEMSGSIZE, through lpErrno.
  CHECK(wpu_sendto(a, "0123456789", 10, 0, reinterpret_cast<sockaddr*>(&ba), sizeof ba) == 10);
  CHECK(wpu_recv(b, buf, 4, 0) == SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSAEMSGSIZE);
  CHECK(wpu_closesocket(a) == 0);
  CHECK(wpu_closesocket(b) == 0);
}

TEST_CASE("wpu-tcpip.dll: the system's errors come back through lpErrno") {
  tcpip_catalog cat;
  session app;
  // Nothing listens on a port just released: WSAECONNREFUSED.
  const SOCKET probe = wpu_socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(probe != INVALID_SOCKET);
  sockaddr_in a = loopback();
  int len = sizeof a;
  REQUIRE(wpu_bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(wpu_getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  // Its address is in use for a second bind.
  const SOCKET second = wpu_socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(second != INVALID_SOCKET);
  CHECK(wpu_bind(second, reinterpret_cast<sockaddr*>(&a), sizeof a) == SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSAEADDRINUSE);
  CHECK(wpu_closesocket(probe) == 0);
  CHECK(wpu_connect(second, reinterpret_cast<sockaddr*>(&a), sizeof a) == SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSAECONNREFUSED);
  CHECK(wpu_closesocket(second) == 0);

  // Non-blocking through FIONBIO: a recv with nothing to read.
  tcp_pair pair;
  u_long on = 1;
  CHECK(wpu_ioctlsocket(pair.server, FIONBIO, &on) == 0);
  char c;
  CHECK(wpu_recv(pair.server, &c, 1, 0) == SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSAEWOULDBLOCK);
  // A socket option round trip.
  int size = 32768, got = 0;
  len = sizeof got;
  CHECK(wpu_setsockopt(pair.server, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&size),
                       sizeof size) == 0);
  CHECK(wpu_getsockopt(pair.server, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&got), &len) ==
        0);
  CHECK(got == size);
}

TEST_CASE("wpu-tcpip.dll called directly: version check, lpErrno, WSPDuplicateSocket") {
  tcpip_catalog cat;
  session app;
  tcp_pair pair;  // the host has loaded and started the DLL
  const char* path = std::getenv("WPU_TCPIP_PROVIDER");
  REQUIRE(path != nullptr);
  HMODULE dll = LoadLibraryA(path);
  REQUIRE(dll != nullptr);
  const auto startup = reinterpret_cast<LPWSPSTARTUP>(
      reinterpret_cast<void (*)()>(GetProcAddress(dll, "WSPStartup")));
  REQUIRE(reinterpret_cast<void*>(startup) != nullptr);
  WSPUPCALLTABLE upcalls{};
  REQUIRE(wpu_get_upcall_table(&upcalls) == 0);
  std::vector<WSAPROTOCOL_INFOW> all = catalog_entries();
  WSAPROTOCOL_INFOW tcp{};
  for (const WSAPROTOCOL_INFOW& p : all)
    if (is_tcpip_entry(p) && p.iAddressFamily == AF_INET && p.iSocketType == SOCK_STREAM) tcp = p;
  REQUIRE(tcp.dwCatalogEntryId != 0);

  WSPDATA data{};
  WSPPROC_TABLE procs{};
  CHECK(startup(MAKEWORD(1, 1), &data, &tcp, upcalls, &procs) == WSAVERNOTSUPPORTED);
  CHECK(startup(MAKEWORD(2, 1), &data, &tcp, upcalls, &procs) == WSAVERNOTSUPPORTED);
  REQUIRE(startup(MAKEWORD(2, 2), &data, &tcp, upcalls, &procs) == 0);
  CHECK(data.wVersion == MAKEWORD(2, 2));
  CHECK(data.wHighVersion == MAKEWORD(2, 2));
  // Every slot is filled.
  const auto* slot = reinterpret_cast<void* const*>(&procs);
  for (std::size_t i = 0; i < sizeof procs / sizeof(void*); ++i) {
    CAPTURE(i);
    CHECK(slot[i] != nullptr);
  }

  // The system's error through lpErrno.
  int err = 0;
  CHECK(procs.lpWSPSocket(12345, SOCK_STREAM, 0, nullptr, 0, 0, &err) == INVALID_SOCKET);
  CHECK(err == WSAEAFNOSUPPORT);
  err = 0;
  CHECK(procs.lpWSPCloseSocket(INVALID_SOCKET, &err) == SOCKET_ERROR);
  CHECK(err == WSAENOTSOCK);

  // A duplicate for this process: described under wpu's entry, opened from
  // that description by WSPSocket, and it is the same connection.
  WSAPROTOCOL_INFOW dup{};
  err = 0;
  REQUIRE(procs.lpWSPDuplicateSocket(pair.client, GetCurrentProcessId(), &dup, &err) == 0);
  CHECK(std::memcmp(&dup.ProviderId, &tcp.ProviderId, sizeof(GUID)) == 0);
  CHECK(dup.dwCatalogEntryId == tcp.dwCatalogEntryId);
  const SOCKET d = procs.lpWSPSocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO,
                                     &dup, 0, WSA_FLAG_OVERLAPPED, &err);
  REQUIRE_MESSAGE(d != INVALID_SOCKET, "WSPSocket of a duplicate: " << err);
  DWORD id = 0;
  CHECK(wpu::default_backend().ifs_catalog_id(d, &id));
  CHECK(id == tcp.dwCatalogEntryId);
  CHECK(::send(d, "dup", 3, 0) == 3);
  CHECK(recv_exactly(pair.server, 3) == "dup");
  CHECK(procs.lpWSPCloseSocket(d, &err) == 0);
  wpu::default_backend().forget_ifs_handle(d);

  CHECK(procs.lpWSPCleanup(&err) == 0);
  FreeLibrary(dll);
}
