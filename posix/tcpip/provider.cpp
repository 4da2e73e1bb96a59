// posix/tcpip/provider.cpp - "wpu tcpip": WSPStartup/WSPCleanup, the socket
// table, socket lifetime (WSPSocket, WSPAccept, WSPCloseSocket), addresses,
// connection setup and teardown (docs/tcpip.md).
#include "provider.hpp"

#include <wpu/errno_map.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#define WPU_TCPIP_EXPORT extern "C" __attribute__((visibility("default")))

namespace wpu_tcpip {

namespace {

provider* the_provider = nullptr;  // made by the first prov(), freed by provider_release

// Frees the provider when the module is unloaded (the host's dlclose after
// its last WSPCleanup) or the process exits, if it is idle then: no startup
// left, so no socket, request or reactor thread can still use it. A provider
// still started at exit (a process that never called WSACleanup) is left as
// it is: its threads may still be running.
struct provider_release {
  ~provider_release() {
    provider* p = the_provider;
    if (p == nullptr) return;
    {
      std::lock_guard<std::mutex> lock(p->m);
      if (p->startups != 0 || p->reactor.joinable()) return;
    }
    delete p;
  }
} release_at_unload;

}  // namespace

provider& prov() noexcept {
  static provider* p = the_provider = new provider();
  return *p;
}

sock::sock(int fd_, DWORD catalog_id_, const WSAPROTOCOL_INFOW& info_, int family_, int type_,
           int protocol_, bool overlapped_) noexcept
    : fd(fd_),
      catalog_id(catalog_id_),
      info(info_),
      family(family_),
      type(type_),
      protocol(protocol_),
      overlapped(overlapped_) {}

sock::~sock() {
  if (deferred_fd >= 0) ::close(deferred_fd);
}

sock_ptr find(SOCKET s, int* err) noexcept {
  provider& p = prov();
  if (s < p.table.max_size()) {
    std::shared_lock<std::shared_mutex> lock(p.table_m);
    if (s < p.table.size() && p.table[s] != nullptr) return p.table[s];
  }
  *err = WSAENOTSOCK;
  return nullptr;
}

bool use::acquire(SOCKET s, int* err) noexcept {
  release();
  sock_ptr p = find(s, err);
  if (p == nullptr) return false;
  p->users.fetch_add(1, std::memory_order_seq_cst);
  if (p->closed.load(std::memory_order_seq_cst)) {
    p->users.fetch_sub(1, std::memory_order_seq_cst);
    *err = WSAENOTSOCK;
    return false;
  }
  p_ = std::move(p);
  return true;
}

void use::release() noexcept {
  if (p_ != nullptr) {
    p_->users.fetch_sub(1, std::memory_order_seq_cst);
    p_.reset();
  }
}

int sock_error(const sock& s, int e) noexcept {
  if (e == EPIPE) return s.shut_send ? WSAESHUTDOWN : WSAECONNRESET;
  return wpu::wsa_from_errno(e);
}

int ws_sockaddr_len(int linux_family) noexcept {
  return linux_family == AF_INET6 ? static_cast<int>(sizeof(sockaddr_in6))
                                  : static_cast<int>(sizeof(sockaddr_in));
}

int sockaddr_from_ws(const sockaddr* name, int namelen, int family, sockaddr_storage* out,
                     socklen_t* outlen) noexcept {
  if (name == nullptr || namelen < static_cast<int>(sizeof(sa_family_t))) return WSAEFAULT;
  std::memset(out, 0, sizeof *out);
  const unsigned ws_family = name->sa_family;
  if (ws_family == AF_INET) {
    if (namelen < static_cast<int>(sizeof(sockaddr_in))) return WSAEFAULT;
    std::memcpy(out, name, sizeof(sockaddr_in));
    *outlen = sizeof(sockaddr_in);
  } else if (ws_family == WPU_WS_AF_INET6) {
    if (namelen < static_cast<int>(sizeof(sockaddr_in6))) return WSAEFAULT;
    std::memcpy(out, name, sizeof(sockaddr_in6));
    out->ss_family = AF_INET6;
    *outlen = sizeof(sockaddr_in6);
  } else if (ws_family == AF_UNSPEC) {
    out->ss_family = AF_UNSPEC;
    *outlen = sizeof(sockaddr_in);
    return 0;
  } else {
    return WSAEAFNOSUPPORT;
  }
  if (family != 0 && out->ss_family != family) return WSAEAFNOSUPPORT;
  return 0;
}

int sockaddr_to_ws(const sockaddr_storage& in, socklen_t inlen, sockaddr* name, int* len) noexcept {
  (void)inlen;
  if (name == nullptr || len == nullptr) return WSAEFAULT;
  const int need = ws_sockaddr_len(in.ss_family);
  if (*len < need) return WSAEFAULT;
  std::memcpy(name, &in, static_cast<size_t>(need));
  if (in.ss_family == AF_INET6) name->sa_family = WPU_WS_AF_INET6;
  *len = need;
  return 0;
}

void socket_defaults(int fd, int family, int type) noexcept {
  int one = 1;
  if (family == AF_INET6) (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (type == SOCK_DGRAM) {
    if (family == AF_INET6)
      (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one);
    else
      (void)::setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
  }
}

void take_icmp_errors(sock& s) noexcept {
  char data[64], control[512];
  for (int i = 0; i < 64; ++i) {
    iovec v{data, sizeof data};
    msghdr m{};
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    if (::recvmsg(s.fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
    s.icmp_reset = true;
  }
}

// ---- blocking waits -------------------------------------------------------

namespace {

// The calling thread's wake-up eventfd, written by WSPCloseSocket to
// interrupt a blocking call on a socket it closes.
struct waker {
  int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ~waker() {
    if (fd >= 0) ::close(fd);
  }
};

int poll_ms_until(std::chrono::steady_clock::time_point deadline, bool forever) noexcept {
  if (forever) return -1;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
  if (left < 0) left = 0;
  return static_cast<int>(std::min<long long>(left + 1, 0x7fffffff));
}

}  // namespace

int thread_waker() noexcept {
  static thread_local waker w;
  return w.fd;
}

int wait_ready(sock& s, short events, DWORD timeout_ms) noexcept {
  struct {
    int fd;
  } w{thread_waker()};
  if (w.fd < 0) return WSAENOBUFS;
  {
    std::lock_guard<std::mutex> lock(s.m);
    if (s.closed.load()) return WSAEINTR;
    s.waiters.push_back(w.fd);
  }
  const bool forever = timeout_ms == 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  pollfd p[2] = {{s.fd, events, 0}, {w.fd, POLLIN, 0}};
  int r;
  for (;;) {
    r = ::poll(p, 2, poll_ms_until(deadline, forever));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0 && !forever && std::chrono::steady_clock::now() < deadline) continue;
    break;
  }
  {
    std::lock_guard<std::mutex> lock(s.m);
    auto it = std::find(s.waiters.begin(), s.waiters.end(), w.fd);
    if (it != s.waiters.end()) s.waiters.erase(it);
  }
  if (p[1].revents != 0) {
    eventfd_t v;
    (void)::eventfd_read(w.fd, &v);
  }
  if (s.closed.load()) return WSAEINTR;
  if (r == 0) return WSAETIMEDOUT;
  if (r < 0) return wpu::wsa_from_errno(errno);
  return 0;
}

// ---- startup and cleanup --------------------------------------------------

void close_duplicates() noexcept;
int take_duplicate(const WSAPROTOCOL_INFOW& info) noexcept;

namespace {

void start_reactor(provider& p) {
  p.io = std::make_unique<boost::asio::io_context>(1);
  p.work =
      std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          p.io->get_executor());
  boost::asio::io_context* io = p.io.get();
  p.reactor = std::thread([io] { io->run(); });
}

void stop_reactor(provider& p) noexcept {
  p.work.reset();
  if (p.io != nullptr) p.io->stop();
  if (p.reactor.joinable()) p.reactor.join();
  p.io.reset();
}

}  // namespace

// Closes one socket the way WSPCloseSocket does once it owns `p` (removed
// from the table): wakes the blocked callers, aborts the queued requests,
// waits for the callers to leave and closes the fd.
static void close_owned(const sock_ptr& p) noexcept {
  p->closed.store(true, std::memory_order_seq_cst);
  std::vector<op_ptr> aborted;
  {
    std::lock_guard<std::mutex> lock(p->m);
    for (int w : p->waiters) (void)::eventfd_write(w, 1);
    if (p->desc != nullptr) {
      boost::system::error_code ec;
      p->desc->cancel(ec);
      (void)p->desc->release();
      p->desc.reset();
      ++p->desc_gen;
    }
    abort_queued(*p, &aborted);
    p->event = nullptr;
    p->hwnd = nullptr;
    p->mask = 0;
  }
  for (op_ptr& o : aborted) {
    o->error = WSA_OPERATION_ABORTED;
    o->bytes = 0;
    o->flags = 0;
    deliver(p->fd, *o);
  }
  while (p->users.load(std::memory_order_seq_cst) != 0) {
    {
      std::lock_guard<std::mutex> lock(p->m);
      for (int w : p->waiters) (void)::eventfd_write(w, 1);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  ::close(p->fd);
}

void close_all_for_cleanup() noexcept {
  provider& pv = prov();
  std::vector<sock_ptr> all;
  {
    std::unique_lock<std::shared_mutex> lock(pv.table_m);
    for (sock_ptr& p : pv.table)
      if (p != nullptr) all.push_back(std::move(p));
    pv.table.clear();
  }
  for (const sock_ptr& p : all) close_owned(p);
}

int WSPAPI wsp_cleanup(LPINT lpErrno) {
  provider& p = prov();
  std::lock_guard<std::mutex> lock(p.m);
  if (p.startups == 0) {
    *lpErrno = WSANOTINITIALISED;
    return SOCKET_ERROR;
  }
  if (--p.startups == 0) {
    close_all_for_cleanup();
    stop_reactor(p);
    close_duplicates();
    free_unrun_apcs();
  }
  return 0;
}

int WSPAPI wsp_cancel_blocking_call(LPINT lpErrno) {
  // Winsock 2 has no blocking hooks that could run inside a blocking call of
  // this provider: there is never a call to cancel.
  *lpErrno = WSAEINVAL;
  return SOCKET_ERROR;
}

// ---- sockets --------------------------------------------------------------

SOCKET adopt(int fd, DWORD catalog_id, const WSAPROTOCOL_INFOW& info, int family, int type,
             int protocol, bool overlapped, sock_ptr* out, int* err) noexcept {
  provider& pv = prov();
  sock_ptr p;
  try {
    p = std::make_shared<sock>(fd, catalog_id, info, family, type, protocol, overlapped);
  } catch (...) {
    ::close(fd);
    *err = WSAENOBUFS;
    return INVALID_SOCKET;
  }
  int e = 0;
  SOCKET h = pv.up.lpWPUModifyIFSHandle(catalog_id, static_cast<SOCKET>(fd), &e);
  if (h == INVALID_SOCKET) {
    ::close(fd);
    *err = e != 0 ? e : WSAENOBUFS;
    return INVALID_SOCKET;
  }
  try {
    std::unique_lock<std::shared_mutex> lock(pv.table_m);
    if (pv.table.size() <= static_cast<size_t>(fd)) pv.table.resize(static_cast<size_t>(fd) + 64);
    pv.table[static_cast<size_t>(fd)] = p;
  } catch (...) {
    ::close(fd);
    *err = WSAENOBUFS;
    return INVALID_SOCKET;
  }
  if (out != nullptr) *out = std::move(p);
  return h;
}

static bool has_local_port(int fd) noexcept;

SOCKET WSPAPI wsp_socket(int af, int type, int protocol, LPWSAPROTOCOL_INFOW lpProtocolInfo,
                         GROUP g, DWORD dwFlags, LPINT lpErrno) {
  if (lpProtocolInfo == nullptr) {
    *lpErrno = WSAEINVAL;
    return INVALID_SOCKET;
  }
  const WSAPROTOCOL_INFOW& info = *lpProtocolInfo;
  if (af == FROM_PROTOCOL_INFO || af == AF_UNSPEC) af = info.iAddressFamily;
  if (type == FROM_PROTOCOL_INFO || type == 0) type = info.iSocketType;
  if (protocol == FROM_PROTOCOL_INFO || protocol == 0) protocol = info.iProtocol;
  int family;
  if (af == AF_INET)
    family = AF_INET;
  else if (af == WPU_WS_AF_INET6)
    family = AF_INET6;
  else {
    *lpErrno = WSAEAFNOSUPPORT;
    return INVALID_SOCKET;
  }
  if (af != info.iAddressFamily) {
    *lpErrno = WSAEAFNOSUPPORT;
    return INVALID_SOCKET;
  }
  if ((type != SOCK_STREAM && type != SOCK_DGRAM) || type != info.iSocketType) {
    *lpErrno = WSAESOCKTNOSUPPORT;
    return INVALID_SOCKET;
  }
  if (protocol != (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP)) {
    *lpErrno = WSAEPROTONOSUPPORT;
    return INVALID_SOCKET;
  }
  if (g != 0 || (dwFlags & (WSA_FLAG_MULTIPOINT_C_ROOT | WSA_FLAG_MULTIPOINT_C_LEAF |
                            WSA_FLAG_MULTIPOINT_D_ROOT | WSA_FLAG_MULTIPOINT_D_LEAF)) != 0) {
    *lpErrno = WSAEINVAL;
    return INVALID_SOCKET;
  }
  // A WSAPROTOCOL_INFOW from WSPDuplicateSocket opens the duplicate.
  if (int dup = take_duplicate(info); dup >= 0) {
    sock_ptr p;
    SOCKET h = adopt(dup, info.dwCatalogEntryId, info, family, type, protocol,
                     (dwFlags & WSA_FLAG_OVERLAPPED) != 0, &p, lpErrno);
    if (h != INVALID_SOCKET) {
      // The duplicate's state is the original's, as the kernel has it.
      std::lock_guard<std::mutex> lock(p->m);
      sockaddr_storage a;
      socklen_t len = sizeof a;
      int listening = 0;
      socklen_t llen = sizeof listening;
      (void)::getsockopt(dup, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen);
      p->listening = listening != 0;
      p->bound = has_local_port(dup);
      if (::getpeername(dup, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
        p->state = conn_state::connected;
        p->connected_at = std::chrono::steady_clock::now();
      }
    }
    return h;
  }
  int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    *lpErrno = wpu::wsa_from_errno(errno);
    return INVALID_SOCKET;
  }
  socket_defaults(fd, family, type);
  return adopt(fd, info.dwCatalogEntryId, info, family, type, protocol,
               (dwFlags & WSA_FLAG_OVERLAPPED) != 0, nullptr, lpErrno);
}

int WSPAPI wsp_close_socket(SOCKET s, LPINT lpErrno) {
  provider& pv = prov();
  sock_ptr p;
  {
    std::unique_lock<std::shared_mutex> lock(pv.table_m);
    if (s < pv.table.size()) p = std::move(pv.table[s]);
  }
  if (p == nullptr) {
    *lpErrno = WSAENOTSOCK;
    return SOCKET_ERROR;
  }
  close_owned(p);
  return 0;
}

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

// True when the fd has a local address (bind, connect or a send bound it).
static bool has_local_port(int fd) noexcept {
  sockaddr_storage a;
  socklen_t len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return false;
  if (a.ss_family == AF_INET) return reinterpret_cast<sockaddr_in&>(a).sin_port != 0;
  if (a.ss_family == AF_INET6) return reinterpret_cast<sockaddr_in6&>(a).sin6_port != 0;
  return false;
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

void refresh_connect(sock& s) noexcept;  // io.cpp

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

int WSPAPI wsp_get_sock_name(SOCKET s, sockaddr* name, LPINT namelen, LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  if (name == nullptr || namelen == nullptr) {
    *lpErrno = WSAEFAULT;
    return SOCKET_ERROR;
  }
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getsockname(u->fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    *lpErrno = wpu::wsa_from_errno(errno);
    return SOCKET_ERROR;
  }
  if (!has_local_port(u->fd)) {
    *lpErrno = WSAEINVAL;  // not bound
    return SOCKET_ERROR;
  }
  if (int e = sockaddr_to_ws(a, len, name, namelen); e != 0) {
    *lpErrno = e;
    return SOCKET_ERROR;
  }
  return 0;
}

int WSPAPI wsp_get_peer_name(SOCKET s, sockaddr* name, LPINT namelen, LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  if (name == nullptr || namelen == nullptr) {
    *lpErrno = WSAEFAULT;
    return SOCKET_ERROR;
  }
  {
    std::lock_guard<std::mutex> lock(u->m);
    refresh_connect(*u);
    if (u->stream() && u->state != conn_state::connected) {
      *lpErrno = WSAENOTCONN;
      return SOCKET_ERROR;
    }
  }
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getpeername(u->fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    *lpErrno = wpu::wsa_from_errno(errno);
    return SOCKET_ERROR;
  }
  if (int e = sockaddr_to_ws(a, len, name, namelen); e != 0) {
    *lpErrno = e;
    return SOCKET_ERROR;
  }
  return 0;
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

// ---- duplication ----------------------------------------------------------

// WSPDuplicateSocket for the calling process: the new WSAPROTOCOL_INFOW
// carries a dup() of the fd in dwProviderReserved, remembered here until a
// WSPSocket(FROM_PROTOCOL_INFO) adopts it.
namespace {
std::mutex dup_m;
std::vector<int> dup_fds;  // fds made by WSPDuplicateSocket, not yet adopted
}  // namespace

int WSPAPI wsp_duplicate_socket(SOCKET s, DWORD dwProcessId, LPWSAPROTOCOL_INFOW lpProtocolInfo,
                                LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  if (lpProtocolInfo == nullptr) {
    *lpErrno = WSAEFAULT;
    return SOCKET_ERROR;
  }
  if (dwProcessId != static_cast<DWORD>(::getpid())) {
    *lpErrno = WSAEINVAL;  // deviation: only into the calling process
    return SOCKET_ERROR;
  }
  int fd = ::fcntl(u->fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    *lpErrno = wpu::wsa_from_errno(errno);
    return SOCKET_ERROR;
  }
  try {
    std::lock_guard<std::mutex> lock(dup_m);
    dup_fds.push_back(fd);
  } catch (...) {
    ::close(fd);
    *lpErrno = WSAENOBUFS;
    return SOCKET_ERROR;
  }
  *lpProtocolInfo = u->info;
  lpProtocolInfo->dwProviderReserved = static_cast<DWORD>(fd);
  return 0;
}

// The fd a WSPDuplicateSocket left in `info`, taken out of the list, or -1.
int take_duplicate(const WSAPROTOCOL_INFOW& info) noexcept {
  std::lock_guard<std::mutex> lock(dup_m);
  auto it = std::find(dup_fds.begin(), dup_fds.end(), static_cast<int>(info.dwProviderReserved));
  if (info.dwProviderReserved == 0 || it == dup_fds.end()) return -1;
  const int fd = *it;
  dup_fds.erase(it);
  return fd;
}

void close_duplicates() noexcept {
  std::lock_guard<std::mutex> lock(dup_m);
  for (int fd : dup_fds) ::close(fd);
  dup_fds.clear();
}

// ---- the rest of the table ------------------------------------------------

SOCKET WSPAPI wsp_join_leaf(SOCKET s, const sockaddr* name, int namelen, LPWSABUF lpCallerData,
                            LPWSABUF lpCalleeData, LPQOS lpSQOS, LPQOS lpGQOS, DWORD dwFlags,
                            LPINT lpErrno) {
  (void)name;
  (void)namelen;
  (void)lpCallerData;
  (void)lpCalleeData;
  (void)lpSQOS;
  (void)lpGQOS;
  (void)dwFlags;
  use u;
  if (!u.acquire(s, lpErrno)) return INVALID_SOCKET;
  // The entries do not claim XP1_SUPPORT_MULTIPOINT.
  *lpErrno = WSAEOPNOTSUPP;
  return INVALID_SOCKET;
}

BOOL WSPAPI wsp_get_qos_by_name(SOCKET s, LPWSABUF lpQOSName, LPQOS lpQOS, LPINT lpErrno) {
  (void)lpQOSName;
  (void)lpQOS;
  use u;
  if (!u.acquire(s, lpErrno)) return FALSE;
  // No QOS templates (the entries do not claim XP1_QOS_SUPPORTED).
  *lpErrno = WSAEINVAL;
  return FALSE;
}

}  // namespace wpu_tcpip

using namespace wpu_tcpip;

WPU_TCPIP_EXPORT int WSPAPI WSPStartup(WORD wVersionRequested, LPWSPDATA lpWSPData,
                                       LPWSAPROTOCOL_INFOW lpProtocolInfo,
                                       WSPUPCALLTABLE UpcallTable, LPWSPPROC_TABLE lpProcTable) {
  (void)lpProtocolInfo;
  if (lpWSPData == nullptr || lpProcTable == nullptr) return WSAEFAULT;
  if (LOBYTE(wVersionRequested) < 2 ||
      (LOBYTE(wVersionRequested) == 2 && HIBYTE(wVersionRequested) < 2))
    return WSAVERNOTSUPPORTED;
  if (UpcallTable.lpWPUModifyIFSHandle == nullptr || UpcallTable.lpWPUQueueApc == nullptr ||
      UpcallTable.lpWPUSetEvent == nullptr || UpcallTable.lpWPUPostMessage == nullptr)
    return WSAEINVAL;
  provider& p = prov();
  {
    std::lock_guard<std::mutex> lock(p.m);
    try {
      if (p.startups == 0) {
        p.up = UpcallTable;
        start_reactor(p);
      }
    } catch (...) {
      return WSAENOBUFS;
    }
    ++p.startups;
  }
  lpWSPData->wVersion = MAKEWORD(2, 2);
  lpWSPData->wHighVersion = MAKEWORD(2, 2);
  static const char desc[] = "wpu tcpip (Linux sockets)";
  for (size_t i = 0; i < sizeof desc; ++i) lpWSPData->szDescription[i] = desc[i];
  WSPPROC_TABLE& t = *lpProcTable;
  t.lpWSPAccept = wsp_accept;
  t.lpWSPAddressToString = wsp_address_to_string;
  t.lpWSPAsyncSelect = wsp_async_select;
  t.lpWSPBind = wsp_bind;
  t.lpWSPCancelBlockingCall = wsp_cancel_blocking_call;
  t.lpWSPCleanup = wsp_cleanup;
  t.lpWSPCloseSocket = wsp_close_socket;
  t.lpWSPConnect = wsp_connect;
  t.lpWSPDuplicateSocket = wsp_duplicate_socket;
  t.lpWSPEnumNetworkEvents = wsp_enum_network_events;
  t.lpWSPEventSelect = wsp_event_select;
  t.lpWSPGetOverlappedResult = wsp_get_overlapped_result;
  t.lpWSPGetPeerName = wsp_get_peer_name;
  t.lpWSPGetSockName = wsp_get_sock_name;
  t.lpWSPGetSockOpt = wsp_get_sock_opt;
  t.lpWSPGetQOSByName = wsp_get_qos_by_name;
  t.lpWSPIoctl = wsp_ioctl;
  t.lpWSPJoinLeaf = wsp_join_leaf;
  t.lpWSPListen = wsp_listen;
  t.lpWSPRecv = wsp_recv;
  t.lpWSPRecvDisconnect = wsp_recv_disconnect;
  t.lpWSPRecvFrom = wsp_recv_from;
  t.lpWSPSelect = wsp_select;
  t.lpWSPSend = wsp_send;
  t.lpWSPSendDisconnect = wsp_send_disconnect;
  t.lpWSPSendTo = wsp_send_to;
  t.lpWSPSetSockOpt = wsp_set_sock_opt;
  t.lpWSPShutdown = wsp_shutdown;
  t.lpWSPSocket = wsp_socket;
  t.lpWSPStringToAddress = wsp_string_to_address;
  return 0;
}
