/*
 * tests/providers/layered.c - a non-IFS layered provider (LSP), written as
 * Windows LSPs are (host-semantics.md §3): installed as a hidden ChainLen-0
 * entry with LAYERED_GUID plus chain entries {hidden id, lower id...}; its
 * WSPStartup finds its own position in the chain it is started for, the next
 * id, that entry through WSCEnumProtocols and its module through
 * WSCGetProviderPath + ExpandEnvironmentStringsW, loads the module and calls
 * its WSPStartup (with the base's own entry when the next one is the base).
 * Its sockets are WPUCreateSocketHandle handles whose context holds the
 * lower provider's socket; every call is recorded (providers.h: rec_get_call,
 * rec_get_state, rec_reset) and passed down with the handles translated.
 *
 * Simplifications of a test layer (stated, not hidden): overlapped requests
 * are performed non-overlapped below and completed here, on the
 * application's OVERLAPPED, through WPUCompleteOverlappedRequest or
 * WPUQueueApc, as a non-IFS layer must complete them; extension function
 * pointers are passed up as the lower provider returns them (the recording
 * base's are sentinels, never called). One lower provider per process
 * (every chain of this layer must name the same one).
 *
 * Windows: the DLL imports WSCEnumProtocols, WSCGetProviderPath and
 * WPUCompleteOverlappedRequest from ws2_32 and loads the lower provider with
 * LoadLibraryW, as any layered provider does; wpu's host points those
 * imports (and the lower DLL's) at wpu's functions when it loads the DLL
 * (docs/porting.md), so both see wpu's catalog and sockets.
 */
#include <winsock2.h>
#include <ws2spi.h>
#include <windows.h>

#include <stdlib.h>
#include <string.h>

#include "providers.h"

#define UNUSED(x) ((void)(x))
#define LOG_SIZE 4096

static rec_call log_[LOG_SIZE];
static rec_state state_;
static WSPUPCALLTABLE up_;
static WSPPROC_TABLE lower_;
static HMODULE lower_module_;
static const GUID own_guid_ = LAYERED_GUID_INIT;

typedef struct layer_sock {
  const void* owner;
  SOCKET lower;
  DWORD catalog_id; /* the entry the socket was made for */
} layer_sock;
static const char owner_tag_ = 'L';

static rec_call* record(int fn, SOCKET s) {
  static rec_call dropped;
  rec_call* c = state_.calls < LOG_SIZE ? &log_[state_.calls] : &dropped;
  ++state_.calls;
  memset(c, 0, sizeof *c);
  c->fn = fn;
  c->s = s;
  return c;
}

static void note_io(rec_call* c, LPWSABUF b, DWORD n, LPWSAOVERLAPPED ov,
                    LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread) {
  DWORD i;
  c->buffer_count = n;
  for (i = 0; i < n; ++i) c->len_total += b[i].len;
  c->len0 = n > 0 ? b[0].len : 0;
  c->has_overlapped = ov != NULL;
  c->has_routine = routine != NULL;
  c->has_thread_id = thread != NULL && thread->ThreadHandle != NULL;
  c->ov = ov;
}

/* The lower socket of one of this layer's sockets, or INVALID_SOCKET with
   WSAENOTSOCK. */
static SOCKET lower_of(SOCKET s, LPINT err) {
  DWORD_PTR ctx = 0;
  if (up_.lpWPUQuerySocketHandleContext(s, &ctx, err) != 0 || ctx == 0 ||
      ((const layer_sock*)ctx)->owner != &owner_tag_) {
    *err = WSAENOTSOCK;
    return INVALID_SOCKET;
  }
  return ((const layer_sock*)ctx)->lower;
}

/* A handle of this layer for a new lower socket (closed again on failure). */
static SOCKET wrap(SOCKET lower, DWORD catalog_id, LPINT err) {
  layer_sock* ctx = (layer_sock*)calloc(1, sizeof *ctx);
  SOCKET s = INVALID_SOCKET;
  int e = 0;
  if (ctx != NULL) {
    ctx->owner = &owner_tag_;
    ctx->lower = lower;
    ctx->catalog_id = catalog_id;
    s = up_.lpWPUCreateSocketHandle(catalog_id, (DWORD_PTR)ctx, err);
  } else {
    *err = WSAENOBUFS;
  }
  if (s == INVALID_SOCKET) {
    free(ctx);
    lower_.lpWSPCloseSocket(lower, &e);
    return INVALID_SOCKET;
  }
  ++state_.open_sockets;
  return s;
}

