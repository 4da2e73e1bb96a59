/* upper_provider.c - a small Winsock service provider, written the way a
 * Windows provider is written, for examples/hosting.c.
 *
 * Each socket keeps what is sent on it and gives it back, upper-cased, to
 * recv: enough to see the host load the module, start it and route calls to
 * it. Sockets are handles from WPUCreateSocketHandle with the socket's state
 * as their context (a non-IFS provider). Overlapped sends and receives
 * complete at once through WPUCompleteOverlappedRequest (its event, or the
 * socket's completion port), and WSPGetOverlappedResult reads the result
 * back, as Microsoft's documentation describes (docs/upcalls.md). The calls
 * this provider has no use for fail with WSAEOPNOTSUPP.
 *
 * The same file, with no #ifdef, builds as a DLL with mingw-w64 against the
 * system's headers and as a shared object on POSIX against wpu's
 * compatibility include folder (dependency('wpu-windows'), where FIONREAD is
 * Winsock's value); wpu's host loads either. Threads: a socket's calls must
 * not overlap (this example keeps no lock); the upcalls are safe from any
 * thread. */
#include <winsock2.h>
#include <ws2spi.h>

#include <stdlib.h>
#include <string.h>

struct upper_socket {
  DWORD used;
  char data[4096];
};

/* The table ws2_32 (here: wpu) gave WSPStartup; the most recent one wins. */
static WSPUPCALLTABLE upcalls;

static struct upper_socket* context_of(SOCKET s, LPINT err) {
  DWORD_PTR ctx = 0;
  if (upcalls.lpWPUQuerySocketHandleContext(s, &ctx, err) != 0) return NULL;
  return (struct upper_socket*)ctx;
}

static int fail(LPINT err, int code) {
  *err = code;
  return SOCKET_ERROR;
}

static SOCKET WSPAPI upper_socket(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, GROUP g,
                                  DWORD flags, LPINT err) {
  struct upper_socket* u;
  SOCKET s;
  (void)af, (void)type, (void)protocol, (void)g, (void)flags;
  u = (struct upper_socket*)calloc(1, sizeof *u);
  if (u == NULL) {
    *err = WSAENOBUFS;
    return INVALID_SOCKET;
  }
  s = upcalls.lpWPUCreateSocketHandle(info->dwCatalogEntryId, (DWORD_PTR)u, err);
  if (s == INVALID_SOCKET) free(u);
  return s;
}

static int WSPAPI upper_close(SOCKET s, LPINT err) {
  struct upper_socket* u = context_of(s, err);
  if (u == NULL) return SOCKET_ERROR;
  if (upcalls.lpWPUCloseSocketHandle(s, err) != 0) return SOCKET_ERROR;
  free(u);
  return 0;
}

/* Completes an overlapped request the way a non-IFS provider must: the
   result flags in Offset (read back by upper_get_overlapped_result), then
   WPUCompleteOverlappedRequest, which fills Internal/InternalHigh, sets
   hEvent and queues to the socket's completion port. */
static int complete(SOCKET s, LPWSAOVERLAPPED ov, DWORD bytes, LPINT err) {
  ov->Offset = 0;
  return WPUCompleteOverlappedRequest(s, ov, 0, bytes, err);
}

