/*
 * examples/lsp.c - a non-IFS layered service provider, written the way
 * Windows LSPs are written, that counts the bytes each socket carries.
 *
 * Installation (examples/echo_models.c does it at run time, as an installer
 * calling WSCInstallProvider would): one hidden entry (ChainLen 0) with this
 * provider's GUID (WPU_LSP_GUID_INIT), and one chain entry {hidden id, base
 * id} over each base entry it layers, placed before its base.
 *
 * Starting: WSPStartup is called for one of the chain entries. The LSP
 * enumerates the catalog (WSCEnumProtocols), finds its own hidden entry by
 * GUID, takes the id after its own in the chain, reads that entry's module
 * path (WSCGetProviderPath), expands it (ExpandEnvironmentStringsW), loads
 * the module and calls its WSPStartup with the same upcall table: with the
 * base's own entry when the next one is the base, with the chain entry when
 * it is another layer. A socket made through another chain entry of this
 * LSP starts the provider below that chain the same way, once per provider
 * GUID.
 *
 * Sockets: WSPSocket/WSPAccept make a socket below (always overlapped), then
 * a handle of this layer with WPUCreateSocketHandle whose context is a
 * struct lsp_socket; every call looks the context up with
 * WPUQuerySocketHandleContext and goes down with the lower socket.
 *
 * Overlapped I/O: the lower socket (an IFS handle of the base provider) is
 * associated with the LSP's own completion port. A request goes down with
 * the LSP's own WSAOVERLAPPED (struct lsp_op) and no completion routine; one
 * worker thread takes the completions from the port
 * (GetQueuedCompletionStatus), reads the result with the lower provider's
 * WSPGetOverlappedResult, counts the bytes, and completes the application's
 * request: WPUQueueApc to the application's thread (lpThreadId) when it gave
 * a completion routine, else WPUCompleteOverlappedRequest on this layer's
 * handle (which sets the application's event or queues to the port the
 * application associated with that handle). Result flags and the error go
 * to the application's Offset/OffsetHigh first, for WSPGetOverlappedResult.
 *
 * WSAAsyncSelect: the lower socket reports to a hidden message-only window
 * of the LSP, owned by a thread of its own that pumps GetMessageW; its
 * window procedure finds the socket by its lower handle and posts the
 * notification to the application's window with WPUPostMessage, naming this
 * layer's handle. WSPEventSelect and WSPEnumNetworkEvents go down with the
 * application's event. WSPSelect translates the sets to lower handles and
 * back with WPUFDIsSet.
 *
 * WSPCloseSocket closes the lower socket; this layer's handle is closed
 * (WPUCloseSocketHandle) and the context freed once no overlapped request
 * of the socket is left, so requests aborted by the close still complete to
 * the application.
 *
 * Extension functions: SIO_GET_EXTENSION_FUNCTION_POINTER gives this
 * layer's AcceptEx, ConnectEx, DisconnectEx, TransmitFile, WSARecvMsg and
 * WSASendMsg (the lower provider's take lower handles), which go down like
 * WSPSend; GetAcceptExSockaddrs is the lower provider's own. Any other GUID
 * gives WSAEINVAL. WSPDuplicateSocket fails with WSAEOPNOTSUPP (wpu's host
 * does not route WSADuplicateSocket).
 *
 * Threads: every WSP* function may be called from any thread, concurrently.
 * One CRITICAL_SECTION (lock_, made and deleted by DllMain) guards the
 * provider's lists and each socket's WSAAsyncSelect target and close state;
 * counters are updated with Interlocked* functions. Contexts and request
 * records come from the process heap (HeapAlloc). The completion worker and
 * the window thread (CreateThread) run from the first WSPStartup (the window
 * thread from the first WSPAsyncSelect) to the last WSPCleanup, which joins
 * them (WaitForSingleObject, CloseHandle). The provider below is loaded with
 * LoadLibraryW/GetProcAddress and unloaded with FreeLibrary.
 *
 * The file has no #ifdef: it includes Windows' headers only, and builds as a
 * DLL with mingw-w64 against the system's, and as a shared object on POSIX
 * against wpu's compatibility include folder (Meson: dependency('wpu-windows'),
 * README.md "Porting a provider"), linked with wpu.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <ws2spi.h>
#include <mswsock.h>
#include <windows.h>
#include <strsafe.h>

#include <string.h>

#include "lsp.h"

/* ---- State --------------------------------------------------------------- */

#define MAX_LOWER 8   /* distinct providers below this one */
#define MAX_CHAINS 32 /* chain entries of this LSP seen by WSPSocket */
#define WM_LSP_SELECT (WM_USER + 0x57)
#define LSP_QUIT_KEY ((ULONG_PTR)-1)

/* A provider below this one, started once. */
enum ext_fn {
  EXT_ACCEPTEX,
  EXT_GETACCEPTEXSOCKADDRS,
  EXT_CONNECTEX,
  EXT_DISCONNECTEX,
  EXT_TRANSMITFILE,
  EXT_WSARECVMSG,
  EXT_WSASENDMSG,
  EXT_COUNT
};

typedef struct lower_provider {
  GUID id;
  HMODULE module;
  WSPPROC_TABLE procs;
  PVOID volatile ext[EXT_COUNT]; /* its extension functions, fetched on first use (Interlocked) */
} lower_provider;

/* One chain entry of this LSP: the provider below it and the entry that
   provider is given (the base's own entry, or the chain for a layer). */
typedef struct lsp_chain {
  DWORD chain_id;
  lower_provider* below;
  WSAPROTOCOL_INFOW next_info;
  WSAPROTOCOL_INFOW own_info; /* the chain entry (SO_PROTOCOL_INFOW) */
} lsp_chain;

/* One socket of this layer, the context of its WPUCreateSocketHandle
   handle. `upper`, `lower`, `chain` never change after creation; the
   async-select target, `pending`, `closing` and the list links are guarded
   by lock_; counters are atomic. */
typedef struct lsp_socket {
  const void* owner; /* &owner_tag_: a context of this LSP */
  SOCKET upper, lower;
  lsp_chain* chain;
  HWND app_hwnd;
  UINT app_msg;
  int pending;  /* overlapped requests accepted and not yet completed up */
  int closing;  /* WSPCloseSocket ran: the last completion closes `upper` */
  int aborting; /* WSPCloseSocket is closing the lower socket: failures are aborts */
  volatile LONG64 bytes_sent, bytes_received;
  volatile LONG upcalls; /* 1 << wpu_lsp_upcall_bit */
  struct lsp_socket *prev, *next;
} lsp_socket;

/* What a completed request counts: bytes sent, bytes received (a receive
   that only peeks counts nothing), nothing. */
enum op_kind { OP_SEND, OP_RECV, OP_OTHER, OP_LOCAL };

/* One overlapped request: `ov` is what the lower provider sees (first
   member: the worker turns the port's OVERLAPPED pointer back into the
   record). Owned by the worker once the lower provider accepted it. */
typedef struct lsp_op {
  WSAOVERLAPPED ov;
  lsp_socket* sock;
  int kind;
  lsp_socket* peer; /* AcceptEx: the accepting socket, counted and kept too */
  LPWSAOVERLAPPED app_ov;
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;
  WSATHREADID thread; /* a copy: the caller's record lives only during the call */
  int own_thread;     /* `thread` is from WPUOpenCurrentThread: closed after the APC */
  DWORD flags;        /* in: recv flags passed down */
  DWORD error, bytes, result_flags; /* the result, for the APC */
} lsp_op;

static const char owner_tag_ = 'C';
static const GUID own_guid_ = WPU_LSP_GUID_INIT;
static WSPUPCALLTABLE up_;
static CRITICAL_SECTION lock_; /* initialized by DllMain (DLL_PROCESS_ATTACH) */
static int startups_;          /* WSPStartup calls not yet matched by WSPCleanup */
static DWORD own_id_;          /* this LSP's hidden entry */
static lower_provider lower_[MAX_LOWER];
static int lower_count_;
static lsp_chain chains_[MAX_CHAINS];
static int chain_count_;
static lsp_socket* sockets_; /* every open socket, for the window's lookup */
static int contexts_;        /* contexts not yet freed (closing ones included) */
static HANDLE port_;
static HANDLE worker_;
static HANDLE window_thread_;
static int window_started_;
static HWND window_;
static HANDLE window_ready_; /* manual-reset: the window thread made (or failed) its window */

