// tests/tcpip/overlapped.hpp - overlapped I/O with an event, with a
// completion routine (run in an alertable wait of the issuing thread), and
// with a completion port the socket handle itself is associated with;
// WSAGetOverlappedResult. An operation that completes at once still signals
// its event, queues its routine and posts its packet.
using namespace tcpip_test;

namespace tcpip_test {

// What the completion routines saw; only the issuing thread writes it (the
// routines run there).
struct routine_call {
  DWORD error, bytes, flags;
  LPWSAOVERLAPPED ov;
  WSAEVENT context;  // ov->hEvent, free for the application with a routine
  std::thread::id thread;
};
inline std::vector<routine_call>& routine_calls() {
  static std::vector<routine_call> c;
  return c;
}
inline void CALLBACK record_completion(DWORD error, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags) {
  routine_calls().push_back(
      routine_call{error, bytes, flags, ov, ov->hEvent, std::this_thread::get_id()});
}

// One queued completion packet.
struct packet {
  BOOL ok = FALSE;
  DWORD error = 0, bytes = 0;
  ULONG_PTR key = 0;
  LPOVERLAPPED ov = nullptr;
};
inline packet dequeue(HANDLE port, DWORD ms) {
  packet p;
  p.ok = GetQueuedCompletionStatus(port, &p.bytes, &p.key, &p.ov, ms);
  p.error = p.ok ? 0 : GetLastError();
  return p;
}

// An overlapped structure with its own event, closed at scope exit.
struct overlapped_event {
  WSAOVERLAPPED ov{};
  overlapped_event() {
    ov.hEvent = WSACreateEvent();
    REQUIRE(ov.hEvent != WSA_INVALID_EVENT);
  }
  ~overlapped_event() { WSACloseEvent(ov.hEvent); }
  overlapped_event(const overlapped_event&) = delete;
  overlapped_event& operator=(const overlapped_event&) = delete;
};

// Starts an overlapped WSARecv; the result and WSAGetLastError.
inline std::pair<int, int> start_recv(SOCKET s, WSABUF* bufs, DWORD count, WSAOVERLAPPED* ov,
                                      LPWSAOVERLAPPED_COMPLETION_ROUTINE routine = nullptr) {
  DWORD flags = 0;
  const int rc = wpu_wsa_recv(s, bufs, count, nullptr, &flags, ov, routine);
  return {rc, rc == 0 ? 0 : WSAGetLastError()};
}

#define TCPIP_PENDING(start)                \
  do {                                      \
    const std::pair<int, int> r_ = (start); \
    CHECK(r_.first == SOCKET_ERROR);        \
    CHECK(r_.second == WSA_IO_PENDING);     \
  } while (0)

}  // namespace tcpip_test

TEST_CASE_TEMPLATE("tcpip: overlapped with an event (TCP)", F, ipv4, ipv6) {
  session app;
  tcp_pair p = make_tcp_pair(F::af);
  overlapped_event o;
  char b1[3], b2[16];
  WSABUF bufs[2] = {{sizeof b1, b1}, {sizeof b2, b2}};

  // Nothing to read: pending, WSA_IO_INCOMPLETE, the event not set.
  TCPIP_PENDING(start_recv(p.server, bufs, 2, &o.ov));
  DWORD n = 0, flags = 77;
  TCPIP_FAILS_WITH(wpu_wsa_get_overlapped_result(p.server, &o.ov, &n, FALSE, &flags), FALSE,
                   WSA_IO_INCOMPLETE);
  CHECK(!signalled(o.ov.hEvent, 50));
  send_all(p.client, "scattered");
  REQUIRE(signalled(o.ov.hEvent, soon_ms));
  CHECK(wpu_wsa_get_overlapped_result(p.server, &o.ov, &n, FALSE, &flags) == TRUE);
  CHECK(n == 9);
  CHECK(flags == 0);
  CHECK(std::string(b1, 3) == "sca");
  CHECK(std::string(b2, 6) == "ttered");

  // Data already there: 0 at once with the count, and the event is set too.
  WSAResetEvent(o.ov.hEvent);
  send_all(p.client, "ready");
  REQUIRE(unread_becomes(p.server, 5, soon_ms));
  DWORD got = 0;
  flags = 0;
  CHECK(wpu_wsa_recv(p.server, &bufs[1], 1, &got, &flags, &o.ov, nullptr) == 0);
  CHECK(got == 5);
  CHECK(signalled(o.ov.hEvent, soon_ms));
  CHECK(wpu_wsa_get_overlapped_result(p.server, &o.ov, &n, FALSE, &flags) == TRUE);
  CHECK(n == 5);

  // WSAGetOverlappedResult with fWait blocks until the peer sends.
  WSAResetEvent(o.ov.hEvent);
  TCPIP_PENDING(start_recv(p.server, &bufs[1], 1, &o.ov));
  scoped_thread peer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(send_everything(p.client, "waited"));
  });
  CHECK(wpu_wsa_get_overlapped_result(p.server, &o.ov, &n, TRUE, &flags) == TRUE);
  CHECK(n == 6);
  peer.join();

  // An overlapped WSASend, then a large one the peer drains.
  const std::string big = pattern(1 << 20, 4);
  overlapped_event so;
  WSABUF sb{static_cast<ULONG>(big.size()), const_cast<char*>(big.data())};
  DWORD sent = 0;
  const int rc = wpu_wsa_send(p.client, &sb, 1, &sent, 0, &so.ov, nullptr);
  if (rc == SOCKET_ERROR) CHECK(WSAGetLastError() == WSA_IO_PENDING);
  std::string drained = recv_exact(p.server, static_cast<int>(big.size()));
  CHECK(drained == big);
  CHECK(wpu_wsa_get_overlapped_result(p.client, &so.ov, &n, TRUE, &flags) == TRUE);
  CHECK(n == big.size());
}

