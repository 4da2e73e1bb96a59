/* hosting.c - an application of wpu's provider host, end to end.
 *
 * The program adds one catalog entry for examples/upper_provider.c (its
 * module path is the first argument), then talks Winsock: WSAStartup loads
 * nothing; the first WSASocketW naming the entry loads the module, calls
 * its WSPStartup with wpu's upcall table, and routes to its WSPSocket; send,
 * recv, ioctlsocket and an overlapped WSARecv completed through
 * WPUCompleteOverlappedRequest go to that provider; the last WSACleanup calls WSPCleanup and unloads it.
 *
 * On POSIX <wpu/winsock.h> gives the application Windows' names (socket,
 * send...) for wpu's host functions. On Windows ws2_32 owns those names, so
 * a program that hosts a provider in-process calls wpu_ functions; the
 * defines below let this file read the same on both. Build: examples/run
 * (or meson); run: hosting <provider module>. */
#include <stdio.h>
#include <string.h>

#include <wpu/wpu.h>
#if defined(_WIN32)
#  include <wpu/detail/winsock_decls.h>
#  define WSAStartup wpu_wsa_startup
#  define WSACleanup wpu_wsa_cleanup
#  define WSASocketW wpu_wsa_socket_w
#  define closesocket wpu_closesocket
#  define send wpu_send
#  define recv wpu_recv
#  define ioctlsocket(s, cmd, argp) wpu_ioctlsocket((s), (LONG)(cmd), (argp))
#  define WSARecv wpu_wsa_recv
#  define WSAGetOverlappedResult wpu_wsa_get_overlapped_result
#else
#  include <wpu/winsock.h>
#endif

/* Converts a UTF-8 path to UTF-16 (ASCII is enough for this example). */
static int widen(const char* in, WCHAR* out, size_t size) {
  size_t i;
  for (i = 0; in[i] != '\0'; ++i) {
    if ((unsigned char)in[i] >= 0x80 || i + 1 >= size) return 0;
    out[i] = (WCHAR)in[i];
  }
  out[i] = 0;
  return 1;
}

int main(int argc, char** argv) {
  WSAPROTOCOL_INFOW info;
  WCHAR path[1024];
  DWORD id = 0, entry = 0, got = 0, flags = 0;
  WSADATA data;
  SOCKET s;
  char buf[64];
  WSABUF wsabuf;
  WSAOVERLAPPED ov;
  ULONG pending = 0;
  int n, failures = 0;

  if (argc < 2 || !widen(argv[1], path, sizeof path / sizeof path[0])) {
    fprintf(stderr, "usage: %s <upper provider module (ASCII path)>\n", argv[0]);
    return 2;
  }
  /* A base entry for the provider: stream sockets of family 2, protocol 6,
     and protocol 0 too. */
  memset(&info, 0, sizeof info);
  info.ProviderId.Data1 = 0x0ca11ab1;
  info.ProtocolChain.ChainLen = BASE_PROTOCOL;
  info.dwProviderFlags = PFL_MATCHES_PROTOCOL_ZERO;
  info.iAddressFamily = 2;
  info.iSocketType = 1;
  info.iProtocol = 6;
  if (wpu_catalog_add(&info, path, &id) != 0) return 1;
  printf("catalog entry %lu -> %s\n", (unsigned long)id, argv[1]);

  if (WSAStartup(MAKEWORD(2, 2), &data) != 0) return 1;
  printf("WSAStartup: version %u.%u (%s)\n", LOBYTE(data.wVersion), HIBYTE(data.wVersion),
         data.szDescription);

  /* The catalog already holds wpu's base provider for AF_INET/SOCK_STREAM
     (the default catalog), and socket() takes the first match in catalog
     order; WSASocketW with the entry's protocol info picks this one. */
  if (wpu_catalog_get(id, &info) != 0) return 1;
  s = WSASocketW(2, 1, 0, &info, 0, WSA_FLAG_OVERLAPPED);
  if (s == INVALID_SOCKET) {
    printf("socket failed: %d (%s)\n", WSAGetLastError(), wpu_host_failure_text());
    return 1;
  }
  wpu_socket_catalog_id(s, &entry);
  printf("socket %#llx made by catalog entry %lu\n", (unsigned long long)s, (unsigned long)entry);

  n = send(s, "hello, provider", 15, 0);
  printf("send: %d bytes\n", n);
  if (ioctlsocket(s, FIONREAD, &pending) != 0) ++failures;
  printf("ioctlsocket(FIONREAD): %lu bytes waiting\n", (unsigned long)pending);
  n = recv(s, buf, 5, 0);
  printf("recv: %.*s\n", n > 0 ? n : 0, buf);
  if (n != 5 || memcmp(buf, "HELLO", 5) != 0) ++failures;

  /* Overlapped: the provider completes with WPUCompleteOverlappedRequest
     and the host routes WSAGetOverlappedResult to its WSPGetOverlappedResult. */
  memset(&ov, 0, sizeof ov);
  wsabuf.len = sizeof buf;
  wsabuf.buf = buf;
  if (WSARecv(s, &wsabuf, 1, NULL, &flags, &ov, NULL) != 0) ++failures;
  if (!WSAGetOverlappedResult(s, &ov, &got, FALSE, &flags)) ++failures;
  printf("overlapped WSARecv: %lu bytes: %.*s\n", (unsigned long)got, (int)got, buf);
  if (got != 10 || memcmp(buf, ", PROVIDER", 10) != 0) ++failures;

  if (closesocket(s) != 0) ++failures;
  n = send(s, "x", 1, 0);
  printf("send after closesocket: %d, error %d (WSAENOTSOCK is %d)\n", n, WSAGetLastError(),
         (int)WSAENOTSOCK);
  if (n != SOCKET_ERROR || WSAGetLastError() != WSAENOTSOCK) ++failures;
  if (WSACleanup() != 0) ++failures; /* the last one: WSPCleanup, unload */
  printf("%s\n", failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
