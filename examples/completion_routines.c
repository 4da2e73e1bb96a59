/* completion_routines - events, thread ids and APCs the way a provider uses them.
 *
 * A client starts three "overlapped receives" with an event and a completion
 * routine each, the way WSARecv(…, lpOverlapped, lpCompletionRoutine) reaches
 * a provider's WSPRecv together with the caller's WSATHREADID. The provider
 * (here: a worker thread) finishes them later and, as Microsoft's LSP sample
 * does, delivers each completion twice:
 *   - WPUSetEvent on the operation's event, for clients that wait on events;
 *   - WPUQueueApc to the initiating thread, with a small heap record, because
 *     an APC gets one DWORD_PTR and a completion routine wants four values.
 * The client sits in an alertable WSAWaitForMultipleEvents; each APC runs on
 * the client thread inside that wait, which returns WSA_WAIT_IO_COMPLETION,
 * and the operations' events are signalled too.
 * The same source builds on Windows (real ws2_32/kernel32) and on POSIX.
 */
#include <wpu/winapi.h>
#include <wpu/wpu.h>

#include <stdio.h>
#include <stdlib.h>

#if defined(_WIN32)
#  include <windows.h>
#else
#  include <pthread.h>
#endif

#define OPS 3

static WSPUPCALLTABLE upcalls;

/* What the provider remembers for each pending operation. */
typedef struct pending_op {
  WSAOVERLAPPED* overlapped;
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;
  WSATHREADID thread; /* the provider's own copy, as the SPI requires */
  DWORD bytes;
} pending_op;

static pending_op pending[OPS];

/* The intermediate APC: unpack, free, call the client's routine. It runs on
   the client's thread, inside its alertable wait. */
typedef struct apc_record {
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;
  DWORD error, bytes, flags;
  WSAOVERLAPPED* overlapped;
} apc_record;

static void CALLBACK deliver_completion(DWORD_PTR context) {
  apc_record* r = (apc_record*)context;
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine = r->routine;
  apc_record copy = *r;
  free(r);
  routine(copy.error, copy.bytes, copy.overlapped, copy.flags);
}

/* The provider's worker: completes every operation, newest last. */
#if defined(_WIN32)
static DWORD WINAPI provider_worker(LPVOID arg)
#else
static void* provider_worker(void* arg)
#endif
{
  int i, err = 0;
  (void)arg;
  for (i = 0; i < OPS; ++i) {
    pending_op* op = &pending[i];
    apc_record* r = (apc_record*)malloc(sizeof *r);
    if (r == NULL) abort();
    op->overlapped->InternalHigh = op->bytes; /* what WPUCompleteOverlappedRequest will do */
    op->overlapped->Internal = 0;
    if (!upcalls.lpWPUSetEvent(op->overlapped->hEvent, &err))
      fprintf(stderr, "WPUSetEvent failed: %d\n", err);
    r->routine = op->routine;
    r->error = 0;
    r->bytes = op->bytes;
    r->flags = 0;
    r->overlapped = op->overlapped;
    if (upcalls.lpWPUQueueApc(&op->thread, deliver_completion, (DWORD_PTR)r, &err) != 0) {
      fprintf(stderr, "WPUQueueApc failed: %d\n", err);
      free(r);
    }
  }
#if defined(_WIN32)
  return 0;
#else
  return NULL;
#endif
}

static int completed;
static WSAOVERLAPPED ov[OPS];

static void CALLBACK on_receive(DWORD error, DWORD bytes, LPWSAOVERLAPPED overlapped, DWORD flags) {
  (void)flags;
  ++completed;
  printf("  completion routine: operation %d, error %u, %u bytes (on the client thread)\n",
         (int)(overlapped - ov), (unsigned)error, (unsigned)bytes);
}

int main(void) {
  WSAEVENT events[OPS], idle;
  int i, err = 0, rounds = 0;
  DWORD r;

  if (wpu_get_upcall_table(&upcalls) != 0) {
    fprintf(stderr, "wpu_get_upcall_table failed\n");
    return 1;
  }

  idle = WSACreateEvent();
  if (idle == WSA_INVALID_EVENT) return 1;

  /* The client starts three operations; the "provider" records them. */
  for (i = 0; i < OPS; ++i) {
    events[i] = WSACreateEvent(); /* manual reset, non-signalled */
    if (events[i] == WSA_INVALID_EVENT) return 1;
    ov[i].Internal = WSS_OPERATION_IN_PROGRESS;
    ov[i].InternalHigh = 0;
    ov[i].Offset = ov[i].OffsetHigh = 0;
    ov[i].hEvent = events[i];
    pending[i].overlapped = &ov[i];
    pending[i].routine = on_receive;
    pending[i].bytes = 100u * (DWORD)(i + 1);
    if (upcalls.lpWPUOpenCurrentThread(&pending[i].thread, &err) != 0) {
      fprintf(stderr, "WPUOpenCurrentThread failed: %d\n", err);
      return 1;
    }
  }
  printf("client: 3 receives pending, waiting alertably\n");

  {
#if defined(_WIN32)
    HANDLE worker = CreateThread(NULL, 0, provider_worker, NULL, 0, NULL);
#else
    pthread_t worker;
    pthread_create(&worker, NULL, provider_worker, NULL);
#endif
    /* Wait until all three completion routines ran. The client waits
       alertably on an event nobody sets, as Microsoft's samples do: an
       alertable wait runs APCs only while none of its events is signalled
       (a signalled event wins), and returns WSA_WAIT_IO_COMPLETION. */
    while (completed < OPS && rounds < 100) {
      r = WSAWaitForMultipleEvents(1, &idle, FALSE, 5000, TRUE);
      ++rounds;
      if (r == WSA_WAIT_IO_COMPLETION)
        printf("wait: WSA_WAIT_IO_COMPLETION\n");
      else if (r == WSA_WAIT_TIMEOUT)
        break;
      else {
        fprintf(stderr, "wait failed: %u, error %d\n", (unsigned)r, WSAGetLastError());
        return 1;
      }
    }
#if defined(_WIN32)
    WaitForSingleObject(worker, INFINITE);
    CloseHandle(worker);
#else
    pthread_join(worker, NULL);
#endif
  }
  /* Any APCs not yet delivered run now. */
  while (completed < OPS && SleepEx(1000, TRUE) == WAIT_IO_COMPLETION) {
  }

  for (i = 0; i < OPS; ++i) {
    printf("operation %d: InternalHigh %u, event %s\n", i, (unsigned)ov[i].InternalHigh,
           WSAWaitForMultipleEvents(1, &events[i], FALSE, 0, FALSE) == WSA_WAIT_EVENT_0
               ? "signalled"
               : "not signalled");
    upcalls.lpWPUCloseThread(&pending[i].thread, &err);
    WSACloseEvent(events[i]);
  }
  WSACloseEvent(idle);
  printf("%d of %d completion routines ran\n", completed, OPS);
  return completed == OPS ? 0 : 1;
}
