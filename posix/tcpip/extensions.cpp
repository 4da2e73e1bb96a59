// posix/tcpip/extensions.cpp - "wpu tcpip": the Microsoft extension
// functions SIO_GET_EXTENSION_FUNCTION_POINTER returns (AcceptEx,
// GetAcceptExSockaddrs, ConnectEx, DisconnectEx, TransmitFile, WSARecvMsg,
// WSASendMsg), and WSPAddressToString / WSPStringToAddress.
//
// The extension functions report errors as Windows' do: FALSE or
// SOCKET_ERROR with the calling thread's last error (WSASetLastError), and
// ERROR_IO_PENDING (WSA_IO_PENDING) for an overlapped request that waits.
#include "provider.hpp"

#include <wpu/errno_map.hpp>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace wpu_tcpip {

namespace {

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

// ---- AcceptEx -------------------------------------------------------------

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

// ---- DisconnectEx and TransmitFile ----------------------------------------

// The end of a connection as DisconnectEx / TF_DISCONNECT make it: a FIN,
// and with TF_REUSE_SOCKET a fresh unconnected socket under the same SOCKET
// (for AcceptEx or ConnectEx again). With k.m held. 0 or the error.
int disconnect_locked(sock& k, DWORD flags) noexcept {
  if (::shutdown(k.fd, SHUT_WR) != 0 && errno != ENOTCONN) return wpu::wsa_from_errno(errno);
  k.shut_send = true;
  if ((flags & TF_REUSE_SOCKET) != 0) {
    const int fd = fresh_fd(k);
    if (fd < 0) return wpu::wsa_from_errno(errno);
    replace_fd(k, fd);
    k.state = conn_state::idle;
    k.bound = k.listening = k.shut_send = k.shut_recv = k.reset = false;
    k.pending_error = 0;
  }
  return 0;
}

BOOL disconnect_ex(SOCKET s, LPOVERLAPPED lpOverlapped, DWORD dwFlags, DWORD dwReserved) {
  int e = 0;
  use u;
  if (!u.acquire(s, &e)) return fail_last(e);
  sock& k = *u;
  if (dwReserved != 0 || (dwFlags & ~static_cast<DWORD>(TF_REUSE_SOCKET)) != 0 || !k.stream())
    return fail_last(WSAEINVAL);
  {
    std::lock_guard<std::mutex> lock(k.m);
    refresh_connect(k);
    if (k.state != conn_state::connected) return fail_last(WSAENOTCONN);
    if (int r = disconnect_locked(k, dwFlags); r != 0) return fail_last(r);
  }
  if (lpOverlapped != nullptr && k.overlapped) {
    struct finished : op {
      bool step(sock&) override { return true; }
    } o;
    o.ov = lpOverlapped;
    deliver(k.fd, o);
  }
  return TRUE;
}

struct transmit_op : op {
  const char* head = nullptr;
  DWORD head_len = 0;
  const char* tail = nullptr;
  DWORD tail_len = 0;
  int file = -1;
  bool use_offset = false;
  off_t offset = 0;
  unsigned long long file_left = 0;
  DWORD per_send = 0;
  DWORD flags_tf = 0;
  DWORD head_done = 0, tail_done = 0;

  bool send_part(sock& s, const char* p, DWORD len, DWORD* progress, bool* wait) {
    while (*progress < len) {
      const ssize_t n = ::send(s.fd, p + *progress, len - *progress, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
          *wait = true;
          return false;
        }
        error = static_cast<DWORD>(sock_error(s, errno));
        return false;
      }
      *progress += static_cast<DWORD>(n);
      bytes += static_cast<DWORD>(n);
    }
    return true;
  }

  bool step(sock& s) override {
    bool wait = false;
    if (!send_part(s, head, head_len, &head_done, &wait)) return !wait;
    while (file_left > 0) {
      size_t chunk = file_left > (1u << 30) ? (1u << 30) : static_cast<size_t>(file_left);
      if (per_send != 0 && chunk > per_send) chunk = per_send;
      const ssize_t n = ::sendfile(s.fd, file, use_offset ? &offset : nullptr, chunk);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return false;
        error = static_cast<DWORD>(errno == EBADF || errno == EINVAL ? WSAEINVAL
                                                                     : sock_error(s, errno));
        return true;
      }
      if (n == 0) break;  // the file is shorter than asked
      file_left -= static_cast<unsigned long long>(n);
      bytes += static_cast<DWORD>(n);
    }
    file_left = 0;
    if (!send_part(s, tail, tail_len, &tail_done, &wait)) return !wait;
    if ((flags_tf & TF_DISCONNECT) != 0) {
      if (int r = disconnect_locked(s, flags_tf); r != 0) error = static_cast<DWORD>(r);
    }
    return true;
  }
};

