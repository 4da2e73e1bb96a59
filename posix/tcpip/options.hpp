// posix/tcpip/options.hpp - what the option files of "wpu tcpip"
// (options.cpp, options_set.cpp, ioctl.cpp) share: the pass-through option
// table's entry type and the helpers that read, check and set option values.
// Internal to the module.
//
// Every helper that fails returns SOCKET_ERROR with the Winsock code in
// *err, else 0; none takes a lock. Any thread.
#ifndef WPU_TCPIP_OPTIONS_HPP
#define WPU_TCPIP_OPTIONS_HPP

#include "provider.hpp"

namespace wpu_tcpip {

enum class kind { boolean, integer, bytes, mreq, mreq6, in_addr4 };

// An option passed through to Linux with a plain value translation.
struct mapped {
  int ws_level, ws_name;
  int level, name;
  kind k;
  bool stream_only, dgram_only;
  int family;  // 0: any, else the Linux family the socket must have
};

// The table's entry for a Winsock level and name, or null.
const mapped* lookup(int level, int name) noexcept;
// True for the levels the provider knows (SOL_SOCKET, TCP, UDP, IP, IPv6).
bool known_level(int level) noexcept;
// The value of a Windows BOOL/DWORD/int option argument (at least 4 bytes).
int read_int(const char* optval) noexcept;
// setsockopt on the fd; ENOPROTOOPT and EOPNOTSUPP become WSAENOPROTOOPT.
int set_linux(int fd, int level, int name, const void* v, socklen_t len, LPINT err) noexcept;
// WSAENOPROTOOPT when the table's option does not apply to the socket's
// type or family.
int applicable(const sock& k, const mapped& m, LPINT err) noexcept;
// WSAENOPROTOOPT unless `k` is a stream socket (the SOL_SOCKET options only
// TCP sockets have).
int stream_only(const sock& k, LPINT err) noexcept;

}  // namespace wpu_tcpip

#endif  // WPU_TCPIP_OPTIONS_HPP
