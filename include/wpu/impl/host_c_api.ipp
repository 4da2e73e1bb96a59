// wpu/impl/host_c_api.ipp - the application API of
// <wpu/detail/winsock_decls.h> over wpu::process_host().
#ifndef WPU_IMPL_HOST_C_API_IPP
#define WPU_IMPL_HOST_C_API_IPP

#include <wpu/host.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

WPU_NAMESPACE_BEGIN
namespace detail {

// The Winsock values the host itself acts on (SOL_SOCKET / SO_OPENTYPE):
// <wpu/detail/winsock_decls.h>'s on POSIX (where SOL_SOCKET is the C
// library's 1), the system's on Windows.
#if defined(WPU_POSIX)
constexpr int ws_sol_socket = WPU_WS_SOL_SOCKET;
#else   // !defined(WPU_POSIX)
constexpr int ws_sol_socket = SOL_SOCKET;
#endif  // defined(WPU_POSIX)
constexpr int ws_so_opentype = SO_OPENTYPE;

// The calling thread's last error, read by WSAGetLastError.
inline void set_wsa_last_error(int error) noexcept {
  set_thread_last_error(static_cast<DWORD>(error));
}

// The calling thread's last error, as WSAGetLastError reads it.
inline int wsa_last_error() noexcept {
#if defined(WPU_POSIX)
  return static_cast<int>(posix::last_error());
#else   // !defined(WPU_POSIX)
  return static_cast<int>(::GetLastError());
#endif  // defined(WPU_POSIX)
}

// SO_OPENTYPE of the calling thread: 0 (socket() makes overlapped sockets)
// or SO_SYNCHRONOUS_ALERT / _NONALERT (it makes non-overlapped ones).
inline int& this_thread_open_type() noexcept {
  static thread_local int open_type = 0;
  return open_type;
}

// host::caller_thread(), on POSIX cached in a pointer: one thread-local load
// per call (initial-exec on ELF: libwpu and header-only programs are loaded
// at startup, and provider modules dlopen'd later reach this copy). The
// pointer names the thread's own WSATHREADID, valid until the thread exits.
// Windows keeps it per fiber (host.ipp), which a per-thread cache could
// outlive: there every call asks the host.
inline WSATHREADID* caller_thread() noexcept {
#if defined(WPU_WINDOWS)
  return host::caller_thread();
#else  // !defined(WPU_WINDOWS)
#  if defined(__ELF__) && defined(__GNUC__)
  __attribute__((tls_model("initial-exec")))
#  endif  // defined(__ELF__) && defined(__GNUC__)
  static thread_local WSATHREADID* cached = nullptr;
  WSATHREADID* t = cached;
  if (t == nullptr) t = cached = host::caller_thread();
  return t;
#endif    // defined(WPU_WINDOWS)
}

// Calls f(procs, &err) for a hosted socket: SOCKET_ERROR with the host's
// error when s is not routed, and with WSASYSCALLFAILURE when the provider
// failed without setting *lpErrno (host-semantics.md 4.2).
template <class F>
int routed(SOCKET s, F&& f) noexcept {
  int err = 0;
  const host::route* r = process_host().find(s, &err);
  if (r == nullptr) {
    set_wsa_last_error(err);
    return SOCKET_ERROR;
  }
  const int rc = f(*r->procs, &err);
  if (rc == SOCKET_ERROR) set_wsa_last_error(err != 0 ? err : WSASYSCALLFAILURE);
  return rc;
}

// `err` by reference: callers pass the host call that sets it as the other
// argument, and argument evaluation is unsequenced (a copy could be taken
// before the call runs).
inline SOCKET socket_result(SOCKET s, const int& err) noexcept {
  if (s == INVALID_SOCKET) set_wsa_last_error(err);
  return s;
}

inline int int_result(int rc, const int& err) noexcept {
  if (rc == SOCKET_ERROR) set_wsa_last_error(err);
  return rc;
}

// szProtocol of WSAPROTOCOL_INFOW -> WSAPROTOCOL_INFOA, always terminated:
// the longest prefix of whole characters that fits `size` bytes with the
// NUL. POSIX: UTF-8, a lone surrogate as U+FFFD; Windows: the ANSI code page.
inline void protocol_name_to_ansi(const WCHAR* w, CHAR* a, std::size_t size) noexcept {
  std::size_t wlen = 0;
  while (wlen < WSAPROTOCOL_LEN + 1 && w[wlen] != 0) ++wlen;
#if defined(WPU_WINDOWS)
  // Shorten the source until it fits (names are short: a few steps at most).
  for (int n = static_cast<int>(wlen); n > 0; --n) {
    if (n < static_cast<int>(wlen) && w[n] >= 0xDC00 && w[n] <= 0xDFFF) continue;  // mid-pair
    const int got =
        ::WideCharToMultiByte(CP_ACP, 0, w, n, a, static_cast<int>(size) - 1, nullptr, nullptr);
    if (got > 0) {
      a[got] = 0;
      return;
    }
  }
  a[0] = 0;
#else   // !defined(WPU_WINDOWS)
  std::size_t out = 0;
  for (std::size_t i = 0; i < wlen; ++i) {
    std::uint32_t c = w[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < wlen && w[i + 1] >= 0xDC00 && w[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (static_cast<std::uint32_t>(w[i + 1]) - 0xDC00);
      ++i;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    unsigned char buf[4];
    std::size_t n = 0;
    if (c < 0x80) {
      buf[n++] = static_cast<unsigned char>(c);
    } else if (c < 0x800) {
      buf[n++] = static_cast<unsigned char>(0xC0 | (c >> 6));
      buf[n++] = static_cast<unsigned char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      buf[n++] = static_cast<unsigned char>(0xE0 | (c >> 12));
      buf[n++] = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
      buf[n++] = static_cast<unsigned char>(0x80 | (c & 0x3F));
    } else {
      buf[n++] = static_cast<unsigned char>(0xF0 | (c >> 18));
      buf[n++] = static_cast<unsigned char>(0x80 | ((c >> 12) & 0x3F));
      buf[n++] = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
      buf[n++] = static_cast<unsigned char>(0x80 | (c & 0x3F));
    }
    if (out + n + 1 > size) break;
    std::memcpy(a + out, buf, n);
    out += n;
  }
  a[out] = 0;
#endif  // defined(WPU_WINDOWS)
}

// szProtocol of WSAPROTOCOL_INFOA -> WSAPROTOCOL_INFOW, always terminated;
// reads at most `size` bytes (a name without a NUL ends there). POSIX:
// UTF-8, each invalid or truncated sequence as U+FFFD (as Windows'
// MultiByteToWideChar without MB_ERR_INVALID_CHARS); Windows: the ANSI
// code page.
inline void protocol_name_from_ansi(const CHAR* a, std::size_t size, WCHAR* w,
                                    std::size_t wsize) noexcept {
  std::size_t alen = 0;
  while (alen < size && a[alen] != 0) ++alen;
#if defined(WPU_WINDOWS)
  const int got = alen == 0 ? 0
                            : ::MultiByteToWideChar(CP_ACP, 0, a, static_cast<int>(alen), w,
                                                    static_cast<int>(wsize) - 1);
  w[got > 0 ? got : 0] = 0;
#else   // !defined(WPU_WINDOWS)
  const auto* u = reinterpret_cast<const unsigned char*>(a);
  std::size_t out = 0, i = 0;
  while (i < alen && out + 1 < wsize) {
    std::uint32_t c = u[i];
    std::size_t n = c < 0x80             ? 1
                    : (c & 0xE0) == 0xC0 ? 2
                    : (c & 0xF0) == 0xE0 ? 3
                    : (c & 0xF8) == 0xF0 ? 4
                                         : 0;
    std::uint32_t v = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    std::size_t k = 1;
    for (; n > 1 && k < n && i + k < alen && (u[i + k] & 0xC0) == 0x80; ++k)
      v = (v << 6) | (u[i + k] & 0x3F);
    const bool overlong = (n == 2 && v < 0x80) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000);
    if (n == 0 || k < n || overlong || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
      v = 0xFFFD;
      k = k == 0 ? 1 : k;
    }
    i += k;
    if (v >= 0x10000) {
      if (out + 2 >= wsize) break;
      v -= 0x10000;
      w[out++] = static_cast<WCHAR>(0xD800 + (v >> 10));
      w[out++] = static_cast<WCHAR>(0xDC00 + (v & 0x3FF));
    } else {
      w[out++] = static_cast<WCHAR>(v);
    }
  }
  w[out] = 0;
#endif  // defined(WPU_WINDOWS)
}

// Every field but szProtocol: the two layouts are the same up to it.
inline void protocol_info_to_ansi(const WSAPROTOCOL_INFOW& w, WSAPROTOCOL_INFOA* a) noexcept {
  static_assert(offsetof(WSAPROTOCOL_INFOW, szProtocol) == offsetof(WSAPROTOCOL_INFOA, szProtocol),
                "WSAPROTOCOL_INFO A and W share their leading fields");
  std::memcpy(a, &w, offsetof(WSAPROTOCOL_INFOW, szProtocol));
  protocol_name_to_ansi(w.szProtocol, a->szProtocol, sizeof a->szProtocol);
}

inline void protocol_info_from_ansi(const WSAPROTOCOL_INFOA& a, WSAPROTOCOL_INFOW* w) noexcept {
  std::memcpy(w, &a, offsetof(WSAPROTOCOL_INFOW, szProtocol));
  protocol_name_from_ansi(a.szProtocol, sizeof a.szProtocol, w->szProtocol,
                          sizeof w->szProtocol / sizeof(WCHAR));
}

}  // namespace detail
WPU_NAMESPACE_END

extern "C" {

WPU_DECL int wpu_wsa_startup(WORD wVersionRequested, LPWSADATA lpWSAData) {
  auto trace =
      wpu::detail::app_trace("WSAStartup", wpu::detail::tr::version{wVersionRequested}, lpWSAData);
  return trace.done(wpu::detail::trace_result::code,
                    wpu::process_host().startup(wVersionRequested, lpWSAData));
}

WPU_DECL int wpu_wsa_cleanup(void) {
  auto trace = wpu::detail::app_trace("WSACleanup");
  int err = 0;
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::int_result(wpu::process_host().cleanup(&err), err));
}

WPU_DECL SOCKET wpu_wsa_socket_w(int af, int type, int protocol, LPWSAPROTOCOL_INFOW lpProtocolInfo,
                                 GROUP g, DWORD dwFlags) {
  auto trace = wpu::detail::app_trace("WSASocketW", af, type, protocol, lpProtocolInfo, g,
                                      wpu::detail::tr::hex{dwFlags});
  int err = 0;
  const SOCKET s = wpu::detail::socket_result(
      wpu::process_host().socket(af, type, protocol, lpProtocolInfo, g, dwFlags, &err), err);
  wpu::leaks::note_socket(s, "WSASocketW");
  return trace.done(wpu::detail::trace_result::socket, s);
}

WPU_DECL SOCKET wpu_socket(int af, int type, int protocol) {
  auto trace = wpu::detail::app_trace("socket", af, type, protocol);
  const DWORD flags =
      wpu::detail::this_thread_open_type() == 0 ? 0x01 /* WSA_FLAG_OVERLAPPED */ : 0;
  return trace.done(wpu::detail::trace_result::socket,
                    wpu_wsa_socket_w(af, type, protocol, nullptr, 0, flags));
}

WPU_DECL int wpu_closesocket(SOCKET s) {
  auto trace = wpu::detail::app_trace("closesocket", wpu::detail::tr::sock{s});
  int err = 0;
  const int rc = wpu::detail::int_result(wpu::process_host().close(s, &err), err);
  if (rc == 0) wpu::leaks::note_closed(wpu::leak_kind::socket, static_cast<std::uintptr_t>(s));
  return trace.done(wpu::detail::trace_result::sockerr, rc);
}

WPU_DECL int wpu_bind(SOCKET s, const struct sockaddr* name, int namelen) {
  auto trace = wpu::detail::app_trace("bind", wpu::detail::tr::sock{s},
                                      wpu::detail::tr::address{name, namelen}, namelen);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPBind(s, name, namelen, e);
                    }));
}

