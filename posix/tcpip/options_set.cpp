// posix/tcpip/options_set.cpp - "wpu tcpip": WSPSetSockOpt, with
// SO_UPDATE_ACCEPT_CONTEXT and SO_UPDATE_CONNECT_CONTEXT, which give a socket
// AcceptEx or ConnectEx connected its state (docs/tcpip.md, "Options").
//
// Invariants: as options.cpp; a value the provider keeps changes under the
// socket's mutex, after the kernel accepted the matching setting (if any).
// update_context locks the listening socket before the accepted one. Any
// thread.
#include "options.hpp"

#include <wpu/errno_map.hpp>

#include <netinet/tcp.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace wpu_tcpip {

// AcceptEx (SO_UPDATE_ACCEPT_CONTEXT) or ConnectEx (SO_UPDATE_CONNECT_CONTEXT).
static int update_context(sock& k, int optname, const char* optval, int optlen, LPINT err) {
  if (optname == SO_UPDATE_CONNECT_CONTEXT) {
    std::lock_guard<std::mutex> lock(k.m);
    refresh_connect(k);
    if (k.state != conn_state::connected) {
      *err = WSAENOTCONN;
      return SOCKET_ERROR;
    }
    return 0;
  }
  if (optval == nullptr || optlen < static_cast<int>(sizeof(SOCKET))) {
    *err = WSAEFAULT;
    return SOCKET_ERROR;
  }
  SOCKET ls;
  std::memcpy(&ls, optval, sizeof ls);
  use l;
  if (!l.acquire(ls, err)) return SOCKET_ERROR;
  if (l.ptr() == nullptr || &*l == &k) {
    *err = WSAEINVAL;
    return SOCKET_ERROR;
  }
  std::lock_guard<std::mutex> lock(l->m);
  if (!l->listening) {
    *err = WSAEINVAL;
    return SOCKET_ERROR;
  }
  std::lock_guard<std::mutex> lock2(k.m);
  if (k.state != conn_state::connected) {
    *err = WSAENOTCONN;
    return SOCKET_ERROR;
  }
  k.nonblocking = l->nonblocking;
  k.rcvtimeo = l->rcvtimeo;
  k.sndtimeo = l->sndtimeo;
  if (k.mask == 0 && l->mask != 0) {
    k.event = l->event;
    k.hwnd = l->hwnd;
    k.msg = l->msg;
    k.mask = l->mask;
    k.enabled = l->mask & ~(FD_CONNECT | FD_ACCEPT);
    update_watch(k);
  }
  return 0;
}

