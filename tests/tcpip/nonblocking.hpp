// tests/tcpip/nonblocking.hpp - the non-blocking model (FIONBIO):
// WSAEWOULDBLOCK from recv, accept, send and connect, and FIONREAD.
using namespace tcpip_test;

namespace tcpip_test {

// Sends until send fails; returns the bytes sent and the error that ended it.
inline std::pair<long long, int> fill_send_buffer(SOCKET s) {
  static const std::string chunk = pattern(65536, 9);
  long long total = 0;
  for (int i = 0; i < 100000; ++i) {
    const int n = wpu_send(s, chunk.data(), static_cast<int>(chunk.size()), 0);
    if (n == SOCKET_ERROR) return {total, WSAGetLastError()};
    total += n;
  }
  return {total, 0};
}

}  // namespace tcpip_test

TEST_CASE_TEMPLATE("tcpip: non-blocking TCP: WSAEWOULDBLOCK and FIONREAD", F, ipv4, ipv6) {
  session app;
  listening l = make_listener(F::af);
  set_nonblocking(l.s, true);
  TCPIP_FAILS_WITH(wpu_accept(l.s, nullptr, nullptr), INVALID_SOCKET, WSAEWOULDBLOCK);

  // A non-blocking connect: WSAEWOULDBLOCK, then writable once connected.
  sock c = make_socket(F::af, SOCK_STREAM);
  set_nonblocking(c, true);
  const int rc = wpu_connect(c, l.at.sa(), l.at.len);
  if (rc == SOCKET_ERROR) {
    CHECK(WSAGetLastError() == WSAEWOULDBLOCK);
    fd_set w;
    FD_ZERO(&w);
    FD_SET(c.get(), &w);
    timeval tv{5, 0};
    CHECK(wpu_select(0, nullptr, &w, nullptr, &tv) == 1);
    CHECK(FD_ISSET(c.get(), &w));
  }
  // accept on the non-blocking listener now succeeds.
  sock s;
  REQUIRE(eventually(
      [&] {
        s = sock(wpu_accept(l.s, nullptr, nullptr));
        return s.valid();
      },
      soon_ms));
  set_nonblocking(s, true);

  char b[64];
  TCPIP_FAILS_WITH(wpu_recv(s, b, sizeof b, 0), SOCKET_ERROR, WSAEWOULDBLOCK);
  ULONG avail = 99;
  CHECK(wpu_ioctlsocket(s, FIONREAD, &avail) == 0);
  CHECK(avail == 0);
  CHECK(wpu_send(c, "0123456789", 10, 0) == 10);
  REQUIRE(eventually(
      [&] {
        avail = 0;
        return wpu_ioctlsocket(s, FIONREAD, &avail) == 0 && avail == 10;
      },
      soon_ms));
  CHECK(wpu_recv(s, b, 4, 0) == 4);
  CHECK(wpu_ioctlsocket(s, FIONREAD, &avail) == 0);
  CHECK(avail == 6);
  CHECK(wpu_recv(s, b, sizeof b, 0) == 6);
  CHECK(std::string(b, 6) == "456789");
  TCPIP_FAILS_WITH(wpu_recv(s, b, sizeof b, 0), SOCKET_ERROR, WSAEWOULDBLOCK);
  // WSARecv without an overlapped reports it the same way.
  WSABUF wb{sizeof b, b};
  DWORD n = 0, flags = 0;
  TCPIP_FAILS_WITH(wpu_wsa_recv(s, &wb, 1, &n, &flags, nullptr, nullptr), SOCKET_ERROR,
                   WSAEWOULDBLOCK);

  // send fills the buffers, then WSAEWOULDBLOCK; the peer drains them.
  const auto filled = fill_send_buffer(c);
  CHECK(filled.second == WSAEWOULDBLOCK);
  CHECK(filled.first > 0);
  long long drained = 0;
  std::vector<char> big(65536);
  REQUIRE(eventually(
      [&] {
        const int r = wpu_recv(s, big.data(), static_cast<int>(big.size()), 0);
        if (r > 0) drained += r;
        return drained == filled.first;
      },
      20000));

  // Back to blocking: recv waits for data again.
  set_nonblocking(s, false);
  scoped_thread peer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(wpu_send(c, "late", 4, 0) == 4);
  });
  CHECK(wpu_recv(s, b, sizeof b, 0) == 4);
  peer.join();
}

TEST_CASE_TEMPLATE("tcpip: non-blocking UDP: WSAEWOULDBLOCK and FIONREAD", F, ipv4, ipv6) {
  session app;
  udp_pair p = make_udp_pair(F::af);
  set_nonblocking(p.b, true);
  char b[256];
  TCPIP_FAILS_WITH(wpu_recvfrom(p.b, b, sizeof b, 0, nullptr, nullptr), SOCKET_ERROR,
                   WSAEWOULDBLOCK);
  ULONG avail = 99;
  CHECK(wpu_ioctlsocket(p.b, FIONREAD, &avail) == 0);
  CHECK(avail == 0);
  CHECK(wpu_sendto(p.a, "datagram", 8, 0, p.b_at.sa(), p.b_at.len) == 8);
  REQUIRE(eventually([&] { return wpu_ioctlsocket(p.b, FIONREAD, &avail) == 0 && avail == 8; },
                     soon_ms));
  CHECK(wpu_recvfrom(p.b, b, sizeof b, 0, nullptr, nullptr) == 8);
  TCPIP_FAILS_WITH(wpu_recvfrom(p.b, b, sizeof b, 0, nullptr, nullptr), SOCKET_ERROR,
                   WSAEWOULDBLOCK);
}
