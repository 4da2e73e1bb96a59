// posix/tcpip/io.cpp - "wpu tcpip": data transfer (WSPSend/WSPRecv and the
// -To/-From forms), the request machinery shared with the extension
// functions (run, the reactor, completion delivery), WSPGetOverlappedResult,
// and the notification models (WSPSelect, WSPEventSelect,
// WSPEnumNetworkEvents, WSPAsyncSelect).
#include "provider.hpp"

#include <wpu/errno_map.hpp>

#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace wpu_tcpip {

// ---- events ---------------------------------------------------------------

// Records network event `bit` (one FD_ bit) with `error` if it is selected
// and enabled, and tells the client: WPUSetEvent for WSPEventSelect,
// WPUPostMessage for WSPAsyncSelect. The event stays disabled until the
// call that re-enables it (reenable). With s.m held.
static void record(sock& s, LONG bit, int error) noexcept {
  if ((s.mask & bit) == 0 || (s.enabled & bit) == 0) return;
  s.enabled &= ~bit;
  int index = 0;
  while ((1L << index) != bit) ++index;
  const WSPUPCALLTABLE& up = prov().up;
  if (s.event != nullptr) {
    s.recorded |= bit;
    s.errors[index] = error;
    int e = 0;
    up.lpWPUSetEvent(s.event, &e);
  } else if (s.hwnd != nullptr) {
    up.lpWPUPostMessage(s.hwnd, s.msg, static_cast<WPARAM>(s.fd),
                        static_cast<LPARAM>(WSAMAKESELECTREPLY(bit, error)));
  }
}

void refresh_connect(sock& s) noexcept {
  if (s.state != conn_state::connecting) return;
  pollfd p{s.fd, POLLOUT, 0};
  if (::poll(&p, 1, 0) <= 0 || (p.revents & (POLLOUT | POLLERR | POLLHUP)) == 0) return;
  int err = 0;
  socklen_t len = sizeof err;
  (void)::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err == 0 && (p.revents & POLLOUT) != 0 && (p.revents & POLLERR) == 0) {
    s.state = conn_state::connected;
    s.connected_at = std::chrono::steady_clock::now();
    record(s, FD_CONNECT, 0);
    s.enabled |= (s.mask & FD_WRITE);
    record(s, FD_WRITE, 0);
  } else {
    if (err == 0) err = ECONNREFUSED;
    s.state = conn_state::failed;
    s.pending_error = wpu::wsa_from_errno(err);
    record(s, FD_CONNECT, s.pending_error);
  }
}

// The readable socket's events (FD_ACCEPT, FD_READ, FD_CLOSE). With s.m held.
static void read_events(sock& s) noexcept {
  const LONG sel = s.mask & s.enabled;
  if (s.listening) {
    if ((sel & FD_ACCEPT) == 0) return;
    pollfd p{s.fd, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & POLLIN) != 0) record(s, FD_ACCEPT, 0);
    return;
  }
  if (s.stream() && s.state != conn_state::connected) return;
  if ((sel & (FD_READ | FD_CLOSE)) == 0) return;
  char c;
  const ssize_t n = ::recv(s.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (!s.stream() && n < 0) {
    // An ICMP error (the peek consumed it): the next receive reports it.
    if (errno != EAGAIN && errno != EINTR) s.icmp_reset = true;
    take_icmp_errors(s);
    if (!s.icmp_reset) return;
  }
  if (n > 0 || (n == 0 && !s.stream()) || (n < 0 && !s.stream())) {
    if ((sel & FD_READ) != 0)
      record(s, FD_READ, 0);
    else
      s.data_seen = true;
    return;
  }
  if (n == 0) {
    record(s, FD_CLOSE, 0);
    return;
  }
  if (errno == EAGAIN || errno == EINTR) return;
  s.reset = true;
  record(s, FD_CLOSE, errno == ETIMEDOUT ? WSAECONNABORTED : wpu::wsa_from_errno(errno));
}