TEST_CASE_TEMPLATE("tcpip: overlapped with an event (UDP WSARecvFrom/WSASendTo)", F, ipv4, ipv6) {
  session app;
  udp_pair p = make_udp_pair(F::af);
  overlapped_event o;
  char b[64];
  WSABUF wb{sizeof b, b};
  endpoint from;
  from.len = sizeof from.ss;
  DWORD flags = 0;
  const int rc =
      wpu_wsa_recv_from(p.b, &wb, 1, nullptr, &flags, from.sa(), &from.len, &o.ov, nullptr);
  REQUIRE(rc == SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSA_IO_PENDING);
  overlapped_event so;
  char payload[] = "udp-overlapped";
  WSABUF sb{14, payload};
  DWORD sent = 0;
  const int src = wpu_wsa_send_to(p.a, &sb, 1, &sent, 0, p.b_at.sa(), p.b_at.len, &so.ov, nullptr);
  if (src == SOCKET_ERROR) CHECK(WSAGetLastError() == WSA_IO_PENDING);
  REQUIRE(signalled(o.ov.hEvent, soon_ms));
  DWORD n = 0;
  CHECK(wpu_wsa_get_overlapped_result(p.b, &o.ov, &n, FALSE, &flags) == TRUE);
  CHECK(n == 14);
  CHECK(std::string(b, 14) == "udp-overlapped");
  // lpFrom and lpFromlen are written when the datagram arrives.
  CHECK(from.family() == F::af);
  CHECK(from.port() == p.a_at.port());
  CHECK(from.len == p.a_at.len);
  CHECK(wpu_wsa_get_overlapped_result(p.a, &so.ov, &n, TRUE, &flags) == TRUE);
  CHECK(n == 14);
}

