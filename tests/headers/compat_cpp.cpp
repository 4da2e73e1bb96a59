// tests/headers/compat_cpp.cpp - the compatibility folder from C++17: one
// include order per COMPAT_ORDER (ANSI and UNICODE builds of each), with
// standard library and system headers before and after, then the checks of
// compat_body.h. Exit status: the number of failures.
//   1: <windows.h>, <winsock2.h>, <tchar.h>, then <regex>, <functional>,
//      <map>, <mutex>, <iostream>, <sys/socket.h>, <netinet/tcp.h>
//   2: <vector>, <pthread.h>, <sys/socket.h>, <netinet/in.h>, then
//      <winsock2.h>, <ws2tcpip.h>, <mswsock.h>, <windows.h>, <tchar.h>, <string>
// Header-only mode: a C++ unit gets wpu's C functions (WSASocketA ->
// wpu_wsa_socket_a...) as inline definitions from wpu's C++ headers, included
// first (they are ordinary system-style headers for the compatibility names).
#if defined(WPU_HEADER_ONLY)
#  include <wpu/host.hpp>
#  include <wpu/wpu.hpp>
#endif

#if COMPAT_ORDER == 1
#  include <windows.h>
#  include <winsock2.h>
#  include <tchar.h>
#  include <functional>
#  include <iostream>
#  include <map>
#  include <mutex>
#  include <regex>
#  include <sys/socket.h>
#  include <netinet/tcp.h>
#elif COMPAT_ORDER == 2
#  include <vector>
#  include <pthread.h>
#  include <sys/socket.h>
#  include <netinet/in.h>
#  include <winsock2.h>
#  include <ws2tcpip.h>
#  include <mswsock.h>
#  include <windows.h>
#  include <tchar.h>
#  include <string>
#else
#  error "COMPAT_ORDER 1..2"
#endif

#include <stdexcept>

#include "compat_body.h"

// C++ exceptions pass through __try/__except (SEH's handler is for hardware
// faults; wpu's never runs).
static int cxx_exception_passes(void) {
  int failures = 0;
  bool caught = false;
  try {
    __try {
      throw std::runtime_error("x");
    } __except (EXCEPTION_EXECUTE_HANDLER) {
      ++failures;
    }
  } catch (const std::runtime_error&) {
    caught = true;
  }
  COMPAT_EXPECT(caught);
  return failures;
}

int main() {
  const int failures = compat_checks() + cxx_exception_passes();
  std::printf("compat C++ order %d%s: %s\n", COMPAT_ORDER,
#ifdef UNICODE
              " UNICODE",
#else
              " ANSI",
#endif
              failures ? "FAILED" : "ok");
  return failures;
}