/* ---- Small helpers ------------------------------------------------------- */

static void note(lsp_socket* s, int bit) {
  InterlockedOr(&s->upcalls, (LONG)(1L << bit));
}

static void count(lsp_socket* s, int kind, DWORD bytes) {
  if (kind == OP_SEND) InterlockedExchangeAdd64(&s->bytes_sent, (LONG64)bytes);
  if (kind == OP_RECV) InterlockedExchangeAdd64(&s->bytes_received, (LONG64)bytes);
}

/* The process heap: every context, request record and catalog copy of the
   LSP. Any thread. */
static void* heap_alloc_zero(SIZE_T size) {
  return HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, size);
}

static void heap_free(void* p) {
  HeapFree(GetProcessHeap(), 0, p);
}

/* Waits for a thread of the LSP to return and closes its handle. Called
   by WSPCleanup's thread, never by the thread itself. */
static void join(HANDLE thread) {
  WaitForSingleObject(thread, INFINITE);
  CloseHandle(thread);
}

/* The end of a data transfer made without an OVERLAPPED: when the lower
   provider's `rc` is 0, counts the `done` bytes as `kind` and stores them in
   *out (if given); returns `rc`. The calling thread. */
static int done_at_once(lsp_socket* c, int kind, int rc, DWORD done, LPDWORD out) {
  if (rc == 0) {
    count(c, kind, done);
    if (out != NULL) *out = done;
  }
  return rc;
}

static int fail(LPINT err, int code) {
  *err = code;
  return SOCKET_ERROR;
}

/* The context of one of this layer's handles, or NULL with WSAENOTSOCK. */
static lsp_socket* context_of(SOCKET s, LPINT err) {
  DWORD_PTR ctx = 0;
  if (up_.lpWPUQuerySocketHandleContext(s, &ctx, err) != 0 || ctx == 0 ||
      ((const lsp_socket*)ctx)->owner != &owner_tag_) {
    *err = WSAENOTSOCK;
    return NULL;
  }
  note((lsp_socket*)ctx, WPU_LSP_UP_QUERY_SOCKET_HANDLE_CONTEXT);
  return (lsp_socket*)ctx;
}

static int same_guid(const GUID* a, const GUID* b) {
  return memcmp(a, b, sizeof *a) == 0;
}

/* ---- Finding and starting the providers below -------------------------- */

/* Every catalog entry (hidden ones included) in *all; the count, or -1. */
static int enum_all(LPWSAPROTOCOL_INFOW* all) {
  DWORD len = 0;
  int err = 0, n;
  *all = NULL;
  if (WSCEnumProtocols(NULL, NULL, &len, &err) != SOCKET_ERROR || err != WSAENOBUFS) return -1;
  *all = (LPWSAPROTOCOL_INFOW)heap_alloc_zero(len);
  if (*all == NULL) return -1;
  n = WSCEnumProtocols(NULL, *all, &len, &err);
  if (n == SOCKET_ERROR) {
    heap_free(*all);
    *all = NULL;
    return -1;
  }
  return n;
}

/* Loads and starts the provider of `next` (its WSPStartup gets `info`), or
   returns the one already started for that GUID. Called with lock_ held. */
static lower_provider* start_lower(const WSAPROTOCOL_INFOW* next, WSAPROTOCOL_INFOW* info,
                                   LPINT err) {
  WCHAR path[1024], expanded[1024];
  const DWORD room = (DWORD)(sizeof expanded / sizeof expanded[0]);
  int i, len = (int)(sizeof path / sizeof path[0]), rc;
  DWORD need;
  lower_provider* p;
  LPWSPSTARTUP start;
  WSPDATA data;
  for (i = 0; i < lower_count_; ++i)
    if (same_guid(&lower_[i].id, &next->ProviderId)) return &lower_[i];
  if (lower_count_ == MAX_LOWER) {
    *err = WSAENOBUFS;
    return NULL;
  }
  p = &lower_[lower_count_];
  memset(p, 0, sizeof *p);
  *err = WSAEPROVIDERFAILEDINIT;
  if (WSCGetProviderPath((LPGUID)&next->ProviderId, path, &len, &rc) != 0) return NULL;
  need = ExpandEnvironmentStringsW(path, expanded, room);
  if (need == 0 || need > room) return NULL;
  p->module = LoadLibraryW(expanded);
  if (p->module == NULL) return NULL;
  start = (LPWSPSTARTUP)(void (*)(void))GetProcAddress(p->module, "WSPStartup");
  if (start == NULL) {
    FreeLibrary(p->module);
    return NULL;
  }
  rc = start(MAKEWORD(2, 2), &data, info, up_, &p->procs);
  if (rc == 0 && data.wVersion != MAKEWORD(2, 2)) {
    int ignored;
    p->procs.lpWSPCleanup(&ignored);
    rc = WSAEINVALIDPROVIDER;
  }
  if (rc != 0) {
    FreeLibrary(p->module);
    *err = rc;
    return NULL;
  }
  p->id = next->ProviderId;
  ++lower_count_;
  return p;
}

/* The chain record of the chain entry `pi` (one of this LSP's), starting
   the provider below it on first use. Called with lock_ held. */
static lsp_chain* chain_for(const WSAPROTOCOL_INFOW* pi, LPINT err) {
  LPWSAPROTOCOL_INFOW all;
  int i, n, index = -1, len = pi->ProtocolChain.ChainLen;
  const WSAPROTOCOL_INFOW* next = NULL;
  lsp_chain* c;
  for (i = 0; i < chain_count_; ++i)
    if (chains_[i].chain_id == pi->dwCatalogEntryId) return &chains_[i];
  if (chain_count_ == MAX_CHAINS) {
    *err = WSAENOBUFS;
    return NULL;
  }
  *err = WSAEPROVIDERFAILEDINIT;
  n = enum_all(&all);
  if (n < 0) return NULL;
  if (own_id_ == 0)
    for (i = 0; i < n; ++i)
      if (all[i].ProtocolChain.ChainLen == LAYERED_PROTOCOL &&
          same_guid(&all[i].ProviderId, &own_guid_))
        own_id_ = all[i].dwCatalogEntryId;
  for (i = 0; i + 1 < len && i < MAX_PROTOCOL_CHAIN; ++i)
    if (pi->ProtocolChain.ChainEntries[i] == own_id_) index = i;
  for (i = 0; index >= 0 && i < n; ++i)
    if (all[i].dwCatalogEntryId == pi->ProtocolChain.ChainEntries[index + 1]) next = &all[i];
  if (next == NULL) {
    heap_free(all);
    return NULL;
  }
  c = &chains_[chain_count_];
  c->chain_id = pi->dwCatalogEntryId;
  c->own_info = *pi;
  c->next_info = index + 2 == len ? *next : *pi;
  c->below = start_lower(next, &c->next_info, err);
  heap_free(all);
  if (c->below == NULL) return NULL;
  ++chain_count_;
  return c;
}

/* ---- Sockets ------------------------------------------------------------- */

/* Makes this layer's handle for a new lower socket and puts the lower socket
   on the LSP's port; on failure the lower socket is closed again. */
