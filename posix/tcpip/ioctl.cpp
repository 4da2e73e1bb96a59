// posix/tcpip/ioctl.cpp - "wpu tcpip": WSPIoctl (FIONBIO, FIONREAD,
// SIOCATMARK, SIO_GET_EXTENSION_FUNCTION_POINTER, the SIO_*_HANDLE codes,
// SIO_KEEPALIVE_VALS; docs/tcpip.md, "Ioctls").
//
// Invariants: every code finishes at once; an overlapped WSPIoctl is
// completed on the calling thread before it returns (its completion routine
// queued to `lpThreadId`). FIONBIO cannot make a socket blocking while
// WSPEventSelect or WSPAsyncSelect has events selected on it. Any thread.
#include "options.hpp"

#include <wpu/errno_map.hpp>

#include <netinet/tcp.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace wpu_tcpip {

namespace {

// A request already finished, for the completion of an overlapped ioctl.
struct done_op : op {
  bool step(sock&) override { return true; }
};

}  // namespace

int WSPAPI wsp_ioctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
                     LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
                     LPWSAOVERLAPPED lpOverlapped,
                     LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                     LPWSATHREADID lpThreadId, LPINT lpErrno) {
  use u;
  if (!u.acquire(s, lpErrno)) return SOCKET_ERROR;
  sock& k = *u;
  DWORD returned = 0;
  if (lpcbBytesReturned == nullptr && !(lpOverlapped != nullptr && k.overlapped)) {
    *lpErrno = WSAEFAULT;
    return SOCKET_ERROR;
  }
  auto in_ok = [&](DWORD n) { return lpvInBuffer != nullptr && cbInBuffer >= n; };
  auto out_ok = [&](DWORD n) { return lpvOutBuffer != nullptr && cbOutBuffer >= n; };
  auto fail = [&](int e) {
    *lpErrno = e;
    return SOCKET_ERROR;
  };
  switch (dwIoControlCode) {
    case static_cast<DWORD>(WPU_WS_FIONBIO): {
      if (!in_ok(sizeof(ULONG))) return fail(WSAEFAULT);
      ULONG v;
      std::memcpy(&v, lpvInBuffer, sizeof v);
      std::lock_guard<std::mutex> lock(k.m);
      if (v == 0 && k.mask != 0) return fail(WSAEINVAL);
      k.nonblocking = v != 0;
      break;
    }
    case static_cast<DWORD>(WPU_WS_FIONREAD): {
      if (!out_ok(sizeof(ULONG))) return fail(WSAEFAULT);
      int n = 0;
      {
        std::lock_guard<std::mutex> lock(k.m);
        if (k.listening) return fail(WSAEINVAL);
      }
      if (::ioctl(k.fd, FIONREAD, &n) != 0) return fail(wpu::wsa_from_errno(errno));
      const ULONG v = static_cast<ULONG>(n);
      std::memcpy(lpvOutBuffer, &v, sizeof v);
      returned = sizeof v;
      break;
    }
    case static_cast<DWORD>(WPU_WS_SIOCATMARK): {
      if (!out_ok(sizeof(ULONG))) return fail(WSAEFAULT);
      if (!k.stream()) return fail(WSAEINVAL);
      // TRUE unless urgent data is waiting to be read (Windows' meaning).
      ULONG v = TRUE;
      int inline_oob = 0;
      socklen_t len = sizeof inline_oob;
      (void)::getsockopt(k.fd, SOL_SOCKET, SO_OOBINLINE, &inline_oob, &len);
      if (inline_oob != 0) {
        v = ::sockatmark(k.fd) == 1 ? FALSE : TRUE;
      } else {
        char c;
        if (::recv(k.fd, &c, 1, MSG_OOB | MSG_PEEK | MSG_DONTWAIT) == 1) v = FALSE;
      }
      std::memcpy(lpvOutBuffer, &v, sizeof v);
      returned = sizeof v;
      break;
    }
    case SIO_GET_EXTENSION_FUNCTION_POINTER: {
      if (!in_ok(sizeof(GUID)) || !out_ok(sizeof(void*))) return fail(WSAEFAULT);
      GUID id;
      std::memcpy(&id, lpvInBuffer, sizeof id);
      void* fn = extension_function(id);
      if (fn == nullptr) return fail(WSAEINVAL);
      std::memcpy(lpvOutBuffer, &fn, sizeof fn);
      returned = sizeof fn;
      break;
    }
    case SIO_BASE_HANDLE:
    case SIO_BSP_HANDLE:
    case SIO_BSP_HANDLE_SELECT:
    case SIO_BSP_HANDLE_POLL: {
      if (!out_ok(sizeof(SOCKET))) return fail(WSAEFAULT);
      const SOCKET h = static_cast<SOCKET>(k.fd);
      std::memcpy(lpvOutBuffer, &h, sizeof h);
      returned = sizeof h;
      break;
    }
    case SIO_KEEPALIVE_VALS: {
      if (!in_ok(sizeof(tcp_keepalive))) return fail(WSAEFAULT);
      if (!k.stream()) return fail(WSAEINVAL);
      tcp_keepalive ka;
      std::memcpy(&ka, lpvInBuffer, sizeof ka);
      const int on = ka.onoff != 0;
      const int idle = static_cast<int>(std::max<ULONG>(1, (ka.keepalivetime + 999) / 1000));
      const int intvl = static_cast<int>(std::max<ULONG>(1, (ka.keepaliveinterval + 999) / 1000));
      if (set_linux(k.fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on, lpErrno) != 0)
        return SOCKET_ERROR;
      if (on != 0 &&
          (set_linux(k.fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle, lpErrno) != 0 ||
           set_linux(k.fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl, lpErrno) != 0))
        return SOCKET_ERROR;
      break;
    }
    default:
      return fail(WSAEINVAL);
  }
  if (lpcbBytesReturned != nullptr) *lpcbBytesReturned = returned;
  if (lpOverlapped != nullptr && k.overlapped) {
    done_op o;
    o.bytes = returned;
    o.ov = lpOverlapped;
    o.routine = lpCompletionRoutine;
    if (lpCompletionRoutine != nullptr) {
      if (lpThreadId == nullptr) return fail(WSAEINVAL);
      o.thread = *lpThreadId;
    }
    deliver(k.fd, o);
  }
  return 0;
}

}  // namespace wpu_tcpip
