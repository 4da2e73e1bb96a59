/* A provider whose WSPSend returns at once, for B7 (the host's routing cost).
   Written as a Windows provider is: WSPStartup fills the proc table; sockets
   are WPUCreateSocketHandle handles. Only WSPSocket, WSPSend, WSPCloseSocket
   and WSPCleanup do anything; the other slots fail with WSAEOPNOTSUPP (the
   host refuses a table with NULL slots). */
#include <wpu/ws2spi.h>

#include <string.h>

static WSPUPCALLTABLE upcalls;

static int WSPAPI not_supported(void) {
  return SOCKET_ERROR;
}

static SOCKET WSPAPI null_socket(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, GROUP g,
                                 DWORD flags, LPINT err) {
  (void)af, (void)type, (void)protocol, (void)g, (void)flags;
  return upcalls.lpWPUCreateSocketHandle(info->dwCatalogEntryId, 0, err);
}

static int WSPAPI null_send(SOCKET s, LPWSABUF buffers, DWORD count, LPDWORD sent, DWORD flags,
                            LPWSAOVERLAPPED overlapped,
                            LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread,
                            LPINT err) {
  (void)s, (void)flags, (void)overlapped, (void)routine, (void)thread, (void)err;
  DWORD n = 0;
  for (DWORD i = 0; i < count; ++i) n += buffers[i].len;
  *sent = n;
  return 0;
}

static int WSPAPI null_close(SOCKET s, LPINT err) {
  return upcalls.lpWPUCloseSocketHandle(s, err);
}

static int WSPAPI null_cleanup(LPINT err) {
  (void)err;
  return 0;
}

int WSPAPI WSPStartup(WORD version, LPWSPDATA data, LPWSAPROTOCOL_INFOW info,
                      WSPUPCALLTABLE table, LPWSPPROC_TABLE procs) {
  (void)info;
  if (LOBYTE(version) < 2) return WSAVERNOTSUPPORTED;
  data->wVersion = MAKEWORD(2, 2);
  data->wHighVersion = MAKEWORD(2, 2);
  upcalls = table;
  /* Every slot a function that fails, then the four that work. */
  {
    void (*fail)(void) = (void (*)(void))not_supported;
    size_t i;
    for (i = 0; i < sizeof *procs / sizeof fail; ++i)
      memcpy((char*)procs + i * sizeof fail, &fail, sizeof fail);
  }
  procs->lpWSPSocket = null_socket;
  procs->lpWSPSend = null_send;
  procs->lpWSPCloseSocket = null_close;
  procs->lpWSPCleanup = null_cleanup;
  return 0;
}