WPU_DECL int wpu_listen(SOCKET s, int backlog) {
  auto trace = wpu::detail::app_trace("listen", wpu::detail::tr::sock{s}, backlog);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPListen(s, backlog, e);
                    }));
}

WPU_DECL SOCKET wpu_wsa_accept(SOCKET s, struct sockaddr* addr, LPINT addrlen,
                               LPCONDITIONPROC lpfnCondition, DWORD_PTR dwCallbackData) {
  auto trace = wpu::detail::app_trace("WSAAccept", wpu::detail::tr::sock{s}, addr, addrlen,
                                      reinterpret_cast<const void*>(lpfnCondition),
                                      wpu::detail::tr::hex{dwCallbackData});
  int err = 0;
  const SOCKET a = wpu::detail::socket_result(
      wpu::process_host().accept(s, addr, addrlen, lpfnCondition, dwCallbackData, &err), err);
  wpu::leaks::note_socket(a, "WSAAccept");
  return trace.done(wpu::detail::trace_result::socket, a);
}

WPU_DECL SOCKET wpu_accept(SOCKET s, struct sockaddr* addr, int* addrlen) {
  auto trace = wpu::detail::app_trace("accept", wpu::detail::tr::sock{s}, addr, addrlen);
  return trace.done(wpu::detail::trace_result::socket,
                    wpu_wsa_accept(s, addr, addrlen, nullptr, 0));
}

