// posix/tcpip/data.cpp - "wpu tcpip": data transfer. WSPSend, WSPSendTo,
// WSPRecv and WSPRecvFrom over one request type (data_op) that sends or
// receives a WSABUF array with sendmsg/recvmsg, and the translation of
// Winsock's message flags.
//
// Invariants: a data_op's step runs under the socket's mutex and never
// blocks (MSG_DONTWAIT); it copies the WSABUF array (the client may free the
// array once the call returns, not the buffers). Windows' semantics kept
// here: a stream reset fails every later send and receive (Linux reports it
// once); a datagram socket's ICMP error goes to the next receive, never to a
// send. Any thread; overlapped requests finish on the reactor thread.
#include "provider.hpp"

#include <wpu/errno_map.hpp>

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace wpu_tcpip {

// ---- send and receive -----------------------------------------------------

namespace {

// The Linux flags for Winsock send/recv flags, or -1 (WSAEOPNOTSUPP).
int send_flags(const sock& s, DWORD f) noexcept {
  int l = 0;
  if ((f & WPU_WS_MSG_OOB) != 0) {
    if (!s.stream()) return -1;
    l |= MSG_OOB;
  }
  if ((f & WPU_WS_MSG_DONTROUTE) != 0) l |= MSG_DONTROUTE;
  if ((f &
       ~static_cast<DWORD>(WPU_WS_MSG_OOB | WPU_WS_MSG_DONTROUTE | WPU_WS_MSG_PUSH_IMMEDIATE)) != 0)
    return -1;
  return l;
}

int recv_flags(const sock& s, DWORD f, bool* waitall) noexcept {
  int l = 0;
  *waitall = false;
  if ((f & WPU_WS_MSG_OOB) != 0) {
    if (!s.stream()) return -1;
    l |= MSG_OOB;
  }
  if ((f & WPU_WS_MSG_PEEK) != 0) l |= MSG_PEEK;
  if ((f & WPU_WS_MSG_WAITALL) != 0) {
    if (!s.stream() || (f & WPU_WS_MSG_PEEK) != 0) return -1;
    *waitall = true;
  }
  if ((f & ~static_cast<DWORD>(WPU_WS_MSG_OOB | WPU_WS_MSG_PEEK | WPU_WS_MSG_WAITALL |
                               WPU_WS_MSG_PUSH_IMMEDIATE | WPU_WS_MSG_PARTIAL)) != 0)
    return -1;
  return l;
}

// A send or receive over a WSABUF array (copied: the array may be freed once
// the call returns; the buffers themselves must live until completion).
struct data_op : op {
  std::vector<iovec> iov;
  size_t at = 0;  // first iovec not yet done
  size_t left = 0;
  int lflags = 0;
  bool whole = true;  // send: all of it; recv: MSG_WAITALL
  bool sending = false;
  bool to_set = false;       // sendto with an address
  bool sendto_call = false;  // WSPSendTo (no address: WSAEDESTADDRREQ, not WSAENOTCONN)
  sockaddr_storage to{};
  socklen_t tolen = 0;
  sockaddr* from = nullptr;  // recvfrom: the client's, written at completion
  LPINT fromlen = nullptr;
  bool stream_send_partial_ok = false;  // non-blocking send: partial is the result

  void advance(size_t n) {
    left -= n;
    while (n > 0 && at < iov.size()) {
      if (n >= iov[at].iov_len) {
        n -= iov[at].iov_len;
        ++at;
      } else {
        iov[at].iov_base = static_cast<char*>(iov[at].iov_base) + n;
        iov[at].iov_len -= n;
        n = 0;
      }
    }
    while (at < iov.size() && iov[at].iov_len == 0) ++at;
  }

  bool fail(DWORD e) {
    error = e;
    return true;
  }

  bool step(sock& s) override { return sending ? step_send(s) : step_recv(s); }

  bool step_send(sock& s) {
    if (s.shut_send) return fail(WSAESHUTDOWN);
    if (s.stream() && s.reset) return fail(WSAECONNRESET);
    if (s.stream()) {
      refresh_connect(s);
      if (s.state != conn_state::connected) return fail(s.reset ? WSAECONNRESET : WSAENOTCONN);
    }
    for (;;) {
      msghdr m{};
      m.msg_iov = iov.data() + at;
      m.msg_iovlen = std::min<size_t>(iov.size() - at, IOV_MAX);
      const bool addressed = to_set && !s.stream() && s.state != conn_state::connected;
      if (addressed) {
        m.msg_name = &to;
        m.msg_namelen = tolen;
      }
      const ssize_t n = ::sendmsg(s.fd, &m, lflags | MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        const int e = errno;
        if (e == EINTR) continue;
        if (e == EAGAIN || e == ENOBUFS) {
          if (bytes > 0 && stream_send_partial_ok) return true;
          return false;
        }
        if (e == EDESTADDRREQ) return fail(sendto_call ? WSAEDESTADDRREQ : WSAENOTCONN);
        if (!s.stream() && (e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH)) {
          // An earlier datagram's ICMP error: Windows reports it to the next
          // receive, never to a send.
          take_icmp_errors(s);
          s.icmp_reset = true;
          continue;
        }
        if (e == ECONNRESET || e == EPIPE) s.reset = s.reset || !s.shut_send;
        return fail(static_cast<DWORD>(sock_error(s, e)));
      }
      if (!s.stream()) s.bound = true;
      bytes += static_cast<DWORD>(n);
      advance(static_cast<size_t>(n));
      if (left == 0 || !s.stream()) return true;
      if (!whole && bytes > 0 && stream_send_partial_ok) continue;
    }
  }

  bool step_recv(sock& s) {
    if (s.shut_recv) return fail(WSAESHUTDOWN);
    // Linux reports a reset once; Windows fails every later receive with it.
    if (s.stream() && s.reset) return fail(WSAECONNRESET);
    if (!s.stream() && s.icmp_reset && (lflags & MSG_PEEK) == 0) {
      s.icmp_reset = false;
      return fail(WSAECONNRESET);
    }
    if (!s.stream() && !s.bound) {
      sockaddr_storage a;
      socklen_t len = sizeof a;
      bool has_port = false;
      if (::getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        has_port = a.ss_family == AF_INET ? reinterpret_cast<sockaddr_in&>(a).sin_port != 0
                                          : reinterpret_cast<sockaddr_in6&>(a).sin6_port != 0;
      if (!has_port) return fail(WSAEINVAL);
      s.bound = true;
    }
    if (s.stream()) {
      refresh_connect(s);
      if (s.state != conn_state::connected) return fail(s.reset ? WSAECONNRESET : WSAENOTCONN);
    }
    for (;;) {
      msghdr m{};
      sockaddr_storage src{};
      m.msg_iov = iov.data() + at;
      m.msg_iovlen = std::min<size_t>(iov.size() - at, IOV_MAX);
      if (from != nullptr) {
        m.msg_name = &src;
        m.msg_namelen = sizeof src;
      }
      const ssize_t n = ::recvmsg(s.fd, &m, lflags | MSG_DONTWAIT);
      if (n < 0) {
        const int e = errno;
        if (e == EINTR) continue;
        if (e == EAGAIN) {
          if (!s.stream()) {
            // An ICMP error may be queued without a datagram (POLLERR).
            take_icmp_errors(s);
            if (s.icmp_reset) {
              s.icmp_reset = false;
              return fail(WSAECONNRESET);
            }
          }
          return bytes > 0 && !whole;
        }
        if (!s.stream() && (e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH)) {
          take_icmp_errors(s);
          s.icmp_reset = false;
          return fail(WSAECONNRESET);
        }
        if (e == ECONNRESET) s.reset = true;
        if (e == EINVAL && (lflags & MSG_OOB) != 0) return fail(WSAEINVAL);
        return fail(static_cast<DWORD>(sock_error(s, e)));
      }
      bytes += static_cast<DWORD>(n);
      if (from != nullptr && fromlen != nullptr && m.msg_namelen > 0)
        (void)sockaddr_to_ws(src, m.msg_namelen, from, fromlen);
      if (!s.stream()) {
        if ((m.msg_flags & MSG_TRUNC) != 0) error = WSAEMSGSIZE;
        return true;
      }
      if (n == 0) return true;  // end of stream
      advance(static_cast<size_t>(n));
      if (left == 0 || !whole || (lflags & MSG_PEEK) != 0) return true;
    }
  }
};

// The common checks and setup of the four data calls.
int data_call(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD done, DWORD flags,
              LPDWORD lpFlags, bool sending, const sockaddr* to, int tolen, sockaddr* from,
              LPINT fromlen, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine,
              LPWSATHREADID thread, LPINT err, bool sendto_call = false) noexcept {
  use u;
  if (!u.acquire(s, err)) return SOCKET_ERROR;
  sock& k = *u;
  if ((lpBuffers == nullptr && dwBufferCount != 0) || (!sending && lpFlags == nullptr)) {
    *err = WSAEFAULT;
    return SOCKET_ERROR;
  }
  if (dwBufferCount > IOV_MAX) {
    *err = WSAENOBUFS;
    return SOCKET_ERROR;
  }
  if (from != nullptr && (fromlen == nullptr || *fromlen < ws_sockaddr_len(k.family))) {
    *err = WSAEFAULT;
    return SOCKET_ERROR;
  }
  data_op local;
  data_op* o = &local;
  try {
    o->iov.resize(dwBufferCount);
  } catch (...) {
    *err = WSAENOBUFS;
    return SOCKET_ERROR;
  }
  for (DWORD i = 0; i < dwBufferCount; ++i) {
    if (lpBuffers[i].buf == nullptr && lpBuffers[i].len != 0) {
      *err = WSAEFAULT;
      return SOCKET_ERROR;
    }
    o->iov[i].iov_base = lpBuffers[i].buf;
    o->iov[i].iov_len = lpBuffers[i].len;
    o->left += lpBuffers[i].len;
  }
  while (o->at < o->iov.size() && o->iov[o->at].iov_len == 0) ++o->at;
  o->sending = sending;
  o->sendto_call = sendto_call;
  o->reads = !sending;
  const bool overlapped = ov != nullptr && k.overlapped;
  bool waitall = false;
  o->lflags = sending ? send_flags(k, flags) : recv_flags(k, *lpFlags, &waitall);
  if (o->lflags < 0) {
    *err = WSAEOPNOTSUPP;
    return SOCKET_ERROR;
  }
  if (sending) {
    bool nonblocking;
    {
      std::lock_guard<std::mutex> lock(k.m);
      nonblocking = k.nonblocking;
    }
    o->stream_send_partial_ok = nonblocking && !overlapped;
    o->whole = !o->stream_send_partial_ok;
    if (to != nullptr && !k.stream()) {
      int e = sockaddr_from_ws(to, tolen, k.family, &o->to, &o->tolen);
      if (e == 0 && o->to.ss_family == AF_UNSPEC) e = WSAEAFNOSUPPORT;
      if (e != 0) {
        *err = e;
        return SOCKET_ERROR;
      }
      o->to_set = true;
    }
  } else {
    if (waitall && !overlapped) {
      std::lock_guard<std::mutex> lock(k.m);
      if (k.nonblocking) {
        *err = WSAEOPNOTSUPP;  // MSG_WAITALL needs a blocking or overlapped call
        return SOCKET_ERROR;
      }
    }
    o->whole = waitall;
    o->from = from;
    o->fromlen = fromlen;
    if ((o->lflags & MSG_OOB) != 0) {
      std::lock_guard<std::mutex> lock(k.m);
      reenable(k, FD_OOB);
    }
    *lpFlags = 0;
  }
  if (overlapped) {
    o->ov = ov;
    o->routine = routine;
    if (routine != nullptr) {
      if (thread == nullptr) {
        *err = WSAEINVAL;
        return SOCKET_ERROR;
      }
      o->thread = *thread;
    }
  }
  if (!overlapped) return run_sync(u, local, done, err);
  std::unique_ptr<data_op> heap;
  try {
    heap = std::make_unique<data_op>(std::move(local));
  } catch (...) {
    *err = WSAENOBUFS;
    return SOCKET_ERROR;
  }
  return run(u, std::move(heap), done, err);
}

}  // namespace

int WSPAPI wsp_send(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD lpNumberOfBytesSent,
                    DWORD dwFlags, LPWSAOVERLAPPED lpOverlapped,
                    LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                    LPWSATHREADID lpThreadId, LPINT lpErrno) {
  return data_call(s, lpBuffers, dwBufferCount, lpNumberOfBytesSent, dwFlags, nullptr, true,
                   nullptr, 0, nullptr, nullptr, lpOverlapped, lpCompletionRoutine, lpThreadId,
                   lpErrno);
}

int WSPAPI wsp_send_to(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                       LPDWORD lpNumberOfBytesSent, DWORD dwFlags, const sockaddr* lpTo, int iTolen,
                       LPWSAOVERLAPPED lpOverlapped,
                       LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                       LPWSATHREADID lpThreadId, LPINT lpErrno) {
  return data_call(s, lpBuffers, dwBufferCount, lpNumberOfBytesSent, dwFlags, nullptr, true, lpTo,
                   iTolen, nullptr, nullptr, lpOverlapped, lpCompletionRoutine, lpThreadId, lpErrno,
                   true);
}

int WSPAPI wsp_recv(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD lpNumberOfBytesRecvd,
                    LPDWORD lpFlags, LPWSAOVERLAPPED lpOverlapped,
                    LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                    LPWSATHREADID lpThreadId, LPINT lpErrno) {
  return data_call(s, lpBuffers, dwBufferCount, lpNumberOfBytesRecvd, 0, lpFlags, false, nullptr, 0,
                   nullptr, nullptr, lpOverlapped, lpCompletionRoutine, lpThreadId, lpErrno);
}

int WSPAPI wsp_recv_from(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                         LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags, sockaddr* lpFrom,
                         LPINT lpFromlen, LPWSAOVERLAPPED lpOverlapped,
                         LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                         LPWSATHREADID lpThreadId, LPINT lpErrno) {
  return data_call(s, lpBuffers, dwBufferCount, lpNumberOfBytesRecvd, 0, lpFlags, false, nullptr, 0,
                   lpFrom, lpFromlen, lpOverlapped, lpCompletionRoutine, lpThreadId, lpErrno);
}

}  // namespace wpu_tcpip
