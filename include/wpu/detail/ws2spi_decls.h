/*
 * wpu/detail/ws2spi_decls.h - the declarations of <wpu/ws2spi.h> without its
 * Windows-name macros: the Win64 types, structures, function-pointer types and
 * constants of the Windows Sockets 2 SPI (POSIX), or the system's <winsock2.h>
 * + <windows.h> + <ws2spi.h> (Windows). Include-guarded.
 *
 * wpu's C++ headers and <wpu/wpu.h> include this, never <wpu/ws2spi.h>, so
 * they define no macro that renames a Windows name (fd_set, FD_SET,
 * WPUCompleteOverlappedRequest, VOID): only a translation unit that includes
 * <wpu/ws2spi.h> itself gets those. What this part does define as macros are
 * values and empty calling conventions, as Windows' headers do: TRUE, FALSE,
 * INFINITE, WAIT_*, ERROR_*, WSAE*, WSA_*, FD_READ and the other FD_ event
 * bits, XP1_*, PFL_*, MAKEWORD, MAKELONG, LOWORD, HIWORD, LOBYTE, HIBYTE,
 * WSAMAKESELECTREPLY and friends, WINAPI, CALLBACK, WSAAPI, WSPAPI, plus
 * wpu's own WPU_* names.
 */
#ifndef WPU_DETAIL_WS2SPI_DECLS_H
#define WPU_DETAIL_WS2SPI_DECLS_H

#if defined(_WIN32)

#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  include <winsock2.h>
#  include <windows.h>
#  include <ws2spi.h>

/* A UTF-16 WCHAR string literal on every platform: WPU_WTEXT("x"). */
#  define WPU_WTEXT(s) L##s

/* Public C functions of the (static) library. */
#  ifndef WPU_C_API
#    define WPU_C_API
#  endif

#else /* !defined(_WIN32) */

#  include <stddef.h>
#  include <stdint.h>

/* The Winsock FD_SETSIZE (WPU_FD_SETSIZE): the application's own
   WPU_FD_SETSIZE, else the FD_SETSIZE it defined before any system header
   that declares select(), else 64. <sys/select.h> defines FD_SETSIZE
   together with FD_ZERO (POSIX: both are macros), so an FD_SETSIZE without
   FD_ZERO is the application's, and one with FD_ZERO the C library's. The
   application's is removed before <sys/select.h> defines its own; its value
   is kept in an enumerator (WPU_FD_SETSIZE then works in expressions, not
   in #if). */
#  if defined(FD_SETSIZE) && !defined(FD_ZERO)
#    if !defined(WPU_FD_SETSIZE)
enum { wpu_fd_setsize_of_app = FD_SETSIZE };
#      define WPU_FD_SETSIZE wpu_fd_setsize_of_app
#    endif
#    undef FD_SETSIZE
#  endif
#  if !defined(WPU_FD_SETSIZE)
#    define WPU_FD_SETSIZE 64
#  endif

#  include <sys/types.h>
#  include <sys/select.h>
#  include <sys/socket.h>
#  include <sys/time.h>

/* The C library's fd_set operations as functions, and its FD_SETSIZE as a
   constant, made here where the C library's macros are still visible:
   <wpu/ws2spi.h> later maps those names onto Winsock's set, and a header
   compiled after it that needs the C library's (wpu/message_loop.hpp, for
   Boost.Asio) maps them back onto these, on any C library. */
enum { wpu_libc_fd_setsize = FD_SETSIZE };
static inline void wpu_libc_fd_zero(fd_set* set) {
  FD_ZERO(set);
}
static inline void wpu_libc_fd_set(int fd, fd_set* set) {
  FD_SET(fd, set);
}
static inline void wpu_libc_fd_clr(int fd, fd_set* set) {
  FD_CLR(fd, set);
}
static inline int wpu_libc_fd_isset(int fd, const fd_set* set) {
  return FD_ISSET(fd, set) != 0;
}

