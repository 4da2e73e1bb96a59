/* host.c (tests/consumers/dlopen): a shared object that hosts a provider
 * through wpu (built from the installed wpu.pc; consumer.py). The process
 * catalog comes from the file WPU_CATALOG names, whose one entry is
 * examples/upper_provider.c's module for stream sockets of family 2. One call
 * makes a socket through the host (which loads the module and calls its
 * WSPStartup), sends and receives through it, and cleans up. Called on one
 * thread; prints what it saw. */
#include <stdio.h>
#include <string.h>

#include <wpu/winsock.h>
#include <wpu/wpu.h>

/* 0 when every step worked, else the number of failed steps. */
__attribute__((visibility("default"))) int consumer_host_run(void) {
  WSADATA data;
  SOCKET s;
  DWORD entry = 0;
  char buf[16];
  int n, failures = 0;

  if (WSAStartup(MAKEWORD(2, 2), &data) != 0) {
    printf("host: WSAStartup failed\n");
    return 1;
  }
  s = socket(2, 1, 0); /* AF_INET, SOCK_STREAM: the catalog's one entry */
  if (s == INVALID_SOCKET) {
    printf("host: socket failed: %d (%s)\n", WSAGetLastError(), wpu_host_failure_text());
    WSACleanup();
    return 1;
  }
  if (wpu_socket_catalog_id(s, &entry) != 0) ++failures;
  printf("host: socket made by catalog entry %lu\n", (unsigned long)entry);
  n = send(s, "through the host", 16, 0);
  if (n != 16) ++failures;
  n = recv(s, buf, sizeof buf, 0);
  printf("host: recv %.*s\n", n > 0 ? n : 0, buf);
  if (n != 16 || memcmp(buf, "THROUGH THE HOST", 16) != 0) ++failures;
  if (closesocket(s) != 0) ++failures;
  if (WSACleanup() != 0) ++failures;
  return failures;
}
