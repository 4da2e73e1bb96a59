/*
 * win32/tcpip/provider.c - wpu's base TCP/UDP provider on Windows
 * (wpu-tcpip.dll): a WSPPROC_TABLE over the system's own Winsock.
 *
 * wpu cannot host mswsock's provider (MSAFD) itself: mswsock.dll is loaded
 * once per process and the system's ws2_32, which wpu and the application
 * also use, has already started it with the system's upcall table; a second
 * WSPStartup from wpu's host would hand it wpu's table for every socket of
 * the process. (Under Wine mswsock exports no WSPStartup at all: Wine's
 * ws2_32 implements sockets itself.) So on Windows wpu's base provider is a
 * pass-through: every socket is a system socket made with WSASocketW and
 * registered with the host through WPUModifyIFSHandle (an IFS handle), and
 * every WSP function forwards to the matching WSA function of the system.
 * The system then does everything a base provider owes its clients:
 * overlapped completion (the event, the completion routine queued as an APC
 * to the thread that made the call, the completion port the socket is
 * associated with), WSAEventSelect/WSAAsyncSelect notification, blocking,
 * select, and the extension functions (AcceptEx, ConnectEx, ... come from
 * the system's SIO_GET_EXTENSION_FUNCTION_POINTER and act on the system
 * socket directly).
 *
 * The DLL imports ws2_32 only. A wpu Win32 host that loads it points its
 * imports of WSCEnumProtocols, WSCGetProviderPath, WSAEnumProtocolsW,
 * WPUCompleteOverlappedRequest and LoadLibrary* at wpu's; this file calls
 * WSCEnumProtocols (to find its own catalog entries in the host's catalog)
 * and none of the others, so every other call reaches the system.
 *
 * Errors: each WSP function returns what the system function returned and,
 * on failure, stores WSAGetLastError() of the calling thread (read right
 * after the system call) in *lpErrno; WSA_IO_PENDING for an overlapped
 * operation that was started, as the SPI requires.
 *
 * Threads: every WSP function may be called from any thread, as the system
 * functions it forwards to. A completion routine is queued by the system to
 * the thread that called WSPRecv/WSPSend/... (the thread lpThreadId names
 * when the host calls from the application's thread); lpThreadId is not
 * otherwise used.
 *
 * Lifetime: WSPStartup calls WSAStartup and WSPCleanup WSACleanup, once per
 * successful WSPStartup, so the system's Winsock stays up while any client
 * of this provider is.
 */
#include <winsock2.h>
#include <ws2spi.h>
#include <ws2tcpip.h>
#include <windows.h>

#define TCPIP_EXPORT __declspec(dllexport)

/* ---- Catalog entries ----------------------------------------------------- */

/* This provider's base entries in the host's catalog: an accepted or
   duplicated socket is registered under the entry of its own family and
   type, and SO_PROTOCOL_INFOW describes a socket by that entry. An entry is
   this provider's when its ProviderId is the one WSPStartup was called with
   or wpu Tcpip's own. At most TCPIP_MAX_ENTRIES; more are ignored.
   Guarded by lock_: written by WSPStartup (exclusive), read by any thread
   (shared); a layered provider may call WSPStartup again while sockets of
   an earlier start are in use. */
#define TCPIP_MAX_ENTRIES 16
static SRWLOCK lock_ = SRWLOCK_INIT;
static WSAPROTOCOL_INFOW entries_[TCPIP_MAX_ENTRIES];
static int entry_count_;
/* The entry WSPStartup was called with: the fallback when no entry matches. */
static WSAPROTOCOL_INFOW startup_entry_;
/* The upcall table of the most recent WSPStartup (Microsoft: each WSPStartup
   may pass a new one; the latest is valid). */
static WSPUPCALLTABLE upcalls_;

/* wpu Tcpip's ProviderId (the default catalog's entries). */
static const GUID tcpip_guid = {
    0x6A3F2C10, 0x8B4D, 0x4E5F, {0x9C, 0x21, 0x7D, 0x0E, 0x1B, 0x2A, 0x3C, 0x4D}};

/* Reads the entries and publishes them with the startup entry and the
   upcall table. */