static SOCKET wrap(SOCKET lower, lsp_chain* chain, LPINT err) {
  lsp_socket* s = (lsp_socket*)heap_alloc_zero(sizeof *s);
  int ignored;
  if (s == NULL) {
    chain->below->procs.lpWSPCloseSocket(lower, &ignored);
    *err = WSAENOBUFS;
    return INVALID_SOCKET;
  }
  s->owner = &owner_tag_;
  s->lower = lower;
  s->chain = chain;
  if (CreateIoCompletionPort((HANDLE)(ULONG_PTR)lower, port_, 0, 0) == NULL) {
    chain->below->procs.lpWSPCloseSocket(lower, &ignored);
    heap_free(s);
    *err = WSAENOBUFS;
    return INVALID_SOCKET;
  }
  s->upper = up_.lpWPUCreateSocketHandle(chain->chain_id, (DWORD_PTR)s, err);
  if (s->upper == INVALID_SOCKET) {
    chain->below->procs.lpWSPCloseSocket(lower, &ignored);
    heap_free(s);
    return INVALID_SOCKET;
  }
  note(s, WPU_LSP_UP_CREATE_SOCKET_HANDLE);
  EnterCriticalSection(&lock_);
  s->next = sockets_;
  if (sockets_ != NULL) sockets_->prev = s;
  sockets_ = s;
  ++contexts_;
  LeaveCriticalSection(&lock_);
  return s->upper;
}

/* Closes this layer's handle and frees the context: the socket is closed
   and no request of it is left. */
static void release(lsp_socket* s) {
  int ignored;
  note(s, WPU_LSP_UP_CLOSE_SOCKET_HANDLE);
  up_.lpWPUCloseSocketHandle(s->upper, &ignored);
  heap_free(s);
  EnterCriticalSection(&lock_);
  --contexts_;
  LeaveCriticalSection(&lock_);
}

static SOCKET WSPAPI lsp_socket_fn(int af, int type, int protocol, LPWSAPROTOCOL_INFOW pi, GROUP g,
                                   DWORD flags, LPINT err) {
  lsp_chain* chain;
  SOCKET lower;
  EnterCriticalSection(&lock_);
  chain = chain_for(pi, err);
  LeaveCriticalSection(&lock_);
  if (chain == NULL) return INVALID_SOCKET;
  /* Always overlapped below: the LSP's own requests need it. */
  lower = chain->below->procs.lpWSPSocket(af, type, protocol, &chain->next_info, g,
                                          flags | WSA_FLAG_OVERLAPPED, err);
  if (lower == INVALID_SOCKET) return INVALID_SOCKET;
  return wrap(lower, chain, err);
}

static SOCKET WSPAPI lsp_accept(SOCKET s, struct sockaddr* addr, LPINT addrlen,
                                LPCONDITIONPROC condition, DWORD_PTR data, LPINT err) {
  lsp_socket* l = context_of(s, err);
  SOCKET a;
  if (l == NULL) return INVALID_SOCKET;
  a = l->chain->below->procs.lpWSPAccept(l->lower, addr, addrlen, condition, data, err);
  if (a == INVALID_SOCKET) return INVALID_SOCKET;
  return wrap(a, l->chain, err); /* the listening socket's entry */
}

static int WSPAPI lsp_close_socket(SOCKET s, LPINT err) {
  lsp_socket* c = context_of(s, err);
  int last;
  if (c == NULL) return SOCKET_ERROR;
  /* Before the lower close: the requests it cancels complete meanwhile. */
  EnterCriticalSection(&lock_);
  c->aborting = 1;
  LeaveCriticalSection(&lock_);
  if (c->chain->below->procs.lpWSPCloseSocket(c->lower, err) != 0) {
    EnterCriticalSection(&lock_);
    c->aborting = 0;
    LeaveCriticalSection(&lock_);
    return SOCKET_ERROR;
  }
  EnterCriticalSection(&lock_);
  if (c->prev != NULL)
    c->prev->next = c->next;
  else
    sockets_ = c->next;
  if (c->next != NULL) c->next->prev = c->prev;
  c->closing = 1;
  last = c->pending == 0;
  LeaveCriticalSection(&lock_);
  if (last) release(c);
  return 0;
}

/* ---- Overlapped requests ------------------------------------------------- */

/* Drops one pending request of `s` (closing its handle after the last one
   of a closed socket). */
static void drop_pending(lsp_socket* s) {
  int last;
  EnterCriticalSection(&lock_);
  last = --s->pending == 0 && s->closing;
  LeaveCriticalSection(&lock_);
  if (last) release(s);
}

static void free_op(lsp_op* op) {
  int ignored;
  if (op->own_thread) up_.lpWPUCloseThread(&op->thread, &ignored);
  heap_free(op);
}

/* The APC: the application's routine, on its thread, in its alertable wait. */
static void CALLBACK run_routine(DWORD_PTR context) {
  lsp_op* op = (lsp_op*)context;
  op->routine(op->error, op->bytes, op->app_ov, op->result_flags);
  free_op(op);
}

/* Completes the application's request of `op` and drops the socket's
   pending count (closing the handle after the last one of a closed socket).
   Runs on the worker thread, or on the caller's for OP_LOCAL. */
static void complete_up(lsp_op* op, DWORD error, DWORD bytes, DWORD flags) {
  lsp_socket* s = op->sock;
  lsp_socket* peer = op->peer;
  LPWSAOVERLAPPED ov = op->app_ov;
  int err = 0;
  if (error == 0) count(peer != NULL ? peer : s, op->kind, bytes);
  ov->Offset = flags;
  ov->OffsetHigh = error;
  if (op->routine != NULL) {
    op->error = error;
    op->bytes = bytes;
    op->result_flags = flags;
    ov->InternalHigh = bytes;
    ov->Internal = error;
    note(s, WPU_LSP_UP_QUEUE_APC);
    /* On success the APC owns (and frees) op; a thread that is gone drops it. */
    if (up_.lpWPUQueueApc(&op->thread, run_routine, (DWORD_PTR)op, &err) != 0) free_op(op);
  } else {
    note(s, WPU_LSP_UP_COMPLETE_OVERLAPPED_REQUEST);
    WPUCompleteOverlappedRequest(s->upper, ov, error, bytes, &err);
    free_op(op);
  }
  if (peer != NULL) drop_pending(peer);
  drop_pending(s);
}

/* A record for an overlapped request of the application on `s`, counted as
   pending; NULL with WSAENOBUFS. */
static lsp_op* new_op(lsp_socket* s, int kind, LPWSAOVERLAPPED app_ov,
                      LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread, LPINT err) {
  lsp_op* op = (lsp_op*)heap_alloc_zero(sizeof *op);
  if (op == NULL) {
    *err = WSAENOBUFS;
    return NULL;
  }
  op->sock = s;
  op->kind = kind;
  op->app_ov = app_ov;
  op->routine = routine;
  if (thread != NULL) op->thread = *thread;
  app_ov->Internal = WSS_OPERATION_IN_PROGRESS;
  app_ov->InternalHigh = 0;
  EnterCriticalSection(&lock_);
  ++s->pending;
  LeaveCriticalSection(&lock_);
  return op;
}

/* After the lower call of `op` on `s`: accepted (0, or WSA_IO_PENDING),
   its completion reaches the port and the worker owns op (which may already
   be freed: it is not read here); refused, the record goes and the call
   fails with the lower error. */
static int issued(lsp_socket* s, lsp_op* op, int rc, LPINT err) {
  lsp_socket* peer;
  if (rc == 0 || *err == WSA_IO_PENDING) return rc;
  peer = op->peer;
  free_op(op);
  if (peer != NULL) drop_pending(peer);
  drop_pending(s);
  return SOCKET_ERROR;
}

/* The worker: completions of the lower sockets, until WSPCleanup posts
   LSP_QUIT_KEY; then it stays until the contexts of closed sockets are
   released, or two seconds pass without a completion. */
