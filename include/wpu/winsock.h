/*
 * wpu/winsock.h - Winsock's application names and constant values, for code
 * ported from Windows (an application of the provider host, a provider that
 * sets options or ioctls with Windows' values).
 *
 * On Windows this is the system's <winsock2.h> + <mswsock.h>: ws2_32 owns the
 * names, and wpu's host is reached through its wpu_ functions
 * (<wpu/detail/winsock_decls.h>).
 *
 * On POSIX, including this header makes, in this translation unit only:
 *   - WSAStartup, socket, bind, send, select, closesocket... name wpu's host
 *     functions (wpu_wsa_startup, wpu_socket...), through macros;
 *   - SOL_SOCKET, SO_*, MSG_*, FIONBIO, FIONREAD, SIOCATMARK, AF_INET6 and
 *     the IP_*, IPV6_* and TCP_* option names Winsock's values (SOL_SOCKET
 *     0xFFFF, AF_INET6 23, IP_TTL 4, IPV6_V6ONLY 27...), replacing the C
 *     library's, `linger` Winsock's 4-byte struct and `in_pktinfo` /
 *     `in6_pktinfo` Windows' layouts;
 *   - fd_set Winsock's counted set (through <wpu/ws2spi.h>).
 * So a translation unit that includes it talks Winsock, not POSIX sockets:
 * include it after every system header, and keep calls to the C library's
 * socket functions in other files. Define WPU_NO_WINSOCK_NAMES to get the
 * constants without the function-name macros. Every inclusion re-applies
 * the macros (no include guard), like <wpu/winapi.h>. The generic names
 * WSASocket and WSADuplicateSocket are the W functions here (as
 * WSAEnumProtocols in <wpu/winapi.h>); the compatibility folder's
 * <winsock2.h> chooses A or W by UNICODE, as Windows does.
 *
 * Deviation: `struct timeval` stays the C library's (16 bytes on LP64, 8 on
 * Win64); select's timeout is read with that layout.
 */
#include <wpu/ws2spi.h>
#include <wpu/winapi.h>
#include <wpu/detail/winsock_decls.h>

#if !defined(_WIN32)