static void write_events(sock& s) noexcept {
  refresh_connect(s);
  const LONG sel = s.mask & s.enabled;
  if ((sel & FD_WRITE) == 0) return;
  if (s.stream() && s.state != conn_state::connected) return;
  pollfd p{s.fd, POLLOUT, 0};
  if (::poll(&p, 1, 0) > 0 && (p.revents & POLLOUT) != 0) record(s, FD_WRITE, 0);
}

static void oob_events(sock& s) noexcept {
  if ((s.mask & s.enabled & FD_OOB) == 0) return;
  char c;
  if (::recv(s.fd, &c, 1, MSG_OOB | MSG_PEEK | MSG_DONTWAIT) >= 1) record(s, FD_OOB, 0);
}

// Records at once the selected events whose conditions already hold (as
// Windows does inside WSAEventSelect/WSAAsyncSelect and the re-enabling
// calls); the reactor notices the later ones. With s.m held.
static void check_now(sock& s, LONG bits) noexcept {
  if ((s.mask & s.enabled & bits) == 0) return;
  if ((bits & (FD_READ | FD_CLOSE | FD_ACCEPT)) != 0) read_events(s);
  if ((bits & (FD_WRITE | FD_CONNECT)) != 0) write_events(s);
  if ((bits & FD_OOB) != 0) oob_events(s);
}

void reenable(sock& s, LONG bits) noexcept {
  s.enabled |= (bits & s.mask);
  if ((bits & FD_READ) != 0) s.data_seen = false;
  check_now(s, bits);
  update_watch(s);
}

// ---- the reactor ----------------------------------------------------------

namespace {

enum class dir { read, write, except };

void on_ready(const sock_ptr& self, dir d, unsigned gen,
              const boost::system::error_code& ec) noexcept;

void process(sock& s, std::deque<op_ptr>& q, std::vector<op_ptr>* done) {
  while (!q.empty()) {
    if (!q.front()->step(s)) break;
    if (!q.front()->handed_off) done->push_back(std::move(q.front()));
    q.pop_front();
  }
}

bool arm(sock& s, dir d) noexcept {
  provider& pv = prov();
  if (pv.io == nullptr) return false;
  try {
    if (s.desc == nullptr)
      s.desc = std::make_unique<boost::asio::posix::stream_descriptor>(*pv.io, s.fd);
    const auto w = d == dir::read    ? boost::asio::posix::descriptor_base::wait_read
                   : d == dir::write ? boost::asio::posix::descriptor_base::wait_write
                                     : boost::asio::posix::descriptor_base::wait_error;
    s.desc->async_wait(w, [self = s.shared_from_this(), d, gen = s.desc_gen](
                              const boost::system::error_code& ec) { on_ready(self, d, gen, ec); });
    return true;
  } catch (...) {
    return false;
  }
}

void on_ready(const sock_ptr& self, dir d, unsigned gen,
              const boost::system::error_code& ec) noexcept {
  sock& s = *self;
  std::vector<op_ptr> done;
  {
    std::lock_guard<std::mutex> lock(s.m);
    if (gen != s.desc_gen) return;  // a wait of a released descriptor
    if (d == dir::read) s.read_armed = false;
    if (d == dir::write) s.write_armed = false;
    if (d == dir::except) s.except_armed = false;
    if (s.closed.load() || ec == boost::asio::error::operation_aborted) return;
    try {
      if (d == dir::read) {
        process(s, s.read_q, &done);
        read_events(s);
      } else if (d == dir::write) {
        refresh_connect(s);
        process(s, s.write_q, &done);
        write_events(s);
      } else {
        oob_events(s);
      }
    } catch (...) {
    }
    update_watch(s);
    // The deliveries name the fd: counted as a call in progress, so that
    // closesocket does not close (and the kernel does not reuse) the fd
    // before they are made.
    if (!done.empty()) s.users.fetch_add(1, std::memory_order_seq_cst);
  }
  if (done.empty()) return;
  for (op_ptr& o : done) deliver(s.fd, *o);
  s.users.fetch_sub(1, std::memory_order_seq_cst);
}

}  // namespace