static DWORD WINAPI worker_main(LPVOID arg) {
  int quitting = 0;
  (void)arg;
  for (;;) {
    DWORD bytes = 0, got = 0, flags = 0, error;
    ULONG_PTR key = 0;
    LPOVERLAPPED ov = NULL;
    BOOL ok;
    int err = 0, remaining;
    lsp_op* op;
    if (quitting) {
      EnterCriticalSection(&lock_);
      remaining = contexts_;
      LeaveCriticalSection(&lock_);
      if (remaining == 0) break;
    }
    ok = GetQueuedCompletionStatus(port_, &bytes, &key, &ov, quitting ? 2000 : INFINITE);
    if (ov == NULL) {
      if (key == LSP_QUIT_KEY && ok)
        quitting = 1;
      else if (!ok)
        break; /* timeout while quitting, or the port is gone */
      continue;
    }
    op = (lsp_op*)ov;
    error = ok ? 0 : (DWORD)GetLastError();
    /* The lower provider's own view: Winsock's error code and the result
       flags. A lower socket closed meanwhile keeps the port's answer. */
    if (op->sock->chain->below->procs.lpWSPGetOverlappedResult(op->sock->lower, &op->ov, &got,
                                                               FALSE, &flags, &err)) {
      error = 0;
      bytes = got;
    } else if (err != WSAENOTSOCK && err != WSA_IO_INCOMPLETE) {
      error = (DWORD)err;
    }
    if (!ok && error == 0) error = WSA_OPERATION_ABORTED;
    /* A request of a socket the application closed fails with
       WSA_OPERATION_ABORTED, as Winsock specifies for closesocket, whatever
       status the system gave the cancelled lower request (Wine:
       ERROR_HANDLES_CLOSED). */
    if (error != 0) {
      int aborting;
      EnterCriticalSection(&lock_);
      aborting = op->sock->aborting;
      LeaveCriticalSection(&lock_);
      if (aborting) error = WSA_OPERATION_ABORTED;
    }
    complete_up(op, error, bytes, flags);
  }
  return 0;
}

static int WSPAPI lsp_send(SOCKET s, LPWSABUF b, DWORD n, LPDWORD sent, DWORD flags,
                           LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine,
                           LPWSATHREADID thread, LPINT err) {
  lsp_socket* c = context_of(s, err);
  lsp_op* op;
  DWORD done = 0;
  int rc;
  if (c == NULL) return SOCKET_ERROR;
  if (ov == NULL) {
    rc = c->chain->below->procs.lpWSPSend(c->lower, b, n, &done, flags, NULL, NULL, thread, err);
    return done_at_once(c, OP_SEND, rc, done, sent);
  }
  op = new_op(c, OP_SEND, ov, routine, thread, err);
  if (op == NULL) return SOCKET_ERROR;
  rc = c->chain->below->procs.lpWSPSend(c->lower, b, n, &done, flags, &op->ov, NULL, thread, err);
  if (rc == 0 && sent != NULL) *sent = done;
  return issued(c, op, rc, err);
}

static int WSPAPI lsp_send_to(SOCKET s, LPWSABUF b, DWORD n, LPDWORD sent, DWORD flags,
                              const struct sockaddr* to, int tolen, LPWSAOVERLAPPED ov,
                              LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread,
                              LPINT err) {
  lsp_socket* c = context_of(s, err);
  lsp_op* op;
  DWORD done = 0;
  int rc;
  if (c == NULL) return SOCKET_ERROR;
  if (ov == NULL) {
    rc = c->chain->below->procs.lpWSPSendTo(c->lower, b, n, &done, flags, to, tolen, NULL, NULL,
                                            thread, err);
    return done_at_once(c, OP_SEND, rc, done, sent);
  }
  op = new_op(c, OP_SEND, ov, routine, thread, err);
  if (op == NULL) return SOCKET_ERROR;
  rc = c->chain->below->procs.lpWSPSendTo(c->lower, b, n, &done, flags, to, tolen, &op->ov, NULL,
                                          thread, err);
  if (rc == 0 && sent != NULL) *sent = done;
  return issued(c, op, rc, err);
}

static int WSPAPI lsp_recv(SOCKET s, LPWSABUF b, DWORD n, LPDWORD got, LPDWORD flags,
                           LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine,
                           LPWSATHREADID thread, LPINT err) {
  lsp_socket* c = context_of(s, err);
  lsp_op* op;
  DWORD done = 0;
  int rc, kind;
  if (c == NULL) return SOCKET_ERROR;
  if (flags == NULL) return fail(err, WSAEFAULT);
  kind = (*flags & MSG_PEEK) != 0 ? OP_OTHER : OP_RECV;
  if (ov == NULL) {
    rc = c->chain->below->procs.lpWSPRecv(c->lower, b, n, &done, flags, NULL, NULL, thread, err);
    return done_at_once(c, kind, rc, done, got);
  }
  op = new_op(c, kind, ov, routine, thread, err);
  if (op == NULL) return SOCKET_ERROR;
  op->flags = *flags;
  rc = c->chain->below->procs.lpWSPRecv(c->lower, b, n, &done, &op->flags, &op->ov, NULL, thread,
                                        err);
  if (rc == 0 && got != NULL) *got = done;
  return issued(c, op, rc, err);
}

static int WSPAPI lsp_recv_from(SOCKET s, LPWSABUF b, DWORD n, LPDWORD got, LPDWORD flags,
                                struct sockaddr* from, LPINT fromlen, LPWSAOVERLAPPED ov,
                                LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread,
                                LPINT err) {
  lsp_socket* c = context_of(s, err);
  lsp_op* op;
  DWORD done = 0;
  int rc, kind;
  if (c == NULL) return SOCKET_ERROR;
  if (flags == NULL) return fail(err, WSAEFAULT);
  kind = (*flags & MSG_PEEK) != 0 ? OP_OTHER : OP_RECV;
  if (ov == NULL) {
    rc = c->chain->below->procs.lpWSPRecvFrom(c->lower, b, n, &done, flags, from, fromlen, NULL,
                                              NULL, thread, err);
    return done_at_once(c, kind, rc, done, got);
  }
  op = new_op(c, kind, ov, routine, thread, err);
  if (op == NULL) return SOCKET_ERROR;
  op->flags = *flags;
  /* from/fromlen are the application's: they must live until completion. */
  rc = c->chain->below->procs.lpWSPRecvFrom(c->lower, b, n, &done, &op->flags, from, fromlen,
                                            &op->ov, NULL, thread, err);
  if (rc == 0 && got != NULL) *got = done;
  return issued(c, op, rc, err);
}

