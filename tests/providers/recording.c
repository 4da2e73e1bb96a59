/*
 * tests/providers/recording.c - a base provider that records every WSP* call
 * (tests/providers/providers.h) and answers plausibly: send returns the bytes
 * it was given, recv fills REC_PATTERN, overlapped requests complete at once
 * (WPUCompleteOverlappedRequest for events and ports, WPUQueueApc for
 * completion routines) or, on request, stay pending; WSPSelect reports every
 * socket ready; SIO_GET_EXTENSION_FUNCTION_POINTER returns REC_SENTINEL.
 * Sockets are WPUCreateSocketHandle handles, as a non-IFS provider's are.
 *
 * Built twice (REC_TAG 1 and 2) so that two distinct providers can be loaded
 * at once. Threads: the test serializes its calls (the log has no lock);
 * APCs run on the thread that issued the request.
 *
 * On Windows the DLL imports WPUCompleteOverlappedRequest from ws2_32, as
 * any provider does; wpu's host points that import at wpu's own function
 * when it loads the DLL (docs/porting.md), which is what this exercises.
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
static int fail_fn_ = REC_NONE, fail_error_ = 0;
static int socket_mode_ = REC_SOCKET_NORMAL;
static int pend_ = 0;
/* rec_block_next_recv: set by the blocked WSPRecv / by rec_release. */
static WSAEVENT blocked_ = NULL, release_ = NULL;
static int block_next_ = 0;
static WSPUPCALLTABLE up_;

/* The pending request (one at a time). */
static struct {
  int active;
  SOCKET s;
  LPWSAOVERLAPPED ov;
  DWORD bytes;
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;
  WSATHREADID thread;
} pending_;

/* The IFS handles this provider made (REC_SOCKET_IFS): OS handles from
   the test's source (rec_ifs_source), with no upcall context. */
#define IFS_MAX 16
static SOCKET ifs_[IFS_MAX];
static rec_os_handle_make_fn ifs_make_;
static rec_os_handle_destroy_fn ifs_destroy_;

static int ifs_index(SOCKET s) {
  int i;
  for (i = 0; i < IFS_MAX; ++i)
    if (ifs_[i] == s && s != 0) return i;
  return -1;
}

/* A socket's context: `owner` tells this build's sockets from others'. */
static const char owner_tag_ = REC_TAG;
typedef struct rec_sock {
  const void* owner;
  DWORD catalog_id;
} rec_sock;

static rec_call* record(int fn, SOCKET s) {
  rec_call* c = NULL;
  static rec_call dropped;
  if (state_.calls < LOG_SIZE)
    c = &log_[state_.calls];
  else
    c = &dropped;
  ++state_.calls;
  memset(c, 0, sizeof *c);
  c->fn = fn;
  c->s = s;
  return c;
}

/* 1 when the test asked this call to fail (the error is then set). */
static int failing(int fn, LPINT err) {
  if (fail_fn_ != fn) return 0;
  fail_fn_ = REC_NONE;
  if (fail_error_ != 0) *err = fail_error_;
  return 1;
}

static int own_socket(SOCKET s) {
  DWORD_PTR ctx = 0;
  int err = 0;
  if (ifs_index(s) >= 0) return 1;
  if (up_.lpWPUQuerySocketHandleContext(s, &ctx, &err) != 0 || ctx == 0) return 0;
  return ((const rec_sock*)ctx)->owner == &owner_tag_;
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
  if (ov != NULL) {
    c->ov_offset = ov->Offset;
    c->ov_offset_high = ov->OffsetHigh;
  }
}

/* A completion routine's call, queued to the issuing thread. */
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

/* Completes an overlapped request the way the MS documentation describes:
   OffsetHigh = error, Offset = flags, then WPUCompleteOverlappedRequest (event,
   port) or WPUQueueApc (routine). */
static int complete(SOCKET s, LPWSAOVERLAPPED ov, DWORD error, DWORD bytes,
                    LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread, LPINT err) {
  ov->OffsetHigh = error;
  ov->Offset = 0;
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
    a->flags = 0;
    ov->InternalHigh = bytes;
    ov->Internal = error;
    if (up_.lpWPUQueueApc(thread, run_apc, (DWORD_PTR)a, err) != 0) {
      free(a);
      return SOCKET_ERROR;
    }
    return 0;
  }
  return WPUCompleteOverlappedRequest(s, ov, error, bytes, err);
}