TEST_CASE_TEMPLATE("tcpip: overlapped with a completion routine", F, ipv4, ipv6) {
  session app;
  tcp_pair p = make_tcp_pair(F::af);
  routine_calls().clear();
  WSAOVERLAPPED ov{};
  int context_tag = 0;
  ov.hEvent = reinterpret_cast<WSAEVENT>(&context_tag);  // the application's, with a routine
  char b[32];
  WSABUF wb{sizeof b, b};
  TCPIP_PENDING(start_recv(p.server, &wb, 1, &ov, record_completion));
  send_all(p.client, "routine");
  // Not run outside an alertable wait, even once the data is there.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(SleepEx(0, FALSE) == 0);
  CHECK(routine_calls().empty());
  REQUIRE(alertable_until([] { return !routine_calls().empty(); }, soon_ms));
  REQUIRE(routine_calls().size() == 1);
  routine_call c = routine_calls()[0];
  CHECK(c.error == 0);
  CHECK(c.bytes == 7);
  CHECK(c.flags == 0);
  CHECK(c.ov == &ov);
  CHECK(c.context == reinterpret_cast<WSAEVENT>(&context_tag));
  CHECK((c.thread == std::this_thread::get_id()));
  CHECK(std::string(b, 7) == "routine");

  // Completed at once: 0, and the routine is still queued for the next
  // alertable wait (SleepEx reports WAIT_IO_COMPLETION).
  routine_calls().clear();
  send_all(p.client, "now");
  REQUIRE(unread_becomes(p.server, 3, soon_ms));
  DWORD got = 0, flags = 0;
  CHECK(wpu_wsa_recv(p.server, &wb, 1, &got, &flags, &ov, record_completion) == 0);
  CHECK(got == 3);
  CHECK(routine_calls().empty());
  CHECK(SleepEx(soon_ms, TRUE) == WAIT_IO_COMPLETION);
  REQUIRE(routine_calls().size() == 1);
  CHECK(routine_calls()[0].bytes == 3);

  // WSAWaitForMultipleEvents, alertable, returns WSA_WAIT_IO_COMPLETION; a
  // send's routine reports the bytes sent.
  routine_calls().clear();
  WSAOVERLAPPED sov{};
  char payload[] = "sent-with-routine";
  WSABUF sb{17, payload};
  DWORD sent = 0;
  const int rc = wpu_wsa_send(p.client, &sb, 1, &sent, 0, &sov, record_completion);
  if (rc == SOCKET_ERROR) CHECK(WSAGetLastError() == WSA_IO_PENDING);
  WSAEVENT never = WSACreateEvent();
  CHECK(WSAWaitForMultipleEvents(1, &never, FALSE, soon_ms, TRUE) == WSA_WAIT_IO_COMPLETION);
  WSACloseEvent(never);
  REQUIRE(routine_calls().size() == 1);
  CHECK(routine_calls()[0].ov == &sov);
  CHECK(routine_calls()[0].bytes == 17);
  CHECK(recv_exact(p.server, 17) == "sent-with-routine");
  // Nothing more is queued.
  CHECK(SleepEx(50, TRUE) == 0);
}

TEST_CASE_TEMPLATE("tcpip: overlapped with a completion routine (UDP)", F, ipv4, ipv6) {
  session app;
  udp_pair p = make_udp_pair(F::af);
  routine_calls().clear();
  WSAOVERLAPPED ov{};
  char b[32];
  WSABUF wb{sizeof b, b};
  endpoint from;
  from.len = sizeof from.ss;
  DWORD flags = 0;
  REQUIRE(wpu_wsa_recv_from(p.b, &wb, 1, nullptr, &flags, from.sa(), &from.len, &ov,
                            record_completion) == SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSA_IO_PENDING);
  CHECK(wpu_sendto(p.a, "apc", 3, 0, p.b_at.sa(), p.b_at.len) == 3);
  REQUIRE(alertable_until([] { return !routine_calls().empty(); }, soon_ms));
  CHECK(routine_calls()[0].bytes == 3);
  CHECK(from.port() == p.a_at.port());
}