/* The application's OVERLAPPED, as complete_up left it. */
static BOOL WSPAPI lsp_get_overlapped_result(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD bytes, BOOL wait,
                                             LPDWORD flags, LPINT err) {
  if (context_of(s, err) == NULL) return FALSE;
  if (ov == NULL || bytes == NULL || flags == NULL) {
    *err = WSAEFAULT;
    return FALSE;
  }
  if (ov->Internal == WSS_OPERATION_IN_PROGRESS && wait) {
    WSAEVENT ev = (WSAEVENT)((ULONG_PTR)ov->hEvent & ~(ULONG_PTR)1);
    if (ev == NULL) {
      *err = WSA_INVALID_PARAMETER;
      return FALSE;
    }
    if (WSAWaitForMultipleEvents(1, &ev, TRUE, WSA_INFINITE, FALSE) == WSA_WAIT_FAILED) {
      *err = WSA_INVALID_HANDLE;
      return FALSE;
    }
  }
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

/* ---- Extension functions (SIO_GET_EXTENSION_FUNCTION_POINTER) ---------
   The application gets this layer's functions: they take this layer's
   handles, call the lower provider's function (fetched from it on first
   use) with the lower sockets and the LSP's own OVERLAPPED, and complete
   like WSPSend/WSPRecv. Errors go to the thread's last error, as the
   extension functions report them. Any thread. */

static const GUID ext_guids_[EXT_COUNT] = {
    WSAID_ACCEPTEX,     WSAID_GETACCEPTEXSOCKADDRS, WSAID_CONNECTEX, WSAID_DISCONNECTEX,
    WSAID_TRANSMITFILE, WSAID_WSARECVMSG,           WSAID_WSASENDMSG};

/* The lower provider's function `which` for `c`'s provider, or NULL with
   its error in *err. */
static void* lower_ext(lsp_socket* c, int which, LPINT err) {
  lower_provider* p = c->chain->below;
  void* fn = InterlockedCompareExchangePointer(&p->ext[which], NULL, NULL);
  WSATHREADID none;
  DWORD got = 0;
  if (fn != NULL) return fn;
  memset(&none, 0, sizeof none);
  if (p->procs.lpWSPIoctl(c->lower, SIO_GET_EXTENSION_FUNCTION_POINTER, (LPVOID)&ext_guids_[which],
                          sizeof(GUID), &fn, sizeof fn, &got, NULL, NULL, &none, err) != 0)
    return NULL;
  if (fn == NULL || got != sizeof fn) {
    *err = WSAEOPNOTSUPP;
    return NULL;
  }
  InterlockedExchangePointer(&p->ext[which], fn);
  return fn;
}

/* The end of an extension function's overlapped request: TRUE (done at
   once; the completion still comes through the port), or FALSE with
   WSA_IO_PENDING or the error as the thread's last error. */
static BOOL ext_issued(lsp_socket* c, lsp_op* op, BOOL ok) {
  int err;
  if (ok) return TRUE;
  err = WSAGetLastError();
  if (issued(c, op, SOCKET_ERROR, &err) != 0) WSASetLastError(err);
  return FALSE;
}

/* Looks up `s` and the lower function `which` (into *fn), and makes the
   request record when `ov` is given (else *op is NULL); FALSE with the
   thread's last error set. */
static BOOL ext_begin(SOCKET s, int which, int kind, LPOVERLAPPED ov,
                      LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, lsp_socket** c, void* fn,
                      lsp_op** op) {
  int err = 0;
  void* f;
  *op = NULL;
  *c = context_of(s, &err);
  if (*c == NULL) {
    WSASetLastError(WSAENOTSOCK);
    return FALSE;
  }
  f = lower_ext(*c, which, &err);
  if (f == NULL) {
    WSASetLastError(err);
    return FALSE;
  }
  memcpy(fn, &f, sizeof f);
  if (ov == NULL) return TRUE;
  *op = new_op(*c, kind, ov, routine, NULL, &err);
  if (*op == NULL) {
    WSASetLastError(err);
    return FALSE;
  }
  /* An extension function gets no thread id: the routine's thread is the
     caller, named with WPUOpenCurrentThread (closed after the APC). */
  if (routine != NULL) {
    if (up_.lpWPUOpenCurrentThread(&(*op)->thread, &err) != 0) {
      issued(*c, *op, SOCKET_ERROR, &err);
      WSASetLastError(err);
      return FALSE;
    }
    note(*c, WPU_LSP_UP_OPEN_CURRENT_THREAD);
    note(*c, WPU_LSP_UP_CLOSE_THREAD);
    (*op)->own_thread = 1;
  }
  return TRUE;
}

static BOOL WINAPI lsp_connect_ex(SOCKET s, const struct sockaddr* name, int namelen, PVOID buf,
                                  DWORD len, LPDWORD sent, LPOVERLAPPED ov) {
  lsp_socket* c;
  lsp_op* op;
  LPFN_CONNECTEX fn;
  DWORD done = 0;
  if (ov == NULL) {
    WSASetLastError(WSA_INVALID_PARAMETER);
    return FALSE;
  }
  if (!ext_begin(s, EXT_CONNECTEX, OP_SEND, ov, NULL, &c, &fn, &op)) return FALSE;
  if (!ext_issued(c, op, fn(c->lower, name, namelen, buf, len, &done, &op->ov))) return FALSE;
  if (sent != NULL) *sent = done;
  return TRUE;
}

static BOOL WINAPI lsp_accept_ex(SOCKET ls, SOCKET as, PVOID buf, DWORD recv_len, DWORD local_len,
                                 DWORD remote_len, LPDWORD got, LPOVERLAPPED ov) {
  lsp_socket *l, *a;
  lsp_op* op;
  LPFN_ACCEPTEX fn;
  DWORD done = 0;
  int err = 0;
  if (ov == NULL) {
    WSASetLastError(WSA_INVALID_PARAMETER);
    return FALSE;
  }
  a = context_of(as, &err);
  if (a == NULL) {
    WSASetLastError(WSAENOTSOCK);
    return FALSE;
  }
  /* The request completes on the listening socket (its port, as Winsock
     does); the data it receives counts for the accepting socket, which is
     kept as pending until then. */
  if (!ext_begin(ls, EXT_ACCEPTEX, OP_RECV, ov, NULL, &l, &fn, &op)) return FALSE;
  EnterCriticalSection(&lock_);
  ++a->pending;
  LeaveCriticalSection(&lock_);
  op->peer = a;
  if (!ext_issued(l, op,
                  fn(l->lower, a->lower, buf, recv_len, local_len, remote_len, &done, &op->ov)))
    return FALSE;
  if (got != NULL) *got = done;
  return TRUE;
}

static BOOL WINAPI lsp_disconnect_ex(SOCKET s, LPOVERLAPPED ov, DWORD flags, DWORD reserved) {
  lsp_socket* c;
  lsp_op* op;
  LPFN_DISCONNECTEX fn;
  if (!ext_begin(s, EXT_DISCONNECTEX, OP_OTHER, ov, NULL, &c, &fn, &op)) return FALSE;
  if (op == NULL) return fn(c->lower, NULL, flags, reserved);
  return ext_issued(c, op, fn(c->lower, &op->ov, flags, reserved));
}

static BOOL WINAPI lsp_transmit_file(SOCKET s, HANDLE file, DWORD bytes, DWORD per_send,
                                     LPOVERLAPPED ov, LPTRANSMIT_FILE_BUFFERS buffers,
                                     DWORD flags) {
  lsp_socket* c;
  lsp_op* op;
  LPFN_TRANSMITFILE fn;
  if (!ext_begin(s, EXT_TRANSMITFILE, OP_SEND, ov, NULL, &c, &fn, &op)) return FALSE;
  if (op != NULL)
    return ext_issued(c, op, fn(c->lower, file, bytes, per_send, &op->ov, buffers, flags));
  /* Without an OVERLAPPED no byte count comes back: this one is not counted. */
  return fn(c->lower, file, bytes, per_send, NULL, buffers, flags);
}

static INT WINAPI lsp_wsa_recv_msg(SOCKET s, LPWSAMSG msg, LPDWORD got, LPWSAOVERLAPPED ov,
                                   LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) {
  lsp_socket* c;
  lsp_op* op;
  LPFN_WSARECVMSG fn;
  DWORD done = 0;
  if (!ext_begin(s, EXT_WSARECVMSG, OP_RECV, ov, routine, &c, &fn, &op)) return SOCKET_ERROR;
  if (op == NULL) {
    if (fn(c->lower, msg, &done, NULL, NULL) != 0) return SOCKET_ERROR;
    count(c, OP_RECV, done);
    if (got != NULL) *got = done;
    return 0;
  }
  if (!ext_issued(c, op, fn(c->lower, msg, &done, &op->ov, NULL) == 0)) return SOCKET_ERROR;
  if (got != NULL) *got = done;
  return 0;
}

static INT WINAPI lsp_wsa_send_msg(SOCKET s, LPWSAMSG msg, DWORD flags, LPDWORD sent,
                                   LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) {
  lsp_socket* c;
  lsp_op* op;
  LPFN_WSASENDMSG fn;
  DWORD done = 0;
  if (!ext_begin(s, EXT_WSASENDMSG, OP_SEND, ov, routine, &c, &fn, &op)) return SOCKET_ERROR;
  if (op == NULL) {
    if (fn(c->lower, msg, flags, &done, NULL, NULL) != 0) return SOCKET_ERROR;
    count(c, OP_SEND, done);
    if (sent != NULL) *sent = done;
    return 0;
  }
  if (!ext_issued(c, op, fn(c->lower, msg, flags, &done, &op->ov, NULL) == 0)) return SOCKET_ERROR;
  if (sent != NULL) *sent = done;
  return 0;
}

/* This layer's function for each extension, in EXT_* order, as the one
   function pointer type that converts to and from any other; NULL where the
   lower provider's function is returned as it is (GetAcceptExSockaddrs). */
typedef void (*lsp_any_fn)(void);
static const lsp_any_fn own_ext_[EXT_COUNT] = {
    (lsp_any_fn)lsp_accept_ex,     NULL,
    (lsp_any_fn)lsp_connect_ex,    (lsp_any_fn)lsp_disconnect_ex,
    (lsp_any_fn)lsp_transmit_file, (lsp_any_fn)lsp_wsa_recv_msg,
    (lsp_any_fn)lsp_wsa_send_msg};

/* SIO_GET_EXTENSION_FUNCTION_POINTER: this layer's function for a GUID it
   knows, once the lower provider has given its own (GetAcceptExSockaddrs,
   which takes no socket, is the lower provider's); WSAEINVAL for any other
   GUID, whose function would take lower handles. */
static int extension_pointer(lsp_socket* c, LPVOID in, DWORD in_len, LPVOID out, DWORD out_len,
                             LPDWORD returned, LPINT err) {
  GUID id;
  void* fn = NULL;
  int i, which = -1;
  if (in == NULL || in_len < sizeof id || out == NULL || out_len < sizeof fn || returned == NULL)
    return fail(err, WSAEFAULT);
  memcpy(&id, in, sizeof id);
  for (i = 0; i < EXT_COUNT; ++i)
    if (same_guid(&id, &ext_guids_[i])) which = i;
  if (which < 0) return fail(err, WSAEINVAL);
  fn = lower_ext(c, which, err);
  if (fn == NULL) return SOCKET_ERROR;
  if (own_ext_[which] != NULL) memcpy(&fn, &own_ext_[which], sizeof fn);
  memcpy(out, &fn, sizeof fn);
  *returned = sizeof fn;
  return 0;
}

static int WSPAPI lsp_ioctl(SOCKET s, DWORD code, LPVOID in, DWORD in_len, LPVOID out,
                            DWORD out_len, LPDWORD returned, LPWSAOVERLAPPED ov,
                            LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, LPWSATHREADID thread,
                            LPINT err) {
  lsp_socket* c = context_of(s, err);
  lsp_op* op;
  DWORD done = 0;
  int rc;
  if (c == NULL) return SOCKET_ERROR;
  if (code == SIO_WPU_LSP_STATS) {
    struct wpu_lsp_stats st;
    if (out == NULL || out_len < sizeof st || returned == NULL) return fail(err, WSAEFAULT);
    st.bytes_sent = (unsigned long long)InterlockedCompareExchange64(&c->bytes_sent, 0, 0);
    st.bytes_received = (unsigned long long)InterlockedCompareExchange64(&c->bytes_received, 0, 0);
    st.upcalls = (unsigned int)InterlockedCompareExchange(&c->upcalls, 0, 0);
    memcpy(out, &st, sizeof st);
    *returned = sizeof st;
    if (ov == NULL) return 0;
    op = new_op(c, OP_LOCAL, ov, routine, thread, err);
    if (op == NULL) return SOCKET_ERROR;
    complete_up(op, 0, sizeof st, 0);
    return 0;
  }
  if (code == SIO_GET_EXTENSION_FUNCTION_POINTER) {
    if (ov != NULL) return fail(err, WSAEINVAL);
    return extension_pointer(c, in, in_len, out, out_len, returned, err);
  }
  if (ov == NULL)
    return c->chain->below->procs.lpWSPIoctl(c->lower, code, in, in_len, out, out_len, returned,
                                             NULL, NULL, thread, err);
  op = new_op(c, OP_OTHER, ov, routine, thread, err);
  if (op == NULL) return SOCKET_ERROR;
  rc = c->chain->below->procs.lpWSPIoctl(c->lower, code, in, in_len, out, out_len, &done, &op->ov,
                                         NULL, thread, err);
  if (rc == 0 && returned != NULL) *returned = done;
  return issued(c, op, rc, err);
}

/* ---- Notifications --------------------------------------------------------- */

/* The hidden window: the lower provider posts (lower socket, event|error)
   here; the application's window gets it with this layer's handle. Runs on
   the window thread. */
static LRESULT CALLBACK window_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp) {
  if (msg == WM_LSP_SELECT) {
    lsp_socket* s;
    HWND app = NULL;
    UINT app_msg = 0;
    SOCKET upper = INVALID_SOCKET;
    EnterCriticalSection(&lock_);
    for (s = sockets_; s != NULL; s = s->next)
      if (s->lower == (SOCKET)wp) {
        app = s->app_hwnd;
        app_msg = s->app_msg;
        upper = s->upper;
        if (app != NULL) note(s, WPU_LSP_UP_POST_MESSAGE);
        break;
      }
    LeaveCriticalSection(&lock_);
    /* A socket closed (or deselected) meanwhile: nobody to tell. */
    if (app != NULL) up_.lpWPUPostMessage(app, app_msg, (WPARAM)upper, lp);
    return 0;
  }
  if (msg == WM_CLOSE) {
    DestroyWindow(hwnd);
    return 0;
  }
  if (msg == WM_DESTROY) {
    PostQuitMessage(0);
    return 0;
  }
  return DefWindowProcW(hwnd, msg, wp, lp);
}

