/* The C API from a C99 program, through the upcall table, the way a C host
   and provider use it. Argument: the expected result of wpu_get_upcall_table
   (0 with WPU_CATALOG=tests/data/test.catalog; WSAEINVAL with a malformed one). */
#include <wpu/winapi.h>
#include <wpu/wpu.h>
#include <wpu/ws2spi.h> /* fd_set, WPUCompleteOverlappedRequest */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define EXPECT(cond)                                                     \
  do {                                                                   \
    if (!(cond)) {                                                       \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                        \
    }                                                                    \
  } while (0)

int main(int argc, char** argv) {
  WSPUPCALLTABLE table;
  int expected = argc > 1 ? atoi(argv[1]) : 0;
  int rc = wpu_get_upcall_table(&table);
  EXPECT(rc == expected);
  if (expected != 0) {
    int line = 0;
    EXPECT(wpu_catalog_load_file("/nonexistent/wpu.catalog", &line) == WSASYSNOTREADY);
    printf("c_api (expected error %d): %s\n", expected, failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
  }

  /* The provider GUID from tests/data/test.catalog. */
  GUID id = {0x9a1c2b3d, 0x4e5f, 0x4a6b, {0x8c, 0x7d, 0x0e, 0x1f, 0x2a, 0x3b, 0x4c, 0x5d}};
  WSAPROTOCOL_INFOW info;
  EXPECT(wpu_catalog_get(1001, &info) == 0);
  EXPECT(info.iProtocol == 6 && info.dwCatalogEntryId == 1001);
  EXPECT(memcmp(&info.ProviderId, &id, sizeof id) == 0);

  int err = 0, len = 0;
  EXPECT(table.lpWPUGetProviderPath(&id, NULL, &len, &err) == SOCKET_ERROR);
  EXPECT(err == WSAEFAULT && len == 37);
  WCHAR* path = (WCHAR*)malloc(sizeof(WCHAR) * (size_t)len);
  EXPECT(table.lpWPUGetProviderPath(&id, path, &len, &err) == 0);
  EXPECT(len == 36 && path[0] == '%' && path[36] == 0);
  free(path);

  SOCKET s = table.lpWPUCreateSocketHandle(1001, (DWORD_PTR)&info, &err);
  EXPECT(s != INVALID_SOCKET);
  DWORD_PTR ctx = 0;
  EXPECT(table.lpWPUQuerySocketHandleContext(s, &ctx, &err) == 0);
  EXPECT(ctx == (DWORD_PTR)&info);
  fd_set set;
  FD_ZERO(&set);
  FD_SET(s, &set);
  EXPECT(table.lpWPUFDIsSet(s, &set) && FD_ISSET(s, &set));
  EXPECT(table.lpWPUCloseSocketHandle(s, &err) == 0);
  EXPECT(table.lpWPUCloseSocketHandle(s, &err) == SOCKET_ERROR && err == WSAENOTSOCK);

  LPBLOCKINGCALLBACK cb = NULL;
  EXPECT(table.lpWPUQueryBlockingCallback(1001, &cb, &ctx, &err) == 0 && cb == NULL);
  EXPECT(table.lpWPUQueryBlockingCallback(7, &cb, &ctx, &err) == SOCKET_ERROR && err == WSAEINVAL);

  /* Overlapped completion: a socket associated with a port, a request
     completed by the provider, the client's view of it. */
  {
    SOCKET so = table.lpWPUCreateSocketHandle(1001, 0, &err);
    WSAOVERLAPPED ov;
    DWORD bytes = 0, flags = 0;
    ULONG_PTR key = 0;
    LPOVERLAPPED got = NULL;
    HANDLE port;
    EXPECT(so != INVALID_SOCKET);
    port = wpu_associate_socket(so, NULL, 42, 1);
    EXPECT(port != NULL);
    SetLastError(0);
    EXPECT(wpu_associate_socket(so, port, 43, 0) == NULL);
    EXPECT(GetLastError() == ERROR_INVALID_PARAMETER);
    memset(&ov, 0, sizeof ov);
    ov.Internal = WSS_OPERATION_IN_PROGRESS;
    EXPECT(wpu_get_overlapped_result(so, &ov, &bytes, FALSE, &flags) == WSA_IO_INCOMPLETE);
    EXPECT(wpu_complete_overlapped_request(so, &ov, 0, 5, &err) == 0);
    EXPECT(wpu_get_overlapped_result(so, &ov, &bytes, FALSE, &flags) == 0 && bytes == 5);
    EXPECT(GetQueuedCompletionStatus(port, &bytes, &key, &got, 1000) == TRUE);
    EXPECT(key == 42 && got == &ov && bytes == 5);
#if !defined(_WIN32)
    {
      /* POSIX: Windows' own names reach the same functions. */
      SOCKET s2 = table.lpWPUCreateSocketHandle(1001, 0, &err);
      EXPECT(CreateIoCompletionPort((HANDLE)s2, port, 44, 0) == port);
      ov.Internal = WSS_OPERATION_IN_PROGRESS;
      EXPECT(WPUCompleteOverlappedRequest(s2, &ov, WSAECONNRESET, 6, &err) == 0);
      EXPECT(WSAGetOverlappedResult(s2, &ov, &bytes, FALSE, &flags) == FALSE);
      EXPECT(WSAGetLastError() == WSAECONNRESET && bytes == 6);
      EXPECT(GetQueuedCompletionStatus(port, &bytes, &key, &got, 1000) == FALSE);
      EXPECT(GetLastError() == WSAECONNRESET && key == 44 && got == &ov);
      EXPECT(table.lpWPUCloseSocketHandle(s2, &err) == 0);
    }
#endif
    EXPECT(table.lpWPUCloseSocketHandle(so, &err) == 0);
    EXPECT(CloseHandle(port) == TRUE);
  }

  printf("c_api: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