WPU_DECL int wpu_wsa_connect(SOCKET s, const struct sockaddr* name, int namelen,
                             LPWSABUF lpCallerData, LPWSABUF lpCalleeData, LPQOS lpSQOS,
                             LPQOS lpGQOS) {
  auto trace = wpu::detail::app_trace("WSAConnect", wpu::detail::tr::sock{s},
                                      wpu::detail::tr::address{name, namelen}, namelen,
                                      lpCallerData, lpCalleeData, lpSQOS, lpGQOS);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPConnect(s, name, namelen, lpCallerData, lpCalleeData, lpSQOS,
                                            lpGQOS, e);
                    }));
}

WPU_DECL int wpu_connect(SOCKET s, const struct sockaddr* name, int namelen) {
  auto trace = wpu::detail::app_trace("connect", wpu::detail::tr::sock{s},
                                      wpu::detail::tr::address{name, namelen}, namelen);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu_wsa_connect(s, name, namelen, nullptr, nullptr, nullptr, nullptr));
}

WPU_DECL int wpu_send(SOCKET s, const char* buf, int len, int flags) {
  auto trace = wpu::detail::app_trace("send", wpu::detail::tr::sock{s}, buf, len,
                                      wpu::detail::tr::hex{static_cast<unsigned>(flags)});
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      WSABUF b{static_cast<ULONG>(len), const_cast<char*>(buf)};
                      DWORD sent = 0;
                      if (p.lpWSPSend(s, &b, 1, &sent, static_cast<DWORD>(flags), nullptr, nullptr,
                                      wpu::detail::caller_thread(), e) != 0)
                        return SOCKET_ERROR;
                      return static_cast<int>(sent);
                    }));
}

