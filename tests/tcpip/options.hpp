// tests/tcpip/options.hpp - socket options with Windows' levels, names and
// values: SOL_SOCKET (0xFFFF) with SO_REUSEADDR, SO_KEEPALIVE, SO_LINGER
// (Windows' 4-byte linger), SO_RCVBUF, SO_ERROR, SO_TYPE, SO_ACCEPTCONN,
// SO_PROTOCOL_INFOW; IPPROTO_TCP/TCP_NODELAY; unknown names and levels.
using namespace tcpip_test;

namespace tcpip_test {

inline int get_int(SOCKET s, int level, int name) {
  int v = -1;
  int len = sizeof v;
  const int rc = wpu_getsockopt(s, level, name, reinterpret_cast<char*>(&v), &len);
  REQUIRE_MESSAGE(rc == 0,
                  "getsockopt(" << level << ", " << name << ") failed: " << WSAGetLastError());
  CHECK(len == static_cast<int>(sizeof v));
  return v;
}

// A BOOL option: Windows writes a 1-byte BOOLEAN for some (SO_KEEPALIVE,
// TCP_NODELAY: optlen becomes 1) and a 4-byte BOOL for others.
inline bool get_bool(SOCKET s, int level, int name) {
  int v = 0;
  int len = sizeof v;
  const int rc = wpu_getsockopt(s, level, name, reinterpret_cast<char*>(&v), &len);
  REQUIRE_MESSAGE(rc == 0,
                  "getsockopt(" << level << ", " << name << ") failed: " << WSAGetLastError());
  CHECK((len == 1 || len == static_cast<int>(sizeof v)));
  return len == 1 ? (v & 0xFF) != 0 : v != 0;
}

inline void set_int(SOCKET s, int level, int name, int v) {
  const int rc =
      wpu_setsockopt(s, level, name, reinterpret_cast<const char*>(&v), static_cast<int>(sizeof v));
  REQUIRE_MESSAGE(rc == 0, "setsockopt(" << level << ", " << name << ", " << v
                                         << ") failed: " << WSAGetLastError());
}

}  // namespace tcpip_test

TEST_CASE_TEMPLATE("tcpip: SOL_SOCKET options round-trip with Windows' values", F, ipv4, ipv6) {
  session app;
  sock t = make_socket(F::af, SOCK_STREAM);
  sock u = make_socket(F::af, SOCK_DGRAM);

  CHECK(get_int(t, SOL_SOCKET, SO_TYPE) == SOCK_STREAM);
  CHECK(get_int(u, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM);
  CHECK(get_int(t, SOL_SOCKET, SO_ERROR) == 0);

  // BOOL options: 0 off, non-zero on.
  for (int name : {SO_REUSEADDR, SO_KEEPALIVE}) {
    CAPTURE(name);
    CHECK(!get_bool(t, SOL_SOCKET, name));
    set_int(t, SOL_SOCKET, name, 1);
    CHECK(get_bool(t, SOL_SOCKET, name));
    set_int(t, SOL_SOCKET, name, 0);
    CHECK(!get_bool(t, SOL_SOCKET, name));
  }

  // SO_LINGER: Windows' struct of two u_shorts.
  linger lg{};
  int len = sizeof lg;
  REQUIRE(wpu_getsockopt(t, SOL_SOCKET, SO_LINGER, reinterpret_cast<char*>(&lg), &len) == 0);
  CHECK(len == 4);
  CHECK(lg.l_onoff == 0);
  linger set{1, 7};
  REQUIRE(wpu_setsockopt(t, SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&set),
                         sizeof set) == 0);
  lg = linger{};
  len = sizeof lg;
  REQUIRE(wpu_getsockopt(t, SOL_SOCKET, SO_LINGER, reinterpret_cast<char*>(&lg), &len) == 0);
  CHECK(lg.l_onoff != 0);
  CHECK(lg.l_linger == 7);
  // SO_DONTLINGER is SO_LINGER's l_onoff inverted.
  CHECK(!get_bool(t, SOL_SOCKET, SO_DONTLINGER));
  set_int(t, SOL_SOCKET, SO_DONTLINGER, 1);
  len = sizeof lg;
  REQUIRE(wpu_getsockopt(t, SOL_SOCKET, SO_LINGER, reinterpret_cast<char*>(&lg), &len) == 0);
  CHECK(lg.l_onoff == 0);

  // Buffer sizes: at least what was asked for.
  set_int(t, SOL_SOCKET, SO_RCVBUF, 65536);
  CHECK(get_int(t, SOL_SOCKET, SO_RCVBUF) >= 65536);
  set_int(u, SOL_SOCKET, SO_SNDBUF, 32768);
  CHECK(get_int(u, SOL_SOCKET, SO_SNDBUF) >= 32768);

  // TCP_NODELAY at IPPROTO_TCP.
  CHECK(!get_bool(t, ws_ipproto_tcp, ws_tcp_nodelay));
  set_int(t, ws_ipproto_tcp, ws_tcp_nodelay, 1);
  CHECK(get_bool(t, ws_ipproto_tcp, ws_tcp_nodelay));

  // SO_BROADCAST on UDP.
  set_int(u, SOL_SOCKET, SO_BROADCAST, 1);
  CHECK(get_bool(u, SOL_SOCKET, SO_BROADCAST));
}

