// Smoke test of the POSIX base provider (posix/tcpip/, wpu-tcpip.so)
// through wpu's host and the default catalog (WPU_CATALOG unset,
// WPU_TCPIP_PROVIDER the built module): one pass over each notification
// model, the extension functions, options, IPv6, cancelling by closesocket,
// and 1,000 connections on a completion port. The conformance suite of the
// base provider is tests/tcpip.cpp; this is the provider author's own check.
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include <wpu/ws2spi.h>
#include <wpu/winapi.h>
#include <wpu/winsock.h>

#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

// A combined condition, checked as one.
#define CHECK_ALL(...) CHECK(static_cast<bool>(__VA_ARGS__))

namespace {

struct started {
  started() {
    WSADATA d;
    REQUIRE(WSAStartup(MAKEWORD(2, 2), &d) == 0);
  }
  ~started() { WSACleanup(); }
};

sockaddr_in loop4(unsigned short port) {
  sockaddr_in a{};
  a.sin_family = 2;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(0x7f000001);
  return a;
}

SOCKET listener(sockaddr_in* a) {
  SOCKET l = socket(2, 1, 0);
  REQUIRE(l != INVALID_SOCKET);
  *a = loop4(0);
  REQUIRE(bind(l, (sockaddr*)a, sizeof *a) == 0);
  REQUIRE(listen(l, 16) == 0);
  int alen = sizeof *a;
  REQUIRE(getsockname(l, (sockaddr*)a, &alen) == 0);
  return l;
}

void connected_pair(SOCKET* c, SOCKET* s) {
  sockaddr_in a;
  SOCKET l = listener(&a);
  *c = socket(2, 1, 0);
  REQUIRE(connect(*c, (sockaddr*)&a, sizeof a) == 0);
  *s = accept(l, nullptr, nullptr);
  REQUIRE(*s != INVALID_SOCKET);
  closesocket(l);
}

std::atomic<int> routine_calls{0};
DWORD routine_bytes = 0, routine_err = 99;
void CALLBACK routine(DWORD err, DWORD bytes, LPWSAOVERLAPPED, DWORD) {
  routine_err = err;
  routine_bytes = bytes;
  ++routine_calls;
}

int CALLBACK condition(LPWSABUF caller, LPWSABUF, LPQOS, LPQOS, LPWSABUF callee, LPWSABUF, GROUP*,
                       DWORD_PTR verdict) {
  CHECK(caller != nullptr);
  CHECK(caller->len == 16);
  CHECK(callee != nullptr);
  CHECK(callee->len == 16);
  return static_cast<int>(verdict);
}

}  // namespace

TEST_CASE("tcpip: sockets come from the default catalog's wpu tcpip entries") {
  started st;
  SOCKET s = socket(2, 1, 0);
  REQUIRE(s != INVALID_SOCKET);
  WSAPROTOCOL_INFOW pi;
  int len = sizeof pi;
  REQUIRE(getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOW, (char*)&pi, &len) == 0);
  CHECK(pi.ProviderId.Data1 == 0x6A3F2C10u);
  CHECK(pi.iProtocol == 6);
  DWORD id = 0;
  CHECK(wpu_socket_catalog_id(s, &id) == 0);
  CHECK(id == pi.dwCatalogEntryId);
  closesocket(s);
}

TEST_CASE("tcpip: blocking and non-blocking TCP, closesocket interrupting a blocked recv") {
  started st;
  SOCKET c, s;
  connected_pair(&c, &s);
  char buf[64];
  CHECK(send(c, "hello", 5, 0) == 5);
  CHECK(recv(s, buf, sizeof buf, 0) == 5);
  ULONG one = 1;
  CHECK(ioctlsocket(s, FIONBIO, &one) == 0);
  CHECK(recv(s, buf, sizeof buf, 0) == SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSAEWOULDBLOCK);
  std::thread t([&] {
    SleepEx(100, FALSE);
    closesocket(c);
  });
  CHECK(recv(c, buf, sizeof buf, 0) == SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSAEINTR);
  t.join();
  closesocket(s);
}

