/* echo_models.c - the flagship example: a Windows-style layered service
 * provider (examples/lsp.c) over wpu's base TCP/IP provider, carrying a
 * loopback TCP echo and a UDP exchange once per Winsock notification model.
 *
 * What it does, in the order a Windows program (and its installer) would:
 *   1. WSAStartup; WSAEnumProtocolsW lists the base entries of the default
 *      catalog (wpu's TCP and UDP over IPv4 and IPv6).
 *   2. Installs the LSP as an installer calling WSCInstallProvider does:
 *      its hidden entry (ChainLen 0), then one chain {hidden, base} over each
 *      of those four entries, then puts the chains first in the catalog order
 *      (WSCWriteProviderOrder), so every new TCP/UDP socket goes through it.
 *   3. For each model (blocking, non-blocking, select, WSAEventSelect,
 *      WSAAsyncSelect, overlapped with an event, with a completion routine,
 *      with a completion port) the client side uses that model to send 64 KiB
 *      over TCP to an echo thread and read it back, and to exchange 16
 *      datagrams with a UDP echo thread; then it asks the LSP for the
 *      socket's counters (SIO_WPU_LSP_STATS). A last row does the same
 *      through the LSP's extension functions: the echo thread accepts with
 *      AcceptEx, the client connects with ConnectEx and exchanges datagrams
 *      with WSASendMsg/WSARecvMsg, completions through a port.
 *   4. Prints one row per model: the bytes each way, the result, and the
 *      upcalls the LSP made for the client's sockets. A row passes when
 *      every byte came back intact, the LSP counted exactly the bytes the
 *      application moved, and the LSP used the upcall that model relies on
 *      (WPUPostMessage for WSAAsyncSelect, WPUFDIsSet for select,
 *      WPUCompleteOverlappedRequest for events and ports, WPUQueueApc for
 *      completion routines). The exit status is 1 if any row failed.
 *
 * Run: echo_models <LSP module> (examples/run sets WPU_TCPIP_PROVIDER to the
 * base provider's module). On POSIX <wpu/winsock.h> gives the Windows names;
 * on Windows ws2_32 owns them, so the program calls wpu's host through its
 * wpu_ functions (the defines below), as examples/hosting.c does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#  include <winsock2.h>
#  include <ws2tcpip.h>
#  include <ws2spi.h>
#  include <mswsock.h>
#  include <windows.h>
#  include "lsp.h"
#  include <wpu/wpu.h>
#  include <wpu/detail/winapi_decls.h>
#  include <wpu/detail/winsock_decls.h>
#  define WSAStartup wpu_wsa_startup
#  define WSACleanup wpu_wsa_cleanup
#  define WSAEnumProtocolsW wpu_wsa_enum_protocols_w
#  define WSCEnumProtocols wpu_wsc_enum_protocols
#  define socket wpu_socket
#  define closesocket wpu_closesocket
#  define bind wpu_bind
#  define listen wpu_listen
#  define accept wpu_accept
#  define connect wpu_connect
#  define send wpu_send
#  define recv wpu_recv
#  define sendto wpu_sendto
#  define recvfrom wpu_recvfrom
#  define WSASend wpu_wsa_send
#  define WSARecv wpu_wsa_recv
#  define WSASendTo wpu_wsa_send_to
#  define WSARecvFrom wpu_wsa_recv_from
#  define WSAGetOverlappedResult wpu_wsa_get_overlapped_result
#  define WSAEventSelect wpu_wsa_event_select
#  define WSAEnumNetworkEvents wpu_wsa_enum_network_events
#  define WSAAsyncSelect wpu_wsa_async_select
#  define select wpu_select
#  define ioctlsocket(s, cmd, argp) wpu_ioctlsocket((s), (LONG)(cmd), (argp))
#  define WSAIoctl wpu_wsa_ioctl
#  define setsockopt wpu_setsockopt
#  define getsockname wpu_getsockname
#else
#  include <arpa/inet.h>
#  include <pthread.h>
#  include "lsp.h" /* <wpu/winsock.h>: after every system header */
#  include <wpu/wpu.h>
#endif

#define TCP_BYTES (64 * 1024)
#define TCP_CHUNK 4096
#define DATAGRAMS 16
#define DATAGRAM_SIZE 512
#define WAIT_MS 5000
#define WM_SOCKET (WM_USER + 1)

enum model {
  M_BLOCKING,
  M_NONBLOCKING,
  M_SELECT,
  M_EVENT_SELECT,
  M_ASYNC_SELECT,
  M_OVERLAPPED_EVENT,
  M_OVERLAPPED_ROUTINE,
  M_OVERLAPPED_PORT,
  M_EXTENSIONS, /* AcceptEx, ConnectEx, WSASendMsg/WSARecvMsg; a port */
  M_COUNT
};

static const char* const model_names[M_COUNT] = {"blocking",
                                                 "non-blocking",
                                                 "select",
                                                 "WSAEventSelect",
                                                 "WSAAsyncSelect",
                                                 "overlapped + event",
                                                 "overlapped + routine",
                                                 "overlapped + port",
                                                 "extensions + port"};

/* The upcall each model cannot work without (lsp.h bit numbers); -1: none
   beyond the ones every socket uses. */
static const int model_upcall[M_COUNT] = {-1,
                                          -1,
                                          WPU_LSP_UP_FD_IS_SET,
                                          -1,
                                          WPU_LSP_UP_POST_MESSAGE,
                                          WPU_LSP_UP_COMPLETE_OVERLAPPED_REQUEST,
                                          WPU_LSP_UP_QUEUE_APC,
                                          WPU_LSP_UP_COMPLETE_OVERLAPPED_REQUEST,
                                          WPU_LSP_UP_COMPLETE_OVERLAPPED_REQUEST};

