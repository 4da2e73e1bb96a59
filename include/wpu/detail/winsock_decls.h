/*
 * wpu/detail/winsock_decls.h - the application side of Winsock as wpu's
 * provider host serves it: WSAStartup, socket, send, select... routed to the
 * provider that made each socket (README.md, "Hosting a provider").
 *
 * The functions are exported with a `wpu_` prefix on every platform: on
 * Windows ws2_32 owns Windows' names, and on POSIX the C library owns
 * socket(), bind(), send()... <wpu/winsock.h> maps Windows' names onto these
 * (POSIX only, opt-in) together with Winsock's constant values.
 *
 * Constants: Winsock's values differ from the C library's for several names
 * (SOL_SOCKET is 0xFFFF, FIONBIO 0x8004667E, AF_INET6 23, MSG_WAITALL 8...).
 * This header defines the Winsock values under a WPU_WS_ prefix, which never
 * clash with <sys/socket.h>; <wpu/winsock.h> gives them Windows' names. Names
 * the C library does not have (SO_OPENTYPE, SIO_*, WSA_FLAG_*) are defined
 * here under their own names. A provider compiled through <wpu/winsock.h>
 * sees Windows' values only, and the host never translates them: the
 * provider receives exactly what the application passed.
 *
 * Include-guarded; <wpu/wpu.hpp> and the host's C++ header include it.
 */
#ifndef WPU_DETAIL_WINSOCK_DECLS_H
#define WPU_DETAIL_WINSOCK_DECLS_H

#include <wpu/detail/ws2spi_decls.h>

#if defined(_WIN32)
#  include <mswsock.h>
typedef fd_set wpu_ws_fd_set;
#else /* !defined(_WIN32) */
typedef wpu_fd_set wpu_ws_fd_set;

#  include <netinet/in.h> /* in_addr, in6_addr (the pktinfo structures below) */

