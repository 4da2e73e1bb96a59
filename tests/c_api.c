/* The C API from a C99 program, through the upcall table, the way a C host
   and provider use it. Argument: the expected result of wpu_get_upcall_table
   (0 with WPU_CATALOG=tests/data/test.catalog; WSAEINVAL with a malformed one);
   optional second argument: tests/data/chained.catalog, loaded on top. */
#define _POSIX_C_SOURCE 200112L /* setenv */
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

/* The thread's last error and the environment, on either platform. */
static int wpu_wsa_get_last_error_for_test(void) {
#if defined(_WIN32)
  return WSAGetLastError();
#else
  return wpu_wsa_get_last_error();
#endif
}

static void set_test_dir(const char* value) {
#if defined(_WIN32)
  WCHAR w[64];
  size_t i = 0;
  for (; value[i] != 0 && i < 63; ++i) w[i] = (WCHAR)value[i];
  w[i] = 0;
  SetEnvironmentVariableW(L"WPU_C_TEST_DIR", w);
#else
  setenv("WPU_C_TEST_DIR", value, 1);
#endif
}

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

  /* Chains and the catalog functions a provider calls (argument 2: the file
     tests/data/chained.catalog, ids 1002..1005 after test.catalog's 1001). */
  if (argc > 2) {
    GUID lsp = {0x0b5e1c2d, 0x3f4a, 0x4b5c, {0x8d, 0x6e, 0x7f, 0x80, 0x91, 0xa2, 0xb3, 0xc4}};
    WSAPROTOCOL_INFOW* all;
    WSADATA wsa;
    DWORD size = 0, n, i;
    DWORD order[5];
    WCHAR raw[64], expanded[64];
    static const char want[] = "/opt/wpu c/libwpu-c-lsp.so";
    int line = 0, count, plen = 64;
    EXPECT(wpu_catalog_load_file(argv[2], &line) == 0);
    EXPECT(wpu_wsc_enum_protocols(NULL, NULL, &size, &err) == SOCKET_ERROR);
    EXPECT(err == WSAENOBUFS && size == 5 * sizeof(WSAPROTOCOL_INFOW));
    all = (WSAPROTOCOL_INFOW*)malloc(size);
    count = wpu_wsc_enum_protocols(NULL, all, &size, &err);
    EXPECT(count == 5);
    for (i = 0; count == 5 && i < 5; ++i) EXPECT(all[i].dwCatalogEntryId == 1001 + i);
    if (count == 5) {
      EXPECT(all[1].ProtocolChain.ChainLen == 0);
      EXPECT(all[2].ProtocolChain.ChainLen == 2 && all[2].ProtocolChain.ChainEntries[0] == 1002 &&
             all[2].ProtocolChain.ChainEntries[1] == 1005);
      EXPECT(all[2].iProtocol == 17 && all[2].iSocketType == 2); /* from its base */
      EXPECT(all[3].ProtocolChain.ChainEntries[1] == 1001 && all[3].iProtocol == 6);
    }
    /* WSAEnumProtocolsW needs WSAStartup, and leaves the layered entry out. */
    size = 0;
    EXPECT(wpu_wsa_enum_protocols_w(NULL, NULL, &size) == SOCKET_ERROR);
    EXPECT(wpu_wsa_get_last_error_for_test() == WSANOTINITIALISED);
    EXPECT(wpu_wsa_startup(MAKEWORD(2, 2), &wsa) == 0);
    EXPECT(wpu_wsa_enum_protocols_w(NULL, NULL, &size) == SOCKET_ERROR);
    EXPECT(wpu_wsa_get_last_error_for_test() == WSAENOBUFS);
    EXPECT(size == 4 * sizeof(WSAPROTOCOL_INFOW));
    count = wpu_wsa_enum_protocols_w(NULL, all, &size);
    EXPECT(count == 4 && all[0].dwCatalogEntryId == 1001 && all[1].dwCatalogEntryId == 1003);

    /* The path below is found by GUID, unexpanded, then expanded. */
    EXPECT(wpu_wsc_get_provider_path(&lsp, raw, &plen, &err) == 0);
    EXPECT(plen == 32 && raw[0] == '%' && raw[32] == 0);
    set_test_dir("/opt/wpu c");
    n = wpu_expand_environment_strings_w(raw, expanded, 64);
    EXPECT(n == sizeof want);
    for (i = 0; n == sizeof want && i < n; ++i) EXPECT(expanded[i] == (WCHAR)want[i]);

    /* Order, and what cannot be removed while a chain names it. */
    for (i = 0; i < 5; ++i) order[i] = 1005 - i;
    EXPECT(wpu_catalog_write_order(order, 5) == 0);
    EXPECT(wpu_catalog_write_order(order, 4) == WSAEINVAL);
    size = 5 * sizeof(WSAPROTOCOL_INFOW);
    count = wpu_wsc_enum_protocols(NULL, all, &size, &err);
    EXPECT(count == 5 && all[0].dwCatalogEntryId == 1005 && all[4].dwCatalogEntryId == 1001);
    EXPECT(wpu_catalog_remove(1002) == WSAEINVAL && wpu_catalog_remove(1001) == WSAEINVAL);
#if !defined(_WIN32)
    /* POSIX: Windows' names reach the same functions. */
    size = 0;
    EXPECT(WSCEnumProtocols(NULL, NULL, &size, &err) == SOCKET_ERROR && err == WSAENOBUFS &&
           size == 5 * sizeof(WSAPROTOCOL_INFOW));
    EXPECT(WSAEnumProtocols(NULL, NULL, &size) == SOCKET_ERROR && size == 4 * sizeof *all);
    plen = 64;
    EXPECT(WSCGetProviderPath(&lsp, raw, &plen, &err) == 0 && plen == 32);
    EXPECT(ExpandEnvironmentStringsW(raw, expanded, 64) == sizeof want);
#endif
    EXPECT(wpu_wsa_cleanup() == 0);
    free(all);
  }

  printf("c_api: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