void update_watch(sock& s) noexcept {
  if (s.closed.load()) return;
  const LONG sel = s.mask & s.enabled;
  const bool linked = !s.stream() || s.state == conn_state::connected;
  const bool need_read =
      !s.read_q.empty() || (s.listening && (sel & FD_ACCEPT) != 0) ||
      (!s.listening && linked &&
       ((sel & FD_READ) != 0 || ((sel & FD_CLOSE) != 0 && s.stream() && !s.data_seen)));
  const bool need_write = !s.write_q.empty() ||
                          (s.state == conn_state::connecting && (sel & FD_CONNECT) != 0) ||
                          ((sel & FD_WRITE) != 0 && linked && !s.listening);
  const bool need_except = s.stream() && linked && (sel & FD_OOB) != 0;
  if (need_read && !s.read_armed) s.read_armed = arm(s, dir::read);
  if (need_write && !s.write_armed) s.write_armed = arm(s, dir::write);
  if (need_except && !s.except_armed) s.except_armed = arm(s, dir::except);
}

void abort_queued(sock& s, std::vector<op_ptr>* out) noexcept {
  for (auto* q : {&s.read_q, &s.write_q}) {
    for (op_ptr& o : *q) out->push_back(std::move(o));
    q->clear();
  }
}

// ---- completion -----------------------------------------------------------

namespace {

// A completion routine's call, run by the APC on the thread that issued the
// request. Records not yet run are kept here so that WSPCleanup can free
// those whose thread exited first (wpu drops such APCs without running them).
struct apc_call {
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;
  LPWSAOVERLAPPED ov;
  DWORD error, bytes, flags;
};

std::mutex apc_m;
std::vector<apc_call*> apc_live;

void CALLBACK run_apc(DWORD_PTR context) {
  auto* a = reinterpret_cast<apc_call*>(context);
  {
    std::lock_guard<std::mutex> lock(apc_m);
    auto it = std::find(apc_live.begin(), apc_live.end(), a);
    if (it == apc_live.end()) return;  // freed by WSPCleanup
    apc_live.erase(it);
  }
  a->routine(a->error, a->bytes, a->ov, a->flags);
  delete a;
}

void store_result(LPWSAOVERLAPPED ov, DWORD error, DWORD bytes) noexcept {
  ov->InternalHigh = bytes;
  __atomic_store_n(&ov->Internal, static_cast<ULONG_PTR>(error), __ATOMIC_RELEASE);
}

}  // namespace

void free_unrun_apcs() noexcept {
  std::lock_guard<std::mutex> lock(apc_m);
  for (apc_call* a : apc_live) delete a;
  apc_live.clear();
}

void begin_overlapped(LPWSAOVERLAPPED ov) noexcept {
  ov->InternalHigh = 0;
  __atomic_store_n(&ov->Internal, static_cast<ULONG_PTR>(WSS_OPERATION_IN_PROGRESS),
                   __ATOMIC_RELEASE);
  HANDLE ev = reinterpret_cast<HANDLE>(reinterpret_cast<uintptr_t>(ov->hEvent) &
                                       ~static_cast<uintptr_t>(1));
  if (ev != nullptr) {
    int e = 0;
    (void)prov().up.lpWPUResetEvent(ev, &e);  // a bad event is the client's mistake
  }
}

void deliver(int fd, op& o) noexcept {
  LPWSAOVERLAPPED ov = o.ov;
  if (ov == nullptr) return;
  provider& pv = prov();
  ov->Offset = o.flags;
  if (o.routine != nullptr) {
    apc_call* a = new (std::nothrow) apc_call{o.routine, ov, o.error, o.bytes, o.flags};
    store_result(ov, o.error, o.bytes);
    if (a != nullptr) {
      {
        std::lock_guard<std::mutex> lock(apc_m);
        try {
          apc_live.push_back(a);
        } catch (...) {
          delete a;
          a = nullptr;
        }
      }
      int e = 0;
      if (a != nullptr &&
          pv.up.lpWPUQueueApc(&o.thread, run_apc, reinterpret_cast<DWORD_PTR>(a), &e) != 0) {
        std::lock_guard<std::mutex> lock(apc_m);
        auto it = std::find(apc_live.begin(), apc_live.end(), a);
        if (it != apc_live.end()) {
          apc_live.erase(it);
          delete a;
        }
      }
    }
  } else {
    int e = 0;
    if (wpu_complete_overlapped_request(static_cast<SOCKET>(fd), ov, o.error, o.bytes, &e) != 0) {
      // The handle was refused (no longer registered): the client still
      // learns the result through Internal and its event.
      HANDLE ev = reinterpret_cast<HANDLE>(reinterpret_cast<uintptr_t>(ov->hEvent) &
                                           ~static_cast<uintptr_t>(1));
      store_result(ov, o.error, o.bytes);
      if (ev != nullptr) pv.up.lpWPUSetEvent(ev, &e);
    }
  }
  if (o.own_thread && pv.up.lpWPUCloseThread != nullptr) {
    int e = 0;
    pv.up.lpWPUCloseThread(&o.thread, &e);
    o.own_thread = false;
  }
  { std::lock_guard<std::mutex> lock(pv.done_m); }
  pv.done_cv.notify_all();
}