static void publish_startup(const WSAPROTOCOL_INFOW* startup_info, const WSPUPCALLTABLE* upcalls) {
  LPWSAPROTOCOL_INFOW all = NULL;
  DWORD size = 0;
  INT err = 0;
  int n = 0, count = 0, i;
  /* The first call gives the size (WSAENOBUFS). */
  if (WSCEnumProtocols(NULL, NULL, &size, &err) == SOCKET_ERROR && err == WSAENOBUFS)
    all = (LPWSAPROTOCOL_INFOW)HeapAlloc(GetProcessHeap(), 0, size);
  if (all != NULL) n = WSCEnumProtocols(NULL, all, &size, &err);

  AcquireSRWLockExclusive(&lock_);
  for (i = 0; i < n && count < TCPIP_MAX_ENTRIES; ++i) {
    if ((IsEqualGUID(&all[i].ProviderId, &startup_info->ProviderId) ||
         IsEqualGUID(&all[i].ProviderId, &tcpip_guid)) &&
        all[i].ProtocolChain.ChainLen == BASE_PROTOCOL)
      entries_[count++] = all[i];
  }
  entry_count_ = count;
  startup_entry_ = *startup_info;
  upcalls_ = *upcalls;
  ReleaseSRWLockExclusive(&lock_);
  if (all != NULL) HeapFree(GetProcessHeap(), 0, all);
}

/* The entry for a system socket, into *out: the one of its family and type
   (the startup entry when none is). */
static void entry_of(SOCKET s, WSAPROTOCOL_INFOW* out) {
  WSAPROTOCOL_INFOW info;
  int len = (int)sizeof info;
  int i;
  const int known = getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOW, (char*)&info, &len) == 0;
  AcquireSRWLockShared(&lock_);
  *out = startup_entry_;
  for (i = 0; known && i < entry_count_; ++i) {
    if (entries_[i].iAddressFamily == info.iAddressFamily &&
        entries_[i].iSocketType == info.iSocketType) {
      *out = entries_[i];
      break;
    }
  }
  ReleaseSRWLockShared(&lock_);
}

static DWORD catalog_id_of(SOCKET s) {
  WSAPROTOCOL_INFOW e;
  entry_of(s, &e);
  return e.dwCatalogEntryId;
}

/* ---- Helpers --------------------------------------------------------------- */

static int fail(LPINT lpErrno) {
  if (lpErrno != NULL) *lpErrno = WSAGetLastError();
  return SOCKET_ERROR;
}

/* The int result of a system call: SOCKET_ERROR with *lpErrno, or r. */
static int result(int r, LPINT lpErrno) {
  return r == SOCKET_ERROR ? fail(lpErrno) : r;
}

/* Registers a system socket the provider just got as an IFS handle of
   `catalog_id`; on failure closes it and returns INVALID_SOCKET with the
   upcall's error. */
static SOCKET adopt(SOCKET s, DWORD catalog_id, LPINT lpErrno) {
  INT err = 0;
  LPWPUMODIFYIFSHANDLE modify;
  SOCKET h;
  AcquireSRWLockShared(&lock_);
  modify = upcalls_.lpWPUModifyIFSHandle;
  ReleaseSRWLockShared(&lock_);
  h = modify(catalog_id, s, &err);
  if (h == INVALID_SOCKET) {
    closesocket(s);
    if (lpErrno != NULL) *lpErrno = err != 0 ? err : WSAENOBUFS;
    return INVALID_SOCKET;
  }
  return h;
}

/* ---- Sockets ----------------------------------------------------------------- */

/* WSPDuplicateSocket describes a duplicate under wpu's entry (so the target
   process's host routes it here) and keeps the system's entry in the parts
   of the description a base entry does not use: ProtocolChain.ChainEntries
   past ChainLen (1). [1] holds DUP_MARKER, [2] the system's catalog id,
   [3..6] the system's ProviderId; WSPSocket given such a description puts
   the system's entry back and lets the system open its duplicate (whatever
   the system keeps in the description to name it, dwProviderReserved on
   Windows, is untouched). */
#define DUP_MARKER 0x77707564u /* "wpud" */

static void stash_system_entry(LPWSAPROTOCOL_INFOW info) {
  info->ProtocolChain.ChainEntries[1] = DUP_MARKER;
  info->ProtocolChain.ChainEntries[2] = info->dwCatalogEntryId;
  CopyMemory(&info->ProtocolChain.ChainEntries[3], &info->ProviderId, sizeof(GUID));
}

static BOOL is_duplicate(const WSAPROTOCOL_INFOW* info) {
  return info->ProtocolChain.ChainLen == BASE_PROTOCOL &&
         info->ProtocolChain.ChainEntries[1] == DUP_MARKER;
}