static int WSPAPI upper_send(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD sent, DWORD flags,
                             LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine,
                             LPWSATHREADID thread, LPINT err) {
  struct upper_socket* u = context_of(s, err);
  DWORD i, j, n = 0;
  (void)flags, (void)thread;
  if (u == NULL) return SOCKET_ERROR;
  if (routine != NULL) return fail(err, WSAEOPNOTSUPP);
  for (i = 0; i < count; ++i) {
    if (bufs[i].len > sizeof u->data - u->used) return fail(err, WSAEWOULDBLOCK);
    for (j = 0; j < bufs[i].len; ++j) {
      char c = bufs[i].buf[j];
      u->data[u->used++] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    n += bufs[i].len;
  }
  if (sent != NULL) *sent = n;
  return ov != NULL ? complete(s, ov, n, err) : 0;
}

static int WSPAPI upper_recv(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD got, LPDWORD flags,
                             LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine,
                             LPWSATHREADID thread, LPINT err) {
  struct upper_socket* u = context_of(s, err);
  DWORD i, n = 0;
  (void)thread;
  if (u == NULL) return SOCKET_ERROR;
  if (routine != NULL) return fail(err, WSAEOPNOTSUPP);
  if (u->used == 0) return fail(err, WSAEWOULDBLOCK);
  for (i = 0; i < count && n < u->used; ++i) {
    DWORD take = bufs[i].len < u->used - n ? bufs[i].len : u->used - n;
    memcpy(bufs[i].buf, u->data + n, take);
    n += take;
  }
  memmove(u->data, u->data + n, u->used - n);
  u->used -= n;
  if (got != NULL) *got = n;
  if (flags != NULL) *flags = 0;
  return ov != NULL ? complete(s, ov, n, err) : 0;
}

static BOOL WSPAPI upper_get_overlapped_result(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD bytes,
                                               BOOL wait, LPDWORD flags, LPINT err) {
  (void)s, (void)wait; /* requests complete before the call returns */
  if (ov->Internal == WSS_OPERATION_IN_PROGRESS) {
    *err = WSA_IO_INCOMPLETE;
    return FALSE;
  }
  *bytes = (DWORD)ov->InternalHigh;
  *flags = ov->Offset;
  if (ov->Internal != 0) {
    *err = (int)ov->Internal;
    return FALSE;
  }
  return TRUE;
}

static int WSPAPI upper_ioctl(SOCKET s, DWORD code, LPVOID in, DWORD in_len, LPVOID out,
                              DWORD out_len, LPDWORD returned, LPWSAOVERLAPPED ov,
                              LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread,
                              LPINT err) {
  struct upper_socket* u = context_of(s, err);
  (void)in, (void)in_len, (void)ov, (void)routine, (void)thread;
  if (u == NULL) return SOCKET_ERROR;
  if (code != FIONREAD) return fail(err, WSAEINVAL);
  if (out == NULL || out_len < sizeof(ULONG)) return fail(err, WSAEFAULT);
  *(ULONG*)out = u->used;
  if (returned != NULL) *returned = sizeof(ULONG);
  return 0;
}

static int WSPAPI upper_cleanup(LPINT err) {
  (void)err;
  return 0;
}

/* ---- The calls this provider does not support -------------------------- */
static SOCKET WSPAPI no_accept(SOCKET s, struct sockaddr* a, LPINT l, LPCONDITIONPROC c,
                               DWORD_PTR d, LPINT err) {
  (void)s, (void)a, (void)l, (void)c, (void)d;
  *err = WSAEOPNOTSUPP;
  return INVALID_SOCKET;
}
static INT WSPAPI no_address_to_string(LPSOCKADDR a, DWORD l, LPWSAPROTOCOL_INFOW i, LPWSTR s,
                                       LPDWORD n, LPINT err) {
  (void)a, (void)l, (void)i, (void)s, (void)n;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_async_select(SOCKET s, HWND h, unsigned int m, LONG e, LPINT err) {
  (void)s, (void)h, (void)m, (void)e;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_bind(SOCKET s, const struct sockaddr* a, int l, LPINT err) {
  (void)s, (void)a, (void)l;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_cancel_blocking_call(LPINT err) {
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_connect(SOCKET s, const struct sockaddr* a, int l, LPWSABUF cd, LPWSABUF ce,
                             LPQOS sq, LPQOS gq, LPINT err) {
  (void)s, (void)a, (void)l, (void)cd, (void)ce, (void)sq, (void)gq;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_duplicate_socket(SOCKET s, DWORD p, LPWSAPROTOCOL_INFOW i, LPINT err) {
  (void)s, (void)p, (void)i;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_enum_network_events(SOCKET s, WSAEVENT e, LPWSANETWORKEVENTS n, LPINT err) {
  (void)s, (void)e, (void)n;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_event_select(SOCKET s, WSAEVENT e, LONG n, LPINT err) {
  (void)s, (void)e, (void)n;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_name(SOCKET s, struct sockaddr* a, LPINT l, LPINT err) {
  (void)s, (void)a, (void)l;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_get_sock_opt(SOCKET s, int level, int name, char* v, LPINT l, LPINT err) {
  (void)s, (void)level, (void)name, (void)v, (void)l;
  return fail(err, WSAEOPNOTSUPP);
}
static BOOL WSPAPI no_get_qos_by_name(SOCKET s, LPWSABUF n, LPQOS q, LPINT err) {
  (void)s, (void)n, (void)q;
  *err = WSAEOPNOTSUPP;
  return FALSE;
}
static SOCKET WSPAPI no_join_leaf(SOCKET s, const struct sockaddr* a, int l, LPWSABUF cd,
                                  LPWSABUF ce, LPQOS sq, LPQOS gq, DWORD f, LPINT err) {
  (void)s, (void)a, (void)l, (void)cd, (void)ce, (void)sq, (void)gq, (void)f;
  *err = WSAEOPNOTSUPP;
  return INVALID_SOCKET;
}
static int WSPAPI no_listen(SOCKET s, int backlog, LPINT err) {
  (void)s, (void)backlog;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_disconnect(SOCKET s, LPWSABUF d, LPINT err) {
  (void)s, (void)d;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_recv_from(SOCKET s, LPWSABUF b, DWORD c, LPDWORD n, LPDWORD f,
                               struct sockaddr* a, LPINT l, LPWSAOVERLAPPED o,
                               LPWSAOVERLAPPED_COMPLETION_ROUTINE r, LPWSATHREADID t, LPINT err) {
  (void)s, (void)b, (void)c, (void)n, (void)f, (void)a, (void)l, (void)o, (void)r, (void)t;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_select(int n, fd_set* r, fd_set* w, fd_set* e, const PTIMEVAL t, LPINT err) {
  (void)n, (void)r, (void)w, (void)e, (void)t;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_send_to(SOCKET s, LPWSABUF b, DWORD c, LPDWORD n, DWORD f,
                             const struct sockaddr* a, int l, LPWSAOVERLAPPED o,
                             LPWSAOVERLAPPED_COMPLETION_ROUTINE r, LPWSATHREADID t, LPINT err) {
  (void)s, (void)b, (void)c, (void)n, (void)f, (void)a, (void)l, (void)o, (void)r, (void)t;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_set_sock_opt(SOCKET s, int level, int name, const char* v, int l, LPINT err) {
  (void)s, (void)level, (void)name, (void)v, (void)l;
  return fail(err, WSAEOPNOTSUPP);
}
static int WSPAPI no_shutdown(SOCKET s, int how, LPINT err) {
  (void)s, (void)how;
  return fail(err, WSAEOPNOTSUPP);
}
static INT WSPAPI no_string_to_address(LPWSTR s, INT f, LPWSAPROTOCOL_INFOW i, LPSOCKADDR a,
                                       LPINT l, LPINT err) {
  (void)s, (void)f, (void)i, (void)a, (void)l;
  return fail(err, WSAEOPNOTSUPP);
}

__declspec(dllexport) int WSPAPI WSPStartup(WORD version, LPWSPDATA data, LPWSAPROTOCOL_INFOW info,
                                            WSPUPCALLTABLE table, LPWSPPROC_TABLE procs) {
  static const WCHAR description[] = {'u', 'p', 'p', 'e', 'r', 0};
  (void)info;
  /* Version negotiation as Microsoft describes it: 2.2 is this provider's
     lowest and highest version. */
  if (LOBYTE(version) < 2 || (LOBYTE(version) == 2 && HIBYTE(version) < 2))
    return WSAVERNOTSUPPORTED;
  data->wVersion = MAKEWORD(2, 2);
  data->wHighVersion = MAKEWORD(2, 2);
  memcpy(data->szDescription, description, sizeof description);
  upcalls = table;
  memset(procs, 0, sizeof *procs);
  procs->lpWSPAccept = no_accept;
  procs->lpWSPAddressToString = no_address_to_string;
  procs->lpWSPAsyncSelect = no_async_select;
  procs->lpWSPBind = no_bind;
  procs->lpWSPCancelBlockingCall = no_cancel_blocking_call;
  procs->lpWSPCleanup = upper_cleanup;
  procs->lpWSPCloseSocket = upper_close;
  procs->lpWSPConnect = no_connect;
  procs->lpWSPDuplicateSocket = no_duplicate_socket;
  procs->lpWSPEnumNetworkEvents = no_enum_network_events;
  procs->lpWSPEventSelect = no_event_select;
  procs->lpWSPGetOverlappedResult = upper_get_overlapped_result;
  procs->lpWSPGetPeerName = no_name;
  procs->lpWSPGetSockName = no_name;
  procs->lpWSPGetSockOpt = no_get_sock_opt;
  procs->lpWSPGetQOSByName = no_get_qos_by_name;
  procs->lpWSPIoctl = upper_ioctl;
  procs->lpWSPJoinLeaf = no_join_leaf;
  procs->lpWSPListen = no_listen;
  procs->lpWSPRecv = upper_recv;
  procs->lpWSPRecvDisconnect = no_disconnect;
  procs->lpWSPRecvFrom = no_recv_from;
  procs->lpWSPSelect = no_select;
  procs->lpWSPSend = upper_send;
  procs->lpWSPSendDisconnect = no_disconnect;
  procs->lpWSPSendTo = no_send_to;
  procs->lpWSPSetSockOpt = no_set_sock_opt;
  procs->lpWSPShutdown = no_shutdown;
  procs->lpWSPSocket = upper_socket;
  procs->lpWSPStringToAddress = no_string_to_address;
  return 0;
}