int run(const use& u, op_ptr o, LPDWORD done, LPINT err) noexcept {
  sock& s = *u;
  if (o->ov != nullptr) {
    // A request that fails at once is not completed: Internal holds the
    // error, nothing is signalled, a thread opened for it is closed.
    auto refuse = [&](int e) {
      __atomic_store_n(&o->ov->Internal, static_cast<ULONG_PTR>(e), __ATOMIC_RELEASE);
      if (o->own_thread && prov().up.lpWPUCloseThread != nullptr) {
        int ce = 0;
        prov().up.lpWPUCloseThread(&o->thread, &ce);
      }
      *err = e;
      return SOCKET_ERROR;
    };
    begin_overlapped(o->ov);
    std::unique_lock<std::mutex> lock(s.m);
    auto& q = o->reads ? s.read_q : s.write_q;
    bool finished = false;
    try {
      finished = q.empty() && o->step(s);
    } catch (...) {
      return refuse(WSAENOBUFS);
    }
    if (o->reads) reenable(s, FD_READ);
    if (!finished) {
      try {
        q.push_back(std::move(o));
      } catch (...) {
        return refuse(WSAENOBUFS);
      }
      update_watch(s);
      *err = WSA_IO_PENDING;
      return SOCKET_ERROR;
    }
    lock.unlock();
    if (o->handed_off) {
      *err = WSA_IO_PENDING;
      return SOCKET_ERROR;
    }
    if (o->error != 0 && o->error != WSAEMSGSIZE) return refuse(static_cast<int>(o->error));
    if (done != nullptr) *done = o->bytes;
    deliver(s.fd, *o);
    if (o->error != 0) {
      *err = static_cast<int>(o->error);
      return SOCKET_ERROR;
    }
    return 0;
  }
  return run_sync(u, *o, done, err);
}

int run_sync(const use& u, op& o, LPDWORD done, LPINT err) noexcept {
  sock& s = *u;
  const int dir = o.reads ? 0 : 1;
  for (bool first = true;; first = false) {
    bool finished = false;
    bool nonblocking;
    DWORD timeout;
    {
      std::lock_guard<std::mutex> lock(s.m);
      nonblocking = s.nonblocking;
      timeout = o.reads ? s.rcvtimeo : s.sndtimeo;
      // A blocking call whose last attempt had to wait polls first (one
      // system call fewer in a request/response exchange).
      const bool wait_first = first && !nonblocking && s.wait_first[dir];
      if (!wait_first) {
        try {
          finished = o.step(s);
        } catch (...) {
          *err = WSAENOBUFS;
          return SOCKET_ERROR;
        }
        if (first) s.wait_first[dir] = !finished;
        if (o.reads) reenable(s, FD_READ);
        if (!finished && nonblocking && !o.reads) reenable(s, FD_WRITE);
      }
    }
    if (finished) {
      if (done != nullptr) *done = o.bytes;
      if (o.error != 0) {
        *err = static_cast<int>(o.error);
        return SOCKET_ERROR;
      }
      return 0;
    }
    if (nonblocking) {
      *err = WSAEWOULDBLOCK;
      return SOCKET_ERROR;
    }
    if (int e = wait_ready(s, o.reads ? POLLIN : POLLOUT, timeout); e != 0) {
      *err = e;
      return SOCKET_ERROR;
    }
  }
}

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