WPU_DECL int wpu_recv(SOCKET s, char* buf, int len, int flags) {
  auto trace = wpu::detail::app_trace("recv", wpu::detail::tr::sock{s}, buf, len,
                                      wpu::detail::tr::hex{static_cast<unsigned>(flags)});
  return trace.done(
      wpu::detail::trace_result::sockerr,
      wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
        WSABUF b{static_cast<ULONG>(len), buf};
        DWORD got = 0, f = static_cast<DWORD>(flags);
        if (p.lpWSPRecv(s, &b, 1, &got, &f, nullptr, nullptr, wpu::detail::caller_thread(), e) != 0)
          return SOCKET_ERROR;
        return static_cast<int>(got);
      }));
}

WPU_DECL int wpu_sendto(SOCKET s, const char* buf, int len, int flags, const struct sockaddr* to,
                        int tolen) {
  auto trace = wpu::detail::app_trace("sendto", wpu::detail::tr::sock{s}, buf, len,
                                      wpu::detail::tr::hex{static_cast<unsigned>(flags)},
                                      wpu::detail::tr::address{to, tolen}, tolen);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      WSABUF b{static_cast<ULONG>(len), const_cast<char*>(buf)};
                      DWORD sent = 0;
                      if (p.lpWSPSendTo(s, &b, 1, &sent, static_cast<DWORD>(flags), to, tolen,
                                        nullptr, nullptr, wpu::detail::caller_thread(), e) != 0)
                        return SOCKET_ERROR;
                      return static_cast<int>(sent);
                    }));
}

WPU_DECL int wpu_recvfrom(SOCKET s, char* buf, int len, int flags, struct sockaddr* from,
                          int* fromlen) {
  auto trace =
      wpu::detail::app_trace("recvfrom", wpu::detail::tr::sock{s}, buf, len,
                             wpu::detail::tr::hex{static_cast<unsigned>(flags)}, from, fromlen);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      WSABUF b{static_cast<ULONG>(len), buf};
                      DWORD got = 0, f = static_cast<DWORD>(flags);
                      if (p.lpWSPRecvFrom(s, &b, 1, &got, &f, from, fromlen, nullptr, nullptr,
                                          wpu::detail::caller_thread(), e) != 0)
                        return SOCKET_ERROR;
                      return static_cast<int>(got);
                    }));
}