typedef struct apc_call {
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;
  LPWSAOVERLAPPED ov;
  DWORD error, bytes, flags;
} apc_call;

static void CALLBACK run_apc(DWORD_PTR context) {
  apc_call* a = (apc_call*)context;
  a->routine(a->error, a->bytes, a->ov, a->flags);
  free(a);
}

/* After the lower call ran non-overlapped: the application's request, on
   this layer's socket, completes now through the mechanism it chose. */
static int finish(SOCKET s, int rc, DWORD bytes, DWORD flags, LPWSAOVERLAPPED ov,
                  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread, LPINT err) {
  DWORD error;
  if (ov == NULL || rc != 0) return rc;
  error = 0;
  ov->OffsetHigh = error;
  ov->Offset = flags;
  if (routine != NULL) {
    apc_call* a = (apc_call*)malloc(sizeof *a);
    if (a == NULL) {
      *err = WSAENOBUFS;
      return SOCKET_ERROR;
    }
    a->routine = routine;
    a->ov = ov;
    a->error = error;
    a->bytes = bytes;
    a->flags = flags;
    ov->InternalHigh = bytes;
    ov->Internal = 0;
    if (up_.lpWPUQueueApc(thread, run_apc, (DWORD_PTR)a, err) != 0) {
      free(a);
      return SOCKET_ERROR;
    }
    return 0;
  }
  return WPUCompleteOverlappedRequest(s, ov, error, bytes, err);
}

#define LOWER_OR_FAIL(s, lower, err, bad) \
  SOCKET lower = lower_of((s), (err));    \
  if (lower == INVALID_SOCKET) return (bad)

/* ---- The WSP* functions: record, translate, pass down ---------------- */

static SOCKET WSPAPI lay_socket(int af, int type, int protocol, LPWSAPROTOCOL_INFOW pi, GROUP g,
                                DWORD flags, LPINT err) {
  rec_call* c = record(REC_SOCKET, INVALID_SOCKET);
  SOCKET lower;
  c->af = af;
  c->type = type;
  c->protocol = protocol;
  c->flags = flags;
  c->catalog_id = pi->dwCatalogEntryId;
  /* A chain entry goes down as the base's own entry (MS: WSPStartup). */
  lower = lower_.lpWSPSocket(
      af, type, protocol, pi->ProtocolChain.ChainLen > 1 ? &state_.lower_info : pi, g, flags, err);
  if (lower == INVALID_SOCKET) return INVALID_SOCKET;
  c->s = wrap(lower, pi->dwCatalogEntryId, err);
  return c->s;
}

static SOCKET WSPAPI lay_accept(SOCKET s, struct sockaddr* addr, LPINT addrlen,
                                LPCONDITIONPROC condition, DWORD_PTR data, LPINT err) {
  rec_call* c = record(REC_ACCEPT, s);
  SOCKET a;
  DWORD_PTR ctx = 0;
  LOWER_OR_FAIL(s, lower, err, INVALID_SOCKET);
  a = lower_.lpWSPAccept(lower, addr, addrlen, condition, data, err);
  if (a == INVALID_SOCKET) return INVALID_SOCKET;
  /* The accepted socket takes the listening socket's catalog entry. */
  if (up_.lpWPUQuerySocketHandleContext(s, &ctx, err) != 0) return INVALID_SOCKET;
  c->handle = (ULONG_PTR)wrap(a, ((const layer_sock*)ctx)->catalog_id, err);
  return (SOCKET)c->handle;
}

