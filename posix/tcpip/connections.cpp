// posix/tcpip/connections.cpp - "wpu tcpip": connection setup and teardown:
// WSPBind, WSPListen, WSPAccept (with its condition function and CF_DEFER),
// WSPConnect, WSPShutdown, WSPSendDisconnect and WSPRecvDisconnect.
//
// Invariants: `bound`, `listening`, `state` and the shutdown flags change
// only under the socket's mutex, together with the kernel call that makes
// them true; a connection a condition function deferred is owned by the
// listening socket (`deferred_fd`) until the next WSPAccept takes it or the
// socket is freed. Blocking calls (WSPAccept, WSPConnect) wait in
// wait_ready without the mutex and re-check the socket after each wake-up.
// Any thread.
#include "provider.hpp"

#include <wpu/errno_map.hpp>

#include <unistd.h>

#include <cerrno>

namespace wpu_tcpip {

int WSPAPI wsp_bind(SOCKET s, const sockaddr* name, int namelen, LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  sockaddr_storage a;
  socklen_t alen;
  int e = sockaddr_from_ws(name, namelen, u->family, &a, &alen);
  if (e == 0 && a.ss_family == AF_UNSPEC) e = WSAEAFNOSUPPORT;
  if (e != 0) {
    // bind documents a name of another family as WSAEFAULT.
    *lpErrno = e == WSAEAFNOSUPPORT ? WSAEFAULT : e;
    return SOCKET_ERROR;
  }
  std::lock_guard<std::mutex> lock(u->m);
  if (u->bound) {
    *lpErrno = WSAEINVAL;
    return SOCKET_ERROR;
  }
  if (::bind(u->fd, reinterpret_cast<sockaddr*>(&a), alen) != 0) {
    *lpErrno = wpu::wsa_from_errno(errno);
    return SOCKET_ERROR;
  }
  u->bound = true;
  update_watch(*u);
  return 0;
}

int WSPAPI wsp_listen(SOCKET s, int backlog, LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  std::lock_guard<std::mutex> lock(u->m);
  if (!u->stream()) {
    *lpErrno = WSAEOPNOTSUPP;
    return SOCKET_ERROR;
  }
  refresh_connect(*u);
  if (u->state == conn_state::connected || u->state == conn_state::connecting) {
    *lpErrno = WSAEISCONN;
    return SOCKET_ERROR;
  }
  if (!u->bound && !has_local_port(u->fd)) {
    *lpErrno = WSAEINVAL;
    return SOCKET_ERROR;
  }
  u->bound = true;
  if (backlog < 0) backlog = 0;
  if (::listen(u->fd, backlog) != 0) {
    *lpErrno = wpu::wsa_from_errno(errno);
    return SOCKET_ERROR;
  }
  u->listening = true;
  update_watch(*u);
  return 0;
}

// Closes an accepted connection with a reset (a refused or failed accept).
static void reset_close(int fd) noexcept {
  linger l{1, 0};
  (void)::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

SOCKET WSPAPI wsp_accept(SOCKET s, sockaddr* addr, LPINT addrlen, LPCONDITIONPROC lpfnCondition,
                         DWORD_PTR dwCallbackData, LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return INVALID_SOCKET;
  sock& ls = *u;
  if (addr != nullptr && (addrlen == nullptr || *addrlen < ws_sockaddr_len(ls.family))) {
    *lpErrno = WSAEFAULT;
    return INVALID_SOCKET;
  }
  bool nonblocking;
  {
    std::lock_guard<std::mutex> lock(ls.m);
    if (!ls.listening) {
      *lpErrno = WSAEINVAL;
      return INVALID_SOCKET;
    }
    nonblocking = ls.nonblocking;
  }
  for (;;) {
    int fd = -1;
    {
      std::lock_guard<std::mutex> lock(ls.m);
      if (ls.deferred_fd >= 0) {
        fd = ls.deferred_fd;
        ls.deferred_fd = -1;
      } else {
        fd = ::accept4(ls.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      }
      const int e = errno;
      reenable(ls, FD_ACCEPT);
      nonblocking = ls.nonblocking;
      if (fd < 0) {
        if (e == ECONNABORTED || e == EINTR) continue;
        if (e != EAGAIN) {
          *lpErrno = wpu::wsa_from_errno(e);
          return INVALID_SOCKET;
        }
      }
    }
    if (fd < 0) {
      if (nonblocking) {
        *lpErrno = WSAEWOULDBLOCK;
        return INVALID_SOCKET;
      }
      if (int e = wait_ready(ls, POLLIN, 0); e != 0) {
        *lpErrno = e;
        return INVALID_SOCKET;
      }
      continue;
    }
    sockaddr_storage peer{}, local{};
    socklen_t plen = sizeof peer, llen = sizeof local;
    (void)::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen);
    (void)::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen);
    if (lpfnCondition != nullptr) {
      sockaddr_storage wpeer{}, wlocal{};
      int wplen = sizeof wpeer, wllen = sizeof wlocal;
      (void)sockaddr_to_ws(peer, plen, reinterpret_cast<sockaddr*>(&wpeer), &wplen);
      (void)sockaddr_to_ws(local, llen, reinterpret_cast<sockaddr*>(&wlocal), &wllen);
      WSABUF caller{static_cast<ULONG>(wplen), reinterpret_cast<char*>(&wpeer)};
      WSABUF callee{static_cast<ULONG>(wllen), reinterpret_cast<char*>(&wlocal)};
      WSABUF callee_data{0, nullptr};
      GROUP g = 0;
      const int verdict = lpfnCondition(&caller, nullptr, nullptr, nullptr, &callee, &callee_data,
                                        &g, dwCallbackData);
      if (verdict == CF_REJECT) {
        reset_close(fd);
        *lpErrno = WSAECONNREFUSED;
        return INVALID_SOCKET;
      }
      if (verdict == CF_DEFER) {
        std::lock_guard<std::mutex> lock(ls.m);
        if (ls.deferred_fd >= 0) reset_close(ls.deferred_fd);
        ls.deferred_fd = fd;
        *lpErrno = WSATRY_AGAIN;
        return INVALID_SOCKET;
      }
      if (verdict != CF_ACCEPT) {
        reset_close(fd);
        *lpErrno = WSAEINVAL;
        return INVALID_SOCKET;
      }
    }
    sock_ptr np;
    SOCKET h = adopt(fd, ls.catalog_id, ls.info, ls.family, ls.type, ls.protocol, ls.overlapped,
                     &np, lpErrno);
    if (h == INVALID_SOCKET) return INVALID_SOCKET;
    {
      // The accepted socket has the listening socket's properties: blocking
      // mode, selected events (with every event enabled), options kept here.
      std::lock_guard<std::mutex> lock(ls.m);
      std::lock_guard<std::mutex> lock2(np->m);
      np->state = conn_state::connected;
      np->connected_at = std::chrono::steady_clock::now();
      np->bound = true;
      np->nonblocking = ls.nonblocking;
      np->event = ls.event;
      np->hwnd = ls.hwnd;
      np->msg = ls.msg;
      np->mask = ls.mask;
      np->enabled = ls.mask;
      np->rcvtimeo = ls.rcvtimeo;
      np->sndtimeo = ls.sndtimeo;
      np->sndbuf = ls.sndbuf;
      np->rcvbuf = ls.rcvbuf;
      reenable(*np, np->mask);  // records what already holds (FD_WRITE)
    }
    if (addr != nullptr && addrlen != nullptr) (void)sockaddr_to_ws(peer, plen, addr, addrlen);
    return h;
  }
}

int WSPAPI wsp_connect(SOCKET s, const sockaddr* name, int namelen, LPWSABUF lpCallerData,
                       LPWSABUF lpCalleeData, LPQOS lpSQOS, LPQOS lpGQOS, LPINT lpErrno) {
  (void)lpCallerData;
  (void)lpGQOS;
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  sock& k = *u;
  if (lpSQOS != nullptr) {
    *lpErrno = WSAEOPNOTSUPP;
    return SOCKET_ERROR;
  }
  sockaddr_storage a;
  socklen_t alen;
  if (int e = sockaddr_from_ws(name, namelen, k.family, &a, &alen); e != 0) {
    *lpErrno = e;
    return SOCKET_ERROR;
  }
  if (a.ss_family == AF_UNSPEC && k.stream()) {
    *lpErrno = WSAEAFNOSUPPORT;
    return SOCKET_ERROR;
  }
  if (lpCalleeData != nullptr) lpCalleeData->len = 0;
  bool nonblocking;
  {
    std::lock_guard<std::mutex> lock(k.m);
    if (k.listening) {
      *lpErrno = WSAEINVAL;
      return SOCKET_ERROR;
    }
    refresh_connect(k);
    if (k.stream()) {
      if (k.state == conn_state::connecting) {
        *lpErrno = WSAEALREADY;
        return SOCKET_ERROR;
      }
      if (k.state == conn_state::connected) {
        *lpErrno = WSAEISCONN;
        return SOCKET_ERROR;
      }
    }
    nonblocking = k.nonblocking;
    int rc = ::connect(k.fd, reinterpret_cast<sockaddr*>(&a), alen);
    const int e = errno;
    if (!k.stream()) {
      if (rc != 0 && !(a.ss_family == AF_UNSPEC)) {
        *lpErrno = wpu::wsa_from_errno(e);
        return SOCKET_ERROR;
      }
      k.bound = k.bound || a.ss_family != AF_UNSPEC;
      k.state = a.ss_family == AF_UNSPEC ? conn_state::idle : conn_state::connected;
      update_watch(k);
      return 0;
    }
    if (rc == 0 || e == EINPROGRESS) {
      k.bound = true;
      k.state = conn_state::connecting;
      k.pending_error = 0;
      k.enabled |= FD_CONNECT;
      if (rc == 0) refresh_connect(k);
      update_watch(k);
      if (k.state == conn_state::connected) return 0;
      if (nonblocking) {
        *lpErrno = WSAEWOULDBLOCK;
        return SOCKET_ERROR;
      }
    } else {
      k.state = conn_state::idle;
      *lpErrno = wpu::wsa_from_errno(e);
      return SOCKET_ERROR;
    }
  }
  // Blocking: wait for the handshake on this thread.
  for (;;) {
    if (int e = wait_ready(k, POLLOUT, 0); e != 0) {
      *lpErrno = e;
      return SOCKET_ERROR;
    }
    std::lock_guard<std::mutex> lock(k.m);
    refresh_connect(k);
    if (k.state == conn_state::connected) return 0;
    if (k.state == conn_state::failed) {
      *lpErrno = k.pending_error != 0 ? k.pending_error : WSAECONNREFUSED;
      k.pending_error = 0;
      k.state = conn_state::idle;
      return SOCKET_ERROR;
    }
  }
}

// shutdown's work for `how` (SD_RECEIVE, SD_SEND, SD_BOTH).
static int do_shutdown(sock& k, int how, LPINT lpErrno) noexcept {
  if (how < SD_RECEIVE || how > SD_BOTH) {
    *lpErrno = WSAEINVAL;
    return SOCKET_ERROR;
  }
  std::lock_guard<std::mutex> lock(k.m);
  refresh_connect(k);
  if (k.stream() && k.state != conn_state::connected) {
    *lpErrno = WSAENOTCONN;
    return SOCKET_ERROR;
  }
  const int lhow = how == SD_RECEIVE ? SHUT_RD : how == SD_SEND ? SHUT_WR : SHUT_RDWR;
  if (::shutdown(k.fd, lhow) != 0) {
    const int e = errno;
    // A datagram socket shuts down without a peer on Windows.
    if (!(e == ENOTCONN && !k.stream())) {
      *lpErrno = wpu::wsa_from_errno(e);
      return SOCKET_ERROR;
    }
  }
  if (how != SD_SEND) k.shut_recv = true;
  if (how != SD_RECEIVE) k.shut_send = true;
  return 0;
}

int WSPAPI wsp_shutdown(SOCKET s, int how, LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  return do_shutdown(*u, how, lpErrno);
}

int WSPAPI wsp_send_disconnect(SOCKET s, LPWSABUF lpOutboundDisconnectData, LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  if (lpOutboundDisconnectData != nullptr && lpOutboundDisconnectData->len != 0) {
    *lpErrno = WSAENOPROTOOPT;  // TCP/IP has no disconnect data
    return SOCKET_ERROR;
  }
  return do_shutdown(*u, SD_SEND, lpErrno);
}

int WSPAPI wsp_recv_disconnect(SOCKET s, LPWSABUF lpInboundDisconnectData, LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  if (lpInboundDisconnectData != nullptr && lpInboundDisconnectData->len != 0) {
    *lpErrno = WSAENOPROTOOPT;
    return SOCKET_ERROR;
  }
  return do_shutdown(*u, SD_RECEIVE, lpErrno);
}

}  // namespace wpu_tcpip
