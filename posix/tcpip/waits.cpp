// posix/tcpip/waits.cpp - "wpu tcpip": blocking on sockets. The calling
// thread's wake-up fd, wait_ready (a blocking call waiting for readiness)
// and WSPSelect.
//
// Wake protocol: a blocked thread lists its wake-up fd in the `waiters` of
// each socket it waits on (under the socket's mutex) before it polls, and
// takes it out again (under the mutex) before it returns; WSPCloseSocket
// sets the wake-up fd of every listed thread after it set `closed`, so a
// close is never missed. The waiting thread clears its wake-up fd after it
// woke, and decides only from the sockets' state, never from the wake-up
// itself (a stale set wakes one later wait early, which then re-checks). A
// set may race the owner's clear (both are reads and writes of the fd's
// kernel object): the closer stores `closed` before it sets and the waiter
// loads it after it cleared, so even a set the clear swallowed is seen. The
// wake-up fd belongs to its thread: made on its first blocking call, closed
// at its exit. WSPSelect's sockets also count as in use (`users`) while it
// polls, so their fds stay open until it returns. Any thread.
#include "provider.hpp"

#include <wpu/errno_map.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace wpu_tcpip {

// ---- blocking waits -------------------------------------------------------

namespace {

// The calling thread's wake-up fd (the platform layer's pollable signal,
// made clear), set by WSPCloseSocket to interrupt a blocking call on a socket
// it closes. `ok` is false when it could not be made.
struct waker {
  platform::pollable p;
  bool ok = platform::pollable_open(&p, false) == 0;
  ~waker() { platform::pollable_close(&p); }
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

const platform::pollable* thread_waker() noexcept {
  static thread_local waker w;
  return w.ok ? &w.p : nullptr;
}

int wait_ready(sock& s, short events, DWORD timeout_ms) noexcept {
  const platform::pollable* w = thread_waker();
  if (w == nullptr) return WSAENOBUFS;
  {
    std::lock_guard<std::mutex> lock(s.m);
    if (s.closed.load()) return WSAEINTR;
    s.waiters.push_back(w);
  }
  const bool forever = timeout_ms == 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  pollfd p[2] = {{s.fd, events, 0}, {w->read_fd, POLLIN, 0}};
  int r;
  for (;;) {
    r = ::poll(p, 2, poll_ms_until(deadline, forever));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0 && !forever && std::chrono::steady_clock::now() < deadline) continue;
    break;
  }
  {
    std::lock_guard<std::mutex> lock(s.m);
    auto it = std::find(s.waiters.begin(), s.waiters.end(), w);
    if (it != s.waiters.end()) s.waiters.erase(it);
  }
  if (p[1].revents != 0) platform::pollable_clear(*w);
  if (s.closed.load()) return WSAEINTR;
  if (r == 0) return WSAETIMEDOUT;
  if (r < 0) return wpu::wsa_from_errno(errno);
  return 0;
}

// ---- WSPSelect -------------------------------------------------------------

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
  const platform::pollable* waker = thread_waker();
  if (waker == nullptr) {
    *lpErrno = WSAENOBUFS;
    return SOCKET_ERROR;
  }
  struct watching {
    std::vector<sock_ptr>& socks;
    const platform::pollable* waker;
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
      platform::pollable_clear(*waker);
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
    fds.push_back(pollfd{waker->read_fd, POLLIN, 0});
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
      platform::pollable_clear(*waker);
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