static INT WSPAPI lay_address_to_string(LPSOCKADDR a, DWORD n, LPWSAPROTOCOL_INFOW pi, LPWSTR s,
                                        LPDWORD len, LPINT err) {
  UNUSED(pi);
  record(REC_OTHER, INVALID_SOCKET);
  return lower_.lpWSPAddressToString(a, n, &state_.lower_info, s, len, err);
}

static int WSPAPI lay_async_select(SOCKET s, HWND hwnd, unsigned int msg, LONG events, LPINT err) {
  rec_call* c = record(REC_ASYNC_SELECT, s);
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  c->handle = (ULONG_PTR)hwnd;
  c->events = events;
  return lower_.lpWSPAsyncSelect(lower, hwnd, msg, events, err);
}

static int WSPAPI lay_bind(SOCKET s, const struct sockaddr* name, int namelen, LPINT err) {
  rec_call* c = record(REC_BIND, s);
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  c->arg = namelen;
  return lower_.lpWSPBind(lower, name, namelen, err);
}

static int WSPAPI lay_cancel_blocking_call(LPINT err) {
  record(REC_OTHER, INVALID_SOCKET);
  return lower_.lpWSPCancelBlockingCall(err);
}

/* Each WSPStartup started the lower provider once (and loaded its module
   once more): one lower WSPCleanup and one unload each. */
static int WSPAPI lay_cleanup(LPINT err) {
  int rc;
  ++state_.cleanups;
  rc = lower_.lpWSPCleanup(err);
  if (lower_module_ != NULL) FreeLibrary(lower_module_);
  if (state_.cleanups == state_.startups) lower_module_ = NULL;
  return rc;
}

static int WSPAPI lay_close_socket(SOCKET s, LPINT err) {
  DWORD_PTR ctx = 0;
  record(REC_CLOSE_SOCKET, s);
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  if (lower_.lpWSPCloseSocket(lower, err) != 0) return SOCKET_ERROR;
  if (up_.lpWPUQuerySocketHandleContext(s, &ctx, err) != 0) return SOCKET_ERROR;
  if (up_.lpWPUCloseSocketHandle(s, err) != 0) return SOCKET_ERROR;
  free((void*)ctx);
  --state_.open_sockets;
  return 0;
}

static int WSPAPI lay_connect(SOCKET s, const struct sockaddr* name, int namelen, LPWSABUF caller,
                              LPWSABUF callee, LPQOS sqos, LPQOS gqos, LPINT err) {
  rec_call* c = record(REC_CONNECT, s);
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  c->arg = namelen;
  return lower_.lpWSPConnect(lower, name, namelen, caller, callee, sqos, gqos, err);
}

static int WSPAPI lay_duplicate_socket(SOCKET s, DWORD pid, LPWSAPROTOCOL_INFOW pi, LPINT err) {
  record(REC_OTHER, s);
  {
    LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
    return lower_.lpWSPDuplicateSocket(lower, pid, pi, err);
  }
}

static int WSPAPI lay_enum_network_events(SOCKET s, WSAEVENT ev, LPWSANETWORKEVENTS ne, LPINT err) {
  rec_call* c = record(REC_ENUM_NETWORK_EVENTS, s);
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  c->handle = (ULONG_PTR)ev;
  return lower_.lpWSPEnumNetworkEvents(lower, ev, ne, err);
}

static int WSPAPI lay_event_select(SOCKET s, WSAEVENT ev, LONG events, LPINT err) {
  rec_call* c = record(REC_EVENT_SELECT, s);
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  c->handle = (ULONG_PTR)ev;
  c->events = events;
  return lower_.lpWSPEventSelect(lower, ev, events, err);
}

/* The application's OVERLAPPED was completed here (finish()). */
static BOOL WSPAPI lay_get_overlapped_result(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD bytes, BOOL wait,
                                             LPDWORD flags, LPINT err) {
  rec_call* c = record(REC_GET_OVERLAPPED_RESULT, s);
  c->arg = wait;
  c->ov = ov;
  if (lower_of(s, err) == INVALID_SOCKET) return FALSE;
  if (ov->Internal == WSS_OPERATION_IN_PROGRESS) {
    *err = WSA_IO_INCOMPLETE;
    return FALSE;
  }
  *bytes = (DWORD)ov->InternalHigh;
  *flags = ov->Offset;
  if (ov->OffsetHigh != 0) {
    *err = (int)ov->OffsetHigh;
    return FALSE;
  }
  return TRUE;
}