BOOL WSPAPI wsp_get_overlapped_result(SOCKET s, LPWSAOVERLAPPED lpOverlapped, LPDWORD lpcbTransfer,
                                      BOOL fWait, LPDWORD lpdwFlags, LPINT lpErrno) {
  {
    use u;
    if (!u.acquire(s, lpErrno)) return FALSE;
  }
  if (lpOverlapped == nullptr || lpcbTransfer == nullptr || lpdwFlags == nullptr) {
    *lpErrno = WSAEFAULT;
    return FALSE;
  }
  auto internal = [&] { return __atomic_load_n(&lpOverlapped->Internal, __ATOMIC_ACQUIRE); };
  if (internal() == WSS_OPERATION_IN_PROGRESS) {
    if (!fWait) {
      *lpErrno = WSA_IO_INCOMPLETE;
      return FALSE;
    }
    HANDLE ev = reinterpret_cast<HANDLE>(reinterpret_cast<uintptr_t>(lpOverlapped->hEvent) &
                                         ~static_cast<uintptr_t>(1));
    if (ev != nullptr) {
      if (wpu_wsa_wait_for_multiple_events(1, &ev, FALSE, WSA_INFINITE, FALSE) == WSA_WAIT_FAILED) {
        *lpErrno = WSA_INVALID_HANDLE;
        return FALSE;
      }
    } else {
      // No event: wait for the provider's completions (Windows waits on the
      // socket handle).
      provider& pv = prov();
      std::unique_lock<std::mutex> lock(pv.done_m);
      pv.done_cv.wait(lock, [&] { return internal() != WSS_OPERATION_IN_PROGRESS; });
    }
    if (internal() == WSS_OPERATION_IN_PROGRESS) {
      *lpErrno = WSA_IO_INCOMPLETE;
      return FALSE;
    }
  }
  const ULONG_PTR result = internal();
  *lpcbTransfer = static_cast<DWORD>(lpOverlapped->InternalHigh);
  *lpdwFlags = lpOverlapped->Offset;
  if (result != 0) {
    *lpErrno = static_cast<int>(result);
    return FALSE;
  }
  return TRUE;
}

// ---- notification models --------------------------------------------------

int WSPAPI wsp_event_select(SOCKET s, WSAEVENT hEventObject, LONG lNetworkEvents, LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  if (hEventObject == nullptr && lNetworkEvents != 0) {
    *lpErrno = WSAEINVAL;
    return SOCKET_ERROR;
  }
  std::lock_guard<std::mutex> lock(u->m);
  sock& k = *u;
  refresh_connect(k);
  k.hwnd = nullptr;
  k.msg = 0;
  k.event = lNetworkEvents != 0 ? hEventObject : nullptr;
  k.mask = lNetworkEvents & FD_ALL_EVENTS;
  k.enabled = k.mask;
  if (k.state != conn_state::connecting) k.enabled &= ~FD_CONNECT;
  k.recorded = 0;
  std::memset(k.errors, 0, sizeof k.errors);
  k.data_seen = false;
  k.nonblocking = true;
  check_now(k, FD_ALL_EVENTS);
  update_watch(k);
  return 0;
}

int WSPAPI wsp_enum_network_events(SOCKET s, WSAEVENT hEventObject,
                                   LPWSANETWORKEVENTS lpNetworkEvents, LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  if (lpNetworkEvents == nullptr) {
    *lpErrno = WSAEFAULT;
    return SOCKET_ERROR;
  }
  std::lock_guard<std::mutex> lock(u->m);
  sock& k = *u;
  if (hEventObject != nullptr) {
    int e = 0;
    if (!prov().up.lpWPUResetEvent(hEventObject, &e)) {
      *lpErrno = e != 0 ? e : WSA_INVALID_HANDLE;
      return SOCKET_ERROR;
    }
  }
  lpNetworkEvents->lNetworkEvents = k.recorded;
  for (int i = 0; i < FD_MAX_EVENTS; ++i) lpNetworkEvents->iErrorCode[i] = k.errors[i];
  k.recorded = 0;
  std::memset(k.errors, 0, sizeof k.errors);
  return 0;
}