#  ifdef __cplusplus
extern "C" {
#  endif

/* WSADATA with the Win64 layout (408 bytes: iMaxSockets, iMaxUdpDg and
   lpVendorInfo come before the strings on Win64). */
typedef struct WSAData {
  WORD wVersion;
  WORD wHighVersion;
  unsigned short iMaxSockets;
  unsigned short iMaxUdpDg;
  char* lpVendorInfo;
  char szDescription[WSADESCRIPTION_LEN + 1];
  char szSystemStatus[WSASYS_STATUS_LEN + 1];
} WSADATA, *LPWSADATA;

#  if UINTPTR_MAX == 0xffffffffffffffffu
WPU_STATIC_ASSERT(sizeof(WSADATA) == 408 && offsetof(WSADATA, szDescription) == 16, "WSADATA");
#  endif

/* ---- Winsock names the C library does not define ----------------------- */
#  define WSA_FLAG_OVERLAPPED 0x01
#  define WSA_FLAG_MULTIPOINT_C_ROOT 0x02
#  define WSA_FLAG_MULTIPOINT_C_LEAF 0x04
#  define WSA_FLAG_MULTIPOINT_D_ROOT 0x08
#  define WSA_FLAG_MULTIPOINT_D_LEAF 0x10
#  define WSA_FLAG_ACCESS_SYSTEM_SECURITY 0x40
#  define WSA_FLAG_NO_HANDLE_INHERIT 0x80
#  define FROM_PROTOCOL_INFO (-1)
#  define SD_RECEIVE 0x00
#  define SD_SEND 0x01
#  define SD_BOTH 0x02
#  define SO_DONTLINGER ((int)(~0x0080))
#  define SO_EXCLUSIVEADDRUSE ((int)(~0x0004))
#  define SO_GROUP_ID 0x2001
#  define SO_GROUP_PRIORITY 0x2002
#  define SO_MAX_MSG_SIZE 0x2003
#  define SO_PROTOCOL_INFOA 0x2004
#  define SO_PROTOCOL_INFOW 0x2005
#  ifndef SO_PROTOCOL_INFO /* the compatibility folder chooses by UNICODE */
#    define SO_PROTOCOL_INFO SO_PROTOCOL_INFOW
#  endif
#  define PVD_CONFIG 0x3001
#  define SO_CONDITIONAL_ACCEPT 0x3002
#  define SO_OPENTYPE 0x7008
#  define SO_SYNCHRONOUS_ALERT 0x10
#  define SO_SYNCHRONOUS_NONALERT 0x20
#  define SO_MAXDG 0x7009
#  define SO_MAXPATHDG 0x700A
#  define SO_UPDATE_ACCEPT_CONTEXT 0x700B
#  define SO_CONNECT_TIME 0x700C
#  define SO_UPDATE_CONNECT_CONTEXT 0x7010
/* Winsock ioctl codes (IOC_WS2 / IOC_VENDOR codes; the IOC_* builders are
   in <wpu/winsock.h>, since <sys/ioctl.h> defines IOC_IN differently). */
#  define SIO_ASSOCIATE_HANDLE 0x88000001u
#  define SIO_ENABLE_CIRCULAR_QUEUEING 0x28000002u
#  define SIO_FIND_ROUTE 0x48000003u
#  define SIO_FLUSH 0x28000004u
#  define SIO_GET_BROADCAST_ADDRESS 0x48000005u
#  define SIO_GET_EXTENSION_FUNCTION_POINTER 0xC8000006u
#  define SIO_GET_QOS 0xC8000007u
#  define SIO_GET_GROUP_QOS 0xC8000008u
#  define SIO_MULTIPOINT_LOOPBACK 0x88000009u
#  define SIO_MULTICAST_SCOPE 0x8800000Au
#  define SIO_SET_QOS 0x8800000Bu
#  define SIO_SET_GROUP_QOS 0x8800000Cu
#  define SIO_TRANSLATE_HANDLE 0xC800000Du
#  define SIO_ROUTING_INTERFACE_QUERY 0xC8000014u
#  define SIO_ROUTING_INTERFACE_CHANGE 0x88000015u
#  define SIO_ADDRESS_LIST_QUERY 0x48000016u
#  define SIO_ADDRESS_LIST_CHANGE 0x28000017u
#  define SIO_QUERY_TARGET_PNP_HANDLE 0x48000018u
#  define SIO_BSP_HANDLE 0x4800001Bu
#  define SIO_BSP_HANDLE_SELECT 0x4800001Cu
#  define SIO_BSP_HANDLE_POLL 0x4800001Du
#  define SIO_BASE_HANDLE 0x48000022u
#  define SIO_KEEPALIVE_VALS 0x98000004u
#  define SIO_ADDRESS_LIST_SORT 0xC8000019u
#  define SIO_EXT_SELECT 0xC800001Eu
#  define SIO_EXT_POLL 0xC800001Fu
#  define SIO_EXT_SENDMSG 0xC8000020u
/* <mswsock.h> and <mstcpip.h> vendor codes (_WSAIOW(IOC_VENDOR, n)). */
#  define SIO_RCVALL 0x98000001u
#  define SIO_RCVALL_MCAST 0x98000002u
#  define SIO_RCVALL_IGMPMCAST 0x98000003u
#  define SIO_ABSORB_RTRALERT 0x98000005u
#  define SIO_UCAST_IF 0x98000006u
#  define SIO_LIMIT_BROADCASTS 0x98000007u
#  define SIO_INDEX_BIND 0x98000008u
#  define SIO_INDEX_MCASTIF 0x98000009u
#  define SIO_INDEX_ADD_MCAST 0x9800000Au
#  define SIO_INDEX_DEL_MCAST 0x9800000Bu
#  define SIO_UDP_CONNRESET 0x9800000Cu
#  define SIO_SOCKET_CLOSE_NOTIFY 0x9800000Du
#  define SIO_RCVALL_MCAST_IF 0x9800000Du
#  define SIO_RCVALL_IF 0x9800000Eu
#  define SIO_UDP_NETRESET 0x9800000Fu
#  define SIO_LOOPBACK_FAST_PATH 0x98000010u
#  define SIO_TCP_INITIAL_RTO 0x98000011u
#  define SIO_APPLY_TRANSPORT_SETTING 0x98000013u
#  define SIO_QUERY_TRANSPORT_SETTING 0x98000014u
#  define SIO_TCP_SET_ICW 0x98000016u
#  define SIO_TCP_SET_ACK_FREQUENCY 0x98000017u
/* ws2ipdef.h's _IOR('t', 127 / 126, u_long). */
#  define SIO_GET_INTERFACE_LIST 0x4004747Fu
#  define SIO_GET_INTERFACE_LIST_EX 0x4004747Eu
/* SIO_RCVALL's argument values (mstcpip.h RCVALL_VALUE). */
#  define RCVALL_OFF 0
#  define RCVALL_ON 1
#  define RCVALL_SOCKETLEVELONLY 2
#  define RCVALL_IPLEVEL 3
/* Socket options of <mswsock.h> and <ws2def.h> beyond the ones above. */
#  define SO_CONNDATA 0x7000
#  define SO_CONNOPT 0x7001
#  define SO_DISCDATA 0x7002
#  define SO_DISCOPT 0x7003
#  define SO_CONNDATALEN 0x7004
#  define SO_CONNOPTLEN 0x7005
#  define SO_DISCDATALEN 0x7006
#  define SO_DISCOPTLEN 0x7007
#  define SO_BSP_STATE 0x1009
#  define SO_RANDOMIZE_PORT 0x3005
#  define SO_PORT_SCALABILITY 0x3006
#  define SO_REUSE_UNICASTPORT 0x3007
#  define SO_REUSE_MULTICASTPORT 0x3008

/* ---- <mswsock.h>: extension functions (SIO_GET_EXTENSION_FUNCTION_POINTER) */
#  define WSAID_ACCEPTEX                               \
    {                                                  \
      0xb5367df1, 0xcbac, 0x11cf, {                    \
        0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92 \
      }                                                \
    }
#  define WSAID_GETACCEPTEXSOCKADDRS                   \
    {                                                  \
      0xb5367df2, 0xcbac, 0x11cf, {                    \
        0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92 \
      }                                                \
    }
#  define WSAID_TRANSMITFILE                           \
    {                                                  \
      0xb5367df0, 0xcbac, 0x11cf, {                    \
        0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92 \
      }                                                \
    }
#  define WSAID_CONNECTEX                              \
    {                                                  \
      0x25a207b9, 0xddf3, 0x4660, {                    \
        0x8e, 0xe9, 0x76, 0xe5, 0x8c, 0x74, 0x06, 0x3e \
      }                                                \
    }
#  define WSAID_DISCONNECTEX                           \
    {                                                  \
      0x7fda2e11, 0x8630, 0x436f, {                    \
        0xa0, 0x31, 0xf5, 0x36, 0xa6, 0xee, 0xc1, 0x57 \
      }                                                \
    }
#  define WSAID_TRANSMITPACKETS                        \
    {                                                  \
      0xd9689da0, 0x1f90, 0x11d3, {                    \
        0x99, 0x71, 0x00, 0xc0, 0x4f, 0x68, 0xc8, 0x76 \
      }                                                \
    }
#  define WSAID_WSARECVMSG                             \
    {                                                  \
      0xf689d7c8, 0x6f1f, 0x436b, {                    \
        0x8a, 0x53, 0xe5, 0x4f, 0xe3, 0x51, 0xc3, 0x22 \
      }                                                \
    }
#  define WSAID_WSASENDMSG                             \
    {                                                  \
      0xa441e712, 0x754f, 0x43ca, {                    \
        0x84, 0xa7, 0x0d, 0xee, 0x44, 0xcf, 0x60, 0x6d \
      }                                                \
    }
#  define WSAID_WSAPOLL                                \
    {                                                  \
      0x18c76f85, 0xdc66, 0x4964, {                    \
        0x97, 0x2e, 0x23, 0xc2, 0x72, 0x38, 0x31, 0x2b \
      }                                                \
    }
#  define TF_DISCONNECT 0x01
#  define TF_REUSE_SOCKET 0x02
#  define TF_WRITE_BEHIND 0x04
#  define TF_USE_DEFAULT_WORKER 0x00
#  define TF_USE_SYSTEM_THREAD 0x10
#  define TF_USE_KERNEL_APC 0x20

typedef struct _WSAMSG {
  LPSOCKADDR name;
  INT namelen;
  LPWSABUF lpBuffers;
  ULONG dwBufferCount;
  WSABUF Control;
  ULONG dwFlags;
} WSAMSG, *PWSAMSG, *LPWSAMSG;

typedef struct _TRANSMIT_FILE_BUFFERS {
  LPVOID Head;
  DWORD HeadLength;
  LPVOID Tail;
  DWORD TailLength;
} TRANSMIT_FILE_BUFFERS, *PTRANSMIT_FILE_BUFFERS, *LPTRANSMIT_FILE_BUFFERS;

typedef BOOL (*LPFN_ACCEPTEX)(SOCKET sListenSocket, SOCKET sAcceptSocket, PVOID lpOutputBuffer,
                              DWORD dwReceiveDataLength, DWORD dwLocalAddressLength,
                              DWORD dwRemoteAddressLength, LPDWORD lpdwBytesReceived,
                              LPOVERLAPPED lpOverlapped);
typedef void (*LPFN_GETACCEPTEXSOCKADDRS)(PVOID lpOutputBuffer, DWORD dwReceiveDataLength,
                                          DWORD dwLocalAddressLength, DWORD dwRemoteAddressLength,
                                          struct sockaddr** LocalSockaddr,
                                          LPINT LocalSockaddrLength,
                                          struct sockaddr** RemoteSockaddr,
                                          LPINT RemoteSockaddrLength);
typedef BOOL (*LPFN_CONNECTEX)(SOCKET s, const struct sockaddr* name, int namelen,
                               PVOID lpSendBuffer, DWORD dwSendDataLength, LPDWORD lpdwBytesSent,
                               LPOVERLAPPED lpOverlapped);
typedef BOOL (*LPFN_DISCONNECTEX)(SOCKET s, LPOVERLAPPED lpOverlapped, DWORD dwFlags,
                                  DWORD dwReserved);
typedef BOOL (*LPFN_TRANSMITFILE)(SOCKET hSocket, HANDLE hFile, DWORD nNumberOfBytesToWrite,
                                  DWORD nNumberOfBytesPerSend, LPOVERLAPPED lpOverlapped,
                                  LPTRANSMIT_FILE_BUFFERS lpTransmitBuffers, DWORD dwReserved);
typedef INT (*LPFN_WSARECVMSG)(SOCKET s, LPWSAMSG lpMsg, LPDWORD lpdwNumberOfBytesRecvd,
                               LPWSAOVERLAPPED lpOverlapped,
                               LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
typedef INT (*LPFN_WSASENDMSG)(SOCKET s, LPWSAMSG lpMsg, DWORD dwFlags, LPDWORD lpNumberOfBytesSent,
                               LPWSAOVERLAPPED lpOverlapped,
                               LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);

/* ---- Winsock values of names the C library defines differently ---------- */
#  define WPU_WS_SOL_SOCKET 0xffff
#  define WPU_WS_SO_DEBUG 0x0001
#  define WPU_WS_SO_ACCEPTCONN 0x0002
#  define WPU_WS_SO_REUSEADDR 0x0004
#  define WPU_WS_SO_KEEPALIVE 0x0008
#  define WPU_WS_SO_DONTROUTE 0x0010
#  define WPU_WS_SO_BROADCAST 0x0020
#  define WPU_WS_SO_USELOOPBACK 0x0040
#  define WPU_WS_SO_LINGER 0x0080
#  define WPU_WS_SO_OOBINLINE 0x0100
#  define WPU_WS_SO_SNDBUF 0x1001
#  define WPU_WS_SO_RCVBUF 0x1002
#  define WPU_WS_SO_SNDLOWAT 0x1003
#  define WPU_WS_SO_RCVLOWAT 0x1004
#  define WPU_WS_SO_SNDTIMEO 0x1005
#  define WPU_WS_SO_RCVTIMEO 0x1006
#  define WPU_WS_SO_ERROR 0x1007
#  define WPU_WS_SO_TYPE 0x1008
#  define WPU_WS_AF_INET6 23
#  define WPU_WS_AF_IRDA 26
#  define WPU_WS_MSG_OOB 0x1
#  define WPU_WS_MSG_PEEK 0x2
#  define WPU_WS_MSG_DONTROUTE 0x4
#  define WPU_WS_MSG_WAITALL 0x8
#  define WPU_WS_MSG_INTERRUPT 0x10
#  define WPU_WS_MSG_PUSH_IMMEDIATE 0x20
#  define WPU_WS_MSG_PARTIAL 0x8000
#  define WPU_WS_MSG_TRUNC 0x0100
#  define WPU_WS_MSG_CTRUNC 0x0200
#  define WPU_WS_MSG_BCAST 0x0400
#  define WPU_WS_MSG_MCAST 0x0800
#  define WPU_WS_FIONBIO ((LONG)0x8004667E)
#  define WPU_WS_FIONREAD ((LONG)0x4004667F)
#  define WPU_WS_SIOCATMARK ((LONG)0x40047307)

/* IPPROTO_IP options (ws2ipdef.h numbers; the levels IPPROTO_IP 0,
   IPPROTO_TCP 6, IPPROTO_UDP 17 and IPPROTO_IPV6 41 are the same on Linux). */
#  define WPU_WS_IP_OPTIONS 1
#  define WPU_WS_IP_HDRINCL 2
#  define WPU_WS_IP_TOS 3
#  define WPU_WS_IP_TTL 4
#  define WPU_WS_IP_MULTICAST_IF 9
#  define WPU_WS_IP_MULTICAST_TTL 10
#  define WPU_WS_IP_MULTICAST_LOOP 11
#  define WPU_WS_IP_ADD_MEMBERSHIP 12
#  define WPU_WS_IP_DROP_MEMBERSHIP 13
#  define WPU_WS_IP_DONTFRAGMENT 14
#  define WPU_WS_IP_PKTINFO 19
#  define WPU_WS_IP_RECVTTL 21
#  define WPU_WS_IP_RECVTOS 40
/* IPPROTO_IPV6 options. */
#  define WPU_WS_IPV6_HDRINCL 2
#  define WPU_WS_IPV6_UNICAST_HOPS 4
#  define WPU_WS_IPV6_MULTICAST_IF 9
#  define WPU_WS_IPV6_MULTICAST_HOPS 10
#  define WPU_WS_IPV6_MULTICAST_LOOP 11
#  define WPU_WS_IPV6_ADD_MEMBERSHIP 12
#  define WPU_WS_IPV6_JOIN_GROUP WPU_WS_IPV6_ADD_MEMBERSHIP
#  define WPU_WS_IPV6_DROP_MEMBERSHIP 13
#  define WPU_WS_IPV6_LEAVE_GROUP WPU_WS_IPV6_DROP_MEMBERSHIP
#  define WPU_WS_IPV6_DONTFRAG 14
#  define WPU_WS_IPV6_PKTINFO 19
#  define WPU_WS_IPV6_HOPLIMIT 21
#  define WPU_WS_IPV6_V6ONLY 27
#  define WPU_WS_IPV6_RECVTCLASS 40
/* IPPROTO_TCP options (TCP_NODELAY is 1 on both). */
#  define WPU_WS_TCP_NODELAY 1
#  define WPU_WS_TCP_KEEPALIVE 3
#  define WPU_WS_TCP_MAXSEG 4
#  define WPU_WS_TCP_MAXRT 5
#  define WPU_WS_TCP_FASTOPEN 15
#  define WPU_WS_TCP_KEEPCNT 16
#  define WPU_WS_TCP_KEEPINTVL 17
/* WSAAccept's condition function results. */
#  define CF_ACCEPT 0x0000
#  define CF_REJECT 0x0001
#  define CF_DEFER 0x0002

/* SIO_KEEPALIVE_VALS' argument (mstcpip.h): times in milliseconds. */
struct tcp_keepalive {
  ULONG onoff;
  ULONG keepalivetime;
  ULONG keepaliveinterval;
};

/* IP_PKTINFO / IPV6_PKTINFO control data with Windows' layout. */
typedef struct wpu_ws_in_pktinfo {
  struct in_addr ipi_addr;
  ULONG ipi_ifindex;
} wpu_ws_in_pktinfo;
typedef struct wpu_ws_in6_pktinfo {
  struct in6_addr ipi6_addr;
  ULONG ipi6_ifindex;
} wpu_ws_in6_pktinfo;

/* WSACMSGHDR: the header of a control message in WSAMSG.Control (the same
   layout as Linux's cmsghdr on LP64: 16 bytes, data 8-aligned). */
typedef struct _WSACMSGHDR {
  SIZE_T cmsg_len;
  INT cmsg_level;
  INT cmsg_type;
} WSACMSGHDR, *PWSACMSGHDR, *LPWSACMSGHDR;

/* WSAPROTOCOL_INFOA: WSAPROTOCOL_INFOW with an 8-bit szProtocol (372 bytes
   on Win64). */
typedef struct _WSAPROTOCOL_INFOA {
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
  CHAR szProtocol[WSAPROTOCOL_LEN + 1];
} WSAPROTOCOL_INFOA, *LPWSAPROTOCOL_INFOA;

/* Address structures: the system's (same sizes and field names as Windows':
   sockaddr_in 16, sockaddr_in6 28, sockaddr_storage 128 bytes). Windows'
   in_addr is a union (S_un.S_addr...); here only s_addr exists. */
typedef unsigned short ADDRESS_FAMILY;
typedef struct sockaddr_storage SOCKADDR_STORAGE, *PSOCKADDR_STORAGE, *LPSOCKADDR_STORAGE;
typedef struct sockaddr_storage SOCKADDR_STORAGE_LH, *PSOCKADDR_STORAGE_LH;
typedef struct sockaddr_in SOCKADDR_IN, *PSOCKADDR_IN, *LPSOCKADDR_IN;
typedef struct sockaddr_in6 SOCKADDR_IN6, *PSOCKADDR_IN6, *LPSOCKADDR_IN6;
typedef struct sockaddr_in6 SOCKADDR_IN6_LH, *PSOCKADDR_IN6_LH;
typedef struct in_addr IN_ADDR, *PIN_ADDR, *LPIN_ADDR;
typedef struct in6_addr IN6_ADDR, *PIN6_ADDR, *LPIN6_ADDR;

/* WSAPoll's descriptor (16 bytes: a SOCKET, not an int). The POLL* values
   are Winsock's (WPU_WS_POLL*; <wpu/detail/compat_end.h> gives them the
   POLL* names, replacing <poll.h>'s). */
typedef struct pollfd_ws {
  SOCKET fd;
  short events;
  short revents;
} WSAPOLLFD, *PWSAPOLLFD, *LPWSAPOLLFD;
/* SIO_EXT_POLL's argument (mswsock.h). */
typedef struct {
  int result;
  ULONG fds;
  INT timeout;
  WSAPOLLFD fdArray[1];
} WSAPOLLDATA, *LPWSAPOLLDATA;
typedef INT (*LPFN_WSAPOLL)(LPWSAPOLLFD fdarray, ULONG nfds, INT timeout);
#  define WPU_WS_POLLRDNORM 0x0100
#  define WPU_WS_POLLRDBAND 0x0200
#  define WPU_WS_POLLIN (WPU_WS_POLLRDNORM | WPU_WS_POLLRDBAND)
#  define WPU_WS_POLLPRI 0x0400
#  define WPU_WS_POLLWRNORM 0x0010
#  define WPU_WS_POLLOUT WPU_WS_POLLWRNORM
#  define WPU_WS_POLLWRBAND 0x0020
#  define WPU_WS_POLLERR 0x0001
#  define WPU_WS_POLLHUP 0x0002
#  define WPU_WS_POLLNVAL 0x0004

#  if UINTPTR_MAX == 0xffffffffffffffffu
WPU_STATIC_ASSERT(sizeof(WSAPROTOCOL_INFOA) == 372, "WSAPROTOCOL_INFOA");
WPU_STATIC_ASSERT(offsetof(WSAPROTOCOL_INFOA, szProtocol) == 116, "WSAPROTOCOL_INFOA.szProtocol");
WPU_STATIC_ASSERT(sizeof(SOCKADDR_STORAGE) == 128, "SOCKADDR_STORAGE");
WPU_STATIC_ASSERT(sizeof(SOCKADDR_IN6) == 28 && sizeof(SOCKADDR_IN) == 16, "sockaddr_in(6)");
WPU_STATIC_ASSERT(sizeof(WSAPOLLFD) == 16 && offsetof(WSAPOLLDATA, fdArray) == 16, "WSAPOLLFD");
WPU_STATIC_ASSERT(sizeof(WSAMSG) == 56 && offsetof(WSAMSG, Control) == 32, "WSAMSG");
#  endif

/* struct linger with Windows' layout (4 bytes: two u_shorts). */
typedef struct wpu_ws_linger {
  unsigned short l_onoff;
  unsigned short l_linger;
} wpu_ws_linger;

#  ifdef __cplusplus
} /* extern "C" */
#  endif
#endif /* defined(_WIN32) */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The application API -------------------------------------------------
 * Each function is the Windows function of the same name (wpu_wsa_startup =
 * WSAStartup, wpu_socket = socket, wpu_wsa_send = WSASend...), with the same
 * arguments, results and error reporting: failures return SOCKET_ERROR,
 * INVALID_SOCKET or FALSE and set the calling thread's last error
 * (WSAGetLastError), except WSAStartup, which returns its error. Before
 * WSAStartup and after the last WSACleanup every call fails with
 * WSANOTINITIALISED. A socket is routed to the provider whose WSPSocket made
 * it (the catalog entry chosen then, a chain entry for a layered provider);
 * an unknown handle gives WSAENOTSOCK. A provider that fails without setting
 * *lpErrno gives WSASYSCALLFAILURE.
 *
 * Threads: any thread may call any function, concurrently; blocking calls
 * block the calling thread inside the provider. lpThreadId passed to the
 * provider names the calling thread (completion routines run there). */
WPU_C_API int wpu_wsa_startup(WORD wVersionRequested, LPWSADATA lpWSAData);
WPU_C_API int wpu_wsa_cleanup(void);

WPU_C_API SOCKET wpu_wsa_socket_w(int af, int type, int protocol,
                                  LPWSAPROTOCOL_INFOW lpProtocolInfo, GROUP g, DWORD dwFlags);
WPU_C_API SOCKET wpu_socket(int af, int type, int protocol);
WPU_C_API int wpu_closesocket(SOCKET s);
WPU_C_API int wpu_bind(SOCKET s, const struct sockaddr* name, int namelen);
WPU_C_API int wpu_listen(SOCKET s, int backlog);
WPU_C_API SOCKET wpu_accept(SOCKET s, struct sockaddr* addr, int* addrlen);
WPU_C_API SOCKET wpu_wsa_accept(SOCKET s, struct sockaddr* addr, LPINT addrlen,
                                LPCONDITIONPROC lpfnCondition, DWORD_PTR dwCallbackData);
WPU_C_API int wpu_connect(SOCKET s, const struct sockaddr* name, int namelen);
WPU_C_API int wpu_wsa_connect(SOCKET s, const struct sockaddr* name, int namelen,
                              LPWSABUF lpCallerData, LPWSABUF lpCalleeData, LPQOS lpSQOS,
                              LPQOS lpGQOS);
WPU_C_API int wpu_send(SOCKET s, const char* buf, int len, int flags);
WPU_C_API int wpu_recv(SOCKET s, char* buf, int len, int flags);
WPU_C_API int wpu_sendto(SOCKET s, const char* buf, int len, int flags, const struct sockaddr* to,
                         int tolen);
WPU_C_API int wpu_recvfrom(SOCKET s, char* buf, int len, int flags, struct sockaddr* from,
                           int* fromlen);
WPU_C_API int wpu_wsa_send(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                           LPDWORD lpNumberOfBytesSent, DWORD dwFlags, LPWSAOVERLAPPED lpOverlapped,
                           LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
WPU_C_API int wpu_wsa_recv(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                           LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
                           LPWSAOVERLAPPED lpOverlapped,
                           LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
WPU_C_API int wpu_wsa_send_to(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                              LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
                              const struct sockaddr* lpTo, int iTolen, LPWSAOVERLAPPED lpOverlapped,
                              LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
WPU_C_API int wpu_wsa_recv_from(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                                LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
                                struct sockaddr* lpFrom, LPINT lpFromlen,
                                LPWSAOVERLAPPED lpOverlapped,
                                LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
/* WSAGetOverlappedResult: the provider's WSPGetOverlappedResult for a hosted
   socket. For a socket the host did not create (a provider's own handle used
   without the host) it reads what WPUCompleteOverlappedRequest wrote, as
   before (docs/upcalls.md). */
WPU_C_API BOOL wpu_wsa_get_overlapped_result(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
                                             LPDWORD lpcbTransfer, BOOL fWait, LPDWORD lpdwFlags);
WPU_C_API int wpu_wsa_event_select(SOCKET s, WSAEVENT hEventObject, LONG lNetworkEvents);
WPU_C_API int wpu_wsa_enum_network_events(SOCKET s, WSAEVENT hEventObject,
                                          LPWSANETWORKEVENTS lpNetworkEvents);
WPU_C_API int wpu_wsa_async_select(SOCKET s, HWND hWnd, unsigned int wMsg, LONG lEvent);
/* select: the whole call goes to the provider of the first socket of the
   first non-empty set (read, write, except), as ws2_32 does; all sockets
   must belong to that provider. WSAEINVAL when every set is NULL or empty. */
WPU_C_API int wpu_select(int nfds, wpu_ws_fd_set* readfds, wpu_ws_fd_set* writefds,
                         wpu_ws_fd_set* exceptfds, const struct timeval* timeout);
/* ioctlsocket: WSPIoctl(s, cmd, argp, 4, argp, 4, ...) (u_long is 32 bits). */
WPU_C_API int wpu_ioctlsocket(SOCKET s, LONG cmd, ULONG* argp);
WPU_C_API int wpu_wsa_ioctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
                            LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
                            LPWSAOVERLAPPED lpOverlapped,
                            LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
/* getsockopt/setsockopt: SOL_SOCKET (0xFFFF) / SO_OPENTYPE is the calling
   thread's socket() open type, kept by the host (any `s`); everything else
   goes to the provider. */
WPU_C_API int wpu_getsockopt(SOCKET s, int level, int optname, char* optval, int* optlen);
WPU_C_API int wpu_setsockopt(SOCKET s, int level, int optname, const char* optval, int optlen);
WPU_C_API int wpu_getsockname(SOCKET s, struct sockaddr* name, int* namelen);
WPU_C_API int wpu_getpeername(SOCKET s, struct sockaddr* name, int* namelen);
WPU_C_API int wpu_shutdown(SOCKET s, int how);
WPU_C_API int wpu_wsa_send_disconnect(SOCKET s, LPWSABUF lpOutboundDisconnectData);
WPU_C_API int wpu_wsa_recv_disconnect(SOCKET s, LPWSABUF lpInboundDisconnectData);

/* ---- ANSI variants -------------------------------------------------------
 * The A functions of Windows over the W ones: WSAPROTOCOL_INFOA differs from
 * WSAPROTOCOL_INFOW only in szProtocol, converted between UTF-16 and the
 * ANSI code page (POSIX: UTF-8; Windows: CP_ACP). A name that does not fit
 * the 256 bytes of szProtocol is cut at the last whole character. Any
 * thread; errors go to the calling thread's last error (WSAGetLastError). */
/* WSAEnumProtocolsA: WSAEnumProtocolsW's records as WSAPROTOCOL_INFOA; sizes
   in bytes of WSAPROTOCOL_INFOA (WSAENOBUFS gives the count needed times
   sizeof(WSAPROTOCOL_INFOA)). Same errors (WSANOTINITIALISED, WSAENOBUFS,
   WSAEFAULT for a NULL lpdwBufferLength), as the thread's last error. */
WPU_C_API int wpu_wsa_enum_protocols_a(LPINT lpiProtocols, LPWSAPROTOCOL_INFOA lpProtocolBuffer,
                                       LPDWORD lpdwBufferLength);
/* WSASocketA: WSASocketW with a converted copy of lpProtocolInfo (what the
   provider's WSPSocket receives). szProtocol is read up to its NUL or its
   256th byte; an invalid UTF-8 sequence becomes U+FFFD (POSIX). */
WPU_C_API SOCKET wpu_wsa_socket_a(int af, int type, int protocol,
                                  LPWSAPROTOCOL_INFOA lpProtocolInfo, GROUP g, DWORD dwFlags);
/* WSADuplicateSocketW/A: the provider's WSPDuplicateSocket for s, which
   fills lpProtocolInfo for the target process; 0, or SOCKET_ERROR with the
   provider's error (WSAENOTSOCK for an unknown s, WSAEFAULT for a NULL
   lpProtocolInfo) as the thread's last error. */
WPU_C_API int wpu_wsa_duplicate_socket_w(SOCKET s, DWORD dwProcessId,
                                         LPWSAPROTOCOL_INFOW lpProtocolInfo);
WPU_C_API int wpu_wsa_duplicate_socket_a(SOCKET s, DWORD dwProcessId,
                                         LPWSAPROTOCOL_INFOA lpProtocolInfo);

/* ---- Host queries (wpu's own) -------------------------------------------- */
/* The catalog id of the entry a hosted socket was created through (for a
   layered provider, its chain entry): 0, WSAENOTSOCK or WSAEFAULT. */
WPU_C_API int wpu_socket_catalog_id(SOCKET s, DWORD* catalog_id);
/* The calling thread's description of the host's last provider failure
   (which entry, which file, which symbol, the loader's message), or "" when
   there was none. Valid until the thread's next host call. */
WPU_C_API const char* wpu_host_failure_text(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WPU_DETAIL_WINSOCK_DECLS_H */
