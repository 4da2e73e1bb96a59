/*
 * wpu/detail/compat_end.h - the last lines of every header of the
 * compatibility folder (include/wpu/compat), POSIX. No include guard: every
 * inclusion re-applies the macros below, after whatever wpu header the
 * compatibility header included last, so they hold in any include order.
 *
 * - u_long is Windows' 32-bit type (wpu_u_long) from here on in this unit;
 *   glibc's 64-bit u_long keeps its meaning in the system headers already
 *   included (docs/porting.md, "u_long and long").
 * - POLLIN, POLLOUT, POLLRDNORM... are Winsock's values when the Winsock
 *   names are in (a unit that includes <winsock2.h>), replacing <poll.h>'s.
 * - The generic A/W names of the Winsock side: UNICODE selects the W
 *   function and type, otherwise the A one (WSAEnumProtocols, WSASocket,
 *   WSADuplicateSocket, WSAPROTOCOL_INFO, LPWSAPROTOCOL_INFO,
 *   SO_PROTOCOL_INFO).
 * - With WPU_LIST_HELPERS defined: InitializeListHead, InsertHeadList...
 *   onto wpu's static inline helpers (<wpu/detail/windows_decls.h>). Not by
 *   default: Windows' user-mode headers do not declare them (they are
 *   wdm.h's), so a user-mode provider defines its own, which these names
 *   would collide with.
 */
#if !defined(_WIN32)

#  undef u_long
#  define u_long wpu_u_long

#  if defined(WPU_WS_POLLIN)
#    undef POLLRDNORM
#    undef POLLRDBAND
#    undef POLLIN
#    undef POLLPRI
#    undef POLLWRNORM
#    undef POLLOUT
#    undef POLLWRBAND
#    undef POLLERR
#    undef POLLHUP
#    undef POLLNVAL
#    define POLLRDNORM WPU_WS_POLLRDNORM
#    define POLLRDBAND WPU_WS_POLLRDBAND
#    define POLLIN WPU_WS_POLLIN
#    define POLLPRI WPU_WS_POLLPRI
#    define POLLWRNORM WPU_WS_POLLWRNORM
#    define POLLOUT WPU_WS_POLLOUT
#    define POLLWRBAND WPU_WS_POLLWRBAND
#    define POLLERR WPU_WS_POLLERR
#    define POLLHUP WPU_WS_POLLHUP
#    define POLLNVAL WPU_WS_POLLNVAL
#  endif

#  undef WSAEnumProtocols
#  undef WSASocket
#  undef WSADuplicateSocket
#  undef WSAPROTOCOL_INFO
#  undef LPWSAPROTOCOL_INFO
#  undef SO_PROTOCOL_INFO
#  ifdef UNICODE
#    define WSAEnumProtocols WSAEnumProtocolsW
#    define WSASocket WSASocketW
#    define WSADuplicateSocket WSADuplicateSocketW
#    define WSAPROTOCOL_INFO WSAPROTOCOL_INFOW
#    define LPWSAPROTOCOL_INFO LPWSAPROTOCOL_INFOW
#    define SO_PROTOCOL_INFO SO_PROTOCOL_INFOW
#  else
#    define WSAEnumProtocols WSAEnumProtocolsA
#    define WSASocket WSASocketA
#    define WSADuplicateSocket WSADuplicateSocketA
#    define WSAPROTOCOL_INFO WSAPROTOCOL_INFOA
#    define LPWSAPROTOCOL_INFO LPWSAPROTOCOL_INFOA
#    define SO_PROTOCOL_INFO SO_PROTOCOL_INFOA
#  endif

#  if defined(WPU_LIST_HELPERS)
#    undef InitializeListHead
#    undef IsListEmpty
#    undef RemoveEntryList
#    undef RemoveHeadList
#    undef RemoveTailList
#    undef InsertHeadList
#    undef InsertTailList
#    undef AppendTailList
#    undef PushEntryList
#    undef PopEntryList
#    define InitializeListHead wpu_initialize_list_head
#    define IsListEmpty wpu_is_list_empty
#    define RemoveEntryList wpu_remove_entry_list
#    define RemoveHeadList wpu_remove_head_list
#    define RemoveTailList wpu_remove_tail_list
#    define InsertHeadList wpu_insert_head_list
#    define InsertTailList wpu_insert_tail_list
#    define AppendTailList wpu_append_tail_list
#    define PushEntryList wpu_push_entry_list
#    define PopEntryList wpu_pop_entry_list
#  endif

#endif /* !defined(_WIN32) */
