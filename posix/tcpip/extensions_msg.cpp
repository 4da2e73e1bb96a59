// posix/tcpip/extensions_msg.cpp - "wpu tcpip": the extension functions
// WSARecvMsg and WSASendMsg (datagrams with control data), with the
// translation of control messages between Linux's and Windows' types.
//
// Invariants: a request copies the WSABUF array; the WSAMSG itself (its name,
// control buffer and flags, written at completion) must live until the
// request completes, as on Windows. Control data: IP_PKTINFO, IP_TTL,
// IP_TOS, IPV6_PKTINFO, IPV6_HOPLIMIT and IPV6_TCLASS in, IP_PKTINFO and
// IPV6_PKTINFO out; a message that does not fit sets MSG_CTRUNC. Errors as
// extensions.hpp says. Any thread; a completion routine runs on the calling
// thread (opened with WPUOpenCurrentThread, closed after delivery).
#include "extensions.hpp"

#include <wpu/errno_map.hpp>

#include <netinet/in.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace wpu_tcpip {

namespace {

// ---- WSARecvMsg / WSASendMsg ------------------------------------------------

// Control messages: Linux (level, type) <-> Windows (level, type).
struct cmsg_map {
  int level, linux_type, ws_type;
};
const cmsg_map recv_cmsgs[] = {
    {IPPROTO_IP, IP_PKTINFO, WPU_WS_IP_PKTINFO},
    {IPPROTO_IP, IP_TTL, WPU_WS_IP_TTL},
    {IPPROTO_IP, IP_TOS, WPU_WS_IP_TOS},
    {IPPROTO_IPV6, IPV6_PKTINFO, WPU_WS_IPV6_PKTINFO},
    {IPPROTO_IPV6, IPV6_HOPLIMIT, WPU_WS_IPV6_HOPLIMIT},
    {IPPROTO_IPV6, IPV6_TCLASS, 39 /* IPV6_TCLASS */},
};

// Copies Linux control messages into Windows' form (same header layout on
// LP64). Returns the bytes written; *truncated when some did not fit.
ULONG translate_cmsgs_in(msghdr& m, char* out, ULONG cap, bool* truncated) {
  ULONG at = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    int ws_type = -1;
    for (const cmsg_map& x : recv_cmsgs)
      if (x.level == c->cmsg_level && x.linux_type == c->cmsg_type) ws_type = x.ws_type;
    if (ws_type < 0) continue;
    const unsigned char* data = CMSG_DATA(c);
    unsigned char buf[sizeof(wpu_ws_in6_pktinfo)];
    size_t len = c->cmsg_len - CMSG_LEN(0);
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo li;
      std::memcpy(&li, data, sizeof li);
      wpu_ws_in_pktinfo wi{};
      wi.ipi_addr = li.ipi_addr;
      wi.ipi_ifindex = static_cast<ULONG>(li.ipi_ifindex);
      std::memcpy(buf, &wi, sizeof wi);
      len = sizeof wi;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
      const int v = data[0];
      std::memcpy(buf, &v, sizeof v);
      len = sizeof v;
    } else {
      len = std::min(len, sizeof buf);
      std::memcpy(buf, data, len);
    }
    const ULONG need = static_cast<ULONG>(CMSG_SPACE(len));
    if (at + need > cap) {
      *truncated = true;
      break;
    }
    WSACMSGHDR h{CMSG_LEN(len), c->cmsg_level, ws_type};
    std::memset(out + at, 0, need);
    std::memcpy(out + at, &h, sizeof h);
    std::memcpy(out + at + CMSG_LEN(0), buf, len);
    at += need;
  }
  return at;
}