static int WSPAPI lay_get_peer_name(SOCKET s, struct sockaddr* name, LPINT namelen, LPINT err) {
  record(REC_GET_PEER_NAME, s);
  {
    LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
    return lower_.lpWSPGetPeerName(lower, name, namelen, err);
  }
}

static int WSPAPI lay_get_sock_name(SOCKET s, struct sockaddr* name, LPINT namelen, LPINT err) {
  record(REC_GET_SOCK_NAME, s);
  {
    LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
    return lower_.lpWSPGetSockName(lower, name, namelen, err);
  }
}

static int WSPAPI lay_get_sock_opt(SOCKET s, int level, int optname, char* optval, LPINT optlen,
                                   LPINT err) {
  rec_call* c = record(REC_GET_SOCK_OPT, s);
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  c->level = level;
  c->optname = optname;
  c->len0 = (DWORD)*optlen;
  return lower_.lpWSPGetSockOpt(lower, level, optname, optval, optlen, err);
}

static BOOL WSPAPI lay_get_qos_by_name(SOCKET s, LPWSABUF name, LPQOS qos, LPINT err) {
  record(REC_OTHER, s);
  {
    LOWER_OR_FAIL(s, lower, err, FALSE);
    return lower_.lpWSPGetQOSByName(lower, name, qos, err);
  }
}

static int WSPAPI lay_ioctl(SOCKET s, DWORD code, LPVOID in, DWORD in_len, LPVOID out,
                            DWORD out_len, LPDWORD returned, LPWSAOVERLAPPED ov,
                            LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread,
                            LPINT err) {
  rec_call* c = record(REC_IOCTL, s);
  int rc;
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  c->code = code;
  c->len0 = in_len;
  c->len_total = out_len;
  c->has_overlapped = ov != NULL;
  c->has_routine = routine != NULL;
  c->has_thread_id = thread != NULL && thread->ThreadHandle != NULL;
  if (in != NULL && in_len >= sizeof(ULONG)) memcpy(&c->in_value, in, sizeof(ULONG));
  rc = lower_.lpWSPIoctl(lower, code, in, in_len, out, out_len, returned, NULL, NULL, thread, err);
  return finish(s, rc, *returned, 0, ov, routine, thread, err);
}

static SOCKET WSPAPI lay_join_leaf(SOCKET s, const struct sockaddr* name, int namelen,
                                   LPWSABUF caller, LPWSABUF callee, LPQOS sqos, LPQOS gqos,
                                   DWORD flags, LPINT err) {
  UNUSED(name);
  UNUSED(namelen);
  UNUSED(caller);
  UNUSED(callee);
  UNUSED(sqos);
  UNUSED(gqos);
  UNUSED(flags);
  record(REC_OTHER, s);
  *err = WSAEOPNOTSUPP;
  return INVALID_SOCKET;
}

static int WSPAPI lay_listen(SOCKET s, int backlog, LPINT err) {
  rec_call* c = record(REC_LISTEN, s);
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  c->arg = backlog;
  return lower_.lpWSPListen(lower, backlog, err);
}

static int WSPAPI lay_recv(SOCKET s, LPWSABUF b, DWORD n, LPDWORD got, LPDWORD flags,
                           LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine,
                           LPWSATHREADID thread, LPINT err) {
  rec_call* c = record(REC_RECV, s);
  int rc;
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  note_io(c, b, n, ov, routine, thread);
  c->flags = *flags;
  rc = lower_.lpWSPRecv(lower, b, n, got, flags, NULL, NULL, thread, err);
  return finish(s, rc, *got, *flags, ov, routine, thread, err);
}

static int WSPAPI lay_recv_disconnect(SOCKET s, LPWSABUF data, LPINT err) {
  record(REC_RECV_DISCONNECT, s);
  {
    LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
    return lower_.lpWSPRecvDisconnect(lower, data, err);
  }
}

