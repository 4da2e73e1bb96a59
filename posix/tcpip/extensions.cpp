// posix/tcpip/extensions.cpp - "wpu tcpip": the Microsoft extension
// functions SIO_GET_EXTENSION_FUNCTION_POINTER returns (extension_function:
// AcceptEx, GetAcceptExSockaddrs, ConnectEx, DisconnectEx, TransmitFile,
// WSARecvMsg, WSASendMsg), the helpers they share, AcceptEx and
// GetAcceptExSockaddrs, and ConnectEx. DisconnectEx and TransmitFile are in
// extensions_transmit.cpp, WSARecvMsg and WSASendMsg in extensions_msg.cpp.
//
// The extension functions report errors as Windows' do: FALSE or
// SOCKET_ERROR with the calling thread's last error (WSASetLastError), and
// ERROR_IO_PENDING (WSA_IO_PENDING) for an overlapped request that waits.
// Invariants: AcceptEx's accepted socket takes the connection under its own
// SOCKET value (dup3 over its fd, with its mutex held, its reactor
// descriptor released first); a request that waits sits in the listening or
// connecting socket's queue and completes on the reactor thread. Any thread.
#include "extensions.hpp"

#include <wpu/errno_map.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wpu_tcpip {

// The failure of an extension function: `e` becomes the thread's last
// error; fail_last returns FALSE (the BOOL functions), msg_fail_last
// SOCKET_ERROR (WSARecvMsg / WSASendMsg). The calling thread.
bool fail_last(int e) noexcept {
  wpu_wsa_set_last_error(e);
  return false;
}

int msg_fail_last(int e) noexcept {
  wpu_wsa_set_last_error(e);
  return SOCKET_ERROR;
}

// A fresh unconnected fd of the socket's kind, Windows' defaults applied.
int fresh_fd(const sock& k) noexcept {
  int fd = ::socket(k.family, k.type | SOCK_NONBLOCK | SOCK_CLOEXEC, k.protocol);
  if (fd >= 0) socket_defaults(fd, k.family, k.type);
  return fd;
}

// Makes `k` refer to the connection (or fresh socket) `fd`, keeping its
// SOCKET value: dup3 over the old fd. With k.m held.
void replace_fd(sock& k, int fd) noexcept {
  if (k.desc != nullptr) {
    boost::system::error_code ec;
    k.desc->cancel(ec);
    (void)k.desc->release();
    k.desc.reset();
    ++k.desc_gen;
    k.read_armed = k.write_armed = k.except_armed = false;
  }
  (void)::dup3(fd, k.fd, O_CLOEXEC);
  ::close(fd);
}

// Runs an extension function's request: at once, or queued as overlapped.
// TRUE when it finished successfully at once (the completion is posted too),
// FALSE with WSA_IO_PENDING or the error.
bool run_ext(const use& u, op_ptr o, LPDWORD done, bool reads) {
  sock& s = *u;
  o->reads = reads;
  std::unique_lock<std::mutex> lock(s.m);
  auto& q = reads ? s.read_q : s.write_q;
  begin_overlapped(o->ov);
  bool finished = q.empty() && o->step(s);
  if (!finished) {
    q.push_back(std::move(o));
    update_watch(s);
    return fail_last(WSA_IO_PENDING);
  }
  if (o->handed_off) return fail_last(WSA_IO_PENDING);
  lock.unlock();
  if (o->error != 0) {
    __atomic_store_n(&o->ov->Internal, static_cast<ULONG_PTR>(o->error), __ATOMIC_RELEASE);
    return fail_last(static_cast<int>(o->error));
  }
  if (done != nullptr) *done = o->bytes;
  deliver(s.fd, *o);
  return true;
}

// ---- AcceptEx -------------------------------------------------------------

namespace {

// Where AcceptEx writes an address inside its area of the output buffer
// (and GetAcceptExSockaddrs finds it): the area's first 8-aligned byte, so
// the sockaddr the client reads is aligned. The 16 spare bytes the area
// must have cover the padding.
char* address_slot(char* area) noexcept {
  return reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(area) + 7) &
                                 ~static_cast<uintptr_t>(7));
}

// Receives AcceptEx's first data on the accepted socket.
struct accept_recv_op : op {
  char* buf = nullptr;
  DWORD len = 0;
  bool step(sock& s) override {
    const ssize_t n = ::recv(s.fd, buf, len, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return false;
      error = static_cast<DWORD>(sock_error(s, errno));
      return true;
    }
    bytes = static_cast<DWORD>(n);
    return true;
  }
};

struct accept_op : op {
  sock_ptr target;
  char* buf = nullptr;
  DWORD rxlen = 0, llen = 0, rlen = 0;