int WSPAPI wsp_async_select(SOCKET s, HWND hWnd, unsigned int wMsg, LONG lEvent, LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  // Messages need a live window (wpu's window objects, <wpu/winapi.h>).
  if (lEvent != 0 && (hWnd == nullptr || !wpu_is_window(hWnd))) {
    *lpErrno = WSAEINVAL;
    return SOCKET_ERROR;
  }
  std::lock_guard<std::mutex> lock(u->m);
  sock& k = *u;
  refresh_connect(k);
  k.event = nullptr;
  k.recorded = 0;
  k.hwnd = lEvent != 0 ? hWnd : nullptr;
  k.msg = wMsg;
  k.mask = lEvent & FD_ALL_EVENTS;
  k.enabled = k.mask;
  if (k.state != conn_state::connecting) k.enabled &= ~FD_CONNECT;
  k.data_seen = false;
  k.nonblocking = true;
  check_now(k, FD_ALL_EVENTS);
  update_watch(k);
  return 0;
}

int WSPAPI wsp_select(int nfds, wpu_fd_set* readfds, wpu_fd_set* writefds, wpu_fd_set* exceptfds,
                      const PTIMEVAL timeout, LPINT lpErrno) {
  (void)nfds;
  wpu_fd_set* sets[3] = {readfds, writefds, exceptfds};
  std::vector<sock_ptr> socks;  // parallel to the set entries, set by set
  std::vector<pollfd> fds;
  size_t total = 0;
  for (wpu_fd_set* set : sets) {
    if (set == nullptr) continue;
    if (set->fd_count > WPU_FD_SETSIZE) {
      *lpErrno = WSAEINVAL;
      return SOCKET_ERROR;
    }
    total += set->fd_count;
  }
  if (total == 0) {
    *lpErrno = WSAEINVAL;
    return SOCKET_ERROR;
  }
  long long ms = -1;
  if (timeout != nullptr) {
    if (timeout->tv_sec < 0 || timeout->tv_usec < 0) {
      *lpErrno = WSAEINVAL;
      return SOCKET_ERROR;
    }
    ms = static_cast<long long>(timeout->tv_sec) * 1000 + (timeout->tv_usec + 999) / 1000;
  }
  try {
    socks.reserve(total);
    fds.resize(total);
  } catch (...) {
    *lpErrno = WSAENOBUFS;
    return SOCKET_ERROR;
  }
  for (wpu_fd_set* set : sets) {
    if (set == nullptr) continue;
    for (unsigned i = 0; i < set->fd_count; ++i) {
      sock_ptr p = find(set->fd_array[i], lpErrno);
      if (p == nullptr) return SOCKET_ERROR;
      socks.push_back(std::move(p));
    }
  }
  // The sockets are in use while select polls them, and list this thread's
  // waker: closesocket on another thread ends the select with WSAEINTR (as
  // Winsock specifies) before it closes the fd.
  const int waker = thread_waker();
  if (waker < 0) {
    *lpErrno = WSAENOBUFS;
    return SOCKET_ERROR;
  }
  struct watching {
    std::vector<sock_ptr>& socks;
    int waker;
    size_t entered = 0;
    ~watching() {
      for (size_t i = 0; i < entered; ++i) {
        sock& k = *socks[i];
        {
          std::lock_guard<std::mutex> lock(k.m);
          auto it = std::find(k.waiters.begin(), k.waiters.end(), waker);
          if (it != k.waiters.end()) k.waiters.erase(it);
        }
        k.users.fetch_sub(1, std::memory_order_seq_cst);
      }
      eventfd_t v;
      (void)::eventfd_read(waker, &v);
    }
    bool any_closed() const {
      for (size_t i = 0; i < entered; ++i)
        if (socks[i]->closed.load()) return true;
      return false;
    }
  } watch{socks, waker};
  for (const sock_ptr& p : socks) {
    p->users.fetch_add(1, std::memory_order_seq_cst);
    ++watch.entered;
    std::lock_guard<std::mutex> lock(p->m);
    if (p->closed.load()) {
      *lpErrno = WSAENOTSOCK;
      return SOCKET_ERROR;
    }
    try {
      p->waiters.push_back(waker);
    } catch (...) {
      *lpErrno = WSAENOBUFS;
      return SOCKET_ERROR;
    }
  }
  try {
    fds.push_back(pollfd{waker, POLLIN, 0});
  } catch (...) {
    *lpErrno = WSAENOBUFS;
    return SOCKET_ERROR;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(ms < 0 ? 0 : ms);
  std::vector<char> ready(total, 0);
  for (;;) {
    // The poll events each entry waits for, from the socket's state.
    size_t n = 0;
    for (int which = 0; which < 3; ++which) {
      wpu_fd_set* set = sets[which];
      if (set == nullptr) continue;
      for (unsigned i = 0; i < set->fd_count; ++i, ++n) {
        sock& k = *socks[n];
        std::lock_guard<std::mutex> lock(k.m);
        refresh_connect(k);
        short ev = 0;
        bool now = false;
        const bool linked = !k.stream() || k.state == conn_state::connected;
        if (which == 0) {
          if (k.listening || linked) ev = POLLIN;
        } else if (which == 1) {
          if (linked) ev = POLLOUT;
          if (k.state == conn_state::connecting) ev = POLLOUT;
        } else {
          if (k.state == conn_state::failed && k.pending_error != 0) now = true;
          if (k.state == conn_state::connecting) ev = POLLOUT;
          if (linked && k.stream()) ev |= POLLPRI;
        }
        ready[n] = now;
        fds[n] = pollfd{ev != 0 ? k.fd : -1, ev, 0};
      }
    }
    bool any = std::find(ready.begin(), ready.end(), 1) != ready.end();
    int wait_ms = 0;
    if (!any) {
      if (ms < 0) {
        wait_ms = -1;
      } else {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        wait_ms = left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, INT_MAX));
      }
    }
    int r = ::poll(fds.data(), fds.size(), wait_ms);
    if (r < 0 && errno != EINTR) {
      *lpErrno = wpu::wsa_from_errno(errno);
      return SOCKET_ERROR;
    }
    if (fds.back().revents != 0) {
      eventfd_t v;
      (void)::eventfd_read(waker, &v);
      if (watch.any_closed()) {
        *lpErrno = WSAEINTR;
        return SOCKET_ERROR;
      }
    }
    n = 0;
    for (int which = 0; which < 3; ++which) {
      wpu_fd_set* set = sets[which];
      if (set == nullptr) continue;
      for (unsigned i = 0; i < set->fd_count; ++i, ++n) {
        if (ready[n] || fds[n].fd < 0 || fds[n].revents == 0) continue;
        sock& k = *socks[n];
        std::lock_guard<std::mutex> lock(k.m);
        const short rv = fds[n].revents;
        if (which == 0) {
          ready[n] = (rv & (POLLIN | POLLHUP | POLLERR)) != 0;
        } else if (which == 1) {
          refresh_connect(k);
          ready[n] = (!k.stream() || k.state == conn_state::connected) && (rv & POLLOUT) != 0;
        } else {
          refresh_connect(k);
          ready[n] = (k.state == conn_state::failed && k.pending_error != 0) || (rv & POLLPRI) != 0;
        }
      }
    }
    any = std::find(ready.begin(), ready.end(), 1) != ready.end();
    if (any) break;
    if (ms >= 0 && std::chrono::steady_clock::now() >= deadline) break;
  }
  // Keep the ready entries, in order.
  int count = 0;
  size_t n = 0;
  for (wpu_fd_set* set : sets) {
    if (set == nullptr) continue;
    unsigned kept = 0;
    const unsigned c = set->fd_count;
    for (unsigned i = 0; i < c; ++i, ++n)
      if (ready[n]) set->fd_array[kept++] = set->fd_array[i];
    set->fd_count = kept;
    count += static_cast<int>(kept);
  }
  return count;
}

}  // namespace wpu_tcpip