static int WSPAPI lay_recv_from(SOCKET s, LPWSABUF b, DWORD n, LPDWORD got, LPDWORD flags,
                                struct sockaddr* from, LPINT fromlen, LPWSAOVERLAPPED ov,
                                LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread,
                                LPINT err) {
  rec_call* c = record(REC_RECV_FROM, s);
  int rc;
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  note_io(c, b, n, ov, routine, thread);
  c->flags = *flags;
  rc = lower_.lpWSPRecvFrom(lower, b, n, got, flags, from, fromlen, NULL, NULL, thread, err);
  return finish(s, rc, *got, *flags, ov, routine, thread, err);
}

/* Translates a set to lower handles (map[i] remembers the layer's handle). */
static int to_lower(const fd_set* in, fd_set* out, SOCKET* map, LPINT err) {
  unsigned int i;
  out->fd_count = 0;
  if (in == NULL) return 0;
  for (i = 0; i < in->fd_count; ++i) {
    SOCKET l = lower_of(in->fd_array[i], err);
    if (l == INVALID_SOCKET) return SOCKET_ERROR;
    out->fd_array[i] = l;
    map[i] = in->fd_array[i];
  }
  out->fd_count = in->fd_count;
  return 0;
}

/* Rewrites an application set with the layer's handles of the lower sockets
   the lower provider left in `ready`. */
static void from_lower(fd_set* app, const fd_set* lower_in, const SOCKET* map,
                       const fd_set* ready) {
  unsigned int i, k, n = 0;
  if (app == NULL) return;
  for (k = 0; k < ready->fd_count; ++k)
    for (i = 0; i < lower_in->fd_count; ++i)
      if (lower_in->fd_array[i] == ready->fd_array[k]) app->fd_array[n++] = map[i];
  app->fd_count = n;
}

static int WSPAPI lay_select(int nfds, fd_set* r, fd_set* w, fd_set* x, const PTIMEVAL timeout,
                             LPINT err) {
  rec_call* c = record(REC_SELECT, INVALID_SOCKET);
  static fd_set in[3], ready[3];
  static SOCKET map[3][FD_SETSIZE];
  fd_set* app[3];
  unsigned int i;
  int n;
  app[0] = r;
  app[1] = w;
  app[2] = x;
  c->arg = nfds;
  c->tv_sec = timeout != NULL ? (long)timeout->tv_sec : -1;
  c->tv_usec = timeout != NULL ? (long)timeout->tv_usec : -1;
  for (i = 0; i < 3; ++i) {
    c->set_counts[i] = app[i] != NULL ? app[i]->fd_count : 0;
    if (to_lower(app[i], &in[i], map[i], err) != 0) return SOCKET_ERROR;
    ready[i] = in[i];
  }
  n = lower_.lpWSPSelect(nfds, r != NULL ? &ready[0] : NULL, w != NULL ? &ready[1] : NULL,
                         x != NULL ? &ready[2] : NULL, timeout, err);
  if (n == SOCKET_ERROR) return SOCKET_ERROR;
  for (i = 0; i < 3; ++i) from_lower(app[i], &in[i], map[i], &ready[i]);
  return n;
}

static int WSPAPI lay_send(SOCKET s, LPWSABUF b, DWORD n, LPDWORD sent, DWORD flags,
                           LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine,
                           LPWSATHREADID thread, LPINT err) {
  rec_call* c = record(REC_SEND, s);
  int rc;
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  note_io(c, b, n, ov, routine, thread);
  c->flags = flags;
  rc = lower_.lpWSPSend(lower, b, n, sent, flags, NULL, NULL, thread, err);
  return finish(s, rc, *sent, 0, ov, routine, thread, err);
}

static int WSPAPI lay_send_disconnect(SOCKET s, LPWSABUF data, LPINT err) {
  record(REC_SEND_DISCONNECT, s);
  {
    LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
    return lower_.lpWSPSendDisconnect(lower, data, err);
  }
}