WPU_DECL int wpu_wsa_send(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                          LPDWORD lpNumberOfBytesSent, DWORD dwFlags, LPWSAOVERLAPPED lpOverlapped,
                          LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) {
  auto trace =
      wpu::detail::app_trace("WSASend", wpu::detail::tr::sock{s}, lpBuffers, dwBufferCount,
                             lpNumberOfBytesSent, wpu::detail::tr::hex{dwFlags}, lpOverlapped,
                             reinterpret_cast<const void*>(lpCompletionRoutine));
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPSend(s, lpBuffers, dwBufferCount, lpNumberOfBytesSent, dwFlags,
                                         lpOverlapped, lpCompletionRoutine,
                                         wpu::detail::caller_thread(), e);
                    }));
}

WPU_DECL int wpu_wsa_recv(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                          LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
                          LPWSAOVERLAPPED lpOverlapped,
                          LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) {
  auto trace = wpu::detail::app_trace("WSARecv", wpu::detail::tr::sock{s}, lpBuffers, dwBufferCount,
                                      lpNumberOfBytesRecvd, lpFlags, lpOverlapped,
                                      reinterpret_cast<const void*>(lpCompletionRoutine));
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPRecv(s, lpBuffers, dwBufferCount, lpNumberOfBytesRecvd, lpFlags,
                                         lpOverlapped, lpCompletionRoutine,
                                         wpu::detail::caller_thread(), e);
                    }));
}

WPU_DECL int wpu_wsa_send_to(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                             LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
                             const struct sockaddr* lpTo, int iTolen, LPWSAOVERLAPPED lpOverlapped,
                             LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) {
  auto trace = wpu::detail::app_trace(
      "WSASendTo", wpu::detail::tr::sock{s}, lpBuffers, dwBufferCount, lpNumberOfBytesSent,
      wpu::detail::tr::hex{dwFlags}, wpu::detail::tr::address{lpTo, iTolen}, iTolen, lpOverlapped,
      reinterpret_cast<const void*>(lpCompletionRoutine));
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPSendTo(s, lpBuffers, dwBufferCount, lpNumberOfBytesSent,
                                           dwFlags, lpTo, iTolen, lpOverlapped, lpCompletionRoutine,
                                           wpu::detail::caller_thread(), e);
                    }));
}

WPU_DECL int wpu_wsa_recv_from(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                               LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
                               struct sockaddr* lpFrom, LPINT lpFromlen,
                               LPWSAOVERLAPPED lpOverlapped,
                               LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) {
  auto trace = wpu::detail::app_trace(
      "WSARecvFrom", wpu::detail::tr::sock{s}, lpBuffers, dwBufferCount, lpNumberOfBytesRecvd,
      lpFlags, lpFrom, lpFromlen, lpOverlapped, reinterpret_cast<const void*>(lpCompletionRoutine));
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPRecvFrom(s, lpBuffers, dwBufferCount, lpNumberOfBytesRecvd,
                                             lpFlags, lpFrom, lpFromlen, lpOverlapped,
                                             lpCompletionRoutine, wpu::detail::caller_thread(), e);
                    }));
}

WPU_DECL BOOL wpu_wsa_get_overlapped_result(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
                                            LPDWORD lpcbTransfer, BOOL fWait, LPDWORD lpdwFlags) {
  auto trace = wpu::detail::app_trace("WSAGetOverlappedResult", wpu::detail::tr::sock{s},
                                      lpOverlapped, lpcbTransfer, fWait, lpdwFlags);
  int err = 0;
  wpu::host& h = wpu::process_host();
  if (const wpu::host::route* r = h.started() ? h.find(s, &err) : nullptr) {
    err = 0;
    BOOL ok =
        r->procs->lpWSPGetOverlappedResult(s, lpOverlapped, lpcbTransfer, fWait, lpdwFlags, &err);
    if (ok == FALSE) wpu::detail::set_wsa_last_error(err != 0 ? err : WSASYSCALLFAILURE);
    return trace.done(wpu::detail::trace_result::boolean, ok);
  }
  // Not a hosted socket: what WPUCompleteOverlappedRequest wrote.
  err = 0;
  BOOL ok = wpu::default_backend().get_overlapped_result(s, lpOverlapped, lpcbTransfer, fWait,
                                                         lpdwFlags, &err);
  if (ok == FALSE) wpu::detail::set_wsa_last_error(err);
  return trace.done(wpu::detail::trace_result::boolean, ok);
}