TEST_CASE("tcpip: closesocket on another thread ends a blocked select with WSAEINTR") {
  started st;
  SOCKET c, s;
  connected_pair(&c, &s);
  std::thread t([&] {
    SleepEx(100, FALSE);
    closesocket(s);
  });
  wpu_ws_fd_set r{};
  r.fd_count = 1;
  r.fd_array[0] = s;
  timeval tv{5, 0};
  CHECK(select(0, &r, nullptr, nullptr, &tv) == SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSAEINTR);
  t.join();
  closesocket(c);
}

TEST_CASE("tcpip: UDP, WSAEMSGSIZE, overlapped with an event, abort by closesocket") {
  started st;
  char buf[64];
  SOCKET u1 = socket(2, 2, 0), u2 = socket(2, 2, 0);
  sockaddr_in ua = loop4(0);
  REQUIRE(bind(u1, (sockaddr*)&ua, sizeof ua) == 0);
  int alen = sizeof ua;
  REQUIRE(getsockname(u1, (sockaddr*)&ua, &alen) == 0);
  CHECK(recv(u2, buf, 1, 0) == SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSAEINVAL);  // unbound
  CHECK(sendto(u2, "datagram!", 9, 0, (sockaddr*)&ua, sizeof ua) == 9);
  sockaddr_in from{};
  int flen = sizeof from;
  CHECK(recvfrom(u1, buf, 4, 0, (sockaddr*)&from, &flen) == SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSAEMSGSIZE);
  WSAOVERLAPPED ov{};
  ov.hEvent = WSACreateEvent();
  WSABUF b{sizeof buf, buf};
  DWORD got = 0, fl = 0;
  CHECK(WSARecv(u1, &b, 1, &got, &fl, &ov, nullptr) == SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSA_IO_PENDING);
  CHECK(sendto(u2, "abc", 3, 0, (sockaddr*)&ua, sizeof ua) == 3);
  CHECK(WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 2000, FALSE) == WSA_WAIT_EVENT_0);
  CHECK(WSAGetOverlappedResult(u1, &ov, &got, FALSE, &fl));
  CHECK(got == 3);
  CHECK(WSARecv(u1, &b, 1, &got, &fl, &ov, nullptr) == SOCKET_ERROR);
  CHECK(WSAGetLastError() == WSA_IO_PENDING);
  CHECK(closesocket(u1) == 0);
  CHECK(WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 2000, FALSE) == WSA_WAIT_EVENT_0);
  CHECK(ov.Internal == WSA_OPERATION_ABORTED);
  WSACloseEvent(ov.hEvent);
  closesocket(u2);
}

TEST_CASE("tcpip: select on read and write sets") {
  started st;
  char buf[256];
  SOCKET c, s;
  connected_pair(&c, &s);
  wpu_ws_fd_set r{};
  r.fd_count = 1;
  r.fd_array[0] = s;
  timeval tv{0, 1000};
  CHECK(select(0, &r, nullptr, nullptr, &tv) == 0);
  CHECK(send(c, "abc", 3, 0) == 3);
  r.fd_count = 1;
  r.fd_array[0] = s;
  wpu_ws_fd_set w{};
  w.fd_count = 1;
  w.fd_array[0] = c;
  tv = {1, 0};
  int n = select(0, &r, &w, nullptr, &tv);
  CHECK_ALL(n == 2 && r.fd_count == 1 && w.fd_count == 1);
  CHECK(recv(s, buf, 3, 0) == 3);
  closesocket(c);
  closesocket(s);
}