#  ifdef __cplusplus
extern "C" {
#  endif

/* ---- Calling convention and linkage ---------------------------------- */
#  define WINAPI
#  define CALLBACK
#  define WSAAPI
#  define WSPAPI

#  if defined(__GNUC__)
#    define WPU_EXTENSION __extension__
#  else
#    define WPU_EXTENSION
#  endif

/* Public C functions of the compiled library (prefixed, never Win32 names,
   so a process can also load WinPR or Wine's libraries). */
#  if defined(__GNUC__)
#    define WPU_C_API __attribute__((visibility("default")))
#  else
#    define WPU_C_API
#  endif

/* ---- Scalar types (LLP64) ------------------------------------------- */
typedef int BOOL, *PBOOL, *LPBOOL;
typedef int INT, *PINT, *LPINT;
typedef unsigned int UINT, *PUINT;
typedef char CHAR, *PCHAR, *LPSTR;
typedef const char* LPCSTR;
typedef uint8_t BYTE, *PBYTE, *LPBYTE;
typedef uint16_t WORD, *PWORD, *LPWORD;
typedef uint32_t DWORD, *PDWORD, *LPDWORD;
typedef int32_t LONG, *PLONG;
typedef uint32_t ULONG, *PULONG;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef intptr_t INT_PTR, LONG_PTR;
typedef uintptr_t UINT_PTR, ULONG_PTR, DWORD_PTR, SIZE_T;
typedef ULONG_PTR* PULONG_PTR;
typedef DWORD_PTR* PDWORD_PTR;
typedef void *PVOID, *LPVOID;
typedef const void* LPCVOID;
#  ifdef __cplusplus
typedef char16_t WCHAR;
#  else
typedef uint16_t WCHAR;
#  endif
typedef WCHAR *PWCHAR, *LPWSTR, *PWSTR;
/* A UTF-16 WCHAR string literal on every platform: WPU_WTEXT("x"). */
#  define WPU_WTEXT(s) u##s
typedef const WCHAR *LPCWSTR, *PCWSTR;

typedef void* HANDLE;
typedef HANDLE* PHANDLE;
typedef HANDLE* LPHANDLE;
typedef struct HWND__* HWND;
typedef UINT_PTR WPARAM;
typedef LONG_PTR LPARAM;
typedef LONG_PTR LRESULT;

typedef UINT_PTR SOCKET;
typedef unsigned int GROUP;
typedef HANDLE WSAEVENT;
typedef HANDLE* LPWSAEVENT;

#  ifndef FALSE
#    define FALSE 0
#  endif
#  ifndef TRUE
#    define TRUE 1
#  endif

typedef struct _GUID {
  uint32_t Data1;
  uint16_t Data2;
  uint16_t Data3;
  uint8_t Data4[8];
} GUID, *LPGUID;

/* The system's sockaddr and timeval are used: same field names, so source
   ports; timeval has 64-bit fields on LP64 Linux (deviation from Windows). */
typedef struct sockaddr SOCKADDR, *PSOCKADDR, *LPSOCKADDR;
typedef struct timeval TIMEVAL, *PTIMEVAL, *LPTIMEVAL;

/* ---- Word macros ------------------------------------------------------ */
#  define MAKEWORD(a, b) \
    ((WORD)(((BYTE)((DWORD_PTR)(a)&0xff)) | ((WORD)((BYTE)((DWORD_PTR)(b)&0xff))) << 8))
#  define MAKELONG(a, b) \
    ((LONG)(((WORD)((DWORD_PTR)(a)&0xffff)) | ((DWORD)((WORD)((DWORD_PTR)(b)&0xffff))) << 16))
#  define LOWORD(l) ((WORD)((DWORD_PTR)(l)&0xffff))
#  define HIWORD(l) ((WORD)((DWORD_PTR)(l) >> 16))
#  define LOBYTE(w) ((BYTE)((DWORD_PTR)(w)&0xff))
#  define HIBYTE(w) ((BYTE)((DWORD_PTR)(w) >> 8))

/* ---- Socket constants -------------------------------------------------- */
#  define INVALID_SOCKET ((SOCKET)(~0))
#  define SOCKET_ERROR (-1)
#  define WSA_INVALID_EVENT ((WSAEVENT)NULL)
#  define WINSOCK_VERSION MAKEWORD(2, 2)
#  define WSS_OPERATION_IN_PROGRESS 0x00000103L
#  define WAIT_IO_COMPLETION 0x000000C0L
#  define WSA_WAIT_IO_COMPLETION WAIT_IO_COMPLETION
/* Waits (winbase.h / winsock2.h values); the functions are in <wpu/winapi.h>. */
#  define INFINITE 0xFFFFFFFF
#  define WAIT_OBJECT_0 0x00000000L
#  define WAIT_TIMEOUT 0x00000102L
#  define WAIT_FAILED ((DWORD)0xFFFFFFFF)
#  define MAXIMUM_WAIT_OBJECTS 64
#  define WSA_MAXIMUM_WAIT_EVENTS MAXIMUM_WAIT_OBJECTS
#  define WSA_WAIT_EVENT_0 ((DWORD)0)
#  define WSA_WAIT_TIMEOUT WAIT_TIMEOUT
#  define WSA_WAIT_FAILED WAIT_FAILED
#  define WSA_INFINITE INFINITE
#  define WSADESCRIPTION_LEN 256
#  define WSASYS_STATUS_LEN 128
#  define WSPDESCRIPTION_LEN 255
#  define WSAPROTOCOL_LEN 255
#  define MAX_PROTOCOL_CHAIN 7
#  define BASE_PROTOCOL 1
#  define LAYERED_PROTOCOL 0

/* ---- Error codes (winerror.h values) ----------------------------------- */
#  define ERROR_SUCCESS 0L
#  define NO_ERROR 0L
#  define ERROR_INVALID_HANDLE 6L
#  define ERROR_NOT_ENOUGH_MEMORY 8L
#  define ERROR_GEN_FAILURE 31L
#  define ERROR_INVALID_PARAMETER 87L
#  define ERROR_OPERATION_ABORTED 995L
#  define ERROR_IO_INCOMPLETE 996L
#  define ERROR_IO_PENDING 997L
#  define WSA_INVALID_HANDLE ERROR_INVALID_HANDLE
#  define WSA_NOT_ENOUGH_MEMORY ERROR_NOT_ENOUGH_MEMORY
#  define WSA_INVALID_PARAMETER ERROR_INVALID_PARAMETER
#  define WSA_OPERATION_ABORTED ERROR_OPERATION_ABORTED
#  define WSA_IO_INCOMPLETE ERROR_IO_INCOMPLETE
#  define WSA_IO_PENDING ERROR_IO_PENDING

#  define WSABASEERR 10000
#  define WSAEINTR 10004L
#  define WSAEBADF 10009L
#  define WSAEACCES 10013L
#  define WSAEFAULT 10014L
#  define WSAEINVAL 10022L
#  define WSAEMFILE 10024L
#  define WSAEWOULDBLOCK 10035L
#  define WSAEINPROGRESS 10036L
#  define WSAEALREADY 10037L
#  define WSAENOTSOCK 10038L
#  define WSAEDESTADDRREQ 10039L
#  define WSAEMSGSIZE 10040L
#  define WSAEPROTOTYPE 10041L
#  define WSAENOPROTOOPT 10042L
#  define WSAEPROTONOSUPPORT 10043L
#  define WSAESOCKTNOSUPPORT 10044L
#  define WSAEOPNOTSUPP 10045L
#  define WSAEPFNOSUPPORT 10046L
#  define WSAEAFNOSUPPORT 10047L
#  define WSAEADDRINUSE 10048L
#  define WSAEADDRNOTAVAIL 10049L
#  define WSAENETDOWN 10050L
#  define WSAENETUNREACH 10051L
#  define WSAENETRESET 10052L
#  define WSAECONNABORTED 10053L
#  define WSAECONNRESET 10054L
#  define WSAENOBUFS 10055L
#  define WSAEISCONN 10056L
#  define WSAENOTCONN 10057L
#  define WSAESHUTDOWN 10058L
#  define WSAETOOMANYREFS 10059L
#  define WSAETIMEDOUT 10060L
#  define WSAECONNREFUSED 10061L
#  define WSAELOOP 10062L
#  define WSAENAMETOOLONG 10063L
#  define WSAEHOSTDOWN 10064L
#  define WSAEHOSTUNREACH 10065L
#  define WSAENOTEMPTY 10066L
#  define WSAEPROCLIM 10067L
#  define WSAEUSERS 10068L
#  define WSAEDQUOT 10069L
#  define WSAESTALE 10070L
#  define WSAEREMOTE 10071L
#  define WSASYSNOTREADY 10091L
#  define WSAVERNOTSUPPORTED 10092L
#  define WSANOTINITIALISED 10093L
#  define WSAEDISCON 10101L
#  define WSAENOMORE 10102L
#  define WSAECANCELLED 10103L
#  define WSAEINVALIDPROCTABLE 10104L
#  define WSAEINVALIDPROVIDER 10105L
#  define WSAEPROVIDERFAILEDINIT 10106L
#  define WSASYSCALLFAILURE 10107L
#  define WSASERVICE_NOT_FOUND 10108L
#  define WSATYPE_NOT_FOUND 10109L
#  define WSA_E_NO_MORE 10110L
#  define WSA_E_CANCELLED 10111L
#  define WSAEREFUSED 10112L
#  define WSAHOST_NOT_FOUND 11001L
#  define WSATRY_AGAIN 11002L
#  define WSANO_RECOVERY 11003L
#  define WSANO_DATA 11004L

/* ---- Network events and select replies -------------------------------- */
#  define FD_READ_BIT 0
#  define FD_READ (1 << FD_READ_BIT)
#  define FD_WRITE_BIT 1
#  define FD_WRITE (1 << FD_WRITE_BIT)
#  define FD_OOB_BIT 2
#  define FD_OOB (1 << FD_OOB_BIT)
#  define FD_ACCEPT_BIT 3
#  define FD_ACCEPT (1 << FD_ACCEPT_BIT)
#  define FD_CONNECT_BIT 4
#  define FD_CONNECT (1 << FD_CONNECT_BIT)
#  define FD_CLOSE_BIT 5
#  define FD_CLOSE (1 << FD_CLOSE_BIT)
#  define FD_QOS_BIT 6
#  define FD_QOS (1 << FD_QOS_BIT)
#  define FD_GROUP_QOS_BIT 7
#  define FD_GROUP_QOS (1 << FD_GROUP_QOS_BIT)
#  define FD_ROUTING_INTERFACE_CHANGE_BIT 8
#  define FD_ROUTING_INTERFACE_CHANGE (1 << FD_ROUTING_INTERFACE_CHANGE_BIT)
#  define FD_ADDRESS_LIST_CHANGE_BIT 9
#  define FD_ADDRESS_LIST_CHANGE (1 << FD_ADDRESS_LIST_CHANGE_BIT)
#  define FD_MAX_EVENTS 10
#  define FD_ALL_EVENTS ((1 << FD_MAX_EVENTS) - 1)

#  define WSAMAKEASYNCREPLY(buflen, error) MAKELONG(buflen, error)
#  define WSAMAKESELECTREPLY(event, error) MAKELONG(event, error)
#  define WSAGETASYNCBUFLEN(lParam) LOWORD(lParam)
#  define WSAGETASYNCERROR(lParam) HIWORD(lParam)
#  define WSAGETSELECTEVENT(lParam) LOWORD(lParam)
#  define WSAGETSELECTERROR(lParam) HIWORD(lParam)

/* ---- Protocol info flags ---------------------------------------------- */
#  define XP1_CONNECTIONLESS 0x00000001
#  define XP1_GUARANTEED_DELIVERY 0x00000002
#  define XP1_GUARANTEED_ORDER 0x00000004
#  define XP1_MESSAGE_ORIENTED 0x00000008
#  define XP1_PSEUDO_STREAM 0x00000010
#  define XP1_GRACEFUL_CLOSE 0x00000020
#  define XP1_EXPEDITED_DATA 0x00000040
#  define XP1_CONNECT_DATA 0x00000080
#  define XP1_DISCONNECT_DATA 0x00000100
#  define XP1_SUPPORT_BROADCAST 0x00000200
#  define XP1_SUPPORT_MULTIPOINT 0x00000400
#  define XP1_MULTIPOINT_CONTROL_PLANE 0x00000800
#  define XP1_MULTIPOINT_DATA_PLANE 0x00001000
#  define XP1_QOS_SUPPORTED 0x00002000
#  define XP1_INTERRUPT 0x00004000
#  define XP1_UNI_SEND 0x00008000
#  define XP1_UNI_RECV 0x00010000
#  define XP1_IFS_HANDLES 0x00020000
#  define XP1_PARTIAL_MESSAGE 0x00040000
#  define XP1_SAN_SUPPORT_SDP 0x00080000
#  define PFL_MULTIPLE_PROTO_ENTRIES 0x00000001
#  define PFL_RECOMMENDED_PROTO_ENTRY 0x00000002
#  define PFL_HIDDEN 0x00000004
#  define PFL_MATCHES_PROTOCOL_ZERO 0x00000008
#  define PFL_NETWORKDIRECT_PROVIDER 0x00000010

/* ---- Winsock fd_set ---------------------------------------------------- */
typedef struct wpu_fd_set {
  unsigned int fd_count;
  SOCKET fd_array[WPU_FD_SETSIZE];
} wpu_fd_set;

/* __WSAFDIsSet: nonzero when s is one of the first fd_count entries. Like
   Windows, fd_count is trusted; a set with a garbage count is undefined. */
static inline int wpu_fd_is_set(SOCKET s, const wpu_fd_set* set) {
  unsigned int i;
  if (set == NULL) return 0;
  for (i = 0; i < set->fd_count; ++i)
    if (set->fd_array[i] == s) return 1;
  return 0;
}

/* FD_SET: skips a duplicate, stops silently when the set is full. */
static inline void wpu_fd_set_add(SOCKET s, SOCKET* array, unsigned int* count,
                                  unsigned int capacity) {
  unsigned int i;
  for (i = 0; i < *count; ++i)
    if (array[i] == s) return;
  if (*count < capacity) array[(*count)++] = s;
}

/* FD_CLR: removes s and shifts the later entries down. */
static inline void wpu_fd_set_remove(SOCKET s, SOCKET* array, unsigned int* count) {
  unsigned int i;
  for (i = 0; i < *count; ++i) {
    if (array[i] == s) {
      for (; i + 1 < *count; ++i) array[i] = array[i + 1];
      --*count;
      return;
    }
  }
}

/* ---- Structures -------------------------------------------------------- */
typedef struct _OVERLAPPED {
  ULONG_PTR Internal;
  ULONG_PTR InternalHigh;
  WPU_EXTENSION union {
    WPU_EXTENSION struct {
      DWORD Offset;
      DWORD OffsetHigh;
    };
    PVOID Pointer;
  };
  HANDLE hEvent;
} OVERLAPPED, *LPOVERLAPPED;
typedef OVERLAPPED WSAOVERLAPPED, *LPWSAOVERLAPPED;

typedef void(CALLBACK* LPWSAOVERLAPPED_COMPLETION_ROUTINE)(DWORD dwError, DWORD cbTransferred,
                                                           LPWSAOVERLAPPED lpOverlapped,
                                                           DWORD dwFlags);

typedef struct _WSATHREADID {
  HANDLE ThreadHandle;
  DWORD_PTR Reserved;
} WSATHREADID, *LPWSATHREADID;

typedef struct _WSABUF {
  ULONG len;
  CHAR* buf;
} WSABUF, *LPWSABUF;

typedef ULONG SERVICETYPE;
typedef struct _flowspec {
  ULONG TokenRate;
  ULONG TokenBucketSize;
  ULONG PeakBandwidth;
  ULONG Latency;
  ULONG DelayVariation;
  SERVICETYPE ServiceType;
  ULONG MaxSduSize;
  ULONG MinimumPolicedSize;
} FLOWSPEC, *PFLOWSPEC, *LPFLOWSPEC;

typedef struct _QualityOfService {
  FLOWSPEC SendingFlowspec;
  FLOWSPEC ReceivingFlowspec;
  WSABUF ProviderSpecific;
} QOS, *LPQOS;

typedef struct _WSANETWORKEVENTS {
  LONG lNetworkEvents;
  int iErrorCode[FD_MAX_EVENTS];
} WSANETWORKEVENTS, *LPWSANETWORKEVENTS;

typedef struct _WSAPROTOCOLCHAIN {
  int ChainLen;
  DWORD ChainEntries[MAX_PROTOCOL_CHAIN];
} WSAPROTOCOLCHAIN, *LPWSAPROTOCOLCHAIN;

typedef struct _WSAPROTOCOL_INFOW {
  DWORD dwServiceFlags1;
  DWORD dwServiceFlags2;
  DWORD dwServiceFlags3;
  DWORD dwServiceFlags4;
  DWORD dwProviderFlags;
  GUID ProviderId;
  DWORD dwCatalogEntryId;
  WSAPROTOCOLCHAIN ProtocolChain;
  int iVersion;
  int iAddressFamily;
  int iMaxSockAddr;
  int iMinSockAddr;
  int iSocketType;
  int iProtocol;
  int iProtocolMaxOffset;
  int iNetworkByteOrder;
  int iSecurityScheme;
  DWORD dwMessageSize;
  DWORD dwProviderReserved;
  WCHAR szProtocol[WSAPROTOCOL_LEN + 1];
} WSAPROTOCOL_INFOW, *LPWSAPROTOCOL_INFOW;

typedef struct WSPData {
  WORD wVersion;
  WORD wHighVersion;
  WCHAR szDescription[WSPDESCRIPTION_LEN + 1];
} WSPDATA, *LPWSPDATA;

typedef int(CALLBACK* LPCONDITIONPROC)(LPWSABUF lpCallerId, LPWSABUF lpCallerData, LPQOS lpSQOS,
                                       LPQOS lpGQOS, LPWSABUF lpCalleeId, LPWSABUF lpCalleeData,
                                       GROUP* g, DWORD_PTR dwCallbackData);
typedef BOOL(CALLBACK* LPBLOCKINGCALLBACK)(DWORD_PTR dwContext);
typedef void(CALLBACK* LPWSAUSERAPC)(DWORD_PTR dwContext);

/* ---- Provider procedure table (30 entries, in Windows' order) ---------- */
typedef SOCKET(WSPAPI* LPWSPACCEPT)(SOCKET s, struct sockaddr* addr, LPINT addrlen,
                                    LPCONDITIONPROC lpfnCondition, DWORD_PTR dwCallbackData,
                                    LPINT lpErrno);
typedef INT(WSPAPI* LPWSPADDRESSTOSTRING)(LPSOCKADDR lpsaAddress, DWORD dwAddressLength,
                                          LPWSAPROTOCOL_INFOW lpProtocolInfo,
                                          LPWSTR lpszAddressString, LPDWORD lpdwAddressStringLength,
                                          LPINT lpErrno);
typedef int(WSPAPI* LPWSPASYNCSELECT)(SOCKET s, HWND hWnd, unsigned int wMsg, LONG lEvent,
                                      LPINT lpErrno);
typedef int(WSPAPI* LPWSPBIND)(SOCKET s, const struct sockaddr* name, int namelen, LPINT lpErrno);
typedef int(WSPAPI* LPWSPCANCELBLOCKINGCALL)(LPINT lpErrno);
typedef int(WSPAPI* LPWSPCLEANUP)(LPINT lpErrno);
typedef int(WSPAPI* LPWSPCLOSESOCKET)(SOCKET s, LPINT lpErrno);
typedef int(WSPAPI* LPWSPCONNECT)(SOCKET s, const struct sockaddr* name, int namelen,
                                  LPWSABUF lpCallerData, LPWSABUF lpCalleeData, LPQOS lpSQOS,
                                  LPQOS lpGQOS, LPINT lpErrno);
typedef int(WSPAPI* LPWSPDUPLICATESOCKET)(SOCKET s, DWORD dwProcessId,
                                          LPWSAPROTOCOL_INFOW lpProtocolInfo, LPINT lpErrno);
typedef int(WSPAPI* LPWSPENUMNETWORKEVENTS)(SOCKET s, WSAEVENT hEventObject,
                                            LPWSANETWORKEVENTS lpNetworkEvents, LPINT lpErrno);
typedef int(WSPAPI* LPWSPEVENTSELECT)(SOCKET s, WSAEVENT hEventObject, LONG lNetworkEvents,
                                      LPINT lpErrno);
typedef BOOL(WSPAPI* LPWSPGETOVERLAPPEDRESULT)(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
                                               LPDWORD lpcbTransfer, BOOL fWait, LPDWORD lpdwFlags,
                                               LPINT lpErrno);
typedef int(WSPAPI* LPWSPGETPEERNAME)(SOCKET s, struct sockaddr* name, LPINT namelen,
                                      LPINT lpErrno);
typedef int(WSPAPI* LPWSPGETSOCKNAME)(SOCKET s, struct sockaddr* name, LPINT namelen,
                                      LPINT lpErrno);
typedef int(WSPAPI* LPWSPGETSOCKOPT)(SOCKET s, int level, int optname, char* optval, LPINT optlen,
                                     LPINT lpErrno);
typedef BOOL(WSPAPI* LPWSPGETQOSBYNAME)(SOCKET s, LPWSABUF lpQOSName, LPQOS lpQOS, LPINT lpErrno);
typedef int(WSPAPI* LPWSPIOCTL)(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer,
                                DWORD cbInBuffer, LPVOID lpvOutBuffer, DWORD cbOutBuffer,
                                LPDWORD lpcbBytesReturned, LPWSAOVERLAPPED lpOverlapped,
                                LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                                LPWSATHREADID lpThreadId, LPINT lpErrno);
typedef SOCKET(WSPAPI* LPWSPJOINLEAF)(SOCKET s, const struct sockaddr* name, int namelen,
                                      LPWSABUF lpCallerData, LPWSABUF lpCalleeData, LPQOS lpSQOS,
                                      LPQOS lpGQOS, DWORD dwFlags, LPINT lpErrno);
typedef int(WSPAPI* LPWSPLISTEN)(SOCKET s, int backlog, LPINT lpErrno);
typedef int(WSPAPI* LPWSPRECV)(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                               LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
                               LPWSAOVERLAPPED lpOverlapped,
                               LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                               LPWSATHREADID lpThreadId, LPINT lpErrno);
typedef int(WSPAPI* LPWSPRECVDISCONNECT)(SOCKET s, LPWSABUF lpInboundDisconnectData, LPINT lpErrno);
typedef int(WSPAPI* LPWSPRECVFROM)(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                                   LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
                                   struct sockaddr* lpFrom, LPINT lpFromlen,
                                   LPWSAOVERLAPPED lpOverlapped,
                                   LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                                   LPWSATHREADID lpThreadId, LPINT lpErrno);
typedef int(WSPAPI* LPWSPSELECT)(int nfds, wpu_fd_set* readfds, wpu_fd_set* writefds,
                                 wpu_fd_set* exceptfds, const PTIMEVAL timeout, LPINT lpErrno);
typedef int(WSPAPI* LPWSPSEND)(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                               LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
                               LPWSAOVERLAPPED lpOverlapped,
                               LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                               LPWSATHREADID lpThreadId, LPINT lpErrno);
typedef int(WSPAPI* LPWSPSENDDISCONNECT)(SOCKET s, LPWSABUF lpOutboundDisconnectData,
                                         LPINT lpErrno);
typedef int(WSPAPI* LPWSPSENDTO)(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                                 LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
                                 const struct sockaddr* lpTo, int iTolen,
                                 LPWSAOVERLAPPED lpOverlapped,
                                 LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
                                 LPWSATHREADID lpThreadId, LPINT lpErrno);
typedef int(WSPAPI* LPWSPSETSOCKOPT)(SOCKET s, int level, int optname, const char* optval,
                                     int optlen, LPINT lpErrno);
typedef int(WSPAPI* LPWSPSHUTDOWN)(SOCKET s, int how, LPINT lpErrno);
typedef SOCKET(WSPAPI* LPWSPSOCKET)(int af, int type, int protocol,
                                    LPWSAPROTOCOL_INFOW lpProtocolInfo, GROUP g, DWORD dwFlags,
                                    LPINT lpErrno);
typedef INT(WSPAPI* LPWSPSTRINGTOADDRESS)(LPWSTR AddressString, INT AddressFamily,
                                          LPWSAPROTOCOL_INFOW lpProtocolInfo, LPSOCKADDR lpAddress,
                                          LPINT lpAddressLength, LPINT lpErrno);

typedef struct _WSPPROC_TABLE {
  LPWSPACCEPT lpWSPAccept;
  LPWSPADDRESSTOSTRING lpWSPAddressToString;
  LPWSPASYNCSELECT lpWSPAsyncSelect;
  LPWSPBIND lpWSPBind;
  LPWSPCANCELBLOCKINGCALL lpWSPCancelBlockingCall;
  LPWSPCLEANUP lpWSPCleanup;
  LPWSPCLOSESOCKET lpWSPCloseSocket;
  LPWSPCONNECT lpWSPConnect;
  LPWSPDUPLICATESOCKET lpWSPDuplicateSocket;
  LPWSPENUMNETWORKEVENTS lpWSPEnumNetworkEvents;
  LPWSPEVENTSELECT lpWSPEventSelect;
  LPWSPGETOVERLAPPEDRESULT lpWSPGetOverlappedResult;
  LPWSPGETPEERNAME lpWSPGetPeerName;
  LPWSPGETSOCKNAME lpWSPGetSockName;
  LPWSPGETSOCKOPT lpWSPGetSockOpt;
  LPWSPGETQOSBYNAME lpWSPGetQOSByName;
  LPWSPIOCTL lpWSPIoctl;
  LPWSPJOINLEAF lpWSPJoinLeaf;
  LPWSPLISTEN lpWSPListen;
  LPWSPRECV lpWSPRecv;
  LPWSPRECVDISCONNECT lpWSPRecvDisconnect;
  LPWSPRECVFROM lpWSPRecvFrom;
  LPWSPSELECT lpWSPSelect;
  LPWSPSEND lpWSPSend;
  LPWSPSENDDISCONNECT lpWSPSendDisconnect;
  LPWSPSENDTO lpWSPSendTo;
  LPWSPSETSOCKOPT lpWSPSetSockOpt;
  LPWSPSHUTDOWN lpWSPShutdown;
  LPWSPSOCKET lpWSPSocket;
  LPWSPSTRINGTOADDRESS lpWSPStringToAddress;
} WSPPROC_TABLE, *LPWSPPROC_TABLE;

/* ---- Upcall table (15 entries, in Windows' order) ---------------------- */
typedef BOOL(WSPAPI* LPWPUCLOSEEVENT)(WSAEVENT hEvent, LPINT lpErrno);
typedef int(WSPAPI* LPWPUCLOSESOCKETHANDLE)(SOCKET s, LPINT lpErrno);
typedef WSAEVENT(WSPAPI* LPWPUCREATEEVENT)(LPINT lpErrno);
typedef SOCKET(WSPAPI* LPWPUCREATESOCKETHANDLE)(DWORD dwCatalogEntryId, DWORD_PTR dwContext,
                                                LPINT lpErrno);
typedef int(WSPAPI* LPWPUFDISSET)(SOCKET s, wpu_fd_set* fdset);
typedef int(WSPAPI* LPWPUGETPROVIDERPATH)(LPGUID lpProviderId, WCHAR* lpszProviderDllPath,
                                          LPINT lpProviderDllPathLen, LPINT lpErrno);
typedef SOCKET(WSPAPI* LPWPUMODIFYIFSHANDLE)(DWORD dwCatalogEntryId, SOCKET ProposedHandle,
                                             LPINT lpErrno);
typedef BOOL(WSPAPI* LPWPUPOSTMESSAGE)(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam);
typedef int(WSPAPI* LPWPUQUERYBLOCKINGCALLBACK)(DWORD dwCatalogEntryId,
                                                LPBLOCKINGCALLBACK* lplpfnCallback,
                                                PDWORD_PTR lpdwContext, LPINT lpErrno);
typedef int(WSPAPI* LPWPUQUERYSOCKETHANDLECONTEXT)(SOCKET s, PDWORD_PTR lpContext, LPINT lpErrno);
typedef int(WSPAPI* LPWPUQUEUEAPC)(LPWSATHREADID lpThreadId, LPWSAUSERAPC lpfnUserApc,
                                   DWORD_PTR dwContext, LPINT lpErrno);
typedef BOOL(WSPAPI* LPWPURESETEVENT)(WSAEVENT hEvent, LPINT lpErrno);
typedef BOOL(WSPAPI* LPWPUSETEVENT)(WSAEVENT hEvent, LPINT lpErrno);
typedef int(WSPAPI* LPWPUOPENCURRENTTHREAD)(LPWSATHREADID lpThreadId, LPINT lpErrno);
typedef int(WSPAPI* LPWPUCLOSETHREAD)(LPWSATHREADID lpThreadId, LPINT lpErrno);
typedef int(WSPAPI* LPWPUCOMPLETEOVERLAPPEDREQUEST)(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
                                                    DWORD dwError, DWORD cbTransferred,
                                                    LPINT lpErrno);

typedef struct _WSPUPCALLTABLE {
  LPWPUCLOSEEVENT lpWPUCloseEvent;
  LPWPUCLOSESOCKETHANDLE lpWPUCloseSocketHandle;
  LPWPUCREATEEVENT lpWPUCreateEvent;
  LPWPUCREATESOCKETHANDLE lpWPUCreateSocketHandle;
  LPWPUFDISSET lpWPUFDIsSet;
  LPWPUGETPROVIDERPATH lpWPUGetProviderPath;
  LPWPUMODIFYIFSHANDLE lpWPUModifyIFSHandle;
  LPWPUPOSTMESSAGE lpWPUPostMessage;
  LPWPUQUERYBLOCKINGCALLBACK lpWPUQueryBlockingCallback;
  LPWPUQUERYSOCKETHANDLECONTEXT lpWPUQuerySocketHandleContext;
  LPWPUQUEUEAPC lpWPUQueueApc;
  LPWPURESETEVENT lpWPUResetEvent;
  LPWPUSETEVENT lpWPUSetEvent;
  LPWPUOPENCURRENTTHREAD lpWPUOpenCurrentThread;
  LPWPUCLOSETHREAD lpWPUCloseThread;
} WSPUPCALLTABLE, *LPWSPUPCALLTABLE;

typedef int(WSPAPI* LPWSPSTARTUP)(WORD wVersionRequested, LPWSPDATA lpWSPData,
                                  LPWSAPROTOCOL_INFOW lpProtocolInfo, WSPUPCALLTABLE UpcallTable,
                                  LPWSPPROC_TABLE lpProcTable);

/* A provider defines this (the table arrives by value, as on Windows). */
int WSPAPI WSPStartup(WORD wVersionRequested, LPWSPDATA lpWSPData,
                      LPWSAPROTOCOL_INFOW lpProtocolInfo, WSPUPCALLTABLE UpcallTable,
                      LPWSPPROC_TABLE lpProcTable);

/* ws2_32's one exported upcall, provided by the compiled wpu library under a
   prefixed symbol (docs/porting.md, "Calling convention and symbols"). */
WPU_C_API int WSPAPI wpu_complete_overlapped_request(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
                                                     DWORD dwError, DWORD cbTransferred,
                                                     LPINT lpErrno);

/* ---- Win64 layout pins -------------------------------------------------- */
#  if defined(__cplusplus)
#    define WPU_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#  elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#    define WPU_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#  else
#    define WPU_STATIC_ASSERT_CAT2(a, b) a##b
#    define WPU_STATIC_ASSERT_CAT(a, b) WPU_STATIC_ASSERT_CAT2(a, b)
#    define WPU_STATIC_ASSERT(cond, msg) \
      typedef char WPU_STATIC_ASSERT_CAT(wpu_static_assert_, __LINE__)[(cond) ? 1 : -1]
#  endif

#  if UINTPTR_MAX == 0xffffffffffffffffu
WPU_STATIC_ASSERT(sizeof(DWORD) == 4 && sizeof(LONG) == 4 && sizeof(WCHAR) == 2, "LLP64 scalars");
WPU_STATIC_ASSERT(sizeof(SOCKET) == 8 && sizeof(HANDLE) == 8 && sizeof(DWORD_PTR) == 8, "pointers");
WPU_STATIC_ASSERT(sizeof(WPARAM) == 8 && sizeof(LPARAM) == 8 && sizeof(GUID) == 16, "GUID, params");
WPU_STATIC_ASSERT(sizeof(WSPUPCALLTABLE) == 120, "WSPUPCALLTABLE is 15 pointers");
WPU_STATIC_ASSERT(offsetof(WSPUPCALLTABLE, lpWPUPostMessage) == 56, "slot 7");
WPU_STATIC_ASSERT(offsetof(WSPUPCALLTABLE, lpWPUCloseThread) == 112, "slot 14");
WPU_STATIC_ASSERT(sizeof(WSPPROC_TABLE) == 240, "WSPPROC_TABLE is 30 pointers");
WPU_STATIC_ASSERT(offsetof(WSPPROC_TABLE, lpWSPStringToAddress) == 232, "last proc slot");
WPU_STATIC_ASSERT(sizeof(WSATHREADID) == 16, "WSATHREADID");
WPU_STATIC_ASSERT(offsetof(WSATHREADID, Reserved) == 8, "WSATHREADID.Reserved");
WPU_STATIC_ASSERT(sizeof(WSAOVERLAPPED) == 32, "WSAOVERLAPPED");
WPU_STATIC_ASSERT(offsetof(WSAOVERLAPPED, InternalHigh) == 8, "InternalHigh");
WPU_STATIC_ASSERT(offsetof(WSAOVERLAPPED, Offset) == 16, "Offset");
WPU_STATIC_ASSERT(offsetof(WSAOVERLAPPED, OffsetHigh) == 20, "OffsetHigh");
WPU_STATIC_ASSERT(offsetof(WSAOVERLAPPED, Pointer) == 16, "Pointer");
WPU_STATIC_ASSERT(offsetof(WSAOVERLAPPED, hEvent) == 24, "hEvent");
WPU_STATIC_ASSERT(sizeof(wpu_fd_set) == 8 + 8 * WPU_FD_SETSIZE, "fd_set");
WPU_STATIC_ASSERT(offsetof(wpu_fd_set, fd_array) == 8, "fd_set.fd_array");
WPU_STATIC_ASSERT(sizeof(WSPDATA) == 516, "WSPDATA");
WPU_STATIC_ASSERT(offsetof(WSPDATA, szDescription) == 4, "WSPDATA.szDescription");
WPU_STATIC_ASSERT(sizeof(WSAPROTOCOL_INFOW) == 628, "WSAPROTOCOL_INFOW");
WPU_STATIC_ASSERT(offsetof(WSAPROTOCOL_INFOW, ProviderId) == 20, "ProviderId");
WPU_STATIC_ASSERT(offsetof(WSAPROTOCOL_INFOW, dwCatalogEntryId) == 36, "dwCatalogEntryId");
WPU_STATIC_ASSERT(offsetof(WSAPROTOCOL_INFOW, ProtocolChain) == 40, "ProtocolChain");
WPU_STATIC_ASSERT(offsetof(WSAPROTOCOL_INFOW, iVersion) == 72, "iVersion");
WPU_STATIC_ASSERT(offsetof(WSAPROTOCOL_INFOW, szProtocol) == 116, "szProtocol");
WPU_STATIC_ASSERT(sizeof(WSABUF) == 16 && sizeof(QOS) == 80, "WSABUF, QOS");
WPU_STATIC_ASSERT(sizeof(WSANETWORKEVENTS) == 44, "WSANETWORKEVENTS");
#  endif

#  ifdef __cplusplus
} /* extern "C" */
#  endif

#endif /* defined(_WIN32) */

#endif /* WPU_DETAIL_WS2SPI_DECLS_H */