BOOL transmit_file(SOCKET hSocket, HANDLE hFile, DWORD nNumberOfBytesToWrite,
                   DWORD nNumberOfBytesPerSend, LPOVERLAPPED lpOverlapped,
                   LPTRANSMIT_FILE_BUFFERS lpTransmitBuffers, DWORD dwReserved) {
  int e = 0;
  use u;
  if (!u.acquire(hSocket, &e)) return fail_last(e);
  sock& k = *u;
  const DWORD known =
      TF_DISCONNECT | TF_REUSE_SOCKET | TF_WRITE_BEHIND | TF_USE_SYSTEM_THREAD | TF_USE_KERNEL_APC;
  if (!k.stream() || (dwReserved & ~known) != 0 ||
      ((dwReserved & TF_REUSE_SOCKET) != 0 && (dwReserved & TF_DISCONNECT) == 0))
    return fail_last(WSAEINVAL);
  {
    std::lock_guard<std::mutex> lock(k.m);
    refresh_connect(k);
    if (k.state != conn_state::connected) return fail_last(WSAENOTCONN);
  }
  auto o = std::make_unique<transmit_op>();
  o->flags_tf = dwReserved;
  if (lpTransmitBuffers != nullptr) {
    o->head = static_cast<const char*>(lpTransmitBuffers->Head);
    o->head_len = lpTransmitBuffers->Head != nullptr ? lpTransmitBuffers->HeadLength : 0;
    o->tail = static_cast<const char*>(lpTransmitBuffers->Tail);
    o->tail_len = lpTransmitBuffers->Tail != nullptr ? lpTransmitBuffers->TailLength : 0;
  }
  o->per_send = nNumberOfBytesPerSend;
  if (hFile != nullptr) {
    o->file = static_cast<int>(reinterpret_cast<intptr_t>(hFile));
    struct stat st;
    if (::fstat(o->file, &st) != 0) return fail_last(WSAEINVAL);
    const bool overlapped = lpOverlapped != nullptr && k.overlapped;
    off_t start;
    if (overlapped) {
      o->use_offset = true;
      start = static_cast<off_t>((static_cast<unsigned long long>(lpOverlapped->OffsetHigh) << 32) |
                                 lpOverlapped->Offset);
      o->offset = start;
    } else {
      start = ::lseek(o->file, 0, SEEK_CUR);
      if (start < 0) start = 0;
    }
    const unsigned long long avail =
        st.st_size > start ? static_cast<unsigned long long>(st.st_size - start) : 0;
    o->file_left = nNumberOfBytesToWrite == 0 ? avail : nNumberOfBytesToWrite;
  }
  if (lpOverlapped != nullptr && k.overlapped) {
    o->ov = lpOverlapped;
    return run_ext(u, std::move(o), nullptr, false) ? TRUE : FALSE;
  }
  // No overlapped: the call blocks until everything is sent.
  for (;;) {
    bool finished;
    {
      std::lock_guard<std::mutex> lock(k.m);
      finished = o->step(k);
    }
    if (finished) return o->error == 0 ? TRUE : fail_last(static_cast<int>(o->error));
    if (int r = wait_ready(k, POLLOUT, k.sndtimeo); r != 0) return fail_last(r);
  }
}

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

// ---- address strings --------------------------------------------------------