TEST_CASE(
    "tcpip: non-blocking connect, FD_CONNECT + FD_WRITE, a refused connect in exceptfds and "
    "SO_ERROR") {
  started st;
  sockaddr_in a;
  SOCKET l = listener(&a);
  SOCKET c = socket(2, 1, 0);
  WSAEVENT ev = WSACreateEvent();
  CHECK(WSAEventSelect(c, ev, FD_CONNECT | FD_WRITE | FD_READ) == 0);
  int r = connect(c, (sockaddr*)&a, sizeof a);
  CHECK_ALL(r == SOCKET_ERROR && WSAGetLastError() == WSAEWOULDBLOCK);
  CHECK(WSAWaitForMultipleEvents(1, &ev, FALSE, 2000, FALSE) == 0);
  SleepEx(50, FALSE);
  WSANETWORKEVENTS ne{};
  CHECK(WSAEnumNetworkEvents(c, ev, &ne) == 0);
  CHECK(ne.iErrorCode[FD_CONNECT_BIT] == 0);
  CHECK((ne.lNetworkEvents & (FD_CONNECT | FD_WRITE)) == (FD_CONNECT | FD_WRITE));
  r = connect(c, (sockaddr*)&a, sizeof a);
  CHECK_ALL(r == SOCKET_ERROR && WSAGetLastError() == WSAEISCONN);
  closesocket(c);
  closesocket(l);
  WSACloseEvent(ev);
  // refused
  c = socket(2, 1, 0);
  ULONG one = 1;
  ioctlsocket(c, FIONBIO, &one);
  r = connect(c, (sockaddr*)&a, sizeof a);
  CHECK_ALL(r == SOCKET_ERROR && WSAGetLastError() == WSAEWOULDBLOCK);
  wpu_ws_fd_set x{};
  x.fd_count = 1;
  x.fd_array[0] = c;
  wpu_ws_fd_set w{};
  w.fd_count = 1;
  w.fd_array[0] = c;
  timeval tv{2, 0};
  CHECK_ALL(select(0, nullptr, &w, &x, &tv) == 1 && x.fd_count == 1 && w.fd_count == 0);
  int err = 0, elen = sizeof err;
  CHECK_ALL(getsockopt(c, SOL_SOCKET, SO_ERROR, (char*)&err, &elen) == 0 && err == WSAECONNREFUSED);
  closesocket(c);
  // blocking refused
  c = socket(2, 1, 0);
  CHECK_ALL(connect(c, (sockaddr*)&a, sizeof a) == SOCKET_ERROR &&
            WSAGetLastError() == WSAECONNREFUSED);
  closesocket(c);
}

TEST_CASE("tcpip: WSAAccept condition function (CF_REJECT resets the caller, CF_ACCEPT)") {
  started st;
  char buf[256];
  sockaddr_in a;
  SOCKET l = listener(&a);
  SOCKET c = socket(2, 1, 0);
  CHECK(connect(c, (sockaddr*)&a, sizeof a) == 0);
  CHECK_ALL(WSAAccept(l, nullptr, nullptr, condition, CF_REJECT) == INVALID_SOCKET &&
            WSAGetLastError() == WSAECONNREFUSED);
  int r = recv(c, buf, 1, 0);
  CHECK_ALL(r == SOCKET_ERROR && WSAGetLastError() == WSAECONNRESET);
  closesocket(c);
  c = socket(2, 1, 0);
  CHECK(connect(c, (sockaddr*)&a, sizeof a) == 0);
  SOCKET s = WSAAccept(l, nullptr, nullptr, condition, CF_ACCEPT);
  CHECK(s != INVALID_SOCKET);
  closesocket(s);
  closesocket(c);
  closesocket(l);
}

TEST_CASE("tcpip: WSAAsyncSelect posts FD_READ then FD_CLOSE with the socket as wParam") {
  started st;
  char buf[256];
  SOCKET c, s;
  connected_pair(&c, &s);
  HWND hwnd = nullptr;
  WNDCLASSW wc{};
  wc.lpfnWndProc = DefWindowProcW;
  wc.lpszClassName = u"smoke";
  RegisterClassW(&wc);
  hwnd = CreateWindowExW(0, u"smoke", u"", 0, 0, 0, 0, 0, nullptr, nullptr, nullptr, nullptr);
  CHECK(hwnd != nullptr);
  CHECK(WSAAsyncSelect(s, hwnd, 0x500, FD_READ | FD_CLOSE) == 0);
  CHECK(send(c, "hi", 2, 0) == 2);
  MSG m{};
  CHECK(GetMessageW(&m, hwnd, 0, 0) > 0);
  CHECK_ALL(m.message == 0x500 && m.wParam == s && WSAGETSELECTEVENT(m.lParam) == FD_READ);
  CHECK(recv(s, buf, sizeof buf, 0) == 2);
  closesocket(c);
  CHECK(GetMessageW(&m, hwnd, 0, 0) > 0);
  CHECK(WSAGETSELECTEVENT(m.lParam) == FD_CLOSE);
  closesocket(s);
  DestroyWindow(hwnd);
}

