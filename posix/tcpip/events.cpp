// posix/tcpip/events.cpp - "wpu tcpip": network events. Recording FD_*
// events for WSPEventSelect (WPUSetEvent) and WSPAsyncSelect
// (WPUPostMessage) with Windows' re-enabling rules, the completion of a
// non-blocking connect (refresh_connect), and WSPEventSelect,
// WSPEnumNetworkEvents and WSPAsyncSelect.
//
// Invariants: every function here runs with the socket's mutex held (the
// WSP* functions take it); an event is recorded at most once between two
// re-enabling calls (`enabled` loses the bit when it is recorded, reenable
// gives it back), and only while it is selected (`mask`). The notifications
// go out under the mutex (WPUSetEvent and WPUPostMessage do not block).
// Called from any client thread and from the reactor thread (on_ready).
#include "provider.hpp"

#include <wpu/errno_map.hpp>

#include <cerrno>
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
void read_events(sock& s) noexcept {
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

void write_events(sock& s) noexcept {
  refresh_connect(s);
  const LONG sel = s.mask & s.enabled;
  if ((sel & FD_WRITE) == 0) return;
  if (s.stream() && s.state != conn_state::connected) return;
  pollfd p{s.fd, POLLOUT, 0};
  if (::poll(&p, 1, 0) > 0 && (p.revents & POLLOUT) != 0) record(s, FD_WRITE, 0);
}

void oob_events(sock& s) noexcept {
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

}  // namespace wpu_tcpip
