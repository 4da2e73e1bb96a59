// tests/tcpip/select.hpp - select: readability (data, a pending connection,
// a closed peer), writability (a connected socket, a completed non-blocking
// connect), exceptfds (a failed non-blocking connect), timeouts, and the
// sets rewritten to the ready sockets only.
using namespace tcpip_test;

TEST_CASE_TEMPLATE("tcpip: select on TCP", F, ipv4, ipv6) {
  session app;
  listening l = make_listener(F::af);
  fd_set r, w, e;
  timeval zero{0, 0};

  // Nothing ready: 0 after the timeout, the set emptied.
  FD_ZERO(&r);
  FD_SET(l.s.get(), &r);
  CHECK(wpu_select(0, &r, nullptr, nullptr, &zero) == 0);
  CHECK(r.fd_count == 0);
  const auto t0 = std::chrono::steady_clock::now();
  FD_SET(l.s.get(), &r);
  timeval short_wait{0, 150000};
  CHECK(wpu_select(0, &r, nullptr, nullptr, &short_wait) == 0);
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(100));

  // A pending connection makes the listener readable.
  sock c = make_socket(F::af, SOCK_STREAM);
  REQUIRE(wpu_connect(c, l.at.sa(), l.at.len) == 0);
  FD_ZERO(&r);
  FD_SET(l.s.get(), &r);
  timeval tv{5, 0};
  CHECK(wpu_select(0, &r, nullptr, nullptr, &tv) == 1);
  CHECK(FD_ISSET(l.s.get(), &r));
  sock s(wpu_accept(l.s, nullptr, nullptr));
  REQUIRE(s.valid());

  // A connected socket is writable, not readable until data comes.
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(s.get(), &r);
  FD_SET(s.get(), &w);
  FD_SET(c.get(), &w);
  CHECK(wpu_select(0, &r, &w, nullptr, &tv) == 2);
  CHECK(!FD_ISSET(s.get(), &r));
  CHECK(FD_ISSET(s.get(), &w));
  CHECK(FD_ISSET(c.get(), &w));

  CHECK(wpu_send(c, "ping", 4, 0) == 4);
  FD_ZERO(&r);
  FD_SET(c.get(), &r);
  FD_SET(s.get(), &r);
  CHECK(wpu_select(0, &r, nullptr, nullptr, &tv) == 1);
  CHECK(FD_ISSET(s.get(), &r));
  CHECK(!FD_ISSET(c.get(), &r));
  char b[8];
  CHECK(wpu_recv(s, b, sizeof b, 0) == 4);

  // A blocked select returns when data arrives from another thread.
  scoped_thread peer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(wpu_send(s, "pong", 4, 0) == 4);
  });
  FD_ZERO(&r);
  FD_SET(c.get(), &r);
  CHECK(wpu_select(0, &r, nullptr, nullptr, nullptr) == 1);
  CHECK(FD_ISSET(c.get(), &r));
  peer.join();
  CHECK(wpu_recv(c, b, sizeof b, 0) == 4);

  // The peer's close makes the socket readable (recv then returns 0).
  CHECK(c.close() == 0);
  FD_ZERO(&r);
  FD_SET(s.get(), &r);
  CHECK(wpu_select(0, &r, nullptr, nullptr, &tv) == 1);
  CHECK(wpu_recv(s, b, sizeof b, 0) == 0);

  // Every set NULL or empty: WSAEINVAL.
  FD_ZERO(&r);
  TCPIP_FAILS_WITH(wpu_select(0, &r, nullptr, nullptr, &zero), SOCKET_ERROR, WSAEINVAL);
  // A socket that is not one: WSAENOTSOCK.
  FD_ZERO(&e);
  FD_SET(s.get(), &e);
  const SOCKET dead = s.get();
  CHECK(s.close() == 0);
  TCPIP_FAILS_WITH(wpu_select(0, nullptr, nullptr, &e, &zero), SOCKET_ERROR, WSAENOTSOCK);
  (void)dead;
}

TEST_CASE_TEMPLATE("tcpip: select reports a non-blocking connect's outcome", F, ipv4, ipv6) {
  session app;
  timeval tv{5, 0};
  SUBCASE("success: writable, SO_ERROR 0") {
    listening l = make_listener(F::af);
    sock c = make_socket(F::af, SOCK_STREAM);
    set_nonblocking(c, true);
    const int rc = wpu_connect(c, l.at.sa(), l.at.len);
    if (rc == SOCKET_ERROR) CHECK(WSAGetLastError() == WSAEWOULDBLOCK);
    fd_set w, e;
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(c.get(), &w);
    FD_SET(c.get(), &e);
    CHECK(wpu_select(0, nullptr, &w, &e, &tv) == 1);
    CHECK(FD_ISSET(c.get(), &w));
    CHECK(!FD_ISSET(c.get(), &e));
    int err = -1, len = sizeof err;
    CHECK(wpu_getsockopt(c, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len) == 0);
    CHECK(err == 0);
  }
  SUBCASE("refused: in exceptfds, SO_ERROR WSAECONNREFUSED") {
    endpoint dead;
    {
      listening l = make_listener(F::af);
      dead = l.at;
    }  // nobody listens there now
    sock c = make_socket(F::af, SOCK_STREAM);
    set_nonblocking(c, true);
    const int rc = wpu_connect(c, dead.sa(), dead.len);
    REQUIRE(rc == SOCKET_ERROR);
    const int first = WSAGetLastError();
    if (first != WSAECONNREFUSED) {
      CHECK(first == WSAEWOULDBLOCK);
      fd_set w, e;
      FD_ZERO(&w);
      FD_ZERO(&e);
      FD_SET(c.get(), &w);
      FD_SET(c.get(), &e);
      timeval long_wait{10, 0};  // Windows retries a refused SYN for ~2 s
      CHECK(wpu_select(0, nullptr, &w, &e, &long_wait) == 1);
      CHECK(FD_ISSET(c.get(), &e));
      CHECK(!FD_ISSET(c.get(), &w));
      int err = -1, len = sizeof err;
      CHECK(wpu_getsockopt(c, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len) == 0);
      CHECK(err == WSAECONNREFUSED);
    }
  }
}

TEST_CASE_TEMPLATE("tcpip: select on UDP", F, ipv4, ipv6) {
  session app;
  udp_pair p = make_udp_pair(F::af);
  fd_set r, w;
  timeval tv{5, 0}, zero{0, 0};
  FD_ZERO(&r);
  FD_SET(p.b.get(), &r);
  CHECK(wpu_select(0, &r, nullptr, nullptr, &zero) == 0);
  FD_ZERO(&w);
  FD_SET(p.a.get(), &w);
  CHECK(wpu_select(0, nullptr, &w, nullptr, &zero) == 1);
  CHECK(wpu_sendto(p.a, "d", 1, 0, p.b_at.sa(), p.b_at.len) == 1);
  FD_ZERO(&r);
  FD_SET(p.a.get(), &r);
  FD_SET(p.b.get(), &r);
  CHECK(wpu_select(0, &r, nullptr, nullptr, &tv) == 1);
  CHECK(FD_ISSET(p.b.get(), &r));
  char b[4];
  CHECK(wpu_recvfrom(p.b, b, sizeof b, 0, nullptr, nullptr) == 1);
}