  bool step(sock& ls) override {
    sock& a = *target;
    if (a.closed.load()) {
      error = WSA_OPERATION_ABORTED;
      return true;
    }
    const int fd = ::accept4(ls.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) return false;
      error = static_cast<DWORD>(wpu::wsa_from_errno(errno));
      return true;
    }
    std::lock_guard<std::mutex> lock(a.m);
    replace_fd(a, fd);
    a.state = conn_state::connected;
    a.connected_at = std::chrono::steady_clock::now();
    a.bound = true;
    sockaddr_storage local{}, peer{};
    socklen_t llen_ = sizeof local, plen = sizeof peer;
    (void)::getsockname(a.fd, reinterpret_cast<sockaddr*>(&local), &llen_);
    (void)::getpeername(a.fd, reinterpret_cast<sockaddr*>(&peer), &plen);
    char* larea = buf + rxlen;
    char* rarea = buf + rxlen + llen;
    int l1 = static_cast<int>(llen - (address_slot(larea) - larea));
    int l2 = static_cast<int>(rlen - (address_slot(rarea) - rarea));
    std::memset(larea, 0, llen);
    std::memset(rarea, 0, rlen);
    (void)sockaddr_to_ws(local, llen_, reinterpret_cast<sockaddr*>(address_slot(larea)), &l1);
    (void)sockaddr_to_ws(peer, plen, reinterpret_cast<sockaddr*>(address_slot(rarea)), &l2);
    if (rxlen == 0) return true;
    const ssize_t n = ::recv(a.fd, buf, rxlen, MSG_DONTWAIT);
    if (n >= 0) {
      bytes = static_cast<DWORD>(n);
      return true;
    }
    if (errno != EAGAIN) {
      error = static_cast<DWORD>(sock_error(a, errno));
      return true;
    }
    // The first data has not arrived: the accepted socket finishes the request.
    auto r = std::make_unique<accept_recv_op>();
    r->buf = buf;
    r->len = rxlen;
    r->ov = ov;
    r->routine = routine;
    r->thread = thread;
    r->reads = true;
    a.read_q.push_back(std::move(r));
    update_watch(a);
    handed_off = true;
    return true;
  }
};

}  // namespace

BOOL accept_ex(SOCKET sListenSocket, SOCKET sAcceptSocket, PVOID lpOutputBuffer,
               DWORD dwReceiveDataLength, DWORD dwLocalAddressLength, DWORD dwRemoteAddressLength,
               LPDWORD lpdwBytesReceived, LPOVERLAPPED lpOverlapped) {
  int e = 0;
  use l, a;
  if (!l.acquire(sListenSocket, &e) || !a.acquire(sAcceptSocket, &e)) return fail_last(e);
  if (lpOverlapped == nullptr) return fail_last(WSAEINVAL);
  if (lpOutputBuffer == nullptr) return fail_last(WSAEFAULT);
  const DWORD need = static_cast<DWORD>(ws_sockaddr_len(l->family)) + 16;
  if (dwLocalAddressLength < need || dwRemoteAddressLength < need) return fail_last(WSAEFAULT);
  if (&*l == &*a || a->family != l->family || a->type != l->type) return fail_last(WSAEINVAL);
  {
    std::lock_guard<std::mutex> lock(l->m);
    if (!l->listening) return fail_last(WSAEINVAL);
  }
  {
    std::lock_guard<std::mutex> lock(a->m);
    if (a->bound || a->listening || a->state != conn_state::idle) return fail_last(WSAEINVAL);
  }
  auto o = std::make_unique<accept_op>();
  o->target = a.ptr();
  o->buf = static_cast<char*>(lpOutputBuffer);
  o->rxlen = dwReceiveDataLength;
  o->llen = dwLocalAddressLength;
  o->rlen = dwRemoteAddressLength;
  o->ov = lpOverlapped;
  return run_ext(l, std::move(o), lpdwBytesReceived, true) ? TRUE : FALSE;
}

void get_accept_ex_sockaddrs(PVOID lpOutputBuffer, DWORD dwReceiveDataLength,
                             DWORD dwLocalAddressLength, DWORD dwRemoteAddressLength,
                             sockaddr** LocalSockaddr, LPINT LocalSockaddrLength,
                             sockaddr** RemoteSockaddr, LPINT RemoteSockaddrLength) {
  char* base = static_cast<char*>(lpOutputBuffer);
  auto len_of = [](const sockaddr* sa) {
    return sa->sa_family == WPU_WS_AF_INET6 ? static_cast<int>(sizeof(sockaddr_in6))
                                            : static_cast<int>(sizeof(sockaddr_in));
  };
  auto* local = reinterpret_cast<sockaddr*>(address_slot(base + dwReceiveDataLength));
  auto* remote =
      reinterpret_cast<sockaddr*>(address_slot(base + dwReceiveDataLength + dwLocalAddressLength));
  (void)dwRemoteAddressLength;
  if (LocalSockaddr != nullptr) *LocalSockaddr = local;
  if (LocalSockaddrLength != nullptr) *LocalSockaddrLength = len_of(local);
  if (RemoteSockaddr != nullptr) *RemoteSockaddr = remote;
  if (RemoteSockaddrLength != nullptr) *RemoteSockaddrLength = len_of(remote);
}