TEST_CASE("tcpip: completion routines run in the issuing thread's alertable wait") {
  started st;
  char buf[256];
  SOCKET c, s;
  connected_pair(&c, &s);
  WSAOVERLAPPED ov{};
  WSABUF b{sizeof buf, buf};
  DWORD fl = 0;
  CHECK_ALL(WSARecv(s, &b, 1, nullptr, &fl, &ov, routine) == SOCKET_ERROR &&
            WSAGetLastError() == WSA_IO_PENDING);
  CHECK(send(c, "12345", 5, 0) == 5);
  DWORD r = SleepEx(2000, TRUE);
  CHECK_ALL(r == WAIT_IO_COMPLETION && routine_calls == 1 && routine_bytes == 5 &&
            routine_err == 0);
  // completion routine on send that completes at once still runs
  WSABUF sb{3, (char*)"xyz"};
  DWORD sent = 0;
  CHECK_ALL(WSASend(c, &sb, 1, &sent, 0, &ov, routine) == 0 && sent == 3);
  CHECK_ALL(SleepEx(2000, TRUE) == WAIT_IO_COMPLETION && routine_calls == 2);
  closesocket(c);
  closesocket(s);
}

TEST_CASE("tcpip: a completion port gets one packet per request, and 995 once for a closesocket") {
  started st;
  char buf[256];
  SOCKET c, s;
  connected_pair(&c, &s);
  HANDLE port = CreateIoCompletionPort((HANDLE)(intptr_t)s, nullptr, 42, 0);
  CHECK(port != nullptr);
  WSAOVERLAPPED ov{};
  WSABUF b{sizeof buf, buf};
  DWORD fl = 0;
  CHECK_ALL(WSARecv(s, &b, 1, nullptr, &fl, &ov, nullptr) == SOCKET_ERROR &&
            WSAGetLastError() == WSA_IO_PENDING);
  CHECK(send(c, "port!", 5, 0) == 5);
  DWORD bytes = 0;
  ULONG_PTR key = 0;
  LPOVERLAPPED got = nullptr;
  CHECK(GetQueuedCompletionStatus(port, &bytes, &key, &got, 2000));
  CHECK_ALL(bytes == 5 && key == 42 && got == &ov);
  // abort by close: exactly one packet with 995
  CHECK_ALL(WSARecv(s, &b, 1, nullptr, &fl, &ov, nullptr) == SOCKET_ERROR &&
            WSAGetLastError() == WSA_IO_PENDING);
  closesocket(s);
  BOOL ok = GetQueuedCompletionStatus(port, &bytes, &key, &got, 2000);
  CHECK_ALL(!ok && GetLastError() == 995 && got == &ov);
  CHECK_ALL(!GetQueuedCompletionStatus(port, &bytes, &key, &got, 100) && got == nullptr);
  closesocket(c);
  CloseHandle(port);
}

