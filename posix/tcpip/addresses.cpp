// posix/tcpip/addresses.cpp - "wpu tcpip": addresses. The translation of
// sockaddrs between Winsock's and Linux's layout (AF_INET6 is 23 on
// Winsock, 10 on Linux), WSPGetSockName, WSPGetPeerName, and the address
// strings (WSPAddressToString, WSPStringToAddress).
//
// Invariants: a sockaddr crosses the boundary only through sockaddr_from_ws
// and sockaddr_to_ws, which never read or write past the length they are
// given. The string functions touch no socket. Any thread.
#include "provider.hpp"

#include <wpu/errno_map.hpp>

#include <arpa/inet.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace wpu_tcpip {

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

// True when the fd has a local address (bind, connect or a send bound it).
bool has_local_port(int fd) noexcept {
  sockaddr_storage a;
  socklen_t len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return false;
  if (a.ss_family == AF_INET) return reinterpret_cast<sockaddr_in&>(a).sin_port != 0;
  if (a.ss_family == AF_INET6) return reinterpret_cast<sockaddr_in6&>(a).sin6_port != 0;
  return false;
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