static const char* const upcall_names[16] = {"CloseEvent",
                                             "CloseSocketHandle",
                                             "CreateEvent",
                                             "CreateSocketHandle",
                                             "FDIsSet",
                                             "GetProviderPath",
                                             "ModifyIFSHandle",
                                             "PostMessage",
                                             "QueryBlockingCallback",
                                             "QuerySocketHandleContext",
                                             "QueueApc",
                                             "ResetEvent",
                                             "SetEvent",
                                             "OpenCurrentThread",
                                             "CloseThread",
                                             "CompleteOverlappedRequest"};

/* ---- Threads (the echo peers): the program's one platform difference --- */
#if defined(_WIN32)
typedef HANDLE app_thread;
#  define THREAD_PROC(name, arg) static DWORD WINAPI name(LPVOID arg)
#  define THREAD_RETURN return 0
static int thread_start(app_thread* t, LPTHREAD_START_ROUTINE fn, void* arg) {
  *t = CreateThread(NULL, 0, fn, arg, 0, NULL);
  return *t != NULL;
}
static void thread_join(app_thread t) {
  WaitForSingleObject(t, INFINITE);
  CloseHandle(t);
}
#else
typedef pthread_t app_thread;
#  define THREAD_PROC(name, arg) static void* name(void* arg)
#  define THREAD_RETURN return NULL
static int thread_start(app_thread* t, void* (*fn)(void*), void* arg) {
  return pthread_create(t, NULL, fn, arg) == 0;
}
static void thread_join(app_thread t) {
  pthread_join(t, NULL);
}
#endif

/* ---- Installing the LSP -------------------------------------------------- */

static int widen(const char* in, WCHAR* out, size_t size) {
  size_t i;
  for (i = 0; in[i] != '\0'; ++i) {
    if ((unsigned char)in[i] >= 0x80 || i + 1 >= size) return 0;
    out[i] = (WCHAR)in[i];
  }
  out[i] = 0;
  return 1;
}

static void set_name(WCHAR* dst, const char* a, const WCHAR* b) {
  size_t n = 0, i;
  for (i = 0; a[i] != 0 && n < WSAPROTOCOL_LEN; ++i) dst[n++] = (WCHAR)a[i];
  for (i = 0; b != NULL && b[i] != 0 && n < WSAPROTOCOL_LEN; ++i) dst[n++] = b[i];
  dst[n] = 0;
}

/* Installs the hidden entry and a chain over every TCP/UDP base entry of
   the catalog, and puts the chains first. 0, or prints why not. */
static int install_lsp(const char* module) {
  static const GUID lsp_guid = WPU_LSP_GUID_INIT;
  WSAPROTOCOL_INFOW* all;
  WSAPROTOCOL_INFOW hidden, chain;
  WCHAR path[1024];
  DWORD len = 0, hidden_id = 0, chain_ids[16], *order;
  int n, i, chains = 0, err = 0, rc;

  if (!widen(module, path, sizeof path / sizeof path[0])) {
    fprintf(stderr, "echo_models: the LSP path must be ASCII\n");
    return 1;
  }
  /* The visible entries, as an installer sees them. */
  WSAEnumProtocolsW(NULL, NULL, &len);
  all = (WSAPROTOCOL_INFOW*)malloc(len + 32 * sizeof *all);
  if (all == NULL) return 1;
  n = WSAEnumProtocolsW(NULL, all, &len);
  if (n == SOCKET_ERROR) {
    fprintf(stderr, "echo_models: WSAEnumProtocolsW failed: %d\n", WSAGetLastError());
    return 1;
  }
  memset(&hidden, 0, sizeof hidden);
  for (i = 0; i < n; ++i) {
    const WSAPROTOCOL_INFOW* b = &all[i];
    if (b->ProtocolChain.ChainLen != BASE_PROTOCOL ||
        (b->iAddressFamily != AF_INET && b->iAddressFamily != AF_INET6) ||
        (b->iProtocol != IPPROTO_TCP && b->iProtocol != IPPROTO_UDP))
      continue;
    if (hidden_id == 0) {
      /* The hidden entry: a copy of the first base with the LSP's GUID. */
      hidden = *b;
      hidden.ProviderId = lsp_guid;
      hidden.ProtocolChain.ChainLen = LAYERED_PROTOCOL;
      hidden.dwServiceFlags1 &= ~(DWORD)XP1_IFS_HANDLES;
      hidden.dwProviderFlags = 0;
      set_name(hidden.szProtocol, "wpu counting LSP", NULL);
      rc = wpu_catalog_add(&hidden, path, &hidden_id);
      if (rc != 0) {
        fprintf(stderr, "echo_models: adding the hidden entry failed: %d\n", rc);
        return 1;
      }
    }
    chain = *b;
    chain.ProviderId = lsp_guid;
    chain.ProtocolChain.ChainLen = 2;
    chain.ProtocolChain.ChainEntries[0] = hidden_id;
    chain.ProtocolChain.ChainEntries[1] = b->dwCatalogEntryId;
    chain.dwServiceFlags1 &= ~(DWORD)XP1_IFS_HANDLES; /* a non-IFS layer */
    set_name(chain.szProtocol, "wpu counting LSP over ", b->szProtocol);
    if (chains == 16) break;
    rc = wpu_catalog_add(&chain, path, &chain_ids[chains]);
    if (rc != 0) {
      fprintf(stderr, "echo_models: adding a chain failed: %d\n", rc);
      return 1;
    }
    ++chains;
  }
  free(all);
  if (chains == 0) {
    fprintf(stderr,
            "echo_models: the catalog has no TCP/UDP base entry (is WPU_TCPIP_PROVIDER set and "
            "WPU_CATALOG unset?)\n");
    return 1;
  }
  /* The chains first, then every other entry in its order (hidden ones too). */
  len = 0;
  WSCEnumProtocols(NULL, NULL, &len, &err);
  all = (WSAPROTOCOL_INFOW*)malloc(len);
  order = (DWORD*)malloc((len / sizeof *all + 1) * sizeof *order);
  if (all == NULL || order == NULL) return 1;
  n = WSCEnumProtocols(NULL, all, &len, &err);
  if (n == SOCKET_ERROR) return 1;
  memcpy(order, chain_ids, chains * sizeof *order);
  rc = chains;
  for (i = 0; i < n; ++i) {
    int k, is_chain = 0;
    for (k = 0; k < chains; ++k) is_chain |= all[i].dwCatalogEntryId == chain_ids[k];
    if (!is_chain) order[rc++] = all[i].dwCatalogEntryId;
  }
  rc = wpu_catalog_write_order(order, (DWORD)n);
  free(order);
  free(all);
  if (rc != 0) {
    fprintf(stderr, "echo_models: WSCWriteProviderOrder failed: %d\n", rc);
    return 1;
  }
  printf("installed the LSP (%s): hidden entry %lu, %d chains first in the catalog\n", module,
         (unsigned long)hidden_id, chains);
  return 0;
}