int WSPAPI wsp_set_sock_opt(SOCKET s, int level, int optname, const char* optval, int optlen,
                            LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  sock& k = *u;
  if (!known_level(level)) {
    *lpErrno = WSAEINVAL;
    return SOCKET_ERROR;
  }
  if (level == WPU_WS_SOL_SOCKET &&
      (optname == SO_UPDATE_ACCEPT_CONTEXT || optname == SO_UPDATE_CONNECT_CONTEXT)) {
    if (stream_only(k, lpErrno) != 0) return SOCKET_ERROR;
    return update_context(k, optname, optval, optlen, lpErrno);
  }
  if (optval == nullptr) {
    *lpErrno = WSAEFAULT;
    return SOCKET_ERROR;
  }
  if (const mapped* m = lookup(level, optname)) {
    if (applicable(k, *m, lpErrno) != 0) return SOCKET_ERROR;
    switch (m->k) {
      case kind::bytes:
        return set_linux(k.fd, m->level, m->name, optval, optlen < 0 ? 0 : optlen, lpErrno);
      case kind::mreq:
        if (optlen < static_cast<int>(sizeof(ip_mreq))) break;
        return set_linux(k.fd, m->level, m->name, optval, sizeof(ip_mreq), lpErrno);
      case kind::mreq6:
        if (optlen < static_cast<int>(sizeof(ipv6_mreq))) break;
        return set_linux(k.fd, m->level, m->name, optval, sizeof(ipv6_mreq), lpErrno);
      case kind::in_addr4:
        if (optlen < 4) break;
        return set_linux(k.fd, m->level, m->name, optval, 4, lpErrno);
      case kind::boolean:
      case kind::integer: {
        if (optlen < static_cast<int>(sizeof(int))) break;
        int v = read_int(optval);
        if (m->k == kind::boolean) v = v != 0;
        return set_linux(k.fd, m->level, m->name, &v, sizeof v, lpErrno);
      }
    }
    *lpErrno = WSAEFAULT;
    return SOCKET_ERROR;
  }
  std::lock_guard<std::mutex> lock(k.m);
  if (level == IPPROTO_IP && optname == WPU_WS_IP_DONTFRAGMENT) {
    if (optlen < static_cast<int>(sizeof(int))) {
      *lpErrno = WSAEFAULT;
      return SOCKET_ERROR;
    }
    const int v = read_int(optval) != 0 ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
    return set_linux(k.fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof v, lpErrno);
  }
  if (level == IPPROTO_TCP && optname == WPU_WS_TCP_MAXRT && k.stream()) {
    if (optlen < static_cast<int>(sizeof(int))) {
      *lpErrno = WSAEFAULT;
      return SOCKET_ERROR;
    }
    const int secs = read_int(optval);
    const int v = secs < 0 ? 0 : (secs > INT_MAX / 1000 ? INT_MAX : secs * 1000);
    return set_linux(k.fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof v, lpErrno);
  }
  if (level != WPU_WS_SOL_SOCKET) {
    *lpErrno = WSAENOPROTOOPT;
    return SOCKET_ERROR;
  }
  const bool is_linger = optname == WPU_WS_SO_LINGER;
  const int need =
      is_linger ? static_cast<int>(sizeof(wpu_ws_linger)) : static_cast<int>(sizeof(int));
  switch (optname) {
    case WPU_WS_SO_DEBUG:
    case WPU_WS_SO_REUSEADDR:
    case SO_EXCLUSIVEADDRUSE:
    case SO_CONDITIONAL_ACCEPT:
    case WPU_WS_SO_LINGER:
    case SO_DONTLINGER:
    case WPU_WS_SO_SNDBUF:
    case WPU_WS_SO_RCVBUF:
    case WPU_WS_SO_SNDTIMEO:
    case WPU_WS_SO_RCVTIMEO:
    case SO_GROUP_PRIORITY:
      if (optlen < need) {
        *lpErrno = WSAEFAULT;
        return SOCKET_ERROR;
      }
      break;
    default:
      *lpErrno = WSAENOPROTOOPT;
      return SOCKET_ERROR;
  }
  const int v = is_linger ? 0 : read_int(optval);
  switch (optname) {
    case WPU_WS_SO_DEBUG:
      k.debug = v != 0;
      return 0;
    case WPU_WS_SO_REUSEADDR: {
      if (v != 0 && k.exclusiveaddruse) {
        *lpErrno = WSAEINVAL;
        return SOCKET_ERROR;
      }
      const int on = v != 0;
      if (set_linux(k.fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on, lpErrno) != 0 ||
          set_linux(k.fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on, lpErrno) != 0)
        return SOCKET_ERROR;
      k.reuseaddr = on != 0;
      return 0;
    }
    case SO_EXCLUSIVEADDRUSE:
      if (v != 0 && k.reuseaddr) {
        *lpErrno = WSAEINVAL;
        return SOCKET_ERROR;
      }
      if (k.bound) {
        *lpErrno = WSAEINVAL;
        return SOCKET_ERROR;
      }
      k.exclusiveaddruse = v != 0;
      return 0;
    case SO_CONDITIONAL_ACCEPT:
      if (!k.stream() || k.listening) {
        *lpErrno = k.stream() ? WSAEINVAL : WSAENOPROTOOPT;
        return SOCKET_ERROR;
      }
      k.conditional_accept = v != 0;
      return 0;
    case WPU_WS_SO_LINGER:
    case SO_DONTLINGER: {
      if (stream_only(k, lpErrno) != 0) return SOCKET_ERROR;
      linger l{};
      socklen_t len = sizeof l;
      (void)::getsockopt(k.fd, SOL_SOCKET, SO_LINGER, &l, &len);
      if (is_linger) {
        wpu_ws_linger w;
        std::memcpy(&w, optval, sizeof w);
        l.l_onoff = w.l_onoff != 0;
        l.l_linger = w.l_linger;
      } else {
        l.l_onoff = v == 0;
      }
      return set_linux(k.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l, lpErrno);
    }
    case WPU_WS_SO_SNDBUF:
    case WPU_WS_SO_RCVBUF: {
      if (v < 0) {
        *lpErrno = WSAEINVAL;
        return SOCKET_ERROR;
      }
      const bool snd = optname == WPU_WS_SO_SNDBUF;
      if (set_linux(k.fd, SOL_SOCKET, snd ? SO_SNDBUF : SO_RCVBUF, &v, sizeof v, lpErrno) != 0)
        return SOCKET_ERROR;
      (snd ? k.sndbuf : k.rcvbuf) = v;
      return 0;
    }
    case WPU_WS_SO_SNDTIMEO:
      k.sndtimeo = static_cast<DWORD>(v);
      return 0;
    case WPU_WS_SO_RCVTIMEO:
      k.rcvtimeo = static_cast<DWORD>(v);
      return 0;
    case SO_GROUP_PRIORITY:
      k.group_priority = v;
      return 0;
    default:
      break;
  }
  *lpErrno = WSAENOPROTOOPT;
  return SOCKET_ERROR;
}

}  // namespace wpu_tcpip