/* The common tail of the data calls: `bytes` done now, or pending. */
static int finish_io(SOCKET s, DWORD bytes, LPDWORD done, LPWSAOVERLAPPED ov,
                     LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread, LPINT err) {
  if (ov == NULL) {
    if (done != NULL) *done = bytes;
    return 0;
  }
  if (pend_) {
    ov->Internal = WSS_OPERATION_IN_PROGRESS;
    pending_.active = 1;
    pending_.s = s;
    pending_.ov = ov;
    pending_.bytes = bytes;
    pending_.routine = routine;
    if (thread != NULL) pending_.thread = *thread;
    *err = WSA_IO_PENDING;
    return SOCKET_ERROR;
  }
  if (done != NULL) *done = bytes;
  if (complete(s, ov, 0, bytes, routine, thread, err) != 0) return SOCKET_ERROR;
  return 0;
}

static void wait_event(WSAEVENT e) {
  WaitForSingleObject(e, INFINITE);
}

static void fill(LPWSABUF b, DWORD n, DWORD* total) {
  DWORD i, k, at = 0;
  for (i = 0; i < n; ++i)
    for (k = 0; k < b[i].len; ++k, ++at) b[i].buf[k] = REC_PATTERN(at);
  *total = at;
}

static void fill_addr(struct sockaddr* name, LPINT namelen) {
  /* 127.0.0.1:4242, in network byte order without ws2_32's htons. */
  static const unsigned char port[2] = {0x10, 0x92}, addr[4] = {127, 0, 0, 1};
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  memcpy(&a.sin_port, port, sizeof port);
  memcpy(&a.sin_addr, addr, sizeof addr);
  memcpy(name, &a, sizeof a);
  *namelen = (int)sizeof a;
}

/* An OS handle of the test's source, registered with WPUModifyIFSHandle. */
static SOCKET new_ifs_socket(DWORD catalog_id, LPINT err) {
  SOCKET h, s;
  int slot = -1, i;
  for (i = 0; i < IFS_MAX && slot < 0; ++i)
    if (ifs_[i] == 0) slot = i;
  if (slot < 0) {
    *err = WSAEMFILE;
    return INVALID_SOCKET;
  }
  h = ifs_make_ != NULL ? ifs_make_() : 0;
  if (h == 0) {
    *err = WSAENOBUFS;
    return INVALID_SOCKET;
  }
  s = up_.lpWPUModifyIFSHandle(catalog_id, h, err);
  if (s == INVALID_SOCKET) {
    ifs_destroy_(h);
    return INVALID_SOCKET;
  }
  ifs_[slot] = s;
  ++state_.open_sockets;
  return s;
}

static void close_ifs_socket(int slot) {
  ifs_destroy_(ifs_[slot]);
  ifs_[slot] = 0;
  --state_.open_sockets;
}

static SOCKET new_socket(DWORD catalog_id, LPINT err) {
  rec_sock* ctx = (rec_sock*)calloc(1, sizeof *ctx);
  SOCKET s;
  if (ctx == NULL) {
    *err = WSAENOBUFS;
    return INVALID_SOCKET;
  }
  ctx->owner = &owner_tag_;
  ctx->catalog_id = catalog_id;
  s = up_.lpWPUCreateSocketHandle(catalog_id, (DWORD_PTR)ctx, err);
  if (s == INVALID_SOCKET)
    free(ctx);
  else
    ++state_.open_sockets;
  return s;
}

/* ---- The WSP* functions ---------------------------------------------- */

static SOCKET WSPAPI rec_accept(SOCKET s, struct sockaddr* addr, LPINT addrlen,
                                LPCONDITIONPROC condition, DWORD_PTR data, LPINT err) {
  DWORD_PTR ctx = 0;
  SOCKET a;
  rec_call* c = record(REC_ACCEPT, s);
  UNUSED(condition);
  UNUSED(data);
  if (failing(REC_ACCEPT, err)) return INVALID_SOCKET;
  if (up_.lpWPUQuerySocketHandleContext(s, &ctx, err) != 0) return INVALID_SOCKET;
  a = new_socket(((rec_sock*)ctx)->catalog_id, err);
  if (a != INVALID_SOCKET && addr != NULL && addrlen != NULL) fill_addr(addr, addrlen);
  c->handle = (ULONG_PTR)a;
  return a;
}