#  undef SOL_SOCKET
#  undef SO_DEBUG
#  undef SO_ACCEPTCONN
#  undef SO_REUSEADDR
#  undef SO_KEEPALIVE
#  undef SO_DONTROUTE
#  undef SO_BROADCAST
#  undef SO_USELOOPBACK
#  undef SO_LINGER
#  undef SO_OOBINLINE
#  undef SO_SNDBUF
#  undef SO_RCVBUF
#  undef SO_SNDLOWAT
#  undef SO_RCVLOWAT
#  undef SO_SNDTIMEO
#  undef SO_RCVTIMEO
#  undef SO_ERROR
#  undef SO_TYPE
#  undef AF_INET6
#  undef PF_INET6
#  undef AF_IRDA
#  undef MSG_OOB
#  undef MSG_PEEK
#  undef MSG_DONTROUTE
#  undef MSG_WAITALL
#  undef MSG_TRUNC
#  undef MSG_CTRUNC
#  undef FIONBIO
#  undef FIONREAD
#  undef SIOCATMARK
#  define SOL_SOCKET WPU_WS_SOL_SOCKET
#  define SO_DEBUG WPU_WS_SO_DEBUG
#  define SO_ACCEPTCONN WPU_WS_SO_ACCEPTCONN
#  define SO_REUSEADDR WPU_WS_SO_REUSEADDR
#  define SO_KEEPALIVE WPU_WS_SO_KEEPALIVE
#  define SO_DONTROUTE WPU_WS_SO_DONTROUTE
#  define SO_BROADCAST WPU_WS_SO_BROADCAST
#  define SO_USELOOPBACK WPU_WS_SO_USELOOPBACK
#  define SO_LINGER WPU_WS_SO_LINGER
#  define SO_OOBINLINE WPU_WS_SO_OOBINLINE
#  define SO_SNDBUF WPU_WS_SO_SNDBUF
#  define SO_RCVBUF WPU_WS_SO_RCVBUF
#  define SO_SNDLOWAT WPU_WS_SO_SNDLOWAT
#  define SO_RCVLOWAT WPU_WS_SO_RCVLOWAT
#  define SO_SNDTIMEO WPU_WS_SO_SNDTIMEO
#  define SO_RCVTIMEO WPU_WS_SO_RCVTIMEO
#  define SO_ERROR WPU_WS_SO_ERROR
#  define SO_TYPE WPU_WS_SO_TYPE
#  define AF_INET6 WPU_WS_AF_INET6
#  define PF_INET6 WPU_WS_AF_INET6
#  define AF_IRDA WPU_WS_AF_IRDA
#  define MSG_OOB WPU_WS_MSG_OOB
#  define MSG_PEEK WPU_WS_MSG_PEEK
#  define MSG_DONTROUTE WPU_WS_MSG_DONTROUTE
#  define MSG_WAITALL WPU_WS_MSG_WAITALL
#  define MSG_INTERRUPT WPU_WS_MSG_INTERRUPT
#  define MSG_PUSH_IMMEDIATE WPU_WS_MSG_PUSH_IMMEDIATE
#  define MSG_PARTIAL WPU_WS_MSG_PARTIAL
#  define MSG_TRUNC WPU_WS_MSG_TRUNC
#  define MSG_CTRUNC WPU_WS_MSG_CTRUNC
#  define MSG_BCAST WPU_WS_MSG_BCAST
#  define MSG_MCAST WPU_WS_MSG_MCAST
#  define FIONBIO WPU_WS_FIONBIO
#  define FIONREAD WPU_WS_FIONREAD
#  define SIOCATMARK WPU_WS_SIOCATMARK
#  define linger wpu_ws_linger
#  undef IP_OPTIONS
#  define IP_OPTIONS WPU_WS_IP_OPTIONS
#  undef IP_HDRINCL
#  define IP_HDRINCL WPU_WS_IP_HDRINCL
#  undef IP_TOS
#  define IP_TOS WPU_WS_IP_TOS
#  undef IP_TTL
#  define IP_TTL WPU_WS_IP_TTL
#  undef IP_MULTICAST_IF
#  define IP_MULTICAST_IF WPU_WS_IP_MULTICAST_IF
#  undef IP_MULTICAST_TTL
#  define IP_MULTICAST_TTL WPU_WS_IP_MULTICAST_TTL
#  undef IP_MULTICAST_LOOP
#  define IP_MULTICAST_LOOP WPU_WS_IP_MULTICAST_LOOP
#  undef IP_ADD_MEMBERSHIP
#  define IP_ADD_MEMBERSHIP WPU_WS_IP_ADD_MEMBERSHIP
#  undef IP_DROP_MEMBERSHIP
#  define IP_DROP_MEMBERSHIP WPU_WS_IP_DROP_MEMBERSHIP
#  undef IP_PKTINFO
#  define IP_PKTINFO WPU_WS_IP_PKTINFO
#  undef IP_RECVTTL
#  define IP_RECVTTL WPU_WS_IP_RECVTTL
#  undef IP_RECVTOS
#  define IP_RECVTOS WPU_WS_IP_RECVTOS
#  undef IPV6_HDRINCL
#  define IPV6_HDRINCL WPU_WS_IPV6_HDRINCL
#  undef IPV6_UNICAST_HOPS
#  define IPV6_UNICAST_HOPS WPU_WS_IPV6_UNICAST_HOPS
#  undef IPV6_MULTICAST_IF
#  define IPV6_MULTICAST_IF WPU_WS_IPV6_MULTICAST_IF
#  undef IPV6_MULTICAST_HOPS
#  define IPV6_MULTICAST_HOPS WPU_WS_IPV6_MULTICAST_HOPS
#  undef IPV6_MULTICAST_LOOP
#  define IPV6_MULTICAST_LOOP WPU_WS_IPV6_MULTICAST_LOOP
#  undef IPV6_ADD_MEMBERSHIP
#  define IPV6_ADD_MEMBERSHIP WPU_WS_IPV6_ADD_MEMBERSHIP
#  undef IPV6_JOIN_GROUP
#  define IPV6_JOIN_GROUP WPU_WS_IPV6_JOIN_GROUP
#  undef IPV6_DROP_MEMBERSHIP
#  define IPV6_DROP_MEMBERSHIP WPU_WS_IPV6_DROP_MEMBERSHIP
#  undef IPV6_LEAVE_GROUP
#  define IPV6_LEAVE_GROUP WPU_WS_IPV6_LEAVE_GROUP
#  undef IPV6_DONTFRAG
#  define IPV6_DONTFRAG WPU_WS_IPV6_DONTFRAG
#  undef IPV6_PKTINFO
#  define IPV6_PKTINFO WPU_WS_IPV6_PKTINFO
#  undef IPV6_HOPLIMIT
#  define IPV6_HOPLIMIT WPU_WS_IPV6_HOPLIMIT
#  undef IPV6_V6ONLY
#  define IPV6_V6ONLY WPU_WS_IPV6_V6ONLY
#  undef IPV6_RECVTCLASS
#  define IPV6_RECVTCLASS WPU_WS_IPV6_RECVTCLASS
#  undef TCP_KEEPALIVE
#  define TCP_KEEPALIVE WPU_WS_TCP_KEEPALIVE
#  undef TCP_MAXSEG
#  define TCP_MAXSEG WPU_WS_TCP_MAXSEG
#  undef TCP_MAXRT
#  define TCP_MAXRT WPU_WS_TCP_MAXRT
#  undef TCP_FASTOPEN
#  define TCP_FASTOPEN WPU_WS_TCP_FASTOPEN
#  undef TCP_KEEPCNT
#  define TCP_KEEPCNT WPU_WS_TCP_KEEPCNT
#  undef TCP_KEEPINTVL
#  define TCP_KEEPINTVL WPU_WS_TCP_KEEPINTVL
#  define IP_DONTFRAGMENT WPU_WS_IP_DONTFRAGMENT
#  define in_pktinfo wpu_ws_in_pktinfo
#  define in6_pktinfo wpu_ws_in6_pktinfo
#  define IN_PKTINFO wpu_ws_in_pktinfo
#  define IN6_PKTINFO wpu_ws_in6_pktinfo
#  undef IOC_IN
#  undef IOC_OUT
#  undef IOC_INOUT
#  define IOC_UNIX 0x00000000
#  define IOC_WS2 0x08000000
#  define IOC_PROTOCOL 0x10000000
#  define IOC_VENDOR 0x18000000
#  define IOCPARM_MASK 0x7f
#  define IOC_VOID 0x20000000
#  define IOC_OUT 0x40000000
#  define IOC_IN 0x80000000
#  define IOC_INOUT (IOC_IN | IOC_OUT)
#  define _WSAIO(x, y) (IOC_VOID | (x) | (y))
#  define _WSAIOR(x, y) (IOC_OUT | (x) | (y))
#  define _WSAIOW(x, y) (IOC_IN | (x) | (y))
#  define _WSAIORW(x, y) (IOC_INOUT | (x) | (y))