/* ---- The echo peers (blocking sockets, through the LSP too) ----------- */

struct peer {
  int model;
  SOCKET listener, udp;
  int tcp_echoed, udp_echoed;
};

/* The extension functions' row accepts with AcceptEx (completed on an
   event, read back on the listening socket) instead of accept. */
static SOCKET accept_ex(SOCKET listener) {
  GUID id = WSAID_ACCEPTEX;
  LPFN_ACCEPTEX fn = NULL;
  DWORD got = 0, flags = 0;
  static WSAOVERLAPPED ov; /* static: see do_send */
  static char addrs[2 * (sizeof(struct sockaddr_in) + 16)];
  SOCKET a = socket(AF_INET, SOCK_STREAM, 0);
  int ok;
  memset(&ov, 0, sizeof ov);
  ov.hEvent = WSACreateEvent();
  ok = a != INVALID_SOCKET && ov.hEvent != WSA_INVALID_EVENT &&
       WSAIoctl(listener, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof id, &fn, sizeof fn, &got,
                NULL, NULL) == 0;
  if (ok && !fn(listener, a, addrs, 0, sizeof addrs / 2, sizeof addrs / 2, &got, &ov))
    ok = WSAGetLastError() == WSA_IO_PENDING;
  ok = ok && WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, WAIT_MS, FALSE) == WSA_WAIT_EVENT_0 &&
       WSAGetOverlappedResult(listener, &ov, &got, FALSE, &flags) &&
       setsockopt(a, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, (char*)&listener, sizeof listener) == 0;
  if (ov.hEvent != WSA_INVALID_EVENT) WSACloseEvent(ov.hEvent);
  if (!ok && a != INVALID_SOCKET) {
    closesocket(a);
    a = INVALID_SOCKET;
  }
  return a;
}

THREAD_PROC(tcp_echo, arg) {
  struct peer* p = (struct peer*)arg;
  char buf[TCP_CHUNK];
  SOCKET c = p->model == M_EXTENSIONS ? accept_ex(p->listener) : accept(p->listener, NULL, NULL);
  int n;
  if (c == INVALID_SOCKET) THREAD_RETURN;
  while ((n = recv(c, buf, sizeof buf, 0)) > 0) {
    int off = 0;
    while (off < n) {
      int m = send(c, buf + off, n - off, 0);
      if (m <= 0) break;
      off += m;
    }
    if (off < n) break;
    p->tcp_echoed += n;
  }
  closesocket(c);
  THREAD_RETURN;
}

THREAD_PROC(udp_echo, arg) {
  struct peer* p = (struct peer*)arg;
  char buf[DATAGRAM_SIZE];
  int i;
  for (i = 0; i < DATAGRAMS; ++i) {
    struct sockaddr_in from;
    int fromlen = sizeof from;
    int n = recvfrom(p->udp, buf, sizeof buf, 0, (struct sockaddr*)&from, &fromlen);
    if (n <= 0 || sendto(p->udp, buf, n, 0, (struct sockaddr*)&from, fromlen) != n) break;
    p->udp_echoed += n;
  }
  THREAD_RETURN;
}

/* ---- One model's I/O ----------------------------------------------------- */

struct client {
  int model;
  SOCKET tcp, udp;
  WSAEVENT ev[2];           /* WSAEventSelect: tcp, udp */
  HWND hwnd;                /* WSAAsyncSelect */
  HANDLE port;              /* completion port */
  LPFN_WSASENDMSG send_msg; /* the extension functions' row */
  LPFN_WSARECVMSG recv_msg;
  int bad_notes; /* notifications naming a socket that is not ours */
  int notes[2];  /* WSAAsyncSelect notifications for tcp, udp */
};

static struct client* current;
static volatile int routine_done;
static DWORD routine_error, routine_bytes;

static LRESULT CALLBACK client_window(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp) {
  if (msg == WM_SOCKET && current != NULL) {
    (void)lp;
    if ((SOCKET)wp == current->tcp)
      ++current->notes[0];
    else if ((SOCKET)wp == current->udp)
      ++current->notes[1];
    else
      ++current->bad_notes;
    return 0;
  }
  return DefWindowProcW(hwnd, msg, wp, lp);
}

