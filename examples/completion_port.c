/* completion_port - overlapped completion through a completion port.
 *
 * A non-IFS provider hands the client a socket handle from
 * WPUCreateSocketHandle and completes the client's overlapped requests with
 * WPUCompleteOverlappedRequest. The client has associated the socket with a
 * completion port, so every completion arrives there as a packet, and its
 * worker thread sits in GetQueuedCompletionStatus:
 *   - the socket is associated with wpu_associate_socket (on Windows, ws2_32
 *     does this inside CreateIoCompletionPort; a wpu socket handle is not a
 *     kernel handle, so wpu needs its own call there; on POSIX
 *     CreateIoCompletionPort((HANDLE)s, ...) works too);
 *   - operation 0 succeeds, operation 1 fails with WSAECONNRESET: its packet
 *     makes GetQueuedCompletionStatus return FALSE with that error;
 *   - operation 2 sets bit 0 of hEvent, which asks for the event only and no
 *     packet; the client waits on the event and asks for the result with
 *     wpu_get_overlapped_result (WSAGetOverlappedResult's rules).
 * The same source builds on Windows (real kernel32 ports, wpu's Win32
 * backend) and on POSIX. WPU_CATALOG must name a catalog with entry 1001
 * (examples/example.catalog). */
#include <wpu/winapi.h>
#include <wpu/wpu.h>

#include <stdint.h>
#include <stdio.h>

#if defined(_WIN32)
#  include <windows.h>
#else
#  include <pthread.h>
#endif

#define OPS 3

static WSPUPCALLTABLE upcalls;
static SOCKET sock;
static WSAOVERLAPPED ov[OPS];

/* The provider's I/O thread: each operation finishes with its byte count and
   error. (A provider that keeps WSPGetOverlappedResult's flags in Offset and
   its error in OffsetHigh, as Microsoft's LSP sample does, sets them first.) */
#if defined(_WIN32)
static DWORD WINAPI provider_io(LPVOID arg)
#else
static void* provider_io(void* arg)
#endif
{
  static const DWORD bytes[OPS] = {512, 0, 64};
  static const DWORD errors[OPS] = {0, WSAECONNRESET, 0};
  int i, err = 0;
  (void)arg;
  for (i = 0; i < OPS; ++i)
    if (wpu_complete_overlapped_request(sock, &ov[i], errors[i], bytes[i], &err) != 0)
      fprintf(stderr, "WPUCompleteOverlappedRequest failed: %d\n", err);
#if defined(_WIN32)
  return 0;
#else
  return NULL;
#endif
}

int main(void) {
  WSAEVENT events[OPS];
  HANDLE port;
  int i, err = 0, failures = 0;
  DWORD bytes = 0, flags = 0;
  ULONG_PTR key = 0;
  LPOVERLAPPED done = NULL;

  if (wpu_get_upcall_table(&upcalls) != 0) {
    fprintf(stderr, "wpu_get_upcall_table failed (is WPU_CATALOG set?)\n");
    return 1;
  }
  /* The provider makes the socket handle the client will use. */
  sock = upcalls.lpWPUCreateSocketHandle(1001, 0, &err);
  if (sock == INVALID_SOCKET) {
    fprintf(stderr, "WPUCreateSocketHandle failed: %d\n", err);
    return 1;
  }
  /* The client: a port with one concurrent thread, the socket on it. */
  port = wpu_associate_socket(sock, NULL, 0x5EC, 1);
  if (port == NULL) {
    fprintf(stderr, "wpu_associate_socket failed: %u\n", (unsigned)GetLastError());
    return 1;
  }
  for (i = 0; i < OPS; ++i) {
    events[i] = WSACreateEvent();
    if (events[i] == WSA_INVALID_EVENT) return 1;
    ov[i].Internal = WSS_OPERATION_IN_PROGRESS; /* what the provider's WSPRecv did */
    ov[i].hEvent = events[i];
  }
  ov[2].hEvent = (WSAEVENT)((uintptr_t)events[2] | 1); /* event only, no packet */
  printf("client: %d receives pending on socket %#llx, port %p\n", OPS, (unsigned long long)sock,
         (void*)port);

  {
#if defined(_WIN32)
    HANDLE io = CreateThread(NULL, 0, provider_io, NULL, 0, NULL);
#else
    pthread_t io;
    pthread_create(&io, NULL, provider_io, NULL);
#endif
    /* Two packets (operations 0 and 1), in completion order. */
    for (i = 0; i < 2; ++i) {
      BOOL ok = GetQueuedCompletionStatus(port, &bytes, &key, &done, 5000);
      DWORD error = ok ? 0 : GetLastError();
      if (done == NULL) {
        fprintf(stderr, "GetQueuedCompletionStatus: no packet, error %u\n", (unsigned)error);
        return 1;
      }
      printf("port: operation %d, key %#lx, %u bytes, %s (error %u)\n", (int)(done - ov),
             (unsigned long)key, (unsigned)bytes, ok ? "TRUE" : "FALSE", (unsigned)error);
      failures += (done == &ov[0]) != (ok == TRUE);
    }
    /* Operation 2 sent no packet; its event says it is done. */
    if (WSAWaitForMultipleEvents(1, &events[2], FALSE, 5000, FALSE) != WSA_WAIT_EVENT_0) return 1;
    if (GetQueuedCompletionStatus(port, &bytes, &key, &done, 0) == FALSE && done == NULL)
      printf("port: nothing for operation 2 (bit 0 of hEvent set)\n");
    else
      ++failures;
#if defined(_WIN32)
    WaitForSingleObject(io, INFINITE);
    CloseHandle(io);
#else
    pthread_join(io, NULL);
#endif
  }

  /* WSAGetOverlappedResult's view of each operation. */
  for (i = 0; i < OPS; ++i) {
    int rc = wpu_get_overlapped_result(sock, &ov[i], &bytes, TRUE, &flags);
    printf("result: operation %d: %s, %u bytes\n", i, rc == 0 ? "success" : "failed",
           (unsigned)bytes);
    if (rc != 0) printf("        error %d\n", rc);
    failures += (rc == 0) != (i != 1);
    WSACloseEvent(events[i]);
  }
  upcalls.lpWPUCloseSocketHandle(sock, &err);
  CloseHandle(port);
  printf("%s\n", failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