#  if !defined(WPU_NO_WINSOCK_NAMES)
#    define WSAStartup wpu_wsa_startup
#    define WSACleanup wpu_wsa_cleanup
#    define WSASocketW wpu_wsa_socket_w
#    define WSASocketA wpu_wsa_socket_a
#    define WSASocket wpu_wsa_socket_w
#    define WSAEnumProtocolsA wpu_wsa_enum_protocols_a
#    define WSADuplicateSocketW wpu_wsa_duplicate_socket_w
#    define WSADuplicateSocketA wpu_wsa_duplicate_socket_a
#    define WSADuplicateSocket wpu_wsa_duplicate_socket_w
#    define socket wpu_socket
#    define closesocket wpu_closesocket
#    define bind wpu_bind
#    define listen wpu_listen
#    define accept wpu_accept
#    define WSAAccept wpu_wsa_accept
#    define connect wpu_connect
#    define WSAConnect wpu_wsa_connect
#    define send wpu_send
#    define recv wpu_recv
#    define sendto wpu_sendto
#    define recvfrom wpu_recvfrom
#    define WSASend wpu_wsa_send
#    define WSARecv wpu_wsa_recv
#    define WSASendTo wpu_wsa_send_to
#    define WSARecvFrom wpu_wsa_recv_from
#    define WSAEventSelect wpu_wsa_event_select
#    define WSAEnumNetworkEvents wpu_wsa_enum_network_events
#    define WSAAsyncSelect wpu_wsa_async_select
#    define select wpu_select
#    define ioctlsocket wpu_ioctlsocket
#    define WSAIoctl wpu_wsa_ioctl
#    define getsockopt wpu_getsockopt
#    define setsockopt wpu_setsockopt
#    define getsockname wpu_getsockname
#    define getpeername wpu_getpeername
#    define shutdown wpu_shutdown
#    define WSASendDisconnect wpu_wsa_send_disconnect
#    define WSARecvDisconnect wpu_wsa_recv_disconnect
#  endif /* !defined(WPU_NO_WINSOCK_NAMES) */

#endif /* !defined(_WIN32) */