TEST_CASE(
    "tcpip: AcceptEx, ConnectEx, GetAcceptExSockaddrs, TransmitFile, "
    "DisconnectEx(TF_REUSE_SOCKET)") {
  started st;
  sockaddr_in a;
  SOCKET l = listener(&a);
  GUID g1 = WSAID_ACCEPTEX, g2 = WSAID_CONNECTEX, g3 = WSAID_GETACCEPTEXSOCKADDRS,
       g4 = WSAID_TRANSMITFILE, g5 = WSAID_DISCONNECTEX;
  LPFN_ACCEPTEX acceptex;
  LPFN_CONNECTEX connectex;
  LPFN_GETACCEPTEXSOCKADDRS gaes;
  LPFN_TRANSMITFILE tf;
  LPFN_DISCONNECTEX dx;
  DWORD n = 0;
  CHECK_ALL(WSAIoctl(l, SIO_GET_EXTENSION_FUNCTION_POINTER, &g1, sizeof g1, &acceptex,
                     sizeof acceptex, &n, nullptr, nullptr) == 0 &&
            n == 8);
  CHECK(WSAIoctl(l, SIO_GET_EXTENSION_FUNCTION_POINTER, &g2, sizeof g2, &connectex,
                 sizeof connectex, &n, nullptr, nullptr) == 0);
  CHECK(WSAIoctl(l, SIO_GET_EXTENSION_FUNCTION_POINTER, &g3, sizeof g3, &gaes, sizeof gaes, &n,
                 nullptr, nullptr) == 0);
  CHECK(WSAIoctl(l, SIO_GET_EXTENSION_FUNCTION_POINTER, &g4, sizeof g4, &tf, sizeof tf, &n, nullptr,
                 nullptr) == 0);
  CHECK(WSAIoctl(l, SIO_GET_EXTENSION_FUNCTION_POINTER, &g5, sizeof g5, &dx, sizeof dx, &n, nullptr,
                 nullptr) == 0);
  SOCKET as = socket(2, 1, 0);
  char out[64 + 2 * 32];
  WSAOVERLAPPED aov{};
  aov.hEvent = WSACreateEvent();
  DWORD got = 0;
  BOOL r = acceptex(l, as, out, 5, 32, 32, &got, &aov);
  CHECK_ALL(!r && WSAGetLastError() == WSA_IO_PENDING);
  SOCKET c = socket(2, 1, 0);
  sockaddr_in any = loop4(0);
  CHECK(bind(c, (sockaddr*)&any, sizeof any) == 0);
  WSAOVERLAPPED cov{};
  cov.hEvent = WSACreateEvent();
  r = connectex(c, (sockaddr*)&a, sizeof a, (void*)"first", 5, &got, &cov);
  CHECK_ALL(r || WSAGetLastError() == WSA_IO_PENDING);
  DWORD fl = 0;
  CHECK_ALL(WSAGetOverlappedResult(c, &cov, &got, TRUE, &fl) && got == 5);
  CHECK_ALL(WSAGetOverlappedResult(l, &aov, &got, TRUE, &fl) && got == 5);
  CHECK(std::memcmp(out, "first", 5) == 0);
  sockaddr* la;
  sockaddr* ra;
  int lal, ral;
  gaes(out, 5, 32, 32, &la, &lal, &ra, &ral);
  CHECK_ALL(lal == 16 && ral == 16 && la->sa_family == 2 &&
            ((sockaddr_in*)ra)->sin_addr.s_addr == htonl(0x7f000001));
  CHECK(setsockopt(as, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, (char*)&l, sizeof l) == 0);
  CHECK(setsockopt(c, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0) == 0);
  sockaddr_in pn{};
  int pl = sizeof pn;
  CHECK(getpeername(as, (sockaddr*)&pn, &pl) == 0);
  // TransmitFile
  char path[] = "/tmp/wpu-tcpip-smoke-XXXXXX";
  int fd = mkstemp(path);
  CHECK(write(fd, "0123456789", 10) == 10);
  TRANSMIT_FILE_BUFFERS tb{(void*)"<", 1, (void*)">", 1};
  WSAOVERLAPPED tov{};
  tov.hEvent = WSACreateEvent();
  tov.Offset = 2;
  r = tf(as, (HANDLE)(intptr_t)fd, 0, 0, &tov, &tb, 0);
  CHECK_ALL(r || WSAGetLastError() == WSA_IO_PENDING);
  CHECK_ALL(WSAGetOverlappedResult(as, &tov, &got, TRUE, &fl) && got == 10);
  char rb[32] = {};
  int rn = 0;
  while (rn < 10) {
    int k = recv(c, rb + rn, sizeof rb - rn, 0);
    if (k <= 0) break;
    rn += k;
  }
  CHECK_ALL(rn == 10 && std::memcmp(rb, "<23456789>", 10) == 0);
  close(fd);
  unlink(path);
  // DisconnectEx with reuse, then AcceptEx again into the same socket
  CHECK(dx(as, nullptr, TF_REUSE_SOCKET, 0));
  CHECK(recv(c, rb, sizeof rb, 0) == 0);
  closesocket(c);
  r = acceptex(l, as, out, 0, 32, 32, &got, &aov);
  CHECK_ALL(!r && WSAGetLastError() == WSA_IO_PENDING);
  c = socket(2, 1, 0);
  CHECK(connect(c, (sockaddr*)&a, sizeof a) == 0);
  CHECK_ALL(WSAGetOverlappedResult(l, &aov, &got, TRUE, &fl) && got == 0);
  CHECK_ALL(send(c, "z", 1, 0) == 1 && recv(as, rb, 1, 0) == 1 && rb[0] == 'z');
  // pending AcceptEx aborted by closing the listener
  SOCKET as2 = socket(2, 1, 0);
  r = acceptex(l, as2, out, 0, 32, 32, &got, &aov);
  CHECK_ALL(!r && WSAGetLastError() == WSA_IO_PENDING);
  closesocket(l);
  CHECK_ALL(!WSAGetOverlappedResult(as2, &aov, &got, TRUE, &fl) && WSAGetLastError() == 995);
  closesocket(as2);
  closesocket(as);
  closesocket(c);
  CHECK(WSACloseEvent(aov.hEvent));
  CHECK(WSACloseEvent(cov.hEvent));
  CHECK(WSACloseEvent(tov.hEvent));
}