WPU_DECL int wpu_wsa_event_select(SOCKET s, WSAEVENT hEventObject, LONG lNetworkEvents) {
  auto trace = wpu::detail::app_trace("WSAEventSelect", wpu::detail::tr::sock{s},
                                      wpu::detail::tr::handle{hEventObject},
                                      wpu::detail::tr::events{lNetworkEvents});
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPEventSelect(s, hEventObject, lNetworkEvents, e);
                    }));
}

WPU_DECL int wpu_wsa_enum_network_events(SOCKET s, WSAEVENT hEventObject,
                                         LPWSANETWORKEVENTS lpNetworkEvents) {
  auto trace = wpu::detail::app_trace("WSAEnumNetworkEvents", wpu::detail::tr::sock{s},
                                      wpu::detail::tr::handle{hEventObject}, lpNetworkEvents);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPEnumNetworkEvents(s, hEventObject, lpNetworkEvents, e);
                    }));
}

WPU_DECL int wpu_wsa_async_select(SOCKET s, HWND hWnd, unsigned int wMsg, LONG lEvent) {
  auto trace = wpu::detail::app_trace("WSAAsyncSelect", wpu::detail::tr::sock{s},
                                      wpu::detail::tr::handle{hWnd}, wpu::detail::tr::message{wMsg},
                                      wpu::detail::tr::events{lEvent});
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPAsyncSelect(s, hWnd, wMsg, lEvent, e);
                    }));
}

WPU_DECL int wpu_select(int nfds, wpu_ws_fd_set* readfds, wpu_ws_fd_set* writefds,
                        wpu_ws_fd_set* exceptfds, const struct timeval* timeout) {
  auto trace = wpu::detail::app_trace("select", nfds, readfds, writefds, exceptfds, timeout);
  int err = 0;
  return trace.done(
      wpu::detail::trace_result::sockerr,
      wpu::detail::int_result(
          wpu::process_host().select(nfds, readfds, writefds, exceptfds, timeout, &err), err));
}

WPU_DECL int wpu_ioctlsocket(SOCKET s, LONG cmd, ULONG* argp) {
  auto trace = wpu::detail::app_trace("ioctlsocket", wpu::detail::tr::sock{s},
                                      wpu::detail::tr::hex{static_cast<std::uint32_t>(cmd)}, argp);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      DWORD returned = 0;
                      return p.lpWSPIoctl(s, static_cast<DWORD>(cmd), argp, sizeof(ULONG), argp,
                                          sizeof(ULONG), &returned, nullptr, nullptr,
                                          wpu::detail::caller_thread(), e);
                    }));
}

WPU_DECL int wpu_wsa_ioctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
                           LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
                           LPWSAOVERLAPPED lpOverlapped,
                           LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) {
  auto trace = wpu::detail::app_trace(
      "WSAIoctl", wpu::detail::tr::sock{s}, wpu::detail::tr::hex{dwIoControlCode}, lpvInBuffer,
      cbInBuffer, lpvOutBuffer, cbOutBuffer, lpcbBytesReturned, lpOverlapped,
      reinterpret_cast<const void*>(lpCompletionRoutine));
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPIoctl(s, dwIoControlCode, lpvInBuffer, cbInBuffer, lpvOutBuffer,
                                          cbOutBuffer, lpcbBytesReturned, lpOverlapped,
                                          lpCompletionRoutine, wpu::detail::caller_thread(), e);
                    }));
}

WPU_DECL int wpu_getsockopt(SOCKET s, int level, int optname, char* optval, int* optlen) {
  auto trace = wpu::detail::app_trace("getsockopt", wpu::detail::tr::sock{s}, level, optname,
                                      optval, optlen);
  if (level == wpu::detail::ws_sol_socket && optname == wpu::detail::ws_so_opentype) {
    int err = 0;
    if (!wpu::process_host().started()) {
      err = WSANOTINITIALISED;
    } else if (optval == nullptr || optlen == nullptr || *optlen < static_cast<int>(sizeof(int))) {
      err = WSAEFAULT;
    } else {
      const int v = wpu::detail::this_thread_open_type();
      std::memcpy(optval, &v, sizeof v);
      *optlen = sizeof v;
      return trace.done(wpu::detail::trace_result::sockerr, 0);
    }
    wpu::detail::set_wsa_last_error(err);
    return trace.done(wpu::detail::trace_result::sockerr, SOCKET_ERROR);
  }
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPGetSockOpt(s, level, optname, optval, optlen, e);
                    }));
}

