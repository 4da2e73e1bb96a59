// tests/host/routing.hpp - each application call reaches its SPI function
// with the arguments host-semantics.md §4.2 gives (§10 items 26-32, 56-57).
using namespace host_test;

namespace host_test {

// One provider (rec-a) for TCP, a session, and one socket.
struct routed_socket {
  std::string path = module_path("WPU_TEST_REC_A");
  recorder rec{path};
  entries cat;
  DWORD id = cat.add(protocol(provider_guid(1), AF_INET, SOCK_STREAM, IPPROTO_TCP), path);
  session app;
  SOCKET s = wpu_socket(AF_INET, SOCK_STREAM, 0);
  routed_socket() {
    REQUIRE(s != INVALID_SOCKET);
    rec.reset();
  }
};

// The nine extension function GUIDs of <mswsock.h> (host-semantics.md §6.1).
inline std::vector<GUID> extension_guids() {
  return {
      {0xb5367df1, 0xcbac, 0x11cf, {0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92}},  // AcceptEx
      {0x25a207b9, 0xddf3, 0x4660, {0x8e, 0xe9, 0x76, 0xe5, 0x8c, 0x74, 0x06, 0x3e}},  // ConnectEx
      {0x7fda2e11,
       0x8630,
       0x436f,
       {0xa0, 0x31, 0xf5, 0x36, 0xa6, 0xee, 0xc1, 0x57}},  // DisconnectEx
      {0xb5367df2,
       0xcbac,
       0x11cf,
       {0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92}},  // GetAcceptExSockaddrs
      {0xb5367df0,
       0xcbac,
       0x11cf,
       {0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92}},  // TransmitFile
      {0xd9689da0,
       0x1f90,
       0x11d3,
       {0x99, 0x71, 0x00, 0xc0, 0x4f, 0x68, 0xc8, 0x76}},  // TransmitPackets
      {0xf689d7c8, 0x6f1f, 0x436b, {0x8a, 0x53, 0xe5, 0x4f, 0xe3, 0x51, 0xc3, 0x22}},  // WSARecvMsg
      {0xa441e712, 0x754f, 0x43ca, {0x84, 0xa7, 0x0d, 0xee, 0x44, 0xcf, 0x60, 0x6d}},  // WSASendMsg
      {0x18c76f85, 0xdc66, 0x4964, {0x97, 0x2e, 0x23, 0xc2, 0x72, 0x38, 0x31, 0x2b}},  // WSAPoll
  };
}

}  // namespace host_test

