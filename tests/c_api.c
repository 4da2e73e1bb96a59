/* The C API from a C99 program, through the upcall table, the way a C host
   and provider use it. Argument: the expected result of wpu_get_upcall_table
   (0 with WPU_CATALOG=tests/data/test.catalog; WSAEINVAL with a malformed one). */
#include <wpu/wpu.h>

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

  printf("c_api: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