struct recvmsg_op : op {
  LPWSAMSG msg = nullptr;
  std::vector<iovec> iov;
  std::vector<char> control;
  int lflags = 0;
  bool step(sock& s) override {
    msghdr m{};
    sockaddr_storage src{};
    m.msg_iov = iov.data();
    m.msg_iovlen = iov.size();
    m.msg_name = &src;
    m.msg_namelen = sizeof src;
    m.msg_control = control.empty() ? nullptr : control.data();
    m.msg_controllen = control.size();
    if (s.icmp_reset) {
      s.icmp_reset = false;
      error = WSAECONNRESET;
      return true;
    }
    const ssize_t n = ::recvmsg(s.fd, &m, lflags | MSG_DONTWAIT);
    if (n < 0) {
      const int e = errno;
      if (e == EAGAIN || e == EINTR) {
        take_icmp_errors(s);
        if (!s.icmp_reset) return false;
        s.icmp_reset = false;
        error = WSAECONNRESET;
        return true;
      }
      const bool icmp = e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH;
      if (icmp) {
        take_icmp_errors(s);
        s.icmp_reset = false;
      }
      error = static_cast<DWORD>(icmp ? WSAECONNRESET : sock_error(s, e));
      return true;
    }
    bytes = static_cast<DWORD>(n);
    ULONG out_flags = 0;
    if (msg->name != nullptr && m.msg_namelen > 0) {
      int len = msg->namelen;
      if (sockaddr_to_ws(src, m.msg_namelen, msg->name, &len) == 0) msg->namelen = len;
    }
    bool truncated = (m.msg_flags & MSG_CTRUNC) != 0;
    if (msg->Control.buf != nullptr && msg->Control.len > 0)
      msg->Control.len = translate_cmsgs_in(m, msg->Control.buf, msg->Control.len, &truncated);
    else
      msg->Control.len = 0;
    if (truncated) out_flags |= WPU_WS_MSG_CTRUNC;
    if ((m.msg_flags & MSG_TRUNC) != 0) {
      out_flags |= WPU_WS_MSG_TRUNC;
      error = WSAEMSGSIZE;
    }
    msg->dwFlags = out_flags;
    flags = out_flags;
    return true;
  }
};

// WSATHREADID for the calling thread of an extension function that takes a
// completion routine (its signature has no lpThreadId).
bool caller_thread(WSATHREADID* id) {
  int e = 0;
  return prov().up.lpWPUOpenCurrentThread != nullptr &&
         prov().up.lpWPUOpenCurrentThread(id, &e) == 0;
}

int finish_msg_call(const use& u, op_ptr o, LPDWORD done, LPWSAOVERLAPPED ov,
                    LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) {
  int e = 0;
  if (ov != nullptr && u->overlapped) {
    o->ov = ov;
    o->routine = routine;
    if (routine != nullptr) {
      if (!caller_thread(&o->thread)) return msg_fail_last(WSAEINVAL);
      o->own_thread = true;
    }
  }
  if (run(u, std::move(o), done, &e) != 0) return msg_fail_last(e);
  return 0;
}

}  // namespace

INT wsa_recv_msg(SOCKET s, LPWSAMSG lpMsg, LPDWORD lpdwNumberOfBytesRecvd,
                 LPWSAOVERLAPPED lpOverlapped,
                 LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) {
  int e = 0;
  use u;
  if (!u.acquire(s, &e)) return msg_fail_last(e);
  if (lpMsg == nullptr || (lpMsg->lpBuffers == nullptr && lpMsg->dwBufferCount != 0) ||
      (lpMsg->name == nullptr && lpMsg->namelen != 0) ||
      (lpMsg->name != nullptr && lpMsg->namelen < ws_sockaddr_len(u->family)))
    return msg_fail_last(WSAEFAULT);
  if (u->stream()) return msg_fail_last(WSAEOPNOTSUPP);
  if ((lpMsg->dwFlags & ~static_cast<ULONG>(WPU_WS_MSG_PEEK)) != 0)
    return msg_fail_last(WSAEOPNOTSUPP);
  auto o = std::make_unique<recvmsg_op>();
  o->msg = lpMsg;
  o->lflags = (lpMsg->dwFlags & WPU_WS_MSG_PEEK) != 0 ? MSG_PEEK : 0;
  o->reads = true;
  for (ULONG i = 0; i < lpMsg->dwBufferCount; ++i)
    o->iov.push_back(iovec{lpMsg->lpBuffers[i].buf, lpMsg->lpBuffers[i].len});
  if (lpMsg->Control.buf != nullptr && lpMsg->Control.len > 0)
    o->control.resize(static_cast<size_t>(lpMsg->Control.len) * 2 + 64);
  return finish_msg_call(u, std::move(o), lpdwNumberOfBytesRecvd, lpOverlapped,
                         lpCompletionRoutine);
}

// Appends one Linux control message (level, type, the bytes of `data`) to