TEST_CASE("host: send/recv/sendto/recvfrom reach WSPSend/WSPRecv/... with one WSABUF (26)") {
  routed_socket t;
  char out[100] = "hello";
  CHECK(wpu_send(t.s, out, 5, MSG_OOB) == 5);
  rec_call c = t.rec.last();
  CHECK(c.fn == REC_SEND);
  CHECK(c.s == t.s);
  CHECK(c.buffer_count == 1);
  CHECK(c.len0 == 5);
  CHECK(c.flags == MSG_OOB);
  CHECK(c.has_overlapped == 0);
  CHECK(c.has_routine == 0);
  CHECK(c.has_thread_id == 1);

  char in[40] = {};
  CHECK(wpu_recv(t.s, in, 30, MSG_PEEK) == 30);
  c = t.rec.last();
  CHECK(c.fn == REC_RECV);
  CHECK(c.buffer_count == 1);
  CHECK(c.len0 == 30);
  CHECK(c.flags == MSG_PEEK);
  CHECK(c.has_overlapped == 0);
  CHECK(c.has_thread_id == 1);
  CHECK(in[0] == REC_PATTERN(0));
  CHECK(in[29] == REC_PATTERN(29));
  CHECK(in[30] == 0);

  sockaddr_in to{};
  to.sin_family = AF_INET;
  CHECK(wpu_sendto(t.s, out, 7, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == 7);
  c = t.rec.last();
  CHECK(c.fn == REC_SEND_TO);
  CHECK(c.buffer_count == 1);
  CHECK(c.len0 == 7);
  CHECK(c.arg == static_cast<int>(sizeof to));
  CHECK(c.has_thread_id == 1);

  sockaddr_in from{};
  int fromlen = sizeof from;
  CHECK(wpu_recvfrom(t.s, in, 9, 0, reinterpret_cast<sockaddr*>(&from), &fromlen) == 9);
  c = t.rec.last();
  CHECK(c.fn == REC_RECV_FROM);
  CHECK(c.len0 == 9);
  CHECK(c.arg == static_cast<int>(sizeof from));
  CHECK(from.sin_family == AF_INET);
  CHECK(fromlen == static_cast<int>(sizeof from));

  // WSASend/WSARecv pass the application's buffers and flags as they are.
  char b1[3], b2[4], b3[5];
  WSABUF bufs[3] = {{3, b1}, {4, b2}, {5, b3}};
  DWORD n = 0, flags = MSG_PEEK;
  CHECK(wpu_wsa_send(t.s, bufs, 3, &n, 0, nullptr, nullptr) == 0);
  CHECK(n == 12);
  c = t.rec.last();
  CHECK(c.buffer_count == 3);
  CHECK(c.len_total == 12);
  CHECK(wpu_wsa_recv(t.s, bufs, 3, &n, &flags, nullptr, nullptr) == 0);
  CHECK(n == 12);
  CHECK(b2[0] == REC_PATTERN(3));
  CHECK(t.rec.last().flags == MSG_PEEK);
  CHECK(wpu_wsa_send_to(t.s, bufs, 2, &n, 0, reinterpret_cast<sockaddr*>(&to), sizeof to, nullptr,
                        nullptr) == 0);
  CHECK(t.rec.last().fn == REC_SEND_TO);
  CHECK(t.rec.last().buffer_count == 2);
  flags = 0;
  CHECK(wpu_wsa_recv_from(t.s, bufs, 1, &n, &flags, nullptr, nullptr, nullptr, nullptr) == 0);
  CHECK(t.rec.last().fn == REC_RECV_FROM);
  CHECK(t.rec.last().arg == -1);
}

TEST_CASE("host: the socket calls without data reach their SPI functions unchanged") {
  routed_socket t;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  CHECK(wpu_bind(t.s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  CHECK(t.rec.last().fn == REC_BIND);
  CHECK(t.rec.last().arg == static_cast<int>(sizeof a));
  CHECK(wpu_listen(t.s, 17) == 0);
  CHECK(t.rec.last().fn == REC_LISTEN);
  CHECK(t.rec.last().arg == 17);
  CHECK(wpu_connect(t.s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  CHECK(t.rec.last().fn == REC_CONNECT);
  CHECK(wpu_wsa_connect(t.s, reinterpret_cast<sockaddr*>(&a), 12, nullptr, nullptr, nullptr,
                        nullptr) == 0);
  CHECK(t.rec.last().arg == 12);
  CHECK(wpu_shutdown(t.s, SD_SEND) == 0);
  CHECK(t.rec.last().fn == REC_SHUTDOWN);
  CHECK(t.rec.last().arg == SD_SEND);
  WSABUF none{0, nullptr};
  CHECK(wpu_wsa_send_disconnect(t.s, &none) == 0);
  CHECK(t.rec.last().fn == REC_SEND_DISCONNECT);
  CHECK(wpu_wsa_recv_disconnect(t.s, &none) == 0);
  CHECK(t.rec.last().fn == REC_RECV_DISCONNECT);

  sockaddr_in name{};
  int len = sizeof name;
  CHECK(wpu_getsockname(t.s, reinterpret_cast<sockaddr*>(&name), &len) == 0);
  CHECK(t.rec.last().fn == REC_GET_SOCK_NAME);
  CHECK(name.sin_family == AF_INET);
  len = 4;
  HOST_FAILS_WITH(wpu_getpeername(t.s, reinterpret_cast<sockaddr*>(&name), &len), SOCKET_ERROR,
                  WSAEFAULT);
  CHECK(t.rec.last().fn == REC_GET_PEER_NAME);
  CHECK(t.rec.last().arg == 4);

  // accept: the new socket is routed to the same entry.
  sockaddr_in peer{};
  int peerlen = sizeof peer;
  const SOCKET c = wpu_accept(t.s, reinterpret_cast<sockaddr*>(&peer), &peerlen);
  REQUIRE(c != INVALID_SOCKET);
  CHECK(t.rec.last().fn == REC_ACCEPT);
  CHECK(t.rec.last().s == t.s);
  CHECK(t.rec.last().handle == c);
  CHECK(catalog_id_of(c) == t.id);
  CHECK(wpu_send(c, "x", 1, 0) == 1);
  CHECK(t.rec.last().s == c);
  CHECK(wpu_wsa_accept(t.s, nullptr, nullptr, nullptr, 0) != INVALID_SOCKET);

  // Event and message selection.
  WSAEVENT ev = WSACreateEvent();
  REQUIRE(ev != WSA_INVALID_EVENT);
  CHECK(wpu_wsa_event_select(t.s, ev, FD_READ | FD_CLOSE) == 0);
  CHECK(t.rec.last().fn == REC_EVENT_SELECT);
  CHECK(t.rec.last().handle == reinterpret_cast<ULONG_PTR>(ev));
  CHECK(t.rec.last().events == (FD_READ | FD_CLOSE));
  WSANETWORKEVENTS ne{};
  CHECK(wpu_wsa_enum_network_events(t.s, ev, &ne) == 0);
  CHECK(t.rec.last().fn == REC_ENUM_NETWORK_EVENTS);
  CHECK(t.rec.last().handle == reinterpret_cast<ULONG_PTR>(ev));
  CHECK(ne.lNetworkEvents == FD_WRITE);
  const HWND hwnd = reinterpret_cast<HWND>(static_cast<ULONG_PTR>(0x1234));
  CHECK(wpu_wsa_async_select(t.s, hwnd, 0x401, FD_WRITE) == 0);
  CHECK(t.rec.last().fn == REC_ASYNC_SELECT);
  CHECK(t.rec.last().handle == 0x1234);
  CHECK(t.rec.last().arg == 0x401);
  CHECK(t.rec.last().events == FD_WRITE);
  CHECK(WSACloseEvent(ev));
}

TEST_CASE("host: ioctlsocket and WSAIoctl reach WSPIoctl (27, 56, 57)") {
  routed_socket t;
  ULONG arg = 1;
  CHECK(wpu_ioctlsocket(t.s, FIONBIO, &arg) == 0);
  rec_call c = t.rec.last();
  CHECK(c.fn == REC_IOCTL);
  CHECK(c.code == 0x8004667Eu);
  CHECK(c.len0 == 4);
  CHECK(c.len_total == 4);
  CHECK(c.in_value == 1);
  CHECK(c.has_overlapped == 0);
  arg = 0;
  CHECK(wpu_ioctlsocket(t.s, FIONREAD, &arg) == 0);
  CHECK(t.rec.last().code == 0x4004667Fu);
  CHECK(arg == 7);

  // SIO_GET_EXTENSION_FUNCTION_POINTER goes to the provider with the GUID,
  // and its pointer comes back unchanged.
  for (GUID g : extension_guids()) {
    void* fn = nullptr;
    DWORD got = 0;
    CHECK(wpu_wsa_ioctl(t.s, SIO_GET_EXTENSION_FUNCTION_POINTER, &g, sizeof g, &fn, sizeof fn, &got,
                        nullptr, nullptr) == 0);
    c = t.rec.last();
    CHECK(c.code == 0xC8000006u);
    CHECK(c.len0 == 16);
    CHECK(c.len_total == sizeof(void*));
    CHECK(got == sizeof(void*));
    CHECK(reinterpret_cast<ULONG_PTR>(fn) == REC_SENTINEL(g.Data1, 1));
  }
  GUID g = extension_guids()[0];
  void* fn = nullptr;
  DWORD got = 0;
  HOST_FAILS_WITH(wpu_wsa_ioctl(t.s, SIO_GET_EXTENSION_FUNCTION_POINTER, &g, sizeof g, &fn, 4, &got,
                                nullptr, nullptr),
                  SOCKET_ERROR, WSAEFAULT);
  CHECK(t.rec.last().len_total == 4);
}

TEST_CASE(
    "host: getsockopt/setsockopt reach the provider with Windows' values; SO_OPENTYPE does not "
    "(29)") {
  routed_socket t;
  int v = 0, len = sizeof v;
  CHECK(wpu_getsockopt(t.s, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&v), &len) == 0);
  rec_call c = t.rec.last();
  CHECK(c.fn == REC_GET_SOCK_OPT);
  CHECK(c.level == 0xFFFF);
  CHECK(c.optname == 0x1002);
  CHECK(c.len0 == sizeof v);
  CHECK(v == (0xFFFF ^ 0x1002));
  const int one = 1;
  CHECK(wpu_setsockopt(t.s, IPPROTO_TCP, 1, reinterpret_cast<const char*>(&one), sizeof one) == 0);
  c = t.rec.last();
  CHECK(c.fn == REC_SET_SOCK_OPT);
  CHECK(c.level == IPPROTO_TCP);
  CHECK(c.optname == 1);
  CHECK(c.in_value == 1);

  // SO_OPENTYPE: the host's, per thread; socket() makes non-overlapped
  // sockets while it is set.
  const int calls = t.rec.state().calls;
  len = sizeof v;
  v = -1;
  CHECK(wpu_getsockopt(INVALID_SOCKET, SOL_SOCKET, SO_OPENTYPE, reinterpret_cast<char*>(&v),
                       &len) == 0);
  CHECK(v == 0);
  const int nonalert = SO_SYNCHRONOUS_NONALERT;
  CHECK(wpu_setsockopt(INVALID_SOCKET, SOL_SOCKET, SO_OPENTYPE,
                       reinterpret_cast<const char*>(&nonalert), sizeof nonalert) == 0);
  CHECK(wpu_getsockopt(t.s, SOL_SOCKET, SO_OPENTYPE, reinterpret_cast<char*>(&v), &len) == 0);
  CHECK(v == SO_SYNCHRONOUS_NONALERT);
  CHECK(t.rec.state().calls == calls);  // none reached the provider
  // The other thread reports back; it runs no doctest macro (support.hpp).
  int other_rc = -1, other_type = -1;
  SOCKET other_socket = INVALID_SOCKET;
  std::thread([&] {
    int l = sizeof other_type;
    other_rc = wpu_getsockopt(INVALID_SOCKET, SOL_SOCKET, SO_OPENTYPE,
                              reinterpret_cast<char*>(&other_type), &l);
    other_socket = wpu_socket(AF_INET, SOCK_STREAM, 0);
  }).join();
  CHECK(other_rc == 0);
  CHECK(other_type == 0);  // another thread's is its own
  CHECK(other_socket != INVALID_SOCKET);
  CHECK(t.rec.last().fn == REC_SOCKET);
  CHECK(t.rec.last().flags == WSA_FLAG_OVERLAPPED);
  REQUIRE(wpu_socket(AF_INET, SOCK_STREAM, 0) != INVALID_SOCKET);
  CHECK(t.rec.last().flags == 0);
  len = 2;
  HOST_FAILS_WITH(wpu_getsockopt(t.s, SOL_SOCKET, SO_OPENTYPE, reinterpret_cast<char*>(&v), &len),
                  SOCKET_ERROR, WSAEFAULT);
  const int zero = 0;
  CHECK(wpu_setsockopt(t.s, SOL_SOCKET, SO_OPENTYPE, reinterpret_cast<const char*>(&zero),
                       sizeof zero) == 0);
  REQUIRE(wpu_socket(AF_INET, SOCK_STREAM, 0) != INVALID_SOCKET);
  CHECK(t.rec.last().flags == WSA_FLAG_OVERLAPPED);
}

TEST_CASE(
    "host: provider errors reach WSAGetLastError; none set gives WSASYSCALLFAILURE (30, 31)") {
  routed_socket t;
  char b[8] = {};
  t.rec.fail_next(REC_SEND, WSAECONNRESET);
  HOST_FAILS_WITH(wpu_send(t.s, b, 8, 0), SOCKET_ERROR, WSAECONNRESET);
  t.rec.fail_next(REC_RECV, WSAEWOULDBLOCK);
  HOST_FAILS_WITH(wpu_recv(t.s, b, 8, 0), SOCKET_ERROR, WSAEWOULDBLOCK);
  // The WSASYSCALLFAILURE rule, through several routes.
  const int fns[] = {REC_BIND,         REC_LISTEN,   REC_SEND,         REC_RECV,   REC_IOCTL,
                     REC_GET_SOCK_OPT, REC_SHUTDOWN, REC_EVENT_SELECT, REC_CONNECT};
  for (int fn : fns) {
    CAPTURE(fn);
    t.rec.fail_next(fn, 0);
    int rc = 0;
    ULONG arg = 0;
    int v = 0, len = sizeof v;
    switch (fn) {
      case REC_BIND:
        rc = wpu_bind(t.s, nullptr, 0);
        break;
      case REC_LISTEN:
        rc = wpu_listen(t.s, 1);
        break;
      case REC_SEND:
        rc = wpu_send(t.s, b, 1, 0);
        break;
      case REC_RECV:
        rc = wpu_recv(t.s, b, 1, 0);
        break;
      case REC_IOCTL:
        rc = wpu_ioctlsocket(t.s, FIONBIO, &arg);
        break;
      case REC_GET_SOCK_OPT:
        rc = wpu_getsockopt(t.s, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&v), &len);
        break;
      case REC_SHUTDOWN:
        rc = wpu_shutdown(t.s, SD_BOTH);
        break;
      case REC_EVENT_SELECT:
        rc = wpu_wsa_event_select(t.s, nullptr, 0);
        break;
      case REC_CONNECT:
        rc = wpu_connect(t.s, nullptr, 0);
        break;
      default:
        break;
    }
    CHECK(rc == SOCKET_ERROR);
    CHECK(WSAGetLastError() == WSASYSCALLFAILURE);
    CHECK(t.rec.last().fn == fn);
  }
  t.rec.fail_next(REC_ACCEPT, 0);
  HOST_FAILS_WITH(wpu_accept(t.s, nullptr, nullptr), INVALID_SOCKET, WSASYSCALLFAILURE);
  t.rec.fail_next(REC_SELECT, 0);
  wpu_ws_fd_set set{};
  set.fd_count = 1;
  set.fd_array[0] = t.s;
  HOST_FAILS_WITH(wpu_select(0, &set, nullptr, nullptr, nullptr), SOCKET_ERROR, WSASYSCALLFAILURE);

  // The last error is per thread (31). Each thread reads its own between
  // atomic hand-offs only: on Windows most system calls (thread creation,
  // TlsGetValue, ...) overwrite the calling thread's last error.
  std::atomic<int> step{0};
  int other_before = -1, other_after = -1;
  std::thread other([&] {
    while (step.load() != 1) std::this_thread::yield();
    other_before = WSAGetLastError();
    wpu_send(static_cast<SOCKET>(12345), b, 1, 0);  // unknown handle: WSAENOTSOCK here
    other_after = WSAGetLastError();
    step.store(2);
  });
  t.rec.fail_next(REC_SEND, WSAENETDOWN);
  const int rc = wpu_send(t.s, b, 1, 0);
  step.store(1);
  while (step.load() != 2) {
  }
  const int mine = WSAGetLastError();
  other.join();
  CHECK(rc == SOCKET_ERROR);
  CHECK(mine == WSAENETDOWN);
  CHECK(other_before != WSAENETDOWN);
  CHECK(other_after == WSAENOTSOCK);
}

TEST_CASE("host: closesocket reaches WSPCloseSocket; the handle is then unknown (28)") {
  routed_socket t;
  char b[1] = {};
  HOST_FAILS_WITH(wpu_send(static_cast<SOCKET>(987654), b, 1, 0), SOCKET_ERROR, WSAENOTSOCK);
  HOST_FAILS_WITH(wpu_closesocket(static_cast<SOCKET>(987654)), SOCKET_ERROR, WSAENOTSOCK);
  // A refused close keeps the socket routed.
  t.rec.fail_next(REC_CLOSE_SOCKET, WSAEWOULDBLOCK);
  HOST_FAILS_WITH(wpu_closesocket(t.s), SOCKET_ERROR, WSAEWOULDBLOCK);
  CHECK(catalog_id_of(t.s) == t.id);
  CHECK(wpu_closesocket(t.s) == 0);
  CHECK(t.rec.last().fn == REC_CLOSE_SOCKET);
  CHECK(t.rec.last().s == t.s);
  CHECK(t.rec.state().open_sockets == 0);
  const int calls = t.rec.state().calls;
  HOST_FAILS_WITH(wpu_send(t.s, b, 1, 0), SOCKET_ERROR, WSAENOTSOCK);
  HOST_FAILS_WITH(wpu_closesocket(t.s), SOCKET_ERROR, WSAENOTSOCK);
  CHECK(catalog_id_of(t.s) == 0);
  CHECK(t.rec.state().calls == calls);
}

TEST_CASE("host: closesocket during a blocked recv leaves the recv its route (33)") {
  routed_socket t;
  REQUIRE(t.rec.m.sym<rec_block_next_recv_fn>("rec_block_next_recv")() == 0);
  char data[32] = {};
  int got = 0;
  std::thread reader([&] { got = wpu_recv(t.s, data, 20, 0); });
  t.rec.m.sym<rec_wait_blocked_fn>("rec_wait_blocked")();
  // The recv is inside the provider; the socket is closed under it.
  CHECK(wpu_closesocket(t.s) == 0);
  char b[1] = {};
  HOST_FAILS_WITH(wpu_send(t.s, b, 1, 0), SOCKET_ERROR, WSAENOTSOCK);
  t.rec.m.sym<rec_release_fn>("rec_release")();
  reader.join();
  // What the provider answered reaches the application.
  CHECK(got == 20);
  CHECK(data[19] == REC_PATTERN(19));
}