static const WCHAR class_name_[] = {'w', 'p', 'u', '-', 'l', 's', 'p', 0};

/* The window thread: makes the hidden window, says so through
   window_ready_, and pumps its messages until WM_QUIT. */
static DWORD WINAPI window_main(LPVOID arg) {
  WNDCLASSW wc;
  MSG m;
  (void)arg;
  memset(&wc, 0, sizeof wc);
  wc.lpfnWndProc = window_proc;
  wc.lpszClassName = class_name_;
  if (RegisterClassW(&wc) != 0)
    window_ =
        CreateWindowExW(0, class_name_, class_name_, 0, 0, 0, 0, 0, HWND_MESSAGE, NULL, NULL, NULL);
  SetEvent(window_ready_);
  if (window_ == NULL) return 0;
  while (GetMessageW(&m, NULL, 0, 0) > 0) DispatchMessageW(&m);
  UnregisterClassW(class_name_, NULL);
  return 0;
}

/* The hidden window, made on first use; NULL with WSAENOBUFS. */
static HWND hidden_window(LPINT err) {
  HWND w;
  EnterCriticalSection(&lock_);
  if (!window_started_) {
    if (window_ready_ == NULL) window_ready_ = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (window_ready_ != NULL) window_thread_ = CreateThread(NULL, 0, window_main, NULL, 0, NULL);
    if (window_thread_ != NULL) {
      window_started_ = 1;
      WaitForSingleObject(window_ready_, INFINITE);
    }
  }
  w = window_;
  LeaveCriticalSection(&lock_);
  if (w == NULL) *err = WSAENOBUFS;
  return w;
}

static int WSPAPI lsp_async_select(SOCKET s, HWND hwnd, unsigned int msg, LONG events, LPINT err) {
  lsp_socket* c = context_of(s, err);
  HWND hidden;
  if (c == NULL) return SOCKET_ERROR;
  hidden = hidden_window(err);
  if (hidden == NULL) return SOCKET_ERROR;
  EnterCriticalSection(&lock_);
  c->app_hwnd = events != 0 ? hwnd : NULL;
  c->app_msg = msg;
  LeaveCriticalSection(&lock_);
  return c->chain->below->procs.lpWSPAsyncSelect(c->lower, hidden, WM_LSP_SELECT, events, err);
}

static int WSPAPI lsp_event_select(SOCKET s, WSAEVENT ev, LONG events, LPINT err) {
  lsp_socket* c = context_of(s, err);
  if (c == NULL) return SOCKET_ERROR;
  EnterCriticalSection(&lock_);
  c->app_hwnd = NULL; /* one notification model per socket, as Winsock */
  LeaveCriticalSection(&lock_);
  return c->chain->below->procs.lpWSPEventSelect(c->lower, ev, events, err);
}

static int WSPAPI lsp_enum_network_events(SOCKET s, WSAEVENT ev, LPWSANETWORKEVENTS ne, LPINT err) {
  lsp_socket* c = context_of(s, err);
  if (c == NULL) return SOCKET_ERROR;
  return c->chain->below->procs.lpWSPEnumNetworkEvents(c->lower, ev, ne, err);
}

/* One set of the application, translated to lower handles; `ctx` keeps the
   socket of each entry. All sockets must share one lower provider (*below). */
