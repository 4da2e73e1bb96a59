// posix/tcpip/provider.cpp - "wpu tcpip": the provider's global state (prov),
// the socket table's lookups (find, use), WSPStartup and WSPCleanup with the
// reactor thread they start and stop, and the entries of the proc table that
// only refuse (WSPJoinLeaf, WSPGetQOSByName, WSPCancelBlockingCall).
// docs/tcpip.md.
//
// Invariants: the provider object is made by the first prov() and lives
// until the module is unloaded idle; `startups` counts WSPStartup calls not
// yet matched by WSPCleanup, and the reactor thread runs exactly while it is
// above zero (both under provider::m). A socket's fd is closed only after
// its `users` count dropped to zero with `closed` set (use::acquire refuses
// a closing socket). Threads: any, concurrently; WSPStartup and WSPCleanup
// serialise on provider::m.
#include "provider.hpp"

#include <wpu/errno_map.hpp>

#include <cerrno>
#include <cstddef>

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

// ---- startup and cleanup --------------------------------------------------

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