static void CALLBACK routine(DWORD error, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags) {
  (void)ov, (void)flags;
  routine_error = error;
  routine_bytes = bytes;
  routine_done = 1;
}

/* WSAAsyncSelect: dispatches this thread's messages until socket `which`
   (0 tcp, 1 udp) has had `count` notifications; -1 after WAIT_MS without
   a message. */
static int pump_until(struct client* c, int which, int count) {
  MSG m;
  while (c->notes[which] < count) {
    if (MsgWaitForMultipleObjectsEx(0, NULL, WAIT_MS, QS_ALLPOSTMESSAGE, MWMO_INPUTAVAILABLE) !=
        WAIT_OBJECT_0)
      return -1;
    while (PeekMessageW(&m, NULL, 0, 0, PM_REMOVE)) DispatchMessageW(&m);
  }
  return 0;
}

/* Waits until `s` may be ready again, the way the model learns it. */
static int wait_ready(struct client* c, SOCKET s, int for_write) {
  switch (c->model) {
    case M_NONBLOCKING:
      SleepEx(1, FALSE);
      return 0;
    case M_SELECT: {
      fd_set set;
      struct timeval tv;
      int n;
      FD_ZERO(&set);
      FD_SET(s, &set);
      tv.tv_sec = WAIT_MS / 1000;
      tv.tv_usec = 0;
      n = select(0, for_write ? NULL : &set, for_write ? &set : NULL, NULL, &tv);
      return n == 1 && FD_ISSET(s, &set) ? 0 : -1;
    }
    case M_EVENT_SELECT: {
      WSAEVENT ev = c->ev[s == c->tcp ? 0 : 1];
      WSANETWORKEVENTS ne;
      if (WSAWaitForMultipleEvents(1, &ev, FALSE, WAIT_MS, FALSE) != WSA_WAIT_EVENT_0) return -1;
      return WSAEnumNetworkEvents(s, ev, &ne) == 0 ? 0 : -1;
    }
    case M_ASYNC_SELECT:
      return pump_until(c, s == c->tcp ? 0 : 1, c->notes[s == c->tcp ? 0 : 1] + 1);
  }
  return -1;
}

/* One overlapped request in flight on `ov` (rc, WSAGetLastError() of the
   call): waits for it as the model does and returns the byte count, or -1. */
static int finish_overlapped(struct client* c, SOCKET s, WSAOVERLAPPED* ov, int rc) {
  DWORD bytes = 0, flags = 0;
  if (rc != 0 && WSAGetLastError() != WSA_IO_PENDING) return -1;
  switch (c->model) {
    case M_OVERLAPPED_EVENT:
      if (WSAWaitForMultipleEvents(1, &ov->hEvent, FALSE, WAIT_MS, FALSE) != WSA_WAIT_EVENT_0)
        return -1;
      if (!WSAGetOverlappedResult(s, ov, &bytes, FALSE, &flags)) return -1;
      WSAResetEvent(ov->hEvent);
      return (int)bytes;
    case M_OVERLAPPED_ROUTINE:
      while (!routine_done)
        if (SleepEx(WAIT_MS, TRUE) != WAIT_IO_COMPLETION) return -1;
      return routine_error == 0 ? (int)routine_bytes : -1;
    case M_OVERLAPPED_PORT:
    case M_EXTENSIONS: {
      ULONG_PTR key = 0;
      LPOVERLAPPED done = NULL;
      if (!GetQueuedCompletionStatus(c->port, &bytes, &key, &done, WAIT_MS) || done != ov ||
          key != (s == c->tcp ? 1u : 2u))
        return -1;
      return (int)bytes;
    }
  }
  return -1;
}

static int is_overlapped(int model) {
  return model >= M_OVERLAPPED_EVENT;
}

/* Sends len bytes (to == NULL: on the stream) with the model; the count
   sent, or -1. */
static int do_send(struct client* c, SOCKET s, char* buf, int len, const struct sockaddr* to,
                   int tolen) {
  if (is_overlapped(c->model)) {
    /* What the provider may read or write until the request completes:
       static, so a request still pending after a failed wait (it completes
       aborted when the socket is closed) never writes to a dead frame. */
    static WSAOVERLAPPED ov;
    static WSAMSG msg;
    static WSABUF b;
    DWORD sent = 0;
    int rc;
    memset(&ov, 0, sizeof ov);
    if (c->model == M_OVERLAPPED_EVENT) ov.hEvent = c->ev[0];
    routine_done = 0;
    b.buf = buf;
    b.len = (ULONG)len;
    if (to != NULL && c->model == M_EXTENSIONS) {
      memset(&msg, 0, sizeof msg);
      msg.name = (LPSOCKADDR)to;
      msg.namelen = tolen;
      msg.lpBuffers = &b;
      msg.dwBufferCount = 1;
      rc = c->send_msg(s, &msg, 0, &sent, &ov, NULL);
    } else {
      rc = to == NULL
               ? WSASend(s, &b, 1, &sent, 0, &ov, c->model == M_OVERLAPPED_ROUTINE ? routine : NULL)
               : WSASendTo(s, &b, 1, &sent, 0, to, tolen, &ov,
                           c->model == M_OVERLAPPED_ROUTINE ? routine : NULL);
    }
    return finish_overlapped(c, s, &ov, rc);
  }
  for (;;) {
    int n;
    /* select: readiness first, as a select loop works. */
    if (c->model == M_SELECT && wait_ready(c, s, 1) != 0) return -1;
    n = to == NULL ? send(s, buf, len, 0) : sendto(s, buf, len, 0, to, tolen);
    if (n >= 0) return n;
    if (c->model == M_BLOCKING || WSAGetLastError() != WSAEWOULDBLOCK) return -1;
    if (c->model != M_SELECT && wait_ready(c, s, 1) != 0) return -1;
  }
}