static INT WSPAPI rec_address_to_string(LPSOCKADDR a, DWORD n, LPWSAPROTOCOL_INFOW pi, LPWSTR s,
                                        LPDWORD len, LPINT err) {
  UNUSED(a);
  UNUSED(n);
  UNUSED(pi);
  UNUSED(s);
  UNUSED(len);
  record(REC_OTHER, INVALID_SOCKET);
  *err = WSAEOPNOTSUPP;
  return SOCKET_ERROR;
}

static int WSPAPI rec_async_select(SOCKET s, HWND hwnd, unsigned int msg, LONG events, LPINT err) {
  rec_call* c = record(REC_ASYNC_SELECT, s);
  c->handle = (ULONG_PTR)hwnd;
  c->events = events;
  c->arg = (int)msg;
  if (failing(REC_ASYNC_SELECT, err)) return SOCKET_ERROR;
  return 0;
}

static int WSPAPI rec_bind(SOCKET s, const struct sockaddr* name, int namelen, LPINT err) {
  rec_call* c = record(REC_BIND, s);
  UNUSED(name);
  c->arg = namelen;
  if (failing(REC_BIND, err)) return SOCKET_ERROR;
  return 0;
}

static int WSPAPI rec_cancel_blocking_call(LPINT err) {
  record(REC_OTHER, INVALID_SOCKET);
  *err = WSAEOPNOTSUPP;
  return SOCKET_ERROR;
}

static int WSPAPI rec_cleanup(LPINT err) {
  int i;
  UNUSED(err);
  ++state_.cleanups;
  if (state_.cleanups == state_.startups) {
    int e = 0;
    for (i = 0; i < IFS_MAX; ++i)
      if (ifs_[i] != 0) close_ifs_socket(i);
    if (blocked_ != NULL) up_.lpWPUCloseEvent(blocked_, &e);
    if (release_ != NULL) up_.lpWPUCloseEvent(release_, &e);
    blocked_ = release_ = NULL;
  }
  return 0;
}

static int WSPAPI rec_close_socket(SOCKET s, LPINT err) {
  DWORD_PTR ctx = 0;
  const int slot = ifs_index(s);
  record(REC_CLOSE_SOCKET, s);
  if (failing(REC_CLOSE_SOCKET, err)) return SOCKET_ERROR;
  if (slot >= 0) {
    close_ifs_socket(slot);
    return 0;
  }
  if (up_.lpWPUQuerySocketHandleContext(s, &ctx, err) != 0) return SOCKET_ERROR;
  if (up_.lpWPUCloseSocketHandle(s, err) != 0) return SOCKET_ERROR;
  free((void*)ctx);
  --state_.open_sockets;
  return 0;
}

static int WSPAPI rec_connect(SOCKET s, const struct sockaddr* name, int namelen, LPWSABUF caller,
                              LPWSABUF callee, LPQOS sqos, LPQOS gqos, LPINT err) {
  rec_call* c = record(REC_CONNECT, s);
  UNUSED(name);
  UNUSED(caller);
  UNUSED(callee);
  UNUSED(sqos);
  UNUSED(gqos);
  c->arg = namelen;
  if (failing(REC_CONNECT, err)) return SOCKET_ERROR;
  return 0;
}

static int WSPAPI rec_duplicate_socket(SOCKET s, DWORD pid, LPWSAPROTOCOL_INFOW pi, LPINT err) {
  UNUSED(pid);
  UNUSED(pi);
  record(REC_OTHER, s);
  *err = WSAEOPNOTSUPP;
  return SOCKET_ERROR;
}

static int WSPAPI rec_enum_network_events(SOCKET s, WSAEVENT ev, LPWSANETWORKEVENTS ne, LPINT err) {
  rec_call* c = record(REC_ENUM_NETWORK_EVENTS, s);
  c->handle = (ULONG_PTR)ev;
  if (failing(REC_ENUM_NETWORK_EVENTS, err)) return SOCKET_ERROR;
  memset(ne, 0, sizeof *ne);
  ne->lNetworkEvents = FD_WRITE;
  return 0;
}

