/*
 * tests/headers/compat_c.c - the compatibility folder from C: one include
 * order per COMPAT_ORDER (meson builds each, ANSI in C99 and UNICODE in C11),
 * then the checks of compat_body.h and the Windows-style provider code of
 * compat_provider.c. Exit status: the number of failures.
 *   1: <windows.h>, then <winsock2.h>, <ws2spi.h>... then system headers
 *   2: system socket and thread headers, then <winsock2.h>, then <windows.h>
 *   3: <ws2spi.h>, <mswsock.h>, <mstcpip.h>, <ws2tcpip.h> with
 *      WIN32_LEAN_AND_MEAN, then <windows.h>, <sporder.h>, system headers
 *   4: <tchar.h> and <strsafe.h> first, then <winsock2.h>, <windows.h>
 */
#if COMPAT_ORDER == 1
#  include <windows.h>
#  include <winsock2.h>
#  include <ws2spi.h>
#  include <ws2tcpip.h>
#  include <mswsock.h>
#  include <mstcpip.h>
#  include <tchar.h>
#  include <sys/socket.h>
#  include <netinet/in.h>
#  include <netinet/tcp.h>
#  include <pthread.h>
#  include <poll.h>
#  include <sys/ioctl.h>
#elif COMPAT_ORDER == 2
#  include <pthread.h>
#  include <netinet/in.h>
#  include <sys/socket.h>
#  include <poll.h>
#  include <winsock2.h>
#  include <ws2tcpip.h>
#  include <windows.h>
#  include <tchar.h>
#elif COMPAT_ORDER == 3
#  define WIN32_LEAN_AND_MEAN
#  include <ws2spi.h>
#  include <mswsock.h>
#  include <mstcpip.h>
#  include <ws2tcpip.h>
#  include <windows.h>
#  include <sporder.h>
#  include <tchar.h>
#  include <arpa/inet.h>
#  include <netdb.h>
#  include <sys/select.h>
#  include <unistd.h>
#elif COMPAT_ORDER == 4
#  include <tchar.h>
#  include <strsafe.h>
#  include <winsock2.h>
#  include <windows.h>
#  include <sys/socket.h>
#else
#  error "COMPAT_ORDER 1..4"
#endif

#include "compat_body.h"

int compat_provider_run(void); /* compat_provider.c */

int main(void) {
  int failures = compat_checks() + compat_provider_run();
  printf("compat C order %d%s: %s\n", COMPAT_ORDER,
#ifdef UNICODE
         " UNICODE",
#else
         " ANSI",
#endif
         failures ? "FAILED" : "ok");
  return failures;
}