static int set_down(const fd_set* app, fd_set* low, lsp_socket** ctx, lower_provider** below,
                    LPINT err) {
  unsigned int i;
  low->fd_count = 0;
  if (app == NULL) return 0;
  if (app->fd_count > FD_SETSIZE) return fail(err, WSAEINVAL);
  for (i = 0; i < app->fd_count; ++i) {
    lsp_socket* c = context_of(app->fd_array[i], err);
    if (c == NULL) return SOCKET_ERROR;
    if (*below == NULL) *below = c->chain->below;
    if (*below != c->chain->below) return fail(err, WSAEINVAL);
    ctx[i] = c;
    low->fd_array[i] = c->lower;
  }
  low->fd_count = app->fd_count;
  return 0;
}

/* Rewrites an application set with the handles whose lower socket the lower
   select left in `low` (WPUFDIsSet). */
static void set_up(fd_set* app, const fd_set* low, lsp_socket** ctx) {
  unsigned int i, n = 0, count_in;
  if (app == NULL) return;
  count_in = app->fd_count;
  for (i = 0; i < count_in; ++i) {
    note(ctx[i], WPU_LSP_UP_FD_IS_SET);
    if (up_.lpWPUFDIsSet(ctx[i]->lower, (fd_set*)low)) app->fd_array[n++] = ctx[i]->upper;
  }
  app->fd_count = n;
}

static int WSPAPI lsp_select(int nfds, fd_set* r, fd_set* w, fd_set* x, const PTIMEVAL timeout,
                             LPINT err) {
  fd_set low[3];
  lsp_socket* ctx[3][FD_SETSIZE];
  fd_set* app[3];
  lower_provider* below = NULL;
  int i, n;
  app[0] = r;
  app[1] = w;
  app[2] = x;
  for (i = 0; i < 3; ++i)
    if (set_down(app[i], &low[i], ctx[i], &below, err) != 0) return SOCKET_ERROR;
  if (below == NULL) return fail(err, WSAEINVAL);
  n = below->procs.lpWSPSelect(nfds, r != NULL ? &low[0] : NULL, w != NULL ? &low[1] : NULL,
                               x != NULL ? &low[2] : NULL, timeout, err);
  if (n == SOCKET_ERROR) return SOCKET_ERROR;
  for (i = 0; i < 3; ++i) set_up(app[i], &low[i], ctx[i]);
  return n;
}

/* ---- Calls that go down unchanged but for the handle ------------------ */

static int WSPAPI lsp_bind(SOCKET s, const struct sockaddr* name, int namelen, LPINT err) {
  lsp_socket* c = context_of(s, err);
  if (c == NULL) return SOCKET_ERROR;
  return c->chain->below->procs.lpWSPBind(c->lower, name, namelen, err);
}

static int WSPAPI lsp_listen(SOCKET s, int backlog, LPINT err) {
  lsp_socket* c = context_of(s, err);
  if (c == NULL) return SOCKET_ERROR;
  return c->chain->below->procs.lpWSPListen(c->lower, backlog, err);
}

static int WSPAPI lsp_connect(SOCKET s, const struct sockaddr* name, int namelen, LPWSABUF caller,
                              LPWSABUF callee, LPQOS sqos, LPQOS gqos, LPINT err) {
  lsp_socket* c = context_of(s, err);
  if (c == NULL) return SOCKET_ERROR;
  return c->chain->below->procs.lpWSPConnect(c->lower, name, namelen, caller, callee, sqos, gqos,
                                             err);
}

static SOCKET WSPAPI lsp_join_leaf(SOCKET s, const struct sockaddr* name, int namelen,
                                   LPWSABUF caller, LPWSABUF callee, LPQOS sqos, LPQOS gqos,
                                   DWORD flags, LPINT err) {
  lsp_socket* c = context_of(s, err);
  SOCKET leaf;
  if (c == NULL) return INVALID_SOCKET;
  leaf = c->chain->below->procs.lpWSPJoinLeaf(c->lower, name, namelen, caller, callee, sqos, gqos,
                                              flags, err);
  if (leaf == INVALID_SOCKET) return INVALID_SOCKET;
  return leaf == c->lower ? s : wrap(leaf, c->chain, err);
}

static int WSPAPI lsp_shutdown(SOCKET s, int how, LPINT err) {
  lsp_socket* c = context_of(s, err);
  if (c == NULL) return SOCKET_ERROR;
  return c->chain->below->procs.lpWSPShutdown(c->lower, how, err);
}

static int WSPAPI lsp_send_disconnect(SOCKET s, LPWSABUF data, LPINT err) {
  lsp_socket* c = context_of(s, err);
  if (c == NULL) return SOCKET_ERROR;
  return c->chain->below->procs.lpWSPSendDisconnect(c->lower, data, err);
}

static int WSPAPI lsp_recv_disconnect(SOCKET s, LPWSABUF data, LPINT err) {
  lsp_socket* c = context_of(s, err);
  if (c == NULL) return SOCKET_ERROR;
  return c->chain->below->procs.lpWSPRecvDisconnect(c->lower, data, err);
}

static int WSPAPI lsp_get_peer_name(SOCKET s, struct sockaddr* name, LPINT namelen, LPINT err) {
  lsp_socket* c = context_of(s, err);
  if (c == NULL) return SOCKET_ERROR;
  return c->chain->below->procs.lpWSPGetPeerName(c->lower, name, namelen, err);
}

static int WSPAPI lsp_get_sock_name(SOCKET s, struct sockaddr* name, LPINT namelen, LPINT err) {
  lsp_socket* c = context_of(s, err);
  if (c == NULL) return SOCKET_ERROR;
  return c->chain->below->procs.lpWSPGetSockName(c->lower, name, namelen, err);
}

/* SO_PROTOCOL_INFOW names this layer's chain entry, not the base's. */
static int WSPAPI lsp_get_sock_opt(SOCKET s, int level, int optname, char* optval, LPINT optlen,
                                   LPINT err) {
  lsp_socket* c = context_of(s, err);
  if (c == NULL) return SOCKET_ERROR;
  if (level == SOL_SOCKET && optname == SO_PROTOCOL_INFOW) {
    if (optval == NULL || optlen == NULL || *optlen < (int)sizeof(WSAPROTOCOL_INFOW))
      return fail(err, WSAEFAULT);
    memcpy(optval, &c->chain->own_info, sizeof(WSAPROTOCOL_INFOW));
    *optlen = (int)sizeof(WSAPROTOCOL_INFOW);
    return 0;
  }
  return c->chain->below->procs.lpWSPGetSockOpt(c->lower, level, optname, optval, optlen, err);
}

static int WSPAPI lsp_set_sock_opt(SOCKET s, int level, int optname, const char* optval, int optlen,
                                   LPINT err) {
  lsp_socket* c = context_of(s, err);
  if (c == NULL) return SOCKET_ERROR;
  /* After AcceptEx: the listening socket named in optval is one of ours. */
  if (level == SOL_SOCKET && optname == SO_UPDATE_ACCEPT_CONTEXT) {
    SOCKET listener;
    lsp_socket* l;
    if (optval == NULL || optlen < (int)sizeof listener) return fail(err, WSAEFAULT);
    memcpy(&listener, optval, sizeof listener);
    l = context_of(listener, err);
    if (l == NULL) return SOCKET_ERROR;
    return c->chain->below->procs.lpWSPSetSockOpt(c->lower, level, optname, (const char*)&l->lower,
                                                  (int)sizeof l->lower, err);
  }
  return c->chain->below->procs.lpWSPSetSockOpt(c->lower, level, optname, optval, optlen, err);
}

static BOOL WSPAPI lsp_get_qos_by_name(SOCKET s, LPWSABUF name, LPQOS qos, LPINT err) {
  lsp_socket* c = context_of(s, err);
  if (c == NULL) return FALSE;
  return c->chain->below->procs.lpWSPGetQOSByName(c->lower, name, qos, err);
}

static int WSPAPI lsp_duplicate_socket(SOCKET s, DWORD pid, LPWSAPROTOCOL_INFOW pi, LPINT err) {
  (void)pid;
  (void)pi;
  if (context_of(s, err) == NULL) return SOCKET_ERROR;
  return fail(err, WSAEOPNOTSUPP);
}