INT WSPAPI wsp_address_to_string(LPSOCKADDR lpsaAddress, DWORD dwAddressLength,
                                 LPWSAPROTOCOL_INFOW lpProtocolInfo, LPWSTR lpszAddressString,
                                 LPDWORD lpdwAddressStringLength, LPINT lpErrno) {
  (void)lpProtocolInfo;
  if (lpsaAddress == nullptr || lpdwAddressStringLength == nullptr) {
    *lpErrno = WSAEFAULT;
    return SOCKET_ERROR;
  }
  char text[INET6_ADDRSTRLEN + 32];
  if (lpsaAddress->sa_family == AF_INET) {
    if (dwAddressLength < sizeof(sockaddr_in)) {
      *lpErrno = WSAEFAULT;
      return SOCKET_ERROR;
    }
    sockaddr_in a;
    std::memcpy(&a, lpsaAddress, sizeof a);
    char ip[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
    if (a.sin_port != 0)
      std::snprintf(text, sizeof text, "%s:%u", ip, ntohs(a.sin_port));
    else
      std::snprintf(text, sizeof text, "%s", ip);
  } else if (lpsaAddress->sa_family == WPU_WS_AF_INET6) {
    if (dwAddressLength < sizeof(sockaddr_in6)) {
      *lpErrno = WSAEFAULT;
      return SOCKET_ERROR;
    }
    sockaddr_in6 a;
    std::memcpy(&a, lpsaAddress, sizeof a);
    char ip[INET6_ADDRSTRLEN];
    ::inet_ntop(AF_INET6, &a.sin6_addr, ip, sizeof ip);
    std::string t = ip;
    if (a.sin6_scope_id != 0) t += "%" + std::to_string(a.sin6_scope_id);
    if (a.sin6_port != 0) t = "[" + t + "]:" + std::to_string(ntohs(a.sin6_port));
    std::snprintf(text, sizeof text, "%s", t.c_str());
  } else {
    *lpErrno = WSAEINVAL;
    return SOCKET_ERROR;
  }
  const DWORD need = static_cast<DWORD>(std::strlen(text) + 1);
  if (lpszAddressString == nullptr || *lpdwAddressStringLength < need) {
    *lpdwAddressStringLength = need;
    *lpErrno = WSAEFAULT;
    return SOCKET_ERROR;
  }
  for (DWORD i = 0; i < need; ++i) lpszAddressString[i] = static_cast<WCHAR>(text[i]);
  *lpdwAddressStringLength = need;
  return 0;
}

INT WSPAPI wsp_string_to_address(LPWSTR AddressString, INT AddressFamily,
                                 LPWSAPROTOCOL_INFOW lpProtocolInfo, LPSOCKADDR lpAddress,
                                 LPINT lpAddressLength, LPINT lpErrno) {
  (void)lpProtocolInfo;
  if (AddressString == nullptr || lpAddressLength == nullptr) {
    *lpErrno = WSAEFAULT;
    return SOCKET_ERROR;
  }
  std::string t;
  for (const WCHAR* p = AddressString; *p != 0; ++p) {
    if (*p >= 0x80 || t.size() > 255) {
      *lpErrno = WSAEINVAL;
      return SOCKET_ERROR;
    }
    t += static_cast<char>(*p);
  }
  unsigned long port = 0;
  auto parse_port = [&](const std::string& p) {
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos)
      return false;
    port = std::stoul(p);
    return port <= 65535;
  };
  if (AddressFamily == AF_INET) {
    std::string host = t;
    const size_t colon = t.find(':');
    if (colon != std::string::npos) {
      host = t.substr(0, colon);
      if (!parse_port(t.substr(colon + 1))) {
        *lpErrno = WSAEINVAL;
        return SOCKET_ERROR;
      }
    }
    in_addr addr{};
    if (host.empty() || ::inet_aton(host.c_str(), &addr) == 0) {
      *lpErrno = WSAEINVAL;
      return SOCKET_ERROR;
    }
    if (*lpAddressLength < static_cast<int>(sizeof(sockaddr_in)) || lpAddress == nullptr) {
      *lpAddressLength = sizeof(sockaddr_in);
      *lpErrno = WSAEFAULT;
      return SOCKET_ERROR;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr = addr;
    std::memset(lpAddress, 0, static_cast<size_t>(*lpAddressLength));
    std::memcpy(lpAddress, &a, sizeof a);
    *lpAddressLength = sizeof a;
    return 0;
  }
  if (AddressFamily == WPU_WS_AF_INET6) {
    std::string host = t;
    if (!t.empty() && t[0] == '[') {
      const size_t close = t.find(']');
      if (close == std::string::npos) {
        *lpErrno = WSAEINVAL;
        return SOCKET_ERROR;
      }
      host = t.substr(1, close - 1);
      const std::string rest = t.substr(close + 1);
      if (!rest.empty() && (rest[0] != ':' || !parse_port(rest.substr(1)))) {
        *lpErrno = WSAEINVAL;
        return SOCKET_ERROR;
      }
    }
    unsigned long scope = 0;
    const size_t pct = host.find('%');
    if (pct != std::string::npos) {
      const std::string z = host.substr(pct + 1);
      if (z.empty() || z.size() > 10 || z.find_first_not_of("0123456789") != std::string::npos) {
        *lpErrno = WSAEINVAL;
        return SOCKET_ERROR;
      }
      scope = std::stoul(z);
      host = host.substr(0, pct);
    }
    in6_addr addr{};
    if (::inet_pton(AF_INET6, host.c_str(), &addr) != 1) {
      *lpErrno = WSAEINVAL;
      return SOCKET_ERROR;
    }
    if (*lpAddressLength < static_cast<int>(sizeof(sockaddr_in6)) || lpAddress == nullptr) {
      *lpAddressLength = sizeof(sockaddr_in6);
      *lpErrno = WSAEFAULT;
      return SOCKET_ERROR;
    }
    sockaddr_in6 a{};
    a.sin6_port = htons(static_cast<uint16_t>(port));
    a.sin6_addr = addr;
    a.sin6_scope_id = static_cast<uint32_t>(scope);
    std::memset(lpAddress, 0, static_cast<size_t>(*lpAddressLength));
    std::memcpy(lpAddress, &a, sizeof a);
    lpAddress->sa_family = WPU_WS_AF_INET6;
    *lpAddressLength = sizeof a;
    return 0;
  }
  *lpErrno = WSAEINVAL;
  return SOCKET_ERROR;
}

}  // namespace wpu_tcpip
