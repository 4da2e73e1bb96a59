// posix/tcpip/options.cpp - "wpu tcpip": socket options. The table of the
// options passed through to Linux with a plain value translation, the
// helpers options_set.cpp and ioctl.cpp share (options.hpp), and
// WSPGetSockOpt (docs/tcpip.md, "Options").
//
// Invariants: an option in the table is read and written in the kernel only
// (no copy kept here); the options the provider keeps itself (SO_RCVTIMEO,
// SO_SNDTIMEO, SO_REUSEADDR, SO_EXCLUSIVEADDRUSE, SO_CONDITIONAL_ACCEPT,
// SO_DEBUG, the buffer sizes as set, SO_GROUP_PRIORITY) are read and written
// under the socket's mutex. Any thread.
#include "options.hpp"

#include <wpu/errno_map.hpp>

#include <netinet/tcp.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace wpu_tcpip {

namespace {

const mapped table[] = {
    {WPU_WS_SOL_SOCKET, WPU_WS_SO_KEEPALIVE, SOL_SOCKET, SO_KEEPALIVE, kind::boolean, false, false,
     0},
    {WPU_WS_SOL_SOCKET, WPU_WS_SO_DONTROUTE, SOL_SOCKET, SO_DONTROUTE, kind::boolean, false, false,
     0},
    {WPU_WS_SOL_SOCKET, WPU_WS_SO_BROADCAST, SOL_SOCKET, SO_BROADCAST, kind::boolean, false, true,
     0},
    {WPU_WS_SOL_SOCKET, WPU_WS_SO_OOBINLINE, SOL_SOCKET, SO_OOBINLINE, kind::boolean, true, false,
     0},
    {IPPROTO_TCP, WPU_WS_TCP_NODELAY, IPPROTO_TCP, TCP_NODELAY, kind::boolean, true, false, 0},
    {IPPROTO_TCP, WPU_WS_TCP_KEEPALIVE, IPPROTO_TCP, TCP_KEEPIDLE, kind::integer, true, false, 0},
    {IPPROTO_TCP, WPU_WS_TCP_KEEPCNT, IPPROTO_TCP, TCP_KEEPCNT, kind::integer, true, false, 0},
    {IPPROTO_TCP, WPU_WS_TCP_KEEPINTVL, IPPROTO_TCP, TCP_KEEPINTVL, kind::integer, true, false, 0},
    {IPPROTO_TCP, WPU_WS_TCP_MAXSEG, IPPROTO_TCP, TCP_MAXSEG, kind::integer, true, false, 0},
    {IPPROTO_TCP, WPU_WS_TCP_FASTOPEN, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, kind::boolean, true,
     false, 0},
    {IPPROTO_IP, WPU_WS_IP_OPTIONS, IPPROTO_IP, IP_OPTIONS, kind::bytes, false, false, 0},
    {IPPROTO_IP, WPU_WS_IP_TOS, IPPROTO_IP, IP_TOS, kind::integer, false, false, 0},
    {IPPROTO_IP, WPU_WS_IP_TTL, IPPROTO_IP, IP_TTL, kind::integer, false, false, 0},
    {IPPROTO_IP, WPU_WS_IP_MULTICAST_IF, IPPROTO_IP, IP_MULTICAST_IF, kind::in_addr4, false, true,
     0},
    {IPPROTO_IP, WPU_WS_IP_MULTICAST_TTL, IPPROTO_IP, IP_MULTICAST_TTL, kind::integer, false, true,
     0},
    {IPPROTO_IP, WPU_WS_IP_MULTICAST_LOOP, IPPROTO_IP, IP_MULTICAST_LOOP, kind::boolean, false,
     true, 0},
    {IPPROTO_IP, WPU_WS_IP_ADD_MEMBERSHIP, IPPROTO_IP, IP_ADD_MEMBERSHIP, kind::mreq, false, true,
     0},
    {IPPROTO_IP, WPU_WS_IP_DROP_MEMBERSHIP, IPPROTO_IP, IP_DROP_MEMBERSHIP, kind::mreq, false, true,
     0},
    {IPPROTO_IP, WPU_WS_IP_PKTINFO, IPPROTO_IP, IP_PKTINFO, kind::boolean, false, true, 0},
    {IPPROTO_IP, WPU_WS_IP_RECVTTL, IPPROTO_IP, IP_RECVTTL, kind::boolean, false, true, 0},
    {IPPROTO_IP, WPU_WS_IP_RECVTOS, IPPROTO_IP, IP_RECVTOS, kind::boolean, false, true, 0},
    {IPPROTO_IPV6, WPU_WS_IPV6_V6ONLY, IPPROTO_IPV6, IPV6_V6ONLY, kind::boolean, false, false,
     AF_INET6},
    {IPPROTO_IPV6, WPU_WS_IPV6_UNICAST_HOPS, IPPROTO_IPV6, IPV6_UNICAST_HOPS, kind::integer, false,
     false, AF_INET6},
    {IPPROTO_IPV6, WPU_WS_IPV6_MULTICAST_IF, IPPROTO_IPV6, IPV6_MULTICAST_IF, kind::integer, false,
     true, AF_INET6},
    {IPPROTO_IPV6, WPU_WS_IPV6_MULTICAST_HOPS, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, kind::integer,
     false, true, AF_INET6},
    {IPPROTO_IPV6, WPU_WS_IPV6_MULTICAST_LOOP, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, kind::boolean,
     false, true, AF_INET6},
    {IPPROTO_IPV6, WPU_WS_IPV6_ADD_MEMBERSHIP, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, kind::mreq6,
     false, true, AF_INET6},
    {IPPROTO_IPV6, WPU_WS_IPV6_DROP_MEMBERSHIP, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, kind::mreq6,
     false, true, AF_INET6},
    {IPPROTO_IPV6, WPU_WS_IPV6_DONTFRAG, IPPROTO_IPV6, IPV6_DONTFRAG, kind::boolean, false, true,
     AF_INET6},
    {IPPROTO_IPV6, WPU_WS_IPV6_PKTINFO, IPPROTO_IPV6, IPV6_RECVPKTINFO, kind::boolean, false, true,
     AF_INET6},
    {IPPROTO_IPV6, WPU_WS_IPV6_HOPLIMIT, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, kind::boolean, false,
     true, AF_INET6},
    {IPPROTO_IPV6, WPU_WS_IPV6_RECVTCLASS, IPPROTO_IPV6, IPV6_RECVTCLASS, kind::boolean, false,
     true, AF_INET6},
};

}  // namespace