/* Receives up to len bytes with the model: the count, or -1. */
static int do_recv(struct client* c, SOCKET s, char* buf, int len, int datagram) {
  /* Static for the reason do_send gives. */
  static struct sockaddr_in from;
  static int fromlen;
  fromlen = sizeof from;
  if (is_overlapped(c->model)) {
    static WSAOVERLAPPED ov;
    static WSAMSG msg;
    static WSABUF b;
    static DWORD flags;
    DWORD got = 0;
    int rc;
    flags = 0;
    memset(&ov, 0, sizeof ov);
    if (c->model == M_OVERLAPPED_EVENT) ov.hEvent = c->ev[1];
    routine_done = 0;
    b.buf = buf;
    b.len = (ULONG)len;
    if (datagram && c->model == M_EXTENSIONS) {
      memset(&msg, 0, sizeof msg);
      msg.name = (LPSOCKADDR)&from;
      msg.namelen = fromlen;
      msg.lpBuffers = &b;
      msg.dwBufferCount = 1;
      rc = c->recv_msg(s, &msg, &got, &ov, NULL);
    } else {
      rc = !datagram ? WSARecv(s, &b, 1, &got, &flags, &ov,
                               c->model == M_OVERLAPPED_ROUTINE ? routine : NULL)
                     : WSARecvFrom(s, &b, 1, &got, &flags, (struct sockaddr*)&from, &fromlen, &ov,
                                   c->model == M_OVERLAPPED_ROUTINE ? routine : NULL);
    }
    return finish_overlapped(c, s, &ov, rc);
  }
  for (;;) {
    int n;
    if (c->model == M_SELECT && wait_ready(c, s, 0) != 0) return -1;
    n = !datagram ? recv(s, buf, len, 0)
                  : recvfrom(s, buf, len, 0, (struct sockaddr*)&from, &fromlen);
    if (n >= 0) return n;
    if (c->model == M_BLOCKING || WSAGetLastError() != WSAEWOULDBLOCK) return -1;
    if (c->model != M_SELECT && wait_ready(c, s, 0) != 0) return -1;
  }
}

/* Prepares both client sockets for the model. */
static int setup_model(struct client* c) {
  ULONG one = 1;
  switch (c->model) {
    case M_NONBLOCKING:
    case M_SELECT:
      return ioctlsocket(c->tcp, FIONBIO, &one) == 0 && ioctlsocket(c->udp, FIONBIO, &one) == 0
                 ? 0
                 : -1;
    case M_EVENT_SELECT:
      c->ev[0] = WSACreateEvent();
      c->ev[1] = WSACreateEvent();
      return WSAEventSelect(c->tcp, c->ev[0], FD_READ | FD_WRITE | FD_CLOSE) == 0 &&
                     WSAEventSelect(c->udp, c->ev[1], FD_READ | FD_WRITE) == 0
                 ? 0
                 : -1;
    case M_ASYNC_SELECT: {
      static const WCHAR cls[] = {'e', 'c', 'h', 'o', 0};
      static int registered;
      WNDCLASSW wc;
      if (!registered) {
        memset(&wc, 0, sizeof wc);
        wc.lpfnWndProc = client_window;
        wc.lpszClassName = cls;
        if (RegisterClassW(&wc) == 0) return -1;
        registered = 1;
      }
      c->hwnd = CreateWindowExW(0, cls, cls, 0, 0, 0, 0, 0, HWND_MESSAGE, NULL, NULL, NULL);
      if (c->hwnd == NULL) return -1;
      return WSAAsyncSelect(c->tcp, c->hwnd, WM_SOCKET, FD_READ | FD_WRITE | FD_CLOSE) == 0 &&
                     WSAAsyncSelect(c->udp, c->hwnd, WM_SOCKET, FD_READ | FD_WRITE) == 0
                 ? 0
                 : -1;
    }
    case M_OVERLAPPED_EVENT:
      c->ev[0] = WSACreateEvent();
      c->ev[1] = WSACreateEvent();
      return c->ev[0] != WSA_INVALID_EVENT && c->ev[1] != WSA_INVALID_EVENT ? 0 : -1;
    case M_OVERLAPPED_PORT:
      c->port = wpu_associate_socket(c->tcp, NULL, 1, 1);
      if (c->port == NULL || wpu_associate_socket(c->udp, c->port, 2, 0) != c->port) return -1;
      return 0;
    case M_EXTENSIONS: {
      GUID send_id = WSAID_WSASENDMSG, recv_id = WSAID_WSARECVMSG;
      DWORD got = 0;
      c->port = wpu_associate_socket(c->tcp, NULL, 1, 1);
      if (c->port == NULL || wpu_associate_socket(c->udp, c->port, 2, 0) != c->port) return -1;
      return WSAIoctl(c->udp, SIO_GET_EXTENSION_FUNCTION_POINTER, &send_id, sizeof send_id,
                      &c->send_msg, sizeof c->send_msg, &got, NULL, NULL) == 0 &&
                     WSAIoctl(c->udp, SIO_GET_EXTENSION_FUNCTION_POINTER, &recv_id, sizeof recv_id,
                              &c->recv_msg, sizeof c->recv_msg, &got, NULL, NULL) == 0
                 ? 0
                 : -1;
    }
  }
  return 0;
}