static void restore_system_entry(LPWSAPROTOCOL_INFOW info) {
  int i;
  info->dwCatalogEntryId = info->ProtocolChain.ChainEntries[2];
  CopyMemory(&info->ProviderId, &info->ProtocolChain.ChainEntries[3], sizeof(GUID));
  info->ProtocolChain.ChainEntries[0] = info->dwCatalogEntryId;
  for (i = 1; i < MAX_PROTOCOL_CHAIN; ++i) info->ProtocolChain.ChainEntries[i] = 0;
}

static SOCKET WSPAPI tcpip_socket(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, GROUP g,
                                  DWORD dwFlags, LPINT lpErrno) {
  SOCKET s;
  DWORD id;
  if (info != NULL) {
    id = info->dwCatalogEntryId;
  } else {
    AcquireSRWLockShared(&lock_);
    id = startup_entry_.dwCatalogEntryId;
    ReleaseSRWLockShared(&lock_);
  }
  if (info != NULL && is_duplicate(info)) {
    /* A socket WSPDuplicateSocket described: the system opens its duplicate
       from its own entry. */
    WSAPROTOCOL_INFOW sys = *info;
    restore_system_entry(&sys);
    s = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &sys, g, dwFlags);
    if (s == INVALID_SOCKET) {
      fail(lpErrno);
      return INVALID_SOCKET;
    }
    return adopt(s, id, lpErrno);
  }
  /* The entry decides what FROM_PROTOCOL_INFO (and an unspecified family
     or type) stands for; protocol 0 stays the system's default. */
  if (info != NULL) {
    if (af == FROM_PROTOCOL_INFO || af == AF_UNSPEC) af = info->iAddressFamily;
    if (type == FROM_PROTOCOL_INFO || type == 0) type = info->iSocketType;
    if (protocol == FROM_PROTOCOL_INFO) protocol = info->iProtocol;
  }
  /* The system chooses its own provider (the catalog entry is wpu's, not
     the system's). */
  s = WSASocketW(af, type, protocol, NULL, g, dwFlags);
  if (s == INVALID_SOCKET) {
    fail(lpErrno);
    return INVALID_SOCKET;
  }
  return adopt(s, id, lpErrno);
}

static SOCKET WSPAPI tcpip_accept(SOCKET s, struct sockaddr* addr, LPINT addrlen,
                                  LPCONDITIONPROC lpfnCondition, DWORD_PTR dwCallbackData,
                                  LPINT lpErrno) {
  SOCKET a = WSAAccept(s, addr, addrlen, lpfnCondition, dwCallbackData);
  if (a == INVALID_SOCKET) {
    fail(lpErrno);
    return INVALID_SOCKET;
  }
  return adopt(a, catalog_id_of(a), lpErrno);
}

static SOCKET WSPAPI tcpip_join_leaf(SOCKET s, const struct sockaddr* name, int namelen,
                                     LPWSABUF lpCallerData, LPWSABUF lpCalleeData, LPQOS lpSQOS,
                                     LPQOS lpGQOS, DWORD dwFlags, LPINT lpErrno) {
  SOCKET r = WSAJoinLeaf(s, name, namelen, lpCallerData, lpCalleeData, lpSQOS, lpGQOS, dwFlags);
  if (r == INVALID_SOCKET) {
    fail(lpErrno);
    return INVALID_SOCKET;
  }
  /* A new socket (a root of a multipoint session) is registered; the socket
     itself comes back for the usual leaf join. */
  return r == s ? r : adopt(r, catalog_id_of(r), lpErrno);
}

static int WSPAPI tcpip_close_socket(SOCKET s, LPINT lpErrno) {
  return result(closesocket(s), lpErrno);
}

static int WSPAPI tcpip_duplicate_socket(SOCKET s, DWORD dwProcessId,
                                         LPWSAPROTOCOL_INFOW lpProtocolInfo, LPINT lpErrno) {
  if (WSADuplicateSocketW(s, dwProcessId, lpProtocolInfo) == SOCKET_ERROR) return fail(lpErrno);
  /* The system filled in its own entry; the target process's host must route
     WSASocket(FROM_PROTOCOL_INFO...) back to this provider's entry. */
  stash_system_entry(lpProtocolInfo);
  {
    WSAPROTOCOL_INFOW e;
    entry_of(s, &e);
    lpProtocolInfo->ProviderId = e.ProviderId;
    lpProtocolInfo->dwCatalogEntryId = e.dwCatalogEntryId;
  }
  return 0;
}