WPU_DECL int wpu_setsockopt(SOCKET s, int level, int optname, const char* optval, int optlen) {
  auto trace = wpu::detail::app_trace("setsockopt", wpu::detail::tr::sock{s}, level, optname,
                                      optval, optlen);
  if (level == wpu::detail::ws_sol_socket && optname == wpu::detail::ws_so_opentype) {
    int err = 0;
    if (!wpu::process_host().started()) {
      err = WSANOTINITIALISED;
    } else if (optval == nullptr || optlen < static_cast<int>(sizeof(int))) {
      err = WSAEFAULT;
    } else {
      std::memcpy(&wpu::detail::this_thread_open_type(), optval, sizeof(int));
      return trace.done(wpu::detail::trace_result::sockerr, 0);
    }
    wpu::detail::set_wsa_last_error(err);
    return trace.done(wpu::detail::trace_result::sockerr, SOCKET_ERROR);
  }
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPSetSockOpt(s, level, optname, optval, optlen, e);
                    }));
}

WPU_DECL int wpu_getsockname(SOCKET s, struct sockaddr* name, int* namelen) {
  auto trace = wpu::detail::app_trace("getsockname", wpu::detail::tr::sock{s}, name, namelen);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPGetSockName(s, name, namelen, e);
                    }));
}

WPU_DECL int wpu_getpeername(SOCKET s, struct sockaddr* name, int* namelen) {
  auto trace = wpu::detail::app_trace("getpeername", wpu::detail::tr::sock{s}, name, namelen);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPGetPeerName(s, name, namelen, e);
                    }));
}

WPU_DECL int wpu_shutdown(SOCKET s, int how) {
  auto trace = wpu::detail::app_trace("shutdown", wpu::detail::tr::sock{s}, how);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPShutdown(s, how, e);
                    }));
}

WPU_DECL int wpu_wsa_send_disconnect(SOCKET s, LPWSABUF lpOutboundDisconnectData) {
  auto trace = wpu::detail::app_trace("WSASendDisconnect", wpu::detail::tr::sock{s},
                                      lpOutboundDisconnectData);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPSendDisconnect(s, lpOutboundDisconnectData, e);
                    }));
}

WPU_DECL int wpu_wsa_recv_disconnect(SOCKET s, LPWSABUF lpInboundDisconnectData) {
  auto trace = wpu::detail::app_trace("WSARecvDisconnect", wpu::detail::tr::sock{s},
                                      lpInboundDisconnectData);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      return p.lpWSPRecvDisconnect(s, lpInboundDisconnectData, e);
                    }));
}

// WSAEnumProtocolsW needs WSAStartup, as on Windows (WSCEnumProtocols does not).
WPU_DECL int wpu_wsa_enum_protocols_w(LPINT lpiProtocols, LPWSAPROTOCOL_INFOW lpProtocolBuffer,
                                      LPDWORD lpdwBufferLength) {
  auto trace =
      wpu::detail::app_trace("WSAEnumProtocolsW", lpiProtocols, lpProtocolBuffer, lpdwBufferLength);
  int err = 0;
  int n = SOCKET_ERROR;
  if (!wpu::process_host().started())
    err = WSANOTINITIALISED;
  else
    n = wpu::process_catalog().enum_protocols(lpiProtocols, lpProtocolBuffer, lpdwBufferLength,
                                              false, &err);
  if (n == SOCKET_ERROR) wpu::detail::set_wsa_last_error(err);
  return trace.done(wpu::detail::trace_result::sockerr, n);
}