static int WSPAPI rec_event_select(SOCKET s, WSAEVENT ev, LONG events, LPINT err) {
  rec_call* c = record(REC_EVENT_SELECT, s);
  c->handle = (ULONG_PTR)ev;
  c->events = events;
  if (failing(REC_EVENT_SELECT, err)) return SOCKET_ERROR;
  return 0;
}

static BOOL WSPAPI rec_get_overlapped_result(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD bytes, BOOL wait,
                                             LPDWORD flags, LPINT err) {
  rec_call* c = record(REC_GET_OVERLAPPED_RESULT, s);
  c->arg = wait;
  c->ov = ov;
  if (failing(REC_GET_OVERLAPPED_RESULT, err)) return FALSE;
  if (ov->Internal == WSS_OPERATION_IN_PROGRESS) {
    if (!wait) {
      *err = WSA_IO_INCOMPLETE;
      return FALSE;
    }
    WaitForSingleObject(ov->hEvent, INFINITE);
  }
  *bytes = (DWORD)ov->InternalHigh;
  *flags = ov->Offset;
  if (ov->OffsetHigh != 0) {
    *err = (int)ov->OffsetHigh;
    return FALSE;
  }
  return TRUE;
}

static int WSPAPI rec_get_peer_name(SOCKET s, struct sockaddr* name, LPINT namelen, LPINT err) {
  rec_call* c = record(REC_GET_PEER_NAME, s);
  c->arg = *namelen;
  if (failing(REC_GET_PEER_NAME, err)) return SOCKET_ERROR;
  if (*namelen < (int)sizeof(struct sockaddr_in)) {
    *err = WSAEFAULT;
    return SOCKET_ERROR;
  }
  fill_addr(name, namelen);
  return 0;
}

static int WSPAPI rec_get_sock_name(SOCKET s, struct sockaddr* name, LPINT namelen, LPINT err) {
  rec_call* c = record(REC_GET_SOCK_NAME, s);
  c->arg = *namelen;
  if (failing(REC_GET_SOCK_NAME, err)) return SOCKET_ERROR;
  if (*namelen < (int)sizeof(struct sockaddr_in)) {
    *err = WSAEFAULT;
    return SOCKET_ERROR;
  }
  fill_addr(name, namelen);
  return 0;
}

/* getsockopt answers an int: level ^ optname. */
static int WSPAPI rec_get_sock_opt(SOCKET s, int level, int optname, char* optval, LPINT optlen,
                                   LPINT err) {
  rec_call* c = record(REC_GET_SOCK_OPT, s);
  int v = level ^ optname;
  c->level = level;
  c->optname = optname;
  c->len0 = (DWORD)*optlen;
  if (failing(REC_GET_SOCK_OPT, err)) return SOCKET_ERROR;
  if (*optlen < (int)sizeof v) {
    *err = WSAEFAULT;
    return SOCKET_ERROR;
  }
  memcpy(optval, &v, sizeof v);
  *optlen = (int)sizeof v;
  return 0;
}

static BOOL WSPAPI rec_get_qos_by_name(SOCKET s, LPWSABUF name, LPQOS qos, LPINT err) {
  UNUSED(name);
  UNUSED(qos);
  record(REC_OTHER, s);
  *err = WSAEOPNOTSUPP;
  return FALSE;
}

static int WSPAPI rec_ioctl(SOCKET s, DWORD code, LPVOID in, DWORD in_len, LPVOID out,
                            DWORD out_len, LPDWORD returned, LPWSAOVERLAPPED ov,
                            LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread,
                            LPINT err) {
  rec_call* c = record(REC_IOCTL, s);
  c->code = code;
  c->len0 = in_len;
  c->len_total = out_len;
  c->has_overlapped = ov != NULL;
  c->has_routine = routine != NULL;
  c->has_thread_id = thread != NULL && thread->ThreadHandle != NULL;
  if (in != NULL && in_len >= sizeof(ULONG)) memcpy(&c->in_value, in, sizeof(ULONG));
  if (failing(REC_IOCTL, err)) return SOCKET_ERROR;
  if (code == SIO_GET_EXTENSION_FUNCTION_POINTER) {
    GUID g;
    ULONG_PTR sentinel;
    if (in == NULL || in_len < sizeof(GUID) || out == NULL || out_len < sizeof(void*)) {
      *err = WSAEFAULT;
      return SOCKET_ERROR;
    }
    memcpy(&g, in, sizeof g);
    sentinel = REC_SENTINEL(g.Data1, REC_TAG);
    memcpy(out, &sentinel, sizeof sentinel);
    *returned = sizeof sentinel;
    return finish_io(s, sizeof sentinel, NULL, ov, routine, thread, err);
  }
  if (out != NULL && out_len >= sizeof(ULONG) && code != (DWORD)FIONBIO) {
    ULONG v = 7;
    memcpy(out, &v, sizeof v);
    *returned = sizeof v;
  } else {
    *returned = 0;
  }
  return finish_io(s, *returned, NULL, ov, routine, thread, err);
}