/* The extension functions' row connects with ConnectEx (the socket bound
   first, as ConnectEx requires; completed through the port). */
static int connect_ex(struct client* c, const struct sockaddr_in* to) {
  GUID id = WSAID_CONNECTEX;
  LPFN_CONNECTEX fn = NULL;
  struct sockaddr_in local;
  static WSAOVERLAPPED ov; /* static: see do_send */
  DWORD got = 0;
  ULONG_PTR key = 0;
  LPOVERLAPPED done = NULL;
  memset(&local, 0, sizeof local);
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  memset(&ov, 0, sizeof ov);
  if (bind(c->tcp, (struct sockaddr*)&local, sizeof local) != 0 ||
      WSAIoctl(c->tcp, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof id, &fn, sizeof fn, &got,
               NULL, NULL) != 0)
    return -1;
  if (!fn(c->tcp, (const struct sockaddr*)to, sizeof *to, NULL, 0, NULL, &ov) &&
      WSAGetLastError() != WSA_IO_PENDING)
    return -1;
  if (!GetQueuedCompletionStatus(c->port, &got, &key, &done, WAIT_MS) || done != &ov || key != 1)
    return -1;
  return setsockopt(c->tcp, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, NULL, 0) == 0 ? 0 : -1;
}

static void teardown_model(struct client* c) {
  if (c->ev[0] != NULL) WSACloseEvent(c->ev[0]);
  if (c->ev[1] != NULL) WSACloseEvent(c->ev[1]);
  if (c->hwnd != NULL) DestroyWindow(c->hwnd);
  if (c->port != NULL) CloseHandle(c->port);
}

struct row {
  long tcp_out, tcp_in, udp_out, udp_in;
  unsigned int upcalls;
  int pass, error;
  const char* why;
};

static int lsp_stats(SOCKET s, struct wpu_lsp_stats* st) {
  DWORD got = 0;
  memset(st, 0, sizeof *st);
  return WSAIoctl(s, SIO_WPU_LSP_STATS, NULL, 0, st, sizeof *st, &got, NULL, NULL) == 0 &&
         got == sizeof *st;
}

/* After a failed run the peers may still block: the TCP one in accept (no
   client connected), the UDP one in recvfrom (datagrams missing). Closing
   a socket does not end a blocking call on every platform, so give them
   what they wait for, from sockets of their own. */
static void wake_peers(const struct sockaddr_in* tcp, int connected,
                       const struct sockaddr_in* udp) {
  SOCKET s;
  int i;
  if (!connected && tcp->sin_port != 0 && (s = socket(AF_INET, SOCK_STREAM, 0)) != INVALID_SOCKET) {
    connect(s, (const struct sockaddr*)tcp, sizeof *tcp);
    closesocket(s);
  }
  if (udp->sin_port != 0 && (s = socket(AF_INET, SOCK_DGRAM, 0)) != INVALID_SOCKET) {
    for (i = 0; i < DATAGRAMS; ++i) sendto(s, "x", 1, 0, (const struct sockaddr*)udp, sizeof *udp);
    closesocket(s);
  }
}