// WSAEnumProtocolsA over WSAEnumProtocolsW: the W call sizes the result,
// a second one fills a temporary buffer; a catalog that grew in between is
// sized again.
WPU_DECL int wpu_wsa_enum_protocols_a(LPINT lpiProtocols, LPWSAPROTOCOL_INFOA lpProtocolBuffer,
                                      LPDWORD lpdwBufferLength) {
  auto trace =
      wpu::detail::app_trace("WSAEnumProtocolsA", lpiProtocols, lpProtocolBuffer, lpdwBufferLength);
  if (lpdwBufferLength == nullptr)  // the W function's error for it
    return trace.done(wpu::detail::trace_result::sockerr,
                      wpu_wsa_enum_protocols_w(lpiProtocols, nullptr, nullptr));
  for (;;) {
    DWORD wlen = 0;
    int n = wpu_wsa_enum_protocols_w(lpiProtocols, nullptr, &wlen);
    if (n != SOCKET_ERROR)
      return trace.done(wpu::detail::trace_result::sockerr, n);  // nothing matches: 0 records
    if (wpu::detail::wsa_last_error() != WSAENOBUFS)
      return trace.done(wpu::detail::trace_result::sockerr, SOCKET_ERROR);
    const DWORD count = wlen / static_cast<DWORD>(sizeof(WSAPROTOCOL_INFOW));
    const DWORD need = count * static_cast<DWORD>(sizeof(WSAPROTOCOL_INFOA));
    if (lpProtocolBuffer == nullptr || *lpdwBufferLength < need) {
      *lpdwBufferLength = need;
      wpu::detail::set_wsa_last_error(WSAENOBUFS);
      return trace.done(wpu::detail::trace_result::sockerr, SOCKET_ERROR);
    }
    std::unique_ptr<WSAPROTOCOL_INFOW[]> w(new (std::nothrow) WSAPROTOCOL_INFOW[count]);
    if (!w) {
      wpu::detail::set_wsa_last_error(WSAENOBUFS);
      return trace.done(wpu::detail::trace_result::sockerr, SOCKET_ERROR);
    }
    n = wpu_wsa_enum_protocols_w(lpiProtocols, w.get(), &wlen);
    if (n == SOCKET_ERROR) {
      if (wpu::detail::wsa_last_error() == WSAENOBUFS) continue;  // the catalog grew
      return trace.done(wpu::detail::trace_result::sockerr, SOCKET_ERROR);
    }
    for (int i = 0; i < n; ++i) wpu::detail::protocol_info_to_ansi(w[i], &lpProtocolBuffer[i]);
    return trace.done(wpu::detail::trace_result::sockerr, n);
  }
}

WPU_DECL SOCKET wpu_wsa_socket_a(int af, int type, int protocol, LPWSAPROTOCOL_INFOA lpProtocolInfo,
                                 GROUP g, DWORD dwFlags) {
  auto trace = wpu::detail::app_trace("WSASocketA", af, type, protocol, lpProtocolInfo, g,
                                      wpu::detail::tr::hex{dwFlags});
  if (lpProtocolInfo == nullptr)
    return trace.done(wpu::detail::trace_result::socket,
                      wpu_wsa_socket_w(af, type, protocol, nullptr, g, dwFlags));
  WSAPROTOCOL_INFOW w;
  wpu::detail::protocol_info_from_ansi(*lpProtocolInfo, &w);
  return trace.done(wpu::detail::trace_result::socket,
                    wpu_wsa_socket_w(af, type, protocol, &w, g, dwFlags));
}

WPU_DECL int wpu_wsa_duplicate_socket_w(SOCKET s, DWORD dwProcessId,
                                        LPWSAPROTOCOL_INFOW lpProtocolInfo) {
  auto trace = wpu::detail::app_trace("WSADuplicateSocketW", wpu::detail::tr::sock{s}, dwProcessId,
                                      lpProtocolInfo);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      if (lpProtocolInfo == nullptr) {
                        *e = WSAEFAULT;
                        return SOCKET_ERROR;
                      }
                      return p.lpWSPDuplicateSocket(s, dwProcessId, lpProtocolInfo, e);
                    }));
}

WPU_DECL int wpu_wsa_duplicate_socket_a(SOCKET s, DWORD dwProcessId,
                                        LPWSAPROTOCOL_INFOA lpProtocolInfo) {
  auto trace = wpu::detail::app_trace("WSADuplicateSocketA", wpu::detail::tr::sock{s}, dwProcessId,
                                      lpProtocolInfo);
  return trace.done(wpu::detail::trace_result::sockerr,
                    wpu::detail::routed(s, [&](const WSPPROC_TABLE& p, int* e) {
                      if (lpProtocolInfo == nullptr) {
                        *e = WSAEFAULT;
                        return SOCKET_ERROR;
                      }
                      WSAPROTOCOL_INFOW w;
                      std::memset(&w, 0, sizeof w);
                      const int rc = p.lpWSPDuplicateSocket(s, dwProcessId, &w, e);
                      if (rc == 0) wpu::detail::protocol_info_to_ansi(w, lpProtocolInfo);
                      return rc;
                    }));
}

WPU_DECL int wpu_socket_catalog_id(SOCKET s, DWORD* catalog_id) {
  if (catalog_id == nullptr) return WSAEFAULT;
  int err = 0;
  const wpu::host::route* r = wpu::process_host().find(s, &err);
  if (r == nullptr) return WSAENOTSOCK;
  *catalog_id = r->catalog_id;
  return 0;
}

WPU_DECL const char* wpu_host_failure_text(void) {
  return wpu::host::failure_text();
}

}  // extern "C"

#endif  // WPU_IMPL_HOST_C_API_IPP