TEST_CASE_TEMPLATE("tcpip: overlapped with a completion port", F, ipv4, ipv6) {
  session app;
  tcp_pair p = make_tcp_pair(F::af);
  HANDLE port = CreateIoCompletionPort(as_handle(p.server), nullptr, 41, 0);
  REQUIRE(port != nullptr);
  CHECK(CreateIoCompletionPort(as_handle(p.client), port, 42, 0) == port);

  WSAOVERLAPPED rov{};
  char b[32];
  WSABUF wb{sizeof b, b};
  TCPIP_PENDING(start_recv(p.server, &wb, 1, &rov));
  CHECK(dequeue(port, 50).ov == nullptr);  // nothing yet
  WSAOVERLAPPED sov{};
  char payload[] = "via-port";
  WSABUF sb{8, payload};
  DWORD sent = 0;
  const int rc = wpu_wsa_send(p.client, &sb, 1, &sent, 0, &sov, nullptr);
  if (rc == SOCKET_ERROR) CHECK(WSAGetLastError() == WSA_IO_PENDING);
  // Two packets: the send (key 42) and the receive (key 41), in either order.
  bool saw_send = false, saw_recv = false;
  for (int i = 0; i < 2; ++i) {
    packet k = dequeue(port, soon_ms);
    REQUIRE(k.ok);
    CHECK(k.bytes == 8);
    if (k.ov == &sov) {
      CHECK(k.key == 42);
      saw_send = true;
    } else {
      CHECK(k.ov == &rov);
      CHECK(k.key == 41);
      saw_recv = true;
    }
  }
  CHECK(saw_send);
  CHECK(saw_recv);
  CHECK(std::string(b, 8) == "via-port");
  DWORD n = 0, flags = 0;
  CHECK(wpu_wsa_get_overlapped_result(p.server, &rov, &n, FALSE, &flags) == TRUE);
  CHECK(n == 8);

  // Completed at once: 0, and a packet is still posted.
  send_all(p.client, "imm");
  REQUIRE(unread_becomes(p.server, 3, soon_ms));
  DWORD got = 0;
  flags = 0;
  CHECK(wpu_wsa_recv(p.server, &wb, 1, &got, &flags, &rov, nullptr) == 0);
  CHECK(got == 3);
  packet k = dequeue(port, soon_ms);
  CHECK(k.ok);
  CHECK(k.ov == &rov);
  CHECK(k.bytes == 3);
  CHECK(k.key == 41);

  // An event handle with its low bit set keeps the packet off the port; the
  // event is still set.
  WSAEVENT ev = WSACreateEvent();
  WSAOVERLAPPED quiet{};
  quiet.hEvent = reinterpret_cast<WSAEVENT>(reinterpret_cast<uintptr_t>(ev) | 1);
  const int qrc = wpu_wsa_send(p.client, &sb, 1, &sent, 0, &quiet, nullptr);
  if (qrc == SOCKET_ERROR) CHECK(WSAGetLastError() == WSA_IO_PENDING);
  CHECK(signalled(ev, soon_ms));
  k = dequeue(port, 100);
  CHECK(!k.ok);
  CHECK(k.ov == nullptr);
  CHECK(k.error == ws_wait_timeout);
  CHECK(recv_exact(p.server, 8) == "via-port");
  WSACloseEvent(ev);
  CHECK(CloseHandle(port));
}

TEST_CASE_TEMPLATE("tcpip: overlapped with a completion port (UDP)", F, ipv4, ipv6) {
  session app;
  udp_pair p = make_udp_pair(F::af);
  HANDLE port = CreateIoCompletionPort(as_handle(p.b), nullptr, 7, 0);
  REQUIRE(port != nullptr);
  WSAOVERLAPPED ov{};
  char b[32];
  WSABUF wb{sizeof b, b};
  endpoint from;
  from.len = sizeof from.ss;
  DWORD flags = 0;
  REQUIRE(wpu_wsa_recv_from(p.b, &wb, 1, nullptr, &flags, from.sa(), &from.len, &ov, nullptr) ==
          SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSA_IO_PENDING);
  CHECK(wpu_sendto(p.a, "iocp-dgram", 10, 0, p.b_at.sa(), p.b_at.len) == 10);
  packet k = dequeue(port, soon_ms);
  CHECK(k.ok);
  CHECK(k.key == 7);
  CHECK(k.ov == &ov);
  CHECK(k.bytes == 10);
  CHECK(from.port() == p.a_at.port());
  CHECK(CloseHandle(port));
}

TEST_CASE_TEMPLATE("tcpip: pending overlapped receives complete in the order they were issued", F,
                   ipv4, ipv6) {
  session app;
  tcp_pair p = make_tcp_pair(F::af);
  overlapped_event o1, o2, o3;
  char b1[8], b2[8], b3[8];
  WSABUF w1{sizeof b1, b1}, w2{sizeof b2, b2}, w3{sizeof b3, b3};
  TCPIP_PENDING(start_recv(p.server, &w1, 1, &o1.ov));
  TCPIP_PENDING(start_recv(p.server, &w2, 1, &o2.ov));
  TCPIP_PENDING(start_recv(p.server, &w3, 1, &o3.ov));
  send_all(p.client, "11111111");
  REQUIRE(signalled(o1.ov.hEvent, soon_ms));
  CHECK(!signalled(o2.ov.hEvent, 50));
  send_all(p.client, "2222222233333333");
  REQUIRE(signalled(o2.ov.hEvent, soon_ms));
  REQUIRE(signalled(o3.ov.hEvent, soon_ms));
  DWORD n = 0, flags = 0;
  std::string got;
  for (overlapped_event* o : {&o1, &o2, &o3}) {
    CHECK(wpu_wsa_get_overlapped_result(p.server, &o->ov, &n, FALSE, &flags) == TRUE);
    CHECK(n == 8);
  }
  CHECK(std::string(b1, 8) == "11111111");
  CHECK(std::string(b2, 8) == "22222222");
  CHECK(std::string(b3, 8) == "33333333");
}