static int WSPAPI lay_send_to(SOCKET s, LPWSABUF b, DWORD n, LPDWORD sent, DWORD flags,
                              const struct sockaddr* to, int tolen, LPWSAOVERLAPPED ov,
                              LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread,
                              LPINT err) {
  rec_call* c = record(REC_SEND_TO, s);
  int rc;
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  note_io(c, b, n, ov, routine, thread);
  c->flags = flags;
  c->arg = tolen;
  rc = lower_.lpWSPSendTo(lower, b, n, sent, flags, to, tolen, NULL, NULL, thread, err);
  return finish(s, rc, *sent, 0, ov, routine, thread, err);
}

static int WSPAPI lay_set_sock_opt(SOCKET s, int level, int optname, const char* optval, int optlen,
                                   LPINT err) {
  rec_call* c = record(REC_SET_SOCK_OPT, s);
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  c->level = level;
  c->optname = optname;
  c->len0 = (DWORD)optlen;
  return lower_.lpWSPSetSockOpt(lower, level, optname, optval, optlen, err);
}

static int WSPAPI lay_shutdown(SOCKET s, int how, LPINT err) {
  rec_call* c = record(REC_SHUTDOWN, s);
  LOWER_OR_FAIL(s, lower, err, SOCKET_ERROR);
  c->arg = how;
  return lower_.lpWSPShutdown(lower, how, err);
}

static INT WSPAPI lay_string_to_address(LPWSTR s, INT af, LPWSAPROTOCOL_INFOW pi, LPSOCKADDR a,
                                        LPINT len, LPINT err) {
  UNUSED(pi);
  record(REC_OTHER, INVALID_SOCKET);
  return lower_.lpWSPStringToAddress(s, af, &state_.lower_info, a, len, err);
}

/* ---- Finding and starting the provider below (host-semantics.md §3) -- */

static int same_guid(const GUID* a, const GUID* b) {
  return memcmp(a, b, sizeof *a) == 0;
}

/* Loads `path` (UTF-16) and returns its WSPStartup, or NULL. */
static LPWSPSTARTUP load_lower(const WCHAR* path) {
  HMODULE m = LoadLibraryW(path);
  if (m == NULL) return NULL;
  lower_module_ = m;
  return (LPWSPSTARTUP)(void (*)(void))GetProcAddress(m, "WSPStartup");
}

static int start_lower(WORD version, LPWSAPROTOCOL_INFOW pi, WSPUPCALLTABLE upcalls) {
  DWORD len = 0;
  int err = 0, i, count, chain_len = pi->ProtocolChain.ChainLen, index = -1, rc = 0;
  LPWSAPROTOCOL_INFOW all = NULL, next = NULL;
  WCHAR path[1024], expanded[1024];
  int path_len = (int)(sizeof path / sizeof path[0]);
  LPWSPSTARTUP start;
  WSPDATA lower_data;

  /* Every entry, hidden ones included. */
  if (WSCEnumProtocols(NULL, NULL, &len, &err) != SOCKET_ERROR || err != WSAENOBUFS)
    return WSAEPROVIDERFAILEDINIT;
  all = (LPWSAPROTOCOL_INFOW)malloc(len);
  if (all == NULL) return WSAENOBUFS;
  count = WSCEnumProtocols(NULL, all, &len, &err);
  if (count == SOCKET_ERROR) {
    free(all);
    return WSAEPROVIDERFAILEDINIT;
  }
  /* My own hidden entry, by GUID; my position in the chain; the next id. */
  for (i = 0; i < count; ++i)
    if (all[i].ProtocolChain.ChainLen == LAYERED_PROTOCOL &&
        same_guid(&all[i].ProviderId, &own_guid_))
      state_.own_catalog_id = all[i].dwCatalogEntryId;
  for (i = 0; i + 1 < chain_len; ++i)
    if (pi->ProtocolChain.ChainEntries[i] == state_.own_catalog_id) index = i;
  if (index < 0) {
    free(all);
    return WSAEPROVIDERFAILEDINIT;
  }
  state_.chain_index = index;
  state_.lower_catalog_id = pi->ProtocolChain.ChainEntries[index + 1];
  for (i = 0; i < count; ++i)
    if (all[i].dwCatalogEntryId == state_.lower_catalog_id) next = &all[i];
  if (next == NULL) {
    free(all);
    return WSAEPROVIDERFAILEDINIT;
  }
  /* Its module: the stored path, then expanded, then loaded. */
  if (WSCGetProviderPath(&next->ProviderId, path, &path_len, &err) != 0 ||
      ExpandEnvironmentStringsW(path, expanded, (DWORD)(sizeof expanded / sizeof expanded[0])) ==
          0 ||
      (start = load_lower(expanded)) == NULL) {
    free(all);
    return WSAEPROVIDERFAILEDINIT;
  }
  /* The base gets its own entry; another layer the same chain. */
  state_.lower_info = index + 1 == chain_len - 1 ? *next : *pi;
  free(all);
  rc = start(version, &lower_data, &state_.lower_info, upcalls, &lower_);
  if (rc == 0 && lower_data.wVersion != MAKEWORD(2, 2)) rc = WSAEINVALIDPROVIDER;
  return rc;
}