namespace {

// `control`, zero-padded to CMSG_SPACE, for sendmsg(2).
template <typename T>
void append_cmsg(std::vector<char>& control, int level, int type, const T& data) {
  const size_t off = control.size();
  control.resize(off + CMSG_SPACE(sizeof data));
  cmsghdr c{};
  c.cmsg_len = CMSG_LEN(sizeof data);
  c.cmsg_level = level;
  c.cmsg_type = type;
  std::memcpy(control.data() + off, &c, sizeof c);
  std::memcpy(control.data() + off + CMSG_LEN(0), &data, sizeof data);
}

struct sendmsg_op : op {
  std::vector<iovec> iov;
  std::vector<char> control;
  sockaddr_storage to{};
  socklen_t tolen = 0;
  int lflags = 0;
  bool step(sock& s) override {
    msghdr m{};
    m.msg_iov = iov.data();
    m.msg_iovlen = iov.size();
    if (tolen != 0) {
      m.msg_name = &to;
      m.msg_namelen = tolen;
    }
    m.msg_control = control.empty() ? nullptr : control.data();
    m.msg_controllen = control.size();
    const ssize_t n = ::sendmsg(s.fd, &m, lflags | MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return false;
      error = static_cast<DWORD>(errno == EDESTADDRREQ ? WSAENOTCONN : sock_error(s, errno));
      return true;
    }
    bytes = static_cast<DWORD>(n);
    if (!s.stream()) s.bound = true;
    return true;
  }
};

}  // namespace

INT wsa_send_msg(SOCKET s, LPWSAMSG lpMsg, DWORD dwFlags, LPDWORD lpNumberOfBytesSent,
                 LPWSAOVERLAPPED lpOverlapped,
                 LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) {
  int e = 0;
  use u;
  if (!u.acquire(s, &e)) return msg_fail_last(e);
  if (lpMsg == nullptr || (lpMsg->lpBuffers == nullptr && lpMsg->dwBufferCount != 0))
    return msg_fail_last(WSAEFAULT);
  if ((dwFlags & ~static_cast<DWORD>(WPU_WS_MSG_DONTROUTE)) != 0)
    return msg_fail_last(WSAEOPNOTSUPP);
  auto o = std::make_unique<sendmsg_op>();
  o->reads = false;
  o->lflags = (dwFlags & WPU_WS_MSG_DONTROUTE) != 0 ? MSG_DONTROUTE : 0;
  for (ULONG i = 0; i < lpMsg->dwBufferCount; ++i)
    o->iov.push_back(iovec{lpMsg->lpBuffers[i].buf, lpMsg->lpBuffers[i].len});
  if (lpMsg->name != nullptr && !u->stream()) {
    if (int r = sockaddr_from_ws(lpMsg->name, lpMsg->namelen, u->family, &o->to, &o->tolen); r != 0)
      return msg_fail_last(r);
  }
  // Control data: IP_PKTINFO / IPV6_PKTINFO (the source address and interface).
  if (lpMsg->Control.buf != nullptr && lpMsg->Control.len >= sizeof(WSACMSGHDR)) {
    ULONG at = 0;
    while (at + sizeof(WSACMSGHDR) <= lpMsg->Control.len) {
      WSACMSGHDR h;
      std::memcpy(&h, lpMsg->Control.buf + at, sizeof h);
      if (h.cmsg_len < sizeof h || at + h.cmsg_len > lpMsg->Control.len)
        return msg_fail_last(WSAEINVAL);
      const char* data = lpMsg->Control.buf + at + CMSG_LEN(0);
      if (h.cmsg_level == IPPROTO_IP && h.cmsg_type == WPU_WS_IP_PKTINFO &&
          h.cmsg_len >= CMSG_LEN(sizeof(wpu_ws_in_pktinfo))) {
        wpu_ws_in_pktinfo wi;
        std::memcpy(&wi, data, sizeof wi);
        in_pktinfo li{};
        li.ipi_ifindex = static_cast<int>(wi.ipi_ifindex);
        li.ipi_spec_dst = wi.ipi_addr;
        append_cmsg(o->control, IPPROTO_IP, IP_PKTINFO, li);
      } else if (h.cmsg_level == IPPROTO_IPV6 && h.cmsg_type == WPU_WS_IPV6_PKTINFO &&
                 h.cmsg_len >= CMSG_LEN(sizeof(wpu_ws_in6_pktinfo))) {
        in6_pktinfo li;
        std::memcpy(&li, data, sizeof li);
        append_cmsg(o->control, IPPROTO_IPV6, IPV6_PKTINFO, li);
      } else {
        return msg_fail_last(WSAEINVAL);
      }
      at += static_cast<ULONG>(CMSG_ALIGN(h.cmsg_len));
    }
  }
  return finish_msg_call(u, std::move(o), lpNumberOfBytesSent, lpOverlapped, lpCompletionRoutine);
}

}  // namespace wpu_tcpip
