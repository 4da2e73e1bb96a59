/* handles_and_paths - the first wpu example, in plain C.
 *
 * It plays the part of a non-IFS layered provider the way Microsoft's LSP
 * samples do: it receives the upcall table (here from wpu_get_upcall_table,
 * as a host would pass it to WSPStartup), finds its own module path by GUID,
 * and gives each of its sockets a WPU socket handle carrying a pointer to its
 * per-socket state. Run it with WPU_CATALOG naming examples/example.catalog
 * (examples/run does).
 */
#include <wpu/wpu.h>
#include <wpu/ws2spi.h> /* Winsock's fd_set and FD_SET */

#include <stdio.h>
#include <stdlib.h>

/* What a layered provider keeps per socket: the lower provider's socket and
   whatever else it needs. The WPU handle's context points at it. */
typedef struct socket_context {
  SOCKET lower_socket;
  int bytes_sent;
} socket_context;

static WSPUPCALLTABLE upcalls; /* copied, as providers copy it in WSPStartup */

static void print_wide(const WCHAR* s) {
  for (; *s != 0; ++s) putchar(*s < 128 ? (char)*s : '?');
}

int main(void) {
  int err = 0;
  int rc = wpu_get_upcall_table(&upcalls);
  if (rc != 0) {
    fprintf(stderr, "wpu_get_upcall_table failed: %d (is WPU_CATALOG set?)\n", rc);
    return 1;
  }

  /* 1. Our own catalog entry (the layered one, id 1002) and its module path. */
  WSAPROTOCOL_INFOW self;
  if (wpu_catalog_get(1002, &self) != 0) {
    fprintf(stderr, "catalog entry 1002 missing: run with WPU_CATALOG=examples/example.catalog\n");
    return 1;
  }
  printf("provider 1002: \"");
  print_wide(self.szProtocol);
  printf("\", chain of %d: %u -> %u\n", self.ProtocolChain.ChainLen,
         (unsigned)self.ProtocolChain.ChainEntries[0],
         (unsigned)self.ProtocolChain.ChainEntries[1]);

  /* WPUGetProviderPath: ask for the size first (WSAEFAULT + length with NUL). */
  int len = 0;
  if (upcalls.lpWPUGetProviderPath(&self.ProviderId, NULL, &len, &err) != SOCKET_ERROR ||
      err != WSAEFAULT) {
    fprintf(stderr, "size query should fail with WSAEFAULT\n");
    return 1;
  }
  WCHAR* path = malloc(sizeof(WCHAR) * (size_t)len);
  if (path == NULL ||
      upcalls.lpWPUGetProviderPath(&self.ProviderId, path, &len, &err) == SOCKET_ERROR) {
    fprintf(stderr, "WPUGetProviderPath failed: %d\n", err);
    return 1;
  }
  printf("module path (%d characters): ", len);
  print_wide(path);
  printf("\n");
  free(path);

  /* The base provider's path is not expanded: %SystemRoot% stays. */
  WSAPROTOCOL_INFOW base;
  WCHAR base_path[260];
  len = 260;
  wpu_catalog_get(1001, &base);
  if (upcalls.lpWPUGetProviderPath(&base.ProviderId, base_path, &len, &err) == 0) {
    printf("base provider path: ");
    print_wide(base_path);
    printf("\n");
  }

  /* 2. Socket handles: what WSPSocket would hand back to the application. */
  socket_context contexts[3] = {{100, 0}, {101, 0}, {102, 0}};
  SOCKET handles[3];
  for (int i = 0; i < 3; ++i) {
    handles[i] =
        upcalls.lpWPUCreateSocketHandle(self.dwCatalogEntryId, (DWORD_PTR)&contexts[i], &err);
    if (handles[i] == INVALID_SOCKET) {
      fprintf(stderr, "WPUCreateSocketHandle failed: %d\n", err);
      return 1;
    }
    printf("socket %d: handle 0x%llx\n", i, (unsigned long long)handles[i]);
  }

  /* Every WSPSend/WSPRecv starts by finding its context again. */
  for (int i = 0; i < 3; ++i) {
    DWORD_PTR ctx = 0;
    if (upcalls.lpWPUQuerySocketHandleContext(handles[i], &ctx, &err) != 0) return 1;
    socket_context* sc = (socket_context*)ctx;
    sc->bytes_sent += 512 * (i + 1);
    printf("handle 0x%llx -> lower socket %llu, %d bytes sent\n", (unsigned long long)handles[i],
           (unsigned long long)sc->lower_socket, sc->bytes_sent);
  }

  /* WSPSelect: Winsock's fd_set is an array of handles. */
  fd_set readable;
  FD_ZERO(&readable);
  FD_SET(handles[0], &readable);
  FD_SET(handles[2], &readable);
  printf("WPUFDIsSet: socket 0 %s, socket 1 %s\n",
         upcalls.lpWPUFDIsSet(handles[0], &readable) ? "ready" : "not ready",
         upcalls.lpWPUFDIsSet(handles[1], &readable) ? "ready" : "not ready");

  /* No blocking hook on this thread: the callback is NULL, block natively. */
  LPBLOCKINGCALLBACK hook = NULL;
  DWORD_PTR hook_ctx = 0;
  upcalls.lpWPUQueryBlockingCallback(self.dwCatalogEntryId, &hook, &hook_ctx, &err);
  printf("blocking callback: %s\n", hook == NULL ? "none" : "installed");

  /* 3. WSPCloseSocket: close the handles; a stale handle is WSAENOTSOCK. */
  for (int i = 0; i < 3; ++i) upcalls.lpWPUCloseSocketHandle(handles[i], &err);
  DWORD_PTR ctx = 0;
  if (upcalls.lpWPUQuerySocketHandleContext(handles[1], &ctx, &err) == SOCKET_ERROR)
    printf("after close: query of handle 0x%llx fails with %d (WSAENOTSOCK)\n",
           (unsigned long long)handles[1], err);
  return err == WSAENOTSOCK ? 0 : 1;
}