__declspec(dllexport) int WSPAPI WSPStartup(WORD version, LPWSPDATA data, LPWSAPROTOCOL_INFOW info,
                                            WSPUPCALLTABLE upcalls, LPWSPPROC_TABLE procs) {
  int rc;
  if (info->ProtocolChain.ChainLen < 2) return WSAEPROVIDERFAILEDINIT; /* its hidden entry */
  up_ = upcalls;
  rc = start_lower(version, info, upcalls);
  if (rc != 0) return rc;
  ++state_.startups;
  state_.startup_version = version;
  state_.startup_info = *info;
  state_.upcalls = upcalls;
  data->wVersion = MAKEWORD(2, 2);
  data->wHighVersion = MAKEWORD(2, 2);
  procs->lpWSPAccept = lay_accept;
  procs->lpWSPAddressToString = lay_address_to_string;
  procs->lpWSPAsyncSelect = lay_async_select;
  procs->lpWSPBind = lay_bind;
  procs->lpWSPCancelBlockingCall = lay_cancel_blocking_call;
  procs->lpWSPCleanup = lay_cleanup;
  procs->lpWSPCloseSocket = lay_close_socket;
  procs->lpWSPConnect = lay_connect;
  procs->lpWSPDuplicateSocket = lay_duplicate_socket;
  procs->lpWSPEnumNetworkEvents = lay_enum_network_events;
  procs->lpWSPEventSelect = lay_event_select;
  procs->lpWSPGetOverlappedResult = lay_get_overlapped_result;
  procs->lpWSPGetPeerName = lay_get_peer_name;
  procs->lpWSPGetSockName = lay_get_sock_name;
  procs->lpWSPGetSockOpt = lay_get_sock_opt;
  procs->lpWSPGetQOSByName = lay_get_qos_by_name;
  procs->lpWSPIoctl = lay_ioctl;
  procs->lpWSPJoinLeaf = lay_join_leaf;
  procs->lpWSPListen = lay_listen;
  procs->lpWSPRecv = lay_recv;
  procs->lpWSPRecvDisconnect = lay_recv_disconnect;
  procs->lpWSPRecvFrom = lay_recv_from;
  procs->lpWSPSelect = lay_select;
  procs->lpWSPSend = lay_send;
  procs->lpWSPSendDisconnect = lay_send_disconnect;
  procs->lpWSPSendTo = lay_send_to;
  procs->lpWSPSetSockOpt = lay_set_sock_opt;
  procs->lpWSPShutdown = lay_shutdown;
  procs->lpWSPSocket = lay_socket;
  procs->lpWSPStringToAddress = lay_string_to_address;
  return 0;
}

/* ---- For the test (providers.h) ------------------------------------- */

__declspec(dllexport) int rec_get_call(int index, rec_call* out) {
  if (index < 0 || index >= state_.calls || index >= LOG_SIZE) return -1;
  *out = log_[index];
  return 0;
}

__declspec(dllexport) void rec_get_state(rec_state* out) {
  *out = state_;
}

__declspec(dllexport) void rec_reset(void) {
  state_.calls = 0;
}