static SOCKET WSPAPI rec_join_leaf(SOCKET s, const struct sockaddr* name, int namelen,
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

static int WSPAPI rec_listen(SOCKET s, int backlog, LPINT err) {
  rec_call* c = record(REC_LISTEN, s);
  c->arg = backlog;
  if (failing(REC_LISTEN, err)) return SOCKET_ERROR;
  return 0;
}

static int WSPAPI rec_recv(SOCKET s, LPWSABUF b, DWORD n, LPDWORD got, LPDWORD flags,
                           LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine,
                           LPWSATHREADID thread, LPINT err) {
  rec_call* c = record(REC_RECV, s);
  DWORD total = 0;
  note_io(c, b, n, ov, routine, thread);
  c->flags = *flags;
  if (failing(REC_RECV, err)) return SOCKET_ERROR;
  if (block_next_) {
    int e = 0;
    block_next_ = 0;
    up_.lpWPUSetEvent(blocked_, &e);
    wait_event(release_);
  }
  fill(b, n, &total);
  *flags = 0;
  return finish_io(s, total, got, ov, routine, thread, err);
}

static int WSPAPI rec_recv_disconnect(SOCKET s, LPWSABUF data, LPINT err) {
  UNUSED(data);
  record(REC_RECV_DISCONNECT, s);
  if (failing(REC_RECV_DISCONNECT, err)) return SOCKET_ERROR;
  return 0;
}

static int WSPAPI rec_recv_from(SOCKET s, LPWSABUF b, DWORD n, LPDWORD got, LPDWORD flags,
                                struct sockaddr* from, LPINT fromlen, LPWSAOVERLAPPED ov,
                                LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread,
                                LPINT err) {
  rec_call* c = record(REC_RECV_FROM, s);
  DWORD total = 0;
  note_io(c, b, n, ov, routine, thread);
  c->flags = *flags;
  c->arg = fromlen != NULL ? *fromlen : -1;
  if (failing(REC_RECV_FROM, err)) return SOCKET_ERROR;
  fill(b, n, &total);
  if (from != NULL && fromlen != NULL && *fromlen >= (int)sizeof(struct sockaddr_in))
    fill_addr(from, fromlen);
  *flags = 0;
  return finish_io(s, total, got, ov, routine, thread, err);
}

static unsigned int set_count(const fd_set* set) {
  return set != NULL ? set->fd_count : 0;
}

/* Every socket in the sets must be this build's; all are ready to read and
   write, none has an exception. */
static int WSPAPI rec_select(int nfds, fd_set* r, fd_set* w, fd_set* x, const PTIMEVAL timeout,
                             LPINT err) {
  rec_call* c = record(REC_SELECT, INVALID_SOCKET);
  fd_set* sets[3];
  unsigned int i, k;
  sets[0] = r;
  sets[1] = w;
  sets[2] = x;
  c->arg = nfds;
  for (i = 0; i < 3; ++i) c->set_counts[i] = set_count(sets[i]);
  c->tv_sec = timeout != NULL ? (long)timeout->tv_sec : -1;
  c->tv_usec = timeout != NULL ? (long)timeout->tv_usec : -1;
  if (failing(REC_SELECT, err)) return SOCKET_ERROR;
  for (i = 0; i < 3; ++i)
    for (k = 0; k < set_count(sets[i]); ++k)
      if (!own_socket(sets[i]->fd_array[k])) {
        *err = WSAENOTSOCK;
        return SOCKET_ERROR;
      }
  if (x != NULL) x->fd_count = 0;
  return (int)(set_count(r) + set_count(w));
}

static int WSPAPI rec_send(SOCKET s, LPWSABUF b, DWORD n, LPDWORD sent, DWORD flags,
                           LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine,
                           LPWSATHREADID thread, LPINT err) {
  rec_call* c = record(REC_SEND, s);
  note_io(c, b, n, ov, routine, thread);
  c->flags = flags;
  if (failing(REC_SEND, err)) return SOCKET_ERROR;
  return finish_io(s, c->len_total, sent, ov, routine, thread, err);
}

static int WSPAPI rec_send_disconnect(SOCKET s, LPWSABUF data, LPINT err) {
  UNUSED(data);
  record(REC_SEND_DISCONNECT, s);
  if (failing(REC_SEND_DISCONNECT, err)) return SOCKET_ERROR;
  return 0;
}

static int WSPAPI rec_send_to(SOCKET s, LPWSABUF b, DWORD n, LPDWORD sent, DWORD flags,
                              const struct sockaddr* to, int tolen, LPWSAOVERLAPPED ov,
                              LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread,
                              LPINT err) {
  rec_call* c = record(REC_SEND_TO, s);
  UNUSED(to);
  note_io(c, b, n, ov, routine, thread);
  c->flags = flags;
  c->arg = tolen;
  if (failing(REC_SEND_TO, err)) return SOCKET_ERROR;
  return finish_io(s, c->len_total, sent, ov, routine, thread, err);
}

static int WSPAPI rec_set_sock_opt(SOCKET s, int level, int optname, const char* optval, int optlen,
                                   LPINT err) {
  rec_call* c = record(REC_SET_SOCK_OPT, s);
  c->level = level;
  c->optname = optname;
  c->len0 = (DWORD)optlen;
  if (optval != NULL && optlen >= (int)sizeof(ULONG)) memcpy(&c->in_value, optval, sizeof(ULONG));
  if (failing(REC_SET_SOCK_OPT, err)) return SOCKET_ERROR;
  return 0;
}

static int WSPAPI rec_shutdown(SOCKET s, int how, LPINT err) {
  rec_call* c = record(REC_SHUTDOWN, s);
  c->arg = how;
  if (failing(REC_SHUTDOWN, err)) return SOCKET_ERROR;
  return 0;
}

static SOCKET WSPAPI rec_socket(int af, int type, int protocol, LPWSAPROTOCOL_INFOW pi, GROUP g,
                                DWORD flags, LPINT err) {
  rec_call* c = record(REC_SOCKET, INVALID_SOCKET);
  UNUSED(g);
  c->af = af;
  c->type = type;
  c->protocol = protocol;
  c->flags = flags;
  c->catalog_id = pi != NULL ? pi->dwCatalogEntryId : 0;
  if (failing(REC_SOCKET, err)) return INVALID_SOCKET;
  if (socket_mode_ == REC_SOCKET_FOREIGN) return (SOCKET)0x7fff0001;
  if (socket_mode_ == REC_SOCKET_INPROGRESS) {
    *err = WSAEINPROGRESS;
    return INVALID_SOCKET;
  }
  c->s = socket_mode_ == REC_SOCKET_IFS ? new_ifs_socket(pi->dwCatalogEntryId, err)
                                        : new_socket(pi->dwCatalogEntryId, err);
  return c->s;
}

static INT WSPAPI rec_string_to_address(LPWSTR s, INT af, LPWSAPROTOCOL_INFOW pi, LPSOCKADDR a,
                                        LPINT len, LPINT err) {
  UNUSED(s);
  UNUSED(af);
  UNUSED(pi);
  UNUSED(a);
  UNUSED(len);
  record(REC_OTHER, INVALID_SOCKET);
  *err = WSAEOPNOTSUPP;
  return SOCKET_ERROR;
}

/* ---- Entry points ---------------------------------------------------- */

__declspec(dllexport) int WSPAPI WSPStartup(WORD version, LPWSPDATA data, LPWSAPROTOCOL_INFOW info,
                                            WSPUPCALLTABLE upcalls, LPWSPPROC_TABLE procs) {
  if (LOBYTE(version) < 2) return WSAVERNOTSUPPORTED;
  ++state_.startups;
  state_.startup_version = version;
  state_.startup_info = *info;
  state_.upcalls = upcalls;
  up_ = upcalls; /* the most recent table (MS: WSPStartup) */
  data->wVersion = MAKEWORD(2, 2);
  data->wHighVersion = MAKEWORD(2, 2);
  procs->lpWSPAccept = rec_accept;
  procs->lpWSPAddressToString = rec_address_to_string;
  procs->lpWSPAsyncSelect = rec_async_select;
  procs->lpWSPBind = rec_bind;
  procs->lpWSPCancelBlockingCall = rec_cancel_blocking_call;
  procs->lpWSPCleanup = rec_cleanup;
  procs->lpWSPCloseSocket = rec_close_socket;
  procs->lpWSPConnect = rec_connect;
  procs->lpWSPDuplicateSocket = rec_duplicate_socket;
  procs->lpWSPEnumNetworkEvents = rec_enum_network_events;
  procs->lpWSPEventSelect = rec_event_select;
  procs->lpWSPGetOverlappedResult = rec_get_overlapped_result;
  procs->lpWSPGetPeerName = rec_get_peer_name;
  procs->lpWSPGetSockName = rec_get_sock_name;
  procs->lpWSPGetSockOpt = rec_get_sock_opt;
  procs->lpWSPGetQOSByName = rec_get_qos_by_name;
  procs->lpWSPIoctl = rec_ioctl;
  procs->lpWSPJoinLeaf = rec_join_leaf;
  procs->lpWSPListen = rec_listen;
  procs->lpWSPRecv = rec_recv;
  procs->lpWSPRecvDisconnect = rec_recv_disconnect;
  procs->lpWSPRecvFrom = rec_recv_from;
  procs->lpWSPSelect = rec_select;
  procs->lpWSPSend = rec_send;
  procs->lpWSPSendDisconnect = rec_send_disconnect;
  procs->lpWSPSendTo = rec_send_to;
  procs->lpWSPSetSockOpt = rec_set_sock_opt;
  procs->lpWSPShutdown = rec_shutdown;
  procs->lpWSPSocket = rec_socket;
  procs->lpWSPStringToAddress = rec_string_to_address;
  return 0;
}

__declspec(dllexport) BOOL WINAPI DllMain(HINSTANCE module, DWORD reason, LPVOID reserved) {
  UNUSED(module);
  UNUSED(reserved);
  if (reason == DLL_PROCESS_ATTACH) ++state_.attaches;
  if (reason == DLL_PROCESS_DETACH) ++state_.detaches;
  return TRUE;
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
  fail_fn_ = REC_NONE;
  fail_error_ = 0;
  socket_mode_ = REC_SOCKET_NORMAL;
  pend_ = 0;
  pending_.active = 0;
}

__declspec(dllexport) void rec_fail_next(int fn, int error) {
  fail_fn_ = fn;
  fail_error_ = error;
}

__declspec(dllexport) void rec_socket_mode(int mode) {
  socket_mode_ = mode;
}

__declspec(dllexport) void rec_ifs_source(rec_os_handle_make_fn make,
                                          rec_os_handle_destroy_fn destroy) {
  ifs_make_ = make;
  ifs_destroy_ = destroy;
}

__declspec(dllexport) void rec_pend(int on) {
  pend_ = on;
}

__declspec(dllexport) int rec_block_next_recv(void) {
  int e = 0;
  if (blocked_ == NULL) blocked_ = up_.lpWPUCreateEvent(&e);
  if (release_ == NULL) release_ = up_.lpWPUCreateEvent(&e);
  if (blocked_ == NULL || release_ == NULL) return -1;
  up_.lpWPUResetEvent(blocked_, &e);
  up_.lpWPUResetEvent(release_, &e);
  block_next_ = 1;
  return 0;
}

__declspec(dllexport) void rec_wait_blocked(void) {
  wait_event(blocked_);
}

__declspec(dllexport) void rec_release(void) {
  int e = 0;
  up_.lpWPUSetEvent(release_, &e);
}

__declspec(dllexport) int rec_complete_pending(DWORD error) {
  int e = 0;
  if (!pending_.active) return 0;
  pending_.active = 0;
  return complete(pending_.s, pending_.ov, error, pending_.bytes, pending_.routine,
                  &pending_.thread, &e) == 0;
}