TEST_CASE("tcpip: WSASendMsg and WSARecvMsg with IP_PKTINFO in Windows' layout") {
  started st;
  char buf[256];
  SOCKET u1 = socket(2, 2, 0), u2 = socket(2, 2, 0);
  sockaddr_in ua = loop4(0);
  CHECK(bind(u1, (sockaddr*)&ua, sizeof ua) == 0);
  int alen = sizeof ua;
  getsockname(u1, (sockaddr*)&ua, &alen);
  DWORD on = 1;
  CHECK(setsockopt(u1, IPPROTO_IP, IP_PKTINFO, (char*)&on, sizeof on) == 0);
  GUID gr = WSAID_WSARECVMSG, gs = WSAID_WSASENDMSG;
  LPFN_WSARECVMSG rm;
  LPFN_WSASENDMSG sm;
  DWORD n;
  CHECK(WSAIoctl(u1, SIO_GET_EXTENSION_FUNCTION_POINTER, &gr, sizeof gr, &rm, sizeof rm, &n,
                 nullptr, nullptr) == 0);
  CHECK(WSAIoctl(u2, SIO_GET_EXTENSION_FUNCTION_POINTER, &gs, sizeof gs, &sm, sizeof sm, &n,
                 nullptr, nullptr) == 0);
  WSABUF sb{4, (char*)"ping"};
  WSAMSG smsg{};
  smsg.name = (sockaddr*)&ua;
  smsg.namelen = sizeof ua;
  smsg.lpBuffers = &sb;
  smsg.dwBufferCount = 1;
  DWORD sent = 0;
  CHECK_ALL(sm(u2, &smsg, 0, &sent, nullptr, nullptr) == 0 && sent == 4);
  char ctl[128];
  sockaddr_in from{};
  WSABUF rb{sizeof buf, buf};
  WSAMSG rmsg{};
  rmsg.name = (sockaddr*)&from;
  rmsg.namelen = sizeof from;
  rmsg.lpBuffers = &rb;
  rmsg.dwBufferCount = 1;
  rmsg.Control.buf = ctl;
  rmsg.Control.len = sizeof ctl;
  DWORD got = 0;
  CHECK_ALL(rm(u1, &rmsg, &got, nullptr, nullptr) == 0 && got == 4);
  WSACMSGHDR* h = (WSACMSGHDR*)ctl;
  CHECK_ALL(rmsg.Control.len >= sizeof(WSACMSGHDR) && h->cmsg_level == 0 &&
            h->cmsg_type == IP_PKTINFO);
  wpu_ws_in_pktinfo pi;
  std::memcpy(&pi, ctl + 16, sizeof pi);
  CHECK(pi.ipi_addr.s_addr == htonl(0x7f000001));
  closesocket(u1);
  closesocket(u2);
}