const mapped* lookup(int level, int name) noexcept {
  for (const mapped& m : table)
    if (m.ws_level == level && m.ws_name == name) return &m;
  return nullptr;
}

bool known_level(int level) noexcept {
  return level == WPU_WS_SOL_SOCKET || level == IPPROTO_TCP || level == IPPROTO_UDP ||
         level == IPPROTO_IP || level == IPPROTO_IPV6;
}

// The value of a Windows BOOL/DWORD/int option argument.
int read_int(const char* optval) noexcept {
  int v;
  std::memcpy(&v, optval, sizeof v);
  return v;
}

int set_linux(int fd, int level, int name, const void* v, socklen_t len, LPINT err) noexcept {
  if (::setsockopt(fd, level, name, v, len) != 0) {
    *err =
        errno == ENOPROTOOPT || errno == EOPNOTSUPP ? WSAENOPROTOOPT : wpu::wsa_from_errno(errno);
    return SOCKET_ERROR;
  }
  return 0;
}

namespace {

int put_int(char* optval, LPINT optlen, int v, LPINT err) noexcept {
  if (*optlen < static_cast<int>(sizeof(int))) {
    *err = WSAEFAULT;
    return SOCKET_ERROR;
  }
  std::memcpy(optval, &v, sizeof v);
  *optlen = sizeof v;
  return 0;
}

int linux_int(int fd, int level, int name, int* v, LPINT err) noexcept {
  socklen_t len = sizeof *v;
  if (::getsockopt(fd, level, name, v, &len) != 0) {
    *err = wpu::wsa_from_errno(errno);
    return SOCKET_ERROR;
  }
  return 0;
}

// WSAPROTOCOL_INFOA: WSAPROTOCOL_INFOW with an 8-bit szProtocol.
struct protocol_info_a {
  unsigned char head[offsetof(WSAPROTOCOL_INFOW, szProtocol)];
  char szProtocol[WSAPROTOCOL_LEN + 1];
};

}  // namespace

