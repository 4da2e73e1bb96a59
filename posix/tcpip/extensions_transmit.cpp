// posix/tcpip/extensions_transmit.cpp - "wpu tcpip": the extension functions
// DisconnectEx and TransmitFile (sendfile from the file's fd), and the end of
// a connection both make (disconnect_locked: a FIN, and with TF_REUSE_SOCKET
// a fresh unconnected fd under the same SOCKET value).
//
// Invariants: a transmit request's step runs under the socket's mutex and
// never blocks; it sends the head, the file and the tail in that order,
// keeping its progress in the request, so a step that has to wait resumes
// where it stopped. Errors as extensions.hpp says. Any thread; an overlapped
// TransmitFile that waits completes on the reactor thread.
#include "extensions.hpp"

#include <wpu/errno_map.hpp>

#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace wpu_tcpip {

namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace wpu_tcpip