TEST_CASE("tcpip: options with Windows' levels, names and values; FIONREAD; unknown ioctl") {
  started st;
  char buf[256];
  SOCKET c, s;
  connected_pair(&c, &s);
  linger lg{1, 7};
  int len = sizeof lg;
  CHECK(setsockopt(c, SOL_SOCKET, SO_LINGER, (char*)&lg, sizeof lg) == 0);
  linger lg2{};
  CHECK_ALL(getsockopt(c, SOL_SOCKET, SO_LINGER, (char*)&lg2, &len) == 0 && len == 4 &&
            lg2.l_onoff == 1 && lg2.l_linger == 7);
  DWORD ttl = 33;
  len = sizeof ttl;
  CHECK(setsockopt(c, IPPROTO_IP, IP_TTL, (char*)&ttl, sizeof ttl) == 0);
  ttl = 0;
  CHECK_ALL(getsockopt(c, IPPROTO_IP, IP_TTL, (char*)&ttl, &len) == 0 && ttl == 33);
  int v = 0;
  len = sizeof v;
  CHECK_ALL(getsockopt(c, SOL_SOCKET, SO_TYPE, (char*)&v, &len) == 0 && v == 1);
  CHECK_ALL(getsockopt(c, SOL_SOCKET, 0x7777, (char*)&v, &len) == SOCKET_ERROR &&
            WSAGetLastError() == WSAENOPROTOOPT);
  WSAPROTOCOL_INFOW pi;
  len = sizeof pi;
  CHECK_ALL(getsockopt(c, SOL_SOCKET, SO_PROTOCOL_INFOW, (char*)&pi, &len) == 0 &&
            pi.iProtocol == 6);
  DWORD to = 200;
  CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char*)&to, sizeof to) == 0);
  CHECK_ALL(recv(s, buf, 1, 0) == SOCKET_ERROR && WSAGetLastError() == WSAETIMEDOUT);
  ULONG avail = 0;
  CHECK(send(c, "abc", 3, 0) == 3);
  SleepEx(20, FALSE);
  CHECK_ALL(ioctlsocket(s, FIONREAD, &avail) == 0 && avail == 3);
  CHECK_ALL(WSAIoctl(s, 0x12345678, nullptr, 0, nullptr, 0, (DWORD*)&avail, nullptr, nullptr) ==
                SOCKET_ERROR &&
            WSAGetLastError() == WSAEINVAL);
  closesocket(c);
  closesocket(s);
}

TEST_CASE("tcpip: IPv6 with Winsock's AF_INET6 = 23 both ways, IPV6_V6ONLY on by default") {
  started st;
  SOCKET l = socket(23, 1, 0);
  CHECK(l != INVALID_SOCKET);
  unsigned char sa6[28] = {};
  sa6[0] = 23;
  sa6[23] = 1;  // [::1]:0
  CHECK(bind(l, (sockaddr*)sa6, 28) == 0);
  CHECK(listen(l, 1) == 0);
  int len = 28;
  CHECK_ALL(getsockname(l, (sockaddr*)sa6, &len) == 0 && len == 28 &&
            ((sockaddr*)sa6)->sa_family == 23);
  SOCKET c = socket(23, 1, 0);
  CHECK(connect(c, (sockaddr*)sa6, 28) == 0);
  unsigned char p6[28];
  len = 28;
  SOCKET s = accept(l, (sockaddr*)p6, &len);
  CHECK_ALL(s != INVALID_SOCKET && len == 28 && ((sockaddr*)p6)->sa_family == 23);
  DWORD v6 = 0;
  len = 4;
  CHECK_ALL(getsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, (char*)&v6, &len) == 0 && v6 == 1);
  closesocket(s);
  closesocket(c);
  closesocket(l);
}