int applicable(const sock& k, const mapped& m, LPINT err) noexcept {
  if ((m.stream_only && !k.stream()) || (m.dgram_only && k.stream()) ||
      (m.family != 0 && m.family != k.family)) {
    *err = WSAENOPROTOOPT;
    return SOCKET_ERROR;
  }
  return 0;
}

// 0 when `k` is a stream socket, else SOCKET_ERROR with WSAENOPROTOOPT in
// *err: for the SOL_SOCKET options that only TCP sockets have.
int stream_only(const sock& k, LPINT err) noexcept {
  if (!k.stream()) {
    *err = WSAENOPROTOOPT;
    return SOCKET_ERROR;
  }
  return 0;
}

int WSPAPI wsp_get_sock_opt(SOCKET s, int level, int optname, char* optval, LPINT optlen,
                            LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  sock& k = *u;
  if (optval == nullptr || optlen == nullptr) {
    *lpErrno = WSAEFAULT;
    return SOCKET_ERROR;
  }
  if (!known_level(level)) {
    *lpErrno = WSAEINVAL;
    return SOCKET_ERROR;
  }
  if (const mapped* m = lookup(level, optname)) {
    if (applicable(k, *m, lpErrno) != 0) return SOCKET_ERROR;
    if (m->k == kind::bytes) {
      socklen_t len = *optlen < 0 ? 0 : static_cast<socklen_t>(*optlen);
      if (::getsockopt(k.fd, m->level, m->name, optval, &len) != 0) {
        *lpErrno = wpu::wsa_from_errno(errno);
        return SOCKET_ERROR;
      }
      *optlen = static_cast<int>(len);
      return 0;
    }
    if (m->k == kind::mreq || m->k == kind::mreq6) {
      *lpErrno = WSAENOPROTOOPT;  // set-only
      return SOCKET_ERROR;
    }
    if (m->k == kind::in_addr4) {
      in_addr a{};
      socklen_t len = sizeof a;
      if (::getsockopt(k.fd, m->level, m->name, &a, &len) != 0) {
        *lpErrno = wpu::wsa_from_errno(errno);
        return SOCKET_ERROR;
      }
      int v;
      std::memcpy(&v, &a, sizeof v);
      return put_int(optval, optlen, v, lpErrno);
    }
    int v = 0;
    if (linux_int(k.fd, m->level, m->name, &v, lpErrno) != 0) return SOCKET_ERROR;
    if (m->k == kind::boolean) v = v != 0;
    return put_int(optval, optlen, v, lpErrno);
  }
  std::lock_guard<std::mutex> lock(k.m);
  if (level == IPPROTO_IP && optname == WPU_WS_IP_DONTFRAGMENT) {
    int v = 0;
    if (linux_int(k.fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, lpErrno) != 0) return SOCKET_ERROR;
    return put_int(optval, optlen, v == IP_PMTUDISC_DO, lpErrno);
  }
  if (level == IPPROTO_TCP && optname == WPU_WS_TCP_MAXRT && k.stream()) {
    int v = 0;
    if (linux_int(k.fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, lpErrno) != 0) return SOCKET_ERROR;
    return put_int(optval, optlen, v / 1000, lpErrno);
  }
  if (level != WPU_WS_SOL_SOCKET) {
    *lpErrno = WSAENOPROTOOPT;
    return SOCKET_ERROR;
  }
  switch (optname) {
    case WPU_WS_SO_DEBUG:
      return put_int(optval, optlen, k.debug, lpErrno);
    case WPU_WS_SO_ACCEPTCONN:
      return put_int(optval, optlen, k.listening, lpErrno);
    case WPU_WS_SO_REUSEADDR:
      return put_int(optval, optlen, k.reuseaddr, lpErrno);
    case SO_EXCLUSIVEADDRUSE:
      return put_int(optval, optlen, k.exclusiveaddruse, lpErrno);
    case SO_CONDITIONAL_ACCEPT:
      return put_int(optval, optlen, k.conditional_accept, lpErrno);
    case WPU_WS_SO_LINGER:
    case SO_DONTLINGER: {
      if (stream_only(k, lpErrno) != 0) return SOCKET_ERROR;
      linger l{};
      socklen_t len = sizeof l;
      if (::getsockopt(k.fd, SOL_SOCKET, SO_LINGER, &l, &len) != 0) {
        *lpErrno = wpu::wsa_from_errno(errno);
        return SOCKET_ERROR;
      }
      if (optname == SO_DONTLINGER) return put_int(optval, optlen, l.l_onoff == 0, lpErrno);
      if (*optlen < static_cast<int>(sizeof(wpu_ws_linger))) {
        *lpErrno = WSAEFAULT;
        return SOCKET_ERROR;
      }
      wpu_ws_linger w{static_cast<unsigned short>(l.l_onoff != 0),
                      static_cast<unsigned short>(l.l_linger)};
      std::memcpy(optval, &w, sizeof w);
      *optlen = sizeof w;
      return 0;
    }
    case WPU_WS_SO_SNDBUF:
    case WPU_WS_SO_RCVBUF: {
      const bool snd = optname == WPU_WS_SO_SNDBUF;
      int v = snd ? k.sndbuf : k.rcvbuf;
      if (v < 0 && linux_int(k.fd, SOL_SOCKET, snd ? SO_SNDBUF : SO_RCVBUF, &v, lpErrno) != 0)
        return SOCKET_ERROR;
      return put_int(optval, optlen, v, lpErrno);
    }
    case WPU_WS_SO_SNDTIMEO:
      return put_int(optval, optlen, static_cast<int>(k.sndtimeo), lpErrno);
    case WPU_WS_SO_RCVTIMEO:
      return put_int(optval, optlen, static_cast<int>(k.rcvtimeo), lpErrno);
    case WPU_WS_SO_ERROR: {
      refresh_connect(k);
      int v = k.pending_error;
      if (v != 0) {
        k.pending_error = 0;
      } else {
        int e = 0;
        if (linux_int(k.fd, SOL_SOCKET, SO_ERROR, &e, lpErrno) != 0) return SOCKET_ERROR;
        v = e != 0 ? wpu::wsa_from_errno(e) : 0;
      }
      return put_int(optval, optlen, v, lpErrno);
    }
    case WPU_WS_SO_TYPE:
      return put_int(optval, optlen, k.type, lpErrno);
    case SO_PROTOCOL_INFOW:
      if (*optlen < static_cast<int>(sizeof(WSAPROTOCOL_INFOW))) {
        *optlen = sizeof(WSAPROTOCOL_INFOW);
        *lpErrno = WSAEFAULT;
        return SOCKET_ERROR;
      }
      std::memcpy(optval, &k.info, sizeof k.info);
      *optlen = sizeof k.info;
      return 0;
    case SO_PROTOCOL_INFOA: {
      if (*optlen < static_cast<int>(sizeof(protocol_info_a))) {
        *optlen = sizeof(protocol_info_a);
        *lpErrno = WSAEFAULT;
        return SOCKET_ERROR;
      }
      protocol_info_a a{};
      std::memcpy(a.head, &k.info, sizeof a.head);
      for (int i = 0; i < WSAPROTOCOL_LEN && k.info.szProtocol[i] != 0; ++i)
        a.szProtocol[i] =
            k.info.szProtocol[i] < 0x80 ? static_cast<char>(k.info.szProtocol[i]) : '?';
      std::memcpy(optval, &a, sizeof a);
      *optlen = sizeof a;
      return 0;
    }
    case SO_MAX_MSG_SIZE:
      if (k.stream()) {
        *lpErrno = WSAENOPROTOOPT;
        return SOCKET_ERROR;
      }
      return put_int(optval, optlen, static_cast<int>(k.info.dwMessageSize), lpErrno);
    case SO_CONNECT_TIME: {
      if (stream_only(k, lpErrno) != 0) return SOCKET_ERROR;
      refresh_connect(k);
      int v = -1;  // 0xFFFFFFFF: not connected
      if (k.state == conn_state::connected)
        v = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::steady_clock::now() - k.connected_at)
                                 .count());
      return put_int(optval, optlen, v, lpErrno);
    }
    case SO_GROUP_ID:
      return put_int(optval, optlen, 0, lpErrno);
    case SO_GROUP_PRIORITY:
      return put_int(optval, optlen, k.group_priority, lpErrno);
    default:
      *lpErrno = WSAENOPROTOOPT;
      return SOCKET_ERROR;
  }
}

// Gives the accepted or connected socket its connection state after

}  // namespace wpu_tcpip