TEST_CASE_TEMPLATE("tcpip: SO_ACCEPTCONN and SO_ERROR follow the socket's state", F, ipv4, ipv6) {
  session app;
  sock t = make_socket(F::af, SOCK_STREAM);
  CHECK(!get_bool(t, SOL_SOCKET, SO_ACCEPTCONN));
  endpoint l = loopback(F::af);
  REQUIRE(wpu_bind(t, l.sa(), l.len) == 0);
  CHECK(!get_bool(t, SOL_SOCKET, SO_ACCEPTCONN));
  REQUIRE(wpu_listen(t, 5) == 0);
  CHECK(get_bool(t, SOL_SOCKET, SO_ACCEPTCONN));
  const endpoint at = local_name(t);

  // A refused non-blocking connect leaves its error in SO_ERROR.
  CHECK(t.close() == 0);
  sock c = make_socket(F::af, SOCK_STREAM);
  set_nonblocking(c, true);
  const int rc = wpu_connect(c, at.sa(), at.len);
  REQUIRE(rc == SOCKET_ERROR);
  if (WSAGetLastError() == WSAEWOULDBLOCK) {
    REQUIRE(eventually([&] { return get_int(c, SOL_SOCKET, SO_ERROR) == WSAECONNREFUSED; }, 10000));
  } else {
    CHECK(WSAGetLastError() == WSAECONNREFUSED);
  }
}

TEST_CASE_TEMPLATE("tcpip: SO_REUSEADDR lets two datagram sockets share a port", F, ipv4, ipv6) {
  session app;
  sock a = make_socket(F::af, SOCK_DGRAM);
  set_int(a, SOL_SOCKET, SO_REUSEADDR, 1);
  endpoint l = loopback(F::af);
  REQUIRE(wpu_bind(a, l.sa(), l.len) == 0);
  const endpoint at = local_name(a);
  sock b = make_socket(F::af, SOCK_DGRAM);
  set_int(b, SOL_SOCKET, SO_REUSEADDR, 1);
  CHECK(wpu_bind(b, at.sa(), at.len) == 0);
  CHECK(local_name(b).port() == at.port());
}

TEST_CASE_TEMPLATE("tcpip: SO_PROTOCOL_INFOW describes the socket's catalog entry", F, ipv4, ipv6) {
  session app;
  for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
    CAPTURE(type);
    sock s = make_socket(F::af, type);
    WSAPROTOCOL_INFOW info{};
    int len = sizeof info;
    REQUIRE(wpu_getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOW, reinterpret_cast<char*>(&info),
                           &len) == 0);
    CHECK(len == static_cast<int>(sizeof info));
    CHECK(same_guid(info.ProviderId, tcpip_provider_id()));
    CHECK(info.iAddressFamily == F::af);
    CHECK(info.iSocketType == type);
    CHECK(info.iProtocol == proto_of(type));
    DWORD id = 0;
    REQUIRE(wpu_socket_catalog_id(s, &id) == 0);
    CHECK(info.dwCatalogEntryId == id);
    CHECK((info.dwServiceFlags1 & XP1_IFS_HANDLES) != 0);
    // Too small a buffer: WSAEFAULT.
    len = sizeof info - 1;
    TCPIP_FAILS_WITH(
        wpu_getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOW, reinterpret_cast<char*>(&info), &len),
        SOCKET_ERROR, WSAEFAULT);
  }
}

TEST_CASE_TEMPLATE("tcpip: unknown options: WSAENOPROTOOPT; unknown levels: WSAEINVAL", F, ipv4,
                   ipv6) {
  session app;
  sock t = make_socket(F::af, SOCK_STREAM);
  int v = 1, len = sizeof v;
  TCPIP_FAILS_WITH(wpu_getsockopt(t, SOL_SOCKET, 0x7777, reinterpret_cast<char*>(&v), &len),
                   SOCKET_ERROR, WSAENOPROTOOPT);
  TCPIP_FAILS_WITH(
      wpu_setsockopt(t, SOL_SOCKET, 0x7777, reinterpret_cast<const char*>(&v), sizeof v),
      SOCKET_ERROR, WSAENOPROTOOPT);
  TCPIP_FAILS_WITH(wpu_getsockopt(t, ws_ipproto_tcp, 0x7777, reinterpret_cast<char*>(&v), &len),
                   SOCKET_ERROR, WSAENOPROTOOPT);
  TCPIP_FAILS_WITH(wpu_getsockopt(t, 0x4242, SO_TYPE, reinterpret_cast<char*>(&v), &len),
                   SOCKET_ERROR, WSAEINVAL);
  // SO_ACCEPTCONN and SO_TYPE are read-only.
  TCPIP_FAILS_WITH(
      wpu_setsockopt(t, SOL_SOCKET, SO_TYPE, reinterpret_cast<const char*>(&v), sizeof v),
      SOCKET_ERROR, WSAENOPROTOOPT);
}

TEST_CASE_TEMPLATE("tcpip: SO_RCVTIMEO and SO_SNDTIMEO are DWORD milliseconds", F, ipv4, ipv6) {
  session app;
  tcp_pair p = make_tcp_pair(F::af);
  CHECK(get_int(p.server, SOL_SOCKET, SO_RCVTIMEO) == 0);
  set_int(p.server, SOL_SOCKET, SO_RCVTIMEO, 200);
  CHECK(get_int(p.server, SOL_SOCKET, SO_RCVTIMEO) == 200);
  set_int(p.server, SOL_SOCKET, SO_SNDTIMEO, 1500);
  CHECK(get_int(p.server, SOL_SOCKET, SO_SNDTIMEO) == 1500);
  // A blocking recv with nothing to read gives up with WSAETIMEDOUT.
  const auto t0 = std::chrono::steady_clock::now();
  char b[4];
  TCPIP_FAILS_WITH(wpu_recv(p.server, b, sizeof b, 0), SOCKET_ERROR, WSAETIMEDOUT);
  const auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(waited >= std::chrono::milliseconds(150));
  CHECK(waited < std::chrono::milliseconds(3000));
}
