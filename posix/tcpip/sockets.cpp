// posix/tcpip/sockets.cpp - "wpu tcpip": socket lifetime. WSPSocket (new
// fds and the duplicates WSPDuplicateSocket made), adopt (an fd entered in
// the table and registered with WPUModifyIFSHandle), WSPCloseSocket and the
// closing of every socket at the last WSPCleanup, WSPDuplicateSocket, and
// the defaults Windows gives a new fd.
//
// Invariants: a SOCKET is in the table from adopt until WSPCloseSocket or
// WSPCleanup takes it out; whoever takes it out closes it (close_owned), once.
// close_owned sets `closed`, wakes every thread listed in the socket's
// `waiters` (their wake-up fds), aborts the queued requests with
// WSA_OPERATION_ABORTED (delivered on the closing thread, no socket mutex
// held) and closes the fd only once no call is in progress on it (`users`
// is 0), so the kernel cannot hand the fd number to a new socket while a call
// still uses it. An fd made by WSPDuplicateSocket is owned by the duplicate
// list until a WSPSocket adopts it or WSPCleanup closes it. Any thread.
#include "provider.hpp"

#include <wpu/errno_map.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace wpu_tcpip {

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

// ---- closing --------------------------------------------------------------

// Closes one socket the way WSPCloseSocket does once it owns `p` (removed
// from the table): wakes the blocked callers, aborts the queued requests,
// waits for the callers to leave and closes the fd.
static void close_owned(const sock_ptr& p) noexcept {
  p->closed.store(true, std::memory_order_seq_cst);
  std::vector<op_ptr> aborted;
  {
    std::lock_guard<std::mutex> lock(p->m);
    for (const platform::pollable* w : p->waiters) platform::pollable_set(*w);
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
      for (const platform::pollable* w : p->waiters) platform::pollable_set(*w);
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

}  // namespace wpu_tcpip