// ---- ConnectEx ------------------------------------------------------------

namespace {

struct connect_op : op {
  const char* data = nullptr;
  DWORD len = 0;
  DWORD sent = 0;
  bool step(sock& s) override {
    refresh_connect(s);
    if (s.state == conn_state::connecting) return false;
    if (s.state == conn_state::failed) {
      error = static_cast<DWORD>(s.pending_error != 0 ? s.pending_error : WSAECONNREFUSED);
      s.pending_error = 0;
      s.state = conn_state::idle;
      return true;
    }
    while (sent < len) {
      const ssize_t n = ::send(s.fd, data + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return false;
        error = static_cast<DWORD>(sock_error(s, errno));
        return true;
      }
      sent += static_cast<DWORD>(n);
    }
    bytes = sent;
    return true;
  }
};

}  // namespace

BOOL connect_ex(SOCKET s, const sockaddr* name, int namelen, PVOID lpSendBuffer,
                DWORD dwSendDataLength, LPDWORD lpdwBytesSent, LPOVERLAPPED lpOverlapped) {
  int e = 0;
  use u;
  if (!u.acquire(s, &e)) return fail_last(e);
  sock& k = *u;
  if (lpOverlapped == nullptr) return fail_last(WSAEINVAL);
  if (lpSendBuffer == nullptr && dwSendDataLength != 0) return fail_last(WSAEFAULT);
  if (!k.stream()) return fail_last(WSAEINVAL);
  sockaddr_storage a;
  socklen_t alen;
  if (int r = sockaddr_from_ws(name, namelen, k.family, &a, &alen); r != 0) return fail_last(r);
  if (a.ss_family == AF_UNSPEC) return fail_last(WSAEAFNOSUPPORT);
  {
    std::lock_guard<std::mutex> lock(k.m);
    refresh_connect(k);
    if (k.listening || !k.bound) return fail_last(WSAEINVAL);
    if (k.state == conn_state::connecting) return fail_last(WSAEALREADY);
    if (k.state == conn_state::connected) return fail_last(WSAEISCONN);
    const int rc = ::connect(k.fd, reinterpret_cast<sockaddr*>(&a), alen);
    if (rc != 0 && errno != EINPROGRESS) return fail_last(wpu::wsa_from_errno(errno));
    k.state = conn_state::connecting;
    k.pending_error = 0;
    k.enabled |= (k.mask & FD_CONNECT);
  }
  auto o = std::make_unique<connect_op>();
  o->data = static_cast<const char*>(lpSendBuffer);
  o->len = dwSendDataLength;
  o->ov = lpOverlapped;
  return run_ext(u, std::move(o), lpdwBytesSent, false) ? TRUE : FALSE;
}

namespace {

bool same(const GUID& a, const GUID& b) noexcept {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

void* extension_function(const GUID& id) noexcept {
  static const GUID acceptex = WSAID_ACCEPTEX, sockaddrs = WSAID_GETACCEPTEXSOCKADDRS,
                    connectex = WSAID_CONNECTEX, disconnectex = WSAID_DISCONNECTEX,
                    transmitfile = WSAID_TRANSMITFILE, recvmsg = WSAID_WSARECVMSG,
                    sendmsg = WSAID_WSASENDMSG;
  if (same(id, acceptex)) return reinterpret_cast<void*>(static_cast<LPFN_ACCEPTEX>(accept_ex));
  if (same(id, sockaddrs))
    return reinterpret_cast<void*>(static_cast<LPFN_GETACCEPTEXSOCKADDRS>(get_accept_ex_sockaddrs));
  if (same(id, connectex)) return reinterpret_cast<void*>(static_cast<LPFN_CONNECTEX>(connect_ex));
  if (same(id, disconnectex))
    return reinterpret_cast<void*>(static_cast<LPFN_DISCONNECTEX>(disconnect_ex));
  if (same(id, transmitfile))
    return reinterpret_cast<void*>(static_cast<LPFN_TRANSMITFILE>(transmit_file));
  if (same(id, recvmsg)) return reinterpret_cast<void*>(static_cast<LPFN_WSARECVMSG>(wsa_recv_msg));
  if (same(id, sendmsg)) return reinterpret_cast<void*>(static_cast<LPFN_WSASENDMSG>(wsa_send_msg));
  return nullptr;
}

}  // namespace wpu_tcpip