TEST_CASE("tcpip: 1,000 connections echo through a completion port; a reset mid-transfer") {
  started st;
  const int n = 1000;
  sockaddr_in a;
  SOCKET l = listener(&a);
  REQUIRE(listen(l, 2048) == 0);
  std::vector<SOCKET> cs(n), ss(n);
  HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 0);
  REQUIRE(port != nullptr);
  struct ctx {
    WSAOVERLAPPED ov;
    char buf[128];
    WSABUF b;
  };
  std::vector<ctx> cx(n);
  std::atomic<int> accept_failures{0};
  std::thread acceptor([&] {
    for (int i = 0; i < n; ++i) {
      ss[i] = accept(l, nullptr, nullptr);
      if (ss[i] == INVALID_SOCKET ||
          CreateIoCompletionPort((HANDLE)(intptr_t)ss[i], port, i, 0) != port) {
        ++accept_failures;
        return;
      }
      cx[i].b = WSABUF{sizeof cx[i].buf, cx[i].buf};
      std::memset(&cx[i].ov, 0, sizeof cx[i].ov);
      DWORD fl = 0;
      if (WSARecv(ss[i], &cx[i].b, 1, nullptr, &fl, &cx[i].ov, nullptr) != 0 &&
          WSAGetLastError() != WSA_IO_PENDING)
        ++accept_failures;
    }
  });
  for (int i = 0; i < n; ++i) {
    cs[i] = socket(2, 1, 0);
    REQUIRE(connect(cs[i], (sockaddr*)&a, sizeof a) == 0);
  }
  acceptor.join();
  REQUIRE(accept_failures == 0);
  char msg[100];
  std::memset(msg, 'm', sizeof msg);
  for (int i = 0; i < n; ++i) REQUIRE(send(cs[i], msg, 100, 0) == 100);
  for (int got = 0; got < n; ++got) {
    DWORD bytes = 0;
    ULONG_PTR key = 0;
    LPOVERLAPPED ov = nullptr;
    REQUIRE(GetQueuedCompletionStatus(port, &bytes, &key, &ov, 5000));
    REQUIRE(bytes == 100);
    REQUIRE(ov == &cx[key].ov);
    REQUIRE(send(ss[key], cx[key].buf, bytes, 0) == 100);
  }
  char buf[200];
  for (int i = 0; i < n; ++i) {
    int k = 0;
    while (k < 100) {
      const int r = recv(cs[i], buf, sizeof buf, 0);
      if (r <= 0) break;
      k += r;
    }
    REQUIRE(k == 100);
  }
  // The server end resets the first connection; the client sees it.
  linger z{1, 0};
  CHECK(setsockopt(ss[0], SOL_SOCKET, SO_LINGER, (char*)&z, sizeof z) == 0);
  CHECK(closesocket(ss[0]) == 0);
  ss[0] = INVALID_SOCKET;
  SleepEx(50, FALSE);
  int r = 0, e = 0;
  for (int k = 0; k < 100 && r != SOCKET_ERROR; ++k) {
    r = send(cs[0], msg, 100, 0);
    e = WSAGetLastError();
  }
  if (r != SOCKET_ERROR) {
    r = recv(cs[0], buf, 1, 0);
    e = WSAGetLastError();
  }
  CHECK(r == SOCKET_ERROR);
  CHECK(e == WSAECONNRESET);
  for (int i = 0; i < n; ++i) {
    closesocket(cs[i]);
    if (ss[i] != INVALID_SOCKET) closesocket(ss[i]);
  }
  closesocket(l);
  CloseHandle(port);
}
