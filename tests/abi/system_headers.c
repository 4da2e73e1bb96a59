/* Provider-style source that says fd_set, FD_ISSET and WCHAR, with system
   headers included both before and after <wpu/ws2spi.h>: it must compile on
   Linux and mean Winsock's fd_set (an array of handles), as on Windows. */
#include <stdio.h>
#include <stdlib.h>
#if !defined(_WIN32)
#  include <sys/select.h>
#  include <sys/time.h>
#endif

#include <wpu/ws2spi.h>

#if !defined(_WIN32)
#  include <netinet/in.h>
#  include <sys/socket.h>
#  include <sys/types.h>
#  include <unistd.h>
#endif

static int count_ready(fd_set* readfds, const SOCKET* sockets, int n) {
  int ready = 0;
  for (int i = 0; i < n; ++i)
    if (FD_ISSET(sockets[i], readfds)) ++ready;
  return ready;
}

int main(void) {
  SOCKET sockets[3] = {(SOCKET)1 << 60, 5000, 12};
  fd_set readfds;
  FD_ZERO(&readfds);
  FD_SET(sockets[0], &readfds);
  FD_SET(sockets[1], &readfds); /* beyond any bitmap's 1024: an array takes it */
  WCHAR name[] = {'w', 'p', 'u', 0};
  int ok = readfds.fd_count == 2 && count_ready(&readfds, sockets, 3) == 2 &&
           sizeof(WCHAR) == 2 && sizeof(name) == 8 && FD_SETSIZE == 64 &&
           sizeof(readfds) == 8 + 8 * FD_SETSIZE;
  printf("system headers around ws2spi.h: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