/* The string conversions need no socket: the provider below the chain they
   name does them, with the entry it knows. This is the chain `pi` names;
   NULL when there is none, with the error in *err (WSAEFAULT without `pi`).
   Any thread. */
static lsp_chain* conversion_chain(LPWSAPROTOCOL_INFOW pi, LPINT err) {
  lsp_chain* chain;
  if (pi == NULL) {
    *err = WSAEFAULT;
    return NULL;
  }
  EnterCriticalSection(&lock_);
  chain = chain_for(pi, err);
  LeaveCriticalSection(&lock_);
  return chain;
}

static INT WSPAPI lsp_address_to_string(LPSOCKADDR a, DWORD n, LPWSAPROTOCOL_INFOW pi, LPWSTR s,
                                        LPDWORD len, LPINT err) {
  lsp_chain* chain = conversion_chain(pi, err);
  if (chain == NULL) return SOCKET_ERROR;
  return chain->below->procs.lpWSPAddressToString(a, n, &chain->next_info, s, len, err);
}

static INT WSPAPI lsp_string_to_address(LPWSTR s, INT af, LPWSAPROTOCOL_INFOW pi, LPSOCKADDR a,
                                        LPINT len, LPINT err) {
  lsp_chain* chain = conversion_chain(pi, err);
  if (chain == NULL) return SOCKET_ERROR;
  return chain->below->procs.lpWSPStringToAddress(s, af, &chain->next_info, a, len, err);
}

static int WSPAPI lsp_cancel_blocking_call(LPINT err) {
  int i, rc = 0;
  EnterCriticalSection(&lock_);
  for (i = 0; i < lower_count_ && rc == 0; ++i) rc = lower_[i].procs.lpWSPCancelBlockingCall(err);
  LeaveCriticalSection(&lock_);
  return rc;
}

/* ---- Start and cleanup ------------------------------------------------------ */

/* Ends what WSPStartup started: the worker (after the completions of closed
   sockets), the window thread, the port, the providers below. Called with
   startups_ dropped to 0. */
static int shut_down(LPINT err) {
  int i, rc = 0;
  if (port_ != NULL) {
    if (worker_ != NULL) {
      if (PostQueuedCompletionStatus(port_, 0, LSP_QUIT_KEY, NULL))
        join(worker_);
      else
        CloseHandle(worker_); /* it cannot be told to quit: left running */
    }
    worker_ = NULL;
    CloseHandle(port_);
    port_ = NULL;
  }
  if (window_started_) {
    PostMessageW(window_, WM_CLOSE, 0, 0);
    join(window_thread_);
    window_thread_ = NULL;
    window_started_ = 0;
    window_ = NULL;
  }
  if (window_ready_ != NULL) {
    CloseHandle(window_ready_);
    window_ready_ = NULL;
  }
  for (i = 0; i < lower_count_; ++i) {
    int e = 0;
    if (lower_[i].procs.lpWSPCleanup(&e) != 0 && rc == 0) {
      rc = SOCKET_ERROR;
      *err = e;
    }
    FreeLibrary(lower_[i].module);
  }
  lower_count_ = 0;
  chain_count_ = 0;
  own_id_ = 0;
  return rc;
}

/* The loader's notifications: the lock lives as long as the module is
   loaded (WSPStartup and WSPCleanup run between attach and detach). Runs
   under the loader's lock (Windows) or the host's mutex (POSIX). */
__declspec(dllexport) BOOL WINAPI DllMain(HINSTANCE module, DWORD reason, LPVOID reserved) {
  (void)module;
  (void)reserved;
  if (reason == DLL_PROCESS_ATTACH) InitializeCriticalSection(&lock_);
  if (reason == DLL_PROCESS_DETACH) DeleteCriticalSection(&lock_);
  return TRUE;
}

static int WSPAPI lsp_cleanup(LPINT err) {
  int last;
  EnterCriticalSection(&lock_);
  if (startups_ == 0) {
    LeaveCriticalSection(&lock_);
    return fail(err, WSANOTINITIALISED);
  }
  last = --startups_ == 0;
  LeaveCriticalSection(&lock_);
  return last ? shut_down(err) : 0;
}

__declspec(dllexport) int WSPAPI WSPStartup(WORD version, LPWSPDATA data, LPWSAPROTOCOL_INFOW info,
                                            WSPUPCALLTABLE upcalls, LPWSPPROC_TABLE procs) {
  static const WCHAR description[] = {'w', 'p', 'u', ' ', 'c', 'o', 'u', 'n', 't',
                                      'i', 'n', 'g', ' ', 'L', 'S', 'P', 0};
  int err = 0;
  if (LOBYTE(version) < 2 || (LOBYTE(version) == 2 && HIBYTE(version) < 2))
    return WSAVERNOTSUPPORTED;
  /* Started for a chain only: the hidden entry is never a socket's. */
  if (info == NULL || info->ProtocolChain.ChainLen < 2) return WSAEPROVIDERFAILEDINIT;
  EnterCriticalSection(&lock_);
  if (startups_ == 0) {
    up_ = upcalls; /* read without the lock by every call until the last cleanup */
    port_ = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    if (port_ != NULL) worker_ = CreateThread(NULL, 0, worker_main, NULL, 0, NULL);
    if (worker_ == NULL) {
      if (port_ != NULL) CloseHandle(port_);
      port_ = NULL;
      LeaveCriticalSection(&lock_);
      return WSAENOBUFS;
    }
  }
  if (chain_for(info, &err) == NULL) {
    int ignored = 0;
    LeaveCriticalSection(&lock_);
    if (startups_ == 0) shut_down(&ignored); /* the first start: undo it */
    return err != 0 ? err : WSAEPROVIDERFAILEDINIT;
  }
  ++startups_;
  LeaveCriticalSection(&lock_);

  data->wVersion = MAKEWORD(2, 2);
  data->wHighVersion = MAKEWORD(2, 2);
  StringCchCopyW(data->szDescription, sizeof data->szDescription / sizeof data->szDescription[0],
                 description);
  procs->lpWSPAccept = lsp_accept;
  procs->lpWSPAddressToString = lsp_address_to_string;
  procs->lpWSPAsyncSelect = lsp_async_select;
  procs->lpWSPBind = lsp_bind;
  procs->lpWSPCancelBlockingCall = lsp_cancel_blocking_call;
  procs->lpWSPCleanup = lsp_cleanup;
  procs->lpWSPCloseSocket = lsp_close_socket;
  procs->lpWSPConnect = lsp_connect;
  procs->lpWSPDuplicateSocket = lsp_duplicate_socket;
  procs->lpWSPEnumNetworkEvents = lsp_enum_network_events;
  procs->lpWSPEventSelect = lsp_event_select;
  procs->lpWSPGetOverlappedResult = lsp_get_overlapped_result;
  procs->lpWSPGetPeerName = lsp_get_peer_name;
  procs->lpWSPGetSockName = lsp_get_sock_name;
  procs->lpWSPGetSockOpt = lsp_get_sock_opt;
  procs->lpWSPGetQOSByName = lsp_get_qos_by_name;
  procs->lpWSPIoctl = lsp_ioctl;
  procs->lpWSPJoinLeaf = lsp_join_leaf;
  procs->lpWSPListen = lsp_listen;
  procs->lpWSPRecv = lsp_recv;
  procs->lpWSPRecvDisconnect = lsp_recv_disconnect;
  procs->lpWSPRecvFrom = lsp_recv_from;
  procs->lpWSPSelect = lsp_select;
  procs->lpWSPSend = lsp_send;
  procs->lpWSPSendDisconnect = lsp_send_disconnect;
  procs->lpWSPSendTo = lsp_send_to;
  procs->lpWSPSetSockOpt = lsp_set_sock_opt;
  procs->lpWSPShutdown = lsp_shutdown;
  procs->lpWSPSocket = lsp_socket_fn;
  procs->lpWSPStringToAddress = lsp_string_to_address;
  return 0;
}