static void run_model(int model, struct row* r) {
  struct client c;
  struct peer p;
  struct sockaddr_in addr, uaddr;
  int addrlen = sizeof addr, i, ok = 1;
  app_thread t1, t2;
  int started1 = 0, started2 = 0, connected = 0;
  static char out[TCP_BYTES], in[TCP_BYTES];
  struct wpu_lsp_stats st_tcp, st_udp;

  memset(r, 0, sizeof *r);
  memset(&c, 0, sizeof c);
  memset(&p, 0, sizeof p);
  c.model = model;
  p.model = model;
  c.tcp = c.udp = INVALID_SOCKET;
  r->why = "setup";
  for (i = 0; i < TCP_BYTES; ++i) out[i] = (char)(i * 7 + model);

  memset(&addr, 0, sizeof addr);
  memset(&uaddr, 0, sizeof uaddr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  p.listener = socket(AF_INET, SOCK_STREAM, 0);
  p.udp = socket(AF_INET, SOCK_DGRAM, 0);
  if (p.listener == INVALID_SOCKET || p.udp == INVALID_SOCKET ||
      bind(p.listener, (struct sockaddr*)&addr, sizeof addr) != 0 || listen(p.listener, 4) != 0 ||
      getsockname(p.listener, (struct sockaddr*)&addr, &addrlen) != 0)
    goto done;
  uaddr = addr;
  uaddr.sin_port = 0;
  addrlen = sizeof uaddr;
  if (bind(p.udp, (struct sockaddr*)&uaddr, sizeof uaddr) != 0 ||
      getsockname(p.udp, (struct sockaddr*)&uaddr, &addrlen) != 0)
    goto done;
  started1 = thread_start(&t1, tcp_echo, &p);
  started2 = thread_start(&t2, udp_echo, &p);
  c.tcp = socket(AF_INET, SOCK_STREAM, 0);
  c.udp = socket(AF_INET, SOCK_DGRAM, 0);
  if (!started1 || !started2 || c.tcp == INVALID_SOCKET || c.udp == INVALID_SOCKET ||
      (model != M_EXTENSIONS && connect(c.tcp, (struct sockaddr*)&addr, sizeof addr) != 0))
    goto done;
  connected = model != M_EXTENSIONS;
  current = &c;
  if (setup_model(&c) != 0) goto done;
  if (model == M_EXTENSIONS) {
    r->why = "ConnectEx";
    if (connect_ex(&c, &addr) != 0) goto done;
    connected = 1;
  }

  /* TCP: chunk by chunk, each one echoed back before the next. */
  r->why = "tcp";
  for (i = 0; ok && i < TCP_BYTES; i += TCP_CHUNK) {
    int off = 0, got = 0;
    while (ok && off < TCP_CHUNK) {
      int n = do_send(&c, c.tcp, out + i + off, TCP_CHUNK - off, NULL, 0);
      ok = n > 0;
      if (ok) off += n, r->tcp_out += n;
    }
    while (ok && got < TCP_CHUNK) {
      int n = do_recv(&c, c.tcp, in + i + got, TCP_CHUNK - got, 0);
      ok = n > 0;
      if (ok) got += n, r->tcp_in += n;
    }
  }
  if (!ok || memcmp(in, out, TCP_BYTES) != 0) goto done;

  /* UDP: datagram by datagram. */
  r->why = "udp";
  for (i = 0; ok && i < DATAGRAMS; ++i) {
    char* d = out + i * DATAGRAM_SIZE;
    int n = do_send(&c, c.udp, d, DATAGRAM_SIZE, (struct sockaddr*)&uaddr, sizeof uaddr);
    ok = n == DATAGRAM_SIZE;
    if (ok) r->udp_out += n;
    if (ok) n = do_recv(&c, c.udp, in, DATAGRAM_SIZE, 1);
    ok = ok && n == DATAGRAM_SIZE && memcmp(in, d, DATAGRAM_SIZE) == 0;
    if (ok) r->udp_in += n;
  }
  if (!ok) goto done;
  /* WSAAsyncSelect: the transfer may never have had to wait, but each
     socket was writable from the start, so an FD_WRITE message is due. */
  r->why = "no WSAAsyncSelect message";
  if (model == M_ASYNC_SELECT && (pump_until(&c, 0, 1) != 0 || pump_until(&c, 1, 1) != 0))
    goto done;

  /* What the LSP saw. */
  r->why = "stats";
  if (!lsp_stats(c.tcp, &st_tcp) || !lsp_stats(c.udp, &st_udp)) goto done;
  r->upcalls = st_tcp.upcalls | st_udp.upcalls;
  r->why = "LSP count";
  if (st_tcp.bytes_sent != (unsigned long long)r->tcp_out ||
      st_tcp.bytes_received != (unsigned long long)r->tcp_in ||
      st_udp.bytes_sent != (unsigned long long)r->udp_out ||
      st_udp.bytes_received != (unsigned long long)r->udp_in)
    goto done;
  r->why = "upcall";
  if (model_upcall[model] >= 0 && !(r->upcalls & (1u << model_upcall[model]))) goto done;
  r->why = "notification for a foreign socket";
  if (c.bad_notes != 0) goto done;
  r->pass = 1;
  r->why = "";
done:
  if (!r->pass) r->error = WSAGetLastError();
  current = NULL;
  if (c.tcp != INVALID_SOCKET) closesocket(c.tcp);
  if (c.udp != INVALID_SOCKET) closesocket(c.udp);
  teardown_model(&c);
  if (!r->pass) wake_peers(&addr, connected, &uaddr);
  if (started1) thread_join(t1);
  if (started2) thread_join(t2);
  if (p.listener != INVALID_SOCKET) closesocket(p.listener);
  if (p.udp != INVALID_SOCKET) closesocket(p.udp);
}

static void print_upcalls(unsigned int bits) {
  int i, first = 1;
  for (i = 0; i < 16; ++i)
    if (bits & (1u << i)) {
      printf("%s%s", first ? "" : " ", upcall_names[i]);
      first = 0;
    }
}

/* ---- Checks beyond the table: errors and closing ------------------------ */

/* A connected TCP pair of `family` (AF_INET: 127.0.0.1, AF_INET6: ::1)
   through the LSP, with blocking connect and accept on this thread; 0, or
   -1 with the failing call's error as the last error. */
static int tcp_pair(int family, SOCKET* client, SOCKET* server) {
  union {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
  } addr;
  int size = family == AF_INET ? (int)sizeof addr.v4 : (int)sizeof addr.v6, len = size;
  SOCKET l = socket(family, SOCK_STREAM, 0);
  *client = *server = INVALID_SOCKET;
  memset(&addr, 0, sizeof addr);
  if (family == AF_INET) {
    addr.v4.sin_family = AF_INET;
    addr.v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  } else {
    addr.v6.sin6_family = AF_INET6;
    addr.v6.sin6_addr.s6_addr[15] = 1;
  }
  if (l == INVALID_SOCKET || bind(l, &addr.sa, size) != 0 || listen(l, 1) != 0 ||
      getsockname(l, &addr.sa, &len) != 0 ||
      (*client = socket(family, SOCK_STREAM, 0)) == INVALID_SOCKET ||
      connect(*client, &addr.sa, size) != 0 ||
      (*server = accept(l, NULL, NULL)) == INVALID_SOCKET) {
    int error = WSAGetLastError();
    if (*client != INVALID_SOCKET) closesocket(*client);
    if (l != INVALID_SOCKET) closesocket(l);
    WSASetLastError(error);
    return -1;
  }
  closesocket(l);
  return 0;
}

static int check(const char* what, int ok) {
  printf("  %-68s %s\n", what, ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}

/* The LSP's error answers, and requests pending when their socket is
   closed: each must complete, with WSA_OPERATION_ABORTED, through the
   mechanism it asked for. The number of failed checks. */
static int run_checks(void) {
  static char buf[64];
  static WSAOVERLAPPED ov; /* static: completes after closesocket */
  struct wpu_lsp_stats st;
  GUID packets = WSAID_TRANSMITPACKETS;
  void* fn = NULL;
  WSABUF b;
  DWORD got = 0, flags = 0;
  SOCKET c, s;
  int failed = 0, rc;

  printf("\nchecks:\n");
  if (tcp_pair(AF_INET, &c, &s) != 0) return check("a TCP pair through the LSP", 0);
  rc = WSAIoctl(c, SIO_WPU_LSP_STATS, NULL, 0, &st, 4, &got, NULL, NULL);
  failed += check("SIO_WPU_LSP_STATS with a 4-byte buffer: WSAEFAULT",
                  rc == SOCKET_ERROR && WSAGetLastError() == WSAEFAULT);
  rc = WSAIoctl(c, SIO_GET_EXTENSION_FUNCTION_POINTER, &packets, sizeof packets, &fn, sizeof fn,
                &got, NULL, NULL);
  failed += check("an extension GUID the LSP does not offer: WSAEINVAL",
                  rc == SOCKET_ERROR && WSAGetLastError() == WSAEINVAL);

  /* A receive pending with an event, then closesocket. */
  memset(&ov, 0, sizeof ov);
  ov.hEvent = WSACreateEvent();
  b.buf = buf;
  b.len = sizeof buf;
  rc = WSARecv(c, &b, 1, &got, &flags, &ov, NULL);
  rc = rc == SOCKET_ERROR && WSAGetLastError() == WSA_IO_PENDING;
  closesocket(c);
  rc = rc && WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, WAIT_MS, FALSE) == WSA_WAIT_EVENT_0;
  failed += check("closesocket with a WSARecv pending (event): WSA_OPERATION_ABORTED",
                  rc && (DWORD)ov.Internal == WSA_OPERATION_ABORTED);
  WSACloseEvent(ov.hEvent);
  closesocket(s);

  /* A receive pending with a completion routine, then closesocket. */
  if (tcp_pair(AF_INET, &c, &s) != 0) return failed + check("a TCP pair through the LSP", 0);
  memset(&ov, 0, sizeof ov);
  routine_done = 0;
  rc = WSARecv(c, &b, 1, &got, &flags, &ov, routine);
  rc = rc == SOCKET_ERROR && WSAGetLastError() == WSA_IO_PENDING;
  closesocket(c);
  while (rc && !routine_done)
    if (SleepEx(WAIT_MS, TRUE) != WAIT_IO_COMPLETION) rc = 0;
  failed += check("closesocket with a WSARecv pending (routine): WSA_OPERATION_ABORTED",
                  rc && routine_error == WSA_OPERATION_ABORTED);
  closesocket(s);

  /* IPv6: the chain over the [TCP/IPv6] entry. A machine without an IPv6
     loopback skips it. */
  if (tcp_pair(AF_INET6, &c, &s) != 0) {
    int error = WSAGetLastError();
    if (error == WSAEADDRNOTAVAIL || error == WSAEAFNOSUPPORT)
      printf("  %-68s %s\n", "a TCP echo over ::1 through the LSP", "skipped (no IPv6 loopback)");
    else
      failed += check("a TCP echo over ::1 through the LSP", 0);
    return failed;
  }
  rc = send(c, "ping6", 5, 0) == 5 && recv(s, buf, 5, 0) == 5 && send(s, buf, 5, 0) == 5 &&
       recv(c, buf, sizeof buf, 0) == 5 && memcmp(buf, "ping6", 5) == 0 && lsp_stats(c, &st) &&
       st.bytes_sent == 5 && st.bytes_received == 5;
  failed += check("a TCP echo over ::1 through the LSP, 5 bytes counted each way", rc);
  closesocket(c);
  closesocket(s);
  return failed;
}

int main(int argc, char** argv) {
  WSADATA data;
  struct row rows[M_COUNT];
  int m, failed = 0, checks_failed;

  if (argc < 2) {
    fprintf(stderr, "usage: %s <LSP module (ASCII path)>\n", argv[0]);
    return 2;
  }
  if (WSAStartup(MAKEWORD(2, 2), &data) != 0) {
    fprintf(stderr, "echo_models: WSAStartup failed\n");
    return 1;
  }
  if (install_lsp(argv[1]) != 0) return 1;
  for (m = 0; m < M_COUNT; ++m) {
    run_model(m, &rows[m]);
    failed += !rows[m].pass;
  }
  printf("\n%-21s %-13s %-11s %-6s %s\n", "model", "TCP out/in", "UDP out/in", "result",
         "upcalls the LSP used");
  for (m = 0; m < M_COUNT; ++m) {
    struct row* r = &rows[m];
    char tcp[32], udp[32];
    snprintf(tcp, sizeof tcp, "%ld/%ld", r->tcp_out, r->tcp_in);
    snprintf(udp, sizeof udp, "%ld/%ld", r->udp_out, r->udp_in);
    printf("%-21s %-13s %-11s %-6s ", model_names[m], tcp, udp, r->pass ? "pass" : "FAIL");
    print_upcalls(r->upcalls);
    if (!r->pass) printf(" [failed at: %s, error %d]", r->why, r->error);
    printf("\n");
  }
  checks_failed = run_checks();
  if (WSACleanup() != 0) ++failed;
  printf("\n%s: %d of %d models passed, %d checks failed\n",
         failed + checks_failed == 0 ? "ok" : "FAILED", M_COUNT - failed, M_COUNT, checks_failed);
  return failed + checks_failed == 0 ? 0 : 1;
}