/* ---- Addresses and connections ------------------------------------------------ */

static int WSPAPI tcpip_bind(SOCKET s, const struct sockaddr* name, int namelen, LPINT lpErrno) {
  return result(bind(s, name, namelen), lpErrno);
}

static int WSPAPI tcpip_listen(SOCKET s, int backlog, LPINT lpErrno) {
  return result(listen(s, backlog), lpErrno);
}

static int WSPAPI tcpip_connect(SOCKET s, const struct sockaddr* name, int namelen,
                                LPWSABUF lpCallerData, LPWSABUF lpCalleeData, LPQOS lpSQOS,
                                LPQOS lpGQOS, LPINT lpErrno) {
  return result(WSAConnect(s, name, namelen, lpCallerData, lpCalleeData, lpSQOS, lpGQOS), lpErrno);
}

static int WSPAPI tcpip_get_peer_name(SOCKET s, struct sockaddr* name, LPINT namelen,
                                      LPINT lpErrno) {
  return result(getpeername(s, name, namelen), lpErrno);
}

static int WSPAPI tcpip_get_sock_name(SOCKET s, struct sockaddr* name, LPINT namelen,
                                      LPINT lpErrno) {
  return result(getsockname(s, name, namelen), lpErrno);
}

static int WSPAPI tcpip_shutdown(SOCKET s, int how, LPINT lpErrno) {
  return result(shutdown(s, how), lpErrno);
}

static int WSPAPI tcpip_address_to_string(LPSOCKADDR lpsaAddress, DWORD dwAddressLength,
                                          LPWSAPROTOCOL_INFOW lpProtocolInfo,
                                          LPWSTR lpszAddressString, LPDWORD lpdwAddressStringLength,
                                          LPINT lpErrno) {
  (void)lpProtocolInfo; /* wpu's entry; the system formats by family */
  return result(WSAAddressToStringW(lpsaAddress, dwAddressLength, NULL, lpszAddressString,
                                    lpdwAddressStringLength),
                lpErrno);
}

static int WSPAPI tcpip_string_to_address(LPWSTR AddressString, INT AddressFamily,
                                          LPWSAPROTOCOL_INFOW lpProtocolInfo, LPSOCKADDR lpAddress,
                                          LPINT lpAddressLength, LPINT lpErrno) {
  (void)lpProtocolInfo;
  return result(WSAStringToAddressW(AddressString, AddressFamily, NULL, lpAddress, lpAddressLength),
                lpErrno);
}

static BOOL WSPAPI tcpip_get_qos_by_name(SOCKET s, LPWSABUF lpQOSName, LPQOS lpQOS, LPINT lpErrno) {
  if (WSAGetQOSByName(s, lpQOSName, lpQOS)) return TRUE;
  fail(lpErrno);
  return FALSE;
}

/* ---- Data --------------------------------------------------------------------- */

/* The overlapped, its event and the completion routine go to the system
   unchanged: it completes them as for any system socket. */

static int WSPAPI tcpip_send(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                             LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
                             LPWSAOVERLAPPED lpOverlapped,
                             LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                             LPWSATHREADID lpThreadId, LPINT lpErrno) {
  (void)lpThreadId;
  return result(WSASend(s, lpBuffers, dwBufferCount, lpNumberOfBytesSent, dwFlags, lpOverlapped,
                        lpCompletionRoutine),
                lpErrno);
}

static int WSPAPI tcpip_send_to(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                                LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
                                const struct sockaddr* lpTo, int iTolen,
                                LPWSAOVERLAPPED lpOverlapped,
                                LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                                LPWSATHREADID lpThreadId, LPINT lpErrno) {
  (void)lpThreadId;
  return result(WSASendTo(s, lpBuffers, dwBufferCount, lpNumberOfBytesSent, dwFlags, lpTo, iTolen,
                          lpOverlapped, lpCompletionRoutine),
                lpErrno);
}

static int WSPAPI tcpip_recv(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                             LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
                             LPWSAOVERLAPPED lpOverlapped,
                             LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                             LPWSATHREADID lpThreadId, LPINT lpErrno) {
  (void)lpThreadId;
  return result(WSARecv(s, lpBuffers, dwBufferCount, lpNumberOfBytesRecvd, lpFlags, lpOverlapped,
                        lpCompletionRoutine),
                lpErrno);
}

static int WSPAPI tcpip_recv_from(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                                  LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
                                  struct sockaddr* lpFrom, LPINT lpFromlen,
                                  LPWSAOVERLAPPED lpOverlapped,
                                  LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                                  LPWSATHREADID lpThreadId, LPINT lpErrno) {
  (void)lpThreadId;
  return result(WSARecvFrom(s, lpBuffers, dwBufferCount, lpNumberOfBytesRecvd, lpFlags, lpFrom,
                            lpFromlen, lpOverlapped, lpCompletionRoutine),
                lpErrno);
}

static int WSPAPI tcpip_send_disconnect(SOCKET s, LPWSABUF lpOutboundDisconnectData,
                                        LPINT lpErrno) {
  return result(WSASendDisconnect(s, lpOutboundDisconnectData), lpErrno);
}

static int WSPAPI tcpip_recv_disconnect(SOCKET s, LPWSABUF lpInboundDisconnectData, LPINT lpErrno) {
  return result(WSARecvDisconnect(s, lpInboundDisconnectData), lpErrno);
}

static BOOL WSPAPI tcpip_get_overlapped_result(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
                                               LPDWORD lpcbTransfer, BOOL fWait, LPDWORD lpdwFlags,
                                               LPINT lpErrno) {
  if (WSAGetOverlappedResult(s, lpOverlapped, lpcbTransfer, fWait, lpdwFlags)) return TRUE;
  fail(lpErrno);
  return FALSE;
}

/* ---- Notification --------------------------------------------------------------- */

static int WSPAPI tcpip_select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                               const PTIMEVAL timeout, LPINT lpErrno) {
  return result(select(nfds, readfds, writefds, exceptfds, timeout), lpErrno);
}

static int WSPAPI tcpip_event_select(SOCKET s, WSAEVENT hEventObject, long lNetworkEvents,
                                     LPINT lpErrno) {
  return result(WSAEventSelect(s, hEventObject, lNetworkEvents), lpErrno);
}

static int WSPAPI tcpip_enum_network_events(SOCKET s, WSAEVENT hEventObject,
                                            LPWSANETWORKEVENTS lpNetworkEvents, LPINT lpErrno) {
  return result(WSAEnumNetworkEvents(s, hEventObject, lpNetworkEvents), lpErrno);
}

static int WSPAPI tcpip_async_select(SOCKET s, HWND hWnd, unsigned int wMsg, long lEvent,
                                     LPINT lpErrno) {
  /* The system posts (wMsg, s, WSAMAKESELECTREPLY(event, error)) to hWnd:
     s is the application's socket, as this provider's sockets are IFS
     handles. */
  return result(WSAAsyncSelect(s, hWnd, wMsg, lEvent), lpErrno);
}

static int WSPAPI tcpip_cancel_blocking_call(LPINT lpErrno) {
  /* Winsock 2.2 has no blocking hooks: the system answers WSAEOPNOTSUPP. */
  return result(WSACancelBlockingCall(), lpErrno);
}

/* ---- Control --------------------------------------------------------------------- */

static int WSPAPI tcpip_ioctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
                              LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
                              LPWSAOVERLAPPED lpOverlapped,
                              LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                              LPWSATHREADID lpThreadId, LPINT lpErrno) {
  (void)lpThreadId;
  /* FIONBIO, FIONREAD, SIO_GET_EXTENSION_FUNCTION_POINTER (the system's
     AcceptEx, ConnectEx, ...: they act on the system socket itself) and
     every other code are the system's. */
  return result(WSAIoctl(s, dwIoControlCode, lpvInBuffer, cbInBuffer, lpvOutBuffer, cbOutBuffer,
                         lpcbBytesReturned, lpOverlapped, lpCompletionRoutine),
                lpErrno);
}

static int WSPAPI tcpip_get_sock_opt(SOCKET s, int level, int optname, char* optval, LPINT optlen,
                                     LPINT lpErrno) {
  if (getsockopt(s, level, optname, optval, optlen) == SOCKET_ERROR) return fail(lpErrno);
  /* SO_PROTOCOL_INFOW: the system checked the socket and the buffer and
     described its own entry; the socket's entry is wpu's. */
  if (level == SOL_SOCKET && optname == SO_PROTOCOL_INFOW && optval != NULL &&
      *optlen >= (int)sizeof(WSAPROTOCOL_INFOW)) {
    WSAPROTOCOL_INFOW e;
    entry_of(s, &e);
    CopyMemory(optval, &e, sizeof e);
  }
  return 0;
}

static int WSPAPI tcpip_set_sock_opt(SOCKET s, int level, int optname, const char* optval,
                                     int optlen, LPINT lpErrno) {
  return result(setsockopt(s, level, optname, optval, optlen), lpErrno);
}

/* ---- Entry points -------------------------------------------------------------- */

static int WSPAPI tcpip_cleanup(LPINT lpErrno) {
  return result(WSACleanup(), lpErrno);
}

/* WSPStartup: any thread (the host calls it once per ProviderId before the
   first socket of one of this provider's entries). Needs version 2.2;
   WSAVERNOTSUPPORTED below it, WSAEFAULT for a NULL output, and the
   system's WSAStartup error when the system's Winsock cannot start. */
TCPIP_EXPORT int WSPAPI WSPStartup(WORD wVersionRequested, LPWSPDATA lpWSPData,
                                   LPWSAPROTOCOL_INFOW lpProtocolInfo, WSPUPCALLTABLE UpcallTable,
                                   LPWSPPROC_TABLE lpProcTable) {
  static const WCHAR description[] = L"wpu Tcpip over the system's Winsock";
  WSADATA wsa;
  int rc, i;
  if (LOBYTE(wVersionRequested) < 2 ||
      (LOBYTE(wVersionRequested) == 2 && HIBYTE(wVersionRequested) < 2))
    return WSAVERNOTSUPPORTED;
  if (lpWSPData == NULL || lpProtocolInfo == NULL || lpProcTable == NULL) return WSAEFAULT;
  if (UpcallTable.lpWPUModifyIFSHandle == NULL) return WSAEINVALIDPROCTABLE;
  rc = WSAStartup(MAKEWORD(2, 2), &wsa);
  if (rc != 0) return rc;
  publish_startup(lpProtocolInfo, &UpcallTable);

  lpWSPData->wVersion = MAKEWORD(2, 2);
  lpWSPData->wHighVersion = MAKEWORD(2, 2);
  for (i = 0; description[i] != 0 && i < WSPDESCRIPTION_LEN; ++i)
    lpWSPData->szDescription[i] = description[i];
  lpWSPData->szDescription[i] = 0;

  lpProcTable->lpWSPAccept = tcpip_accept;
  lpProcTable->lpWSPAddressToString = tcpip_address_to_string;
  lpProcTable->lpWSPAsyncSelect = tcpip_async_select;
  lpProcTable->lpWSPBind = tcpip_bind;
  lpProcTable->lpWSPCancelBlockingCall = tcpip_cancel_blocking_call;
  lpProcTable->lpWSPCleanup = tcpip_cleanup;
  lpProcTable->lpWSPCloseSocket = tcpip_close_socket;
  lpProcTable->lpWSPConnect = tcpip_connect;
  lpProcTable->lpWSPDuplicateSocket = tcpip_duplicate_socket;
  lpProcTable->lpWSPEnumNetworkEvents = tcpip_enum_network_events;
  lpProcTable->lpWSPEventSelect = tcpip_event_select;
  lpProcTable->lpWSPGetOverlappedResult = tcpip_get_overlapped_result;
  lpProcTable->lpWSPGetPeerName = tcpip_get_peer_name;
  lpProcTable->lpWSPGetSockName = tcpip_get_sock_name;
  lpProcTable->lpWSPGetSockOpt = tcpip_get_sock_opt;
  lpProcTable->lpWSPGetQOSByName = tcpip_get_qos_by_name;
  lpProcTable->lpWSPIoctl = tcpip_ioctl;
  lpProcTable->lpWSPJoinLeaf = tcpip_join_leaf;
  lpProcTable->lpWSPListen = tcpip_listen;
  lpProcTable->lpWSPRecv = tcpip_recv;
  lpProcTable->lpWSPRecvDisconnect = tcpip_recv_disconnect;
  lpProcTable->lpWSPRecvFrom = tcpip_recv_from;
  lpProcTable->lpWSPSelect = tcpip_select;
  lpProcTable->lpWSPSend = tcpip_send;
  lpProcTable->lpWSPSendDisconnect = tcpip_send_disconnect;
  lpProcTable->lpWSPSendTo = tcpip_send_to;
  lpProcTable->lpWSPSetSockOpt = tcpip_set_sock_opt;
  lpProcTable->lpWSPShutdown = tcpip_shutdown;
  lpProcTable->lpWSPSocket = tcpip_socket;
  lpProcTable->lpWSPStringToAddress = tcpip_string_to_address;
  return 0;
}
