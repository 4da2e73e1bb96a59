/*
 * tests/providers/providers.h - what the host tests and the test providers
 * share: the record a recording provider keeps of each WSP* call, the
 * functions it exports for the test (resolved with dlsym/GetProcAddress on
 * the module the host loaded).
 *
 * Providers are C99 and written as Windows providers are, on Windows' headers
 * only (<winsock2.h>, <ws2spi.h>, <windows.h>: the system's on Windows, wpu's
 * compatibility folder on POSIX), with no #ifdef. Include this header after
 * them; the test includes it from C++ after <wpu/winsock.h>.
 */
#ifndef WPU_TESTS_PROVIDERS_H
#define WPU_TESTS_PROVIDERS_H

#ifdef __cplusplus
extern "C" {
#endif

/* The WSP* functions, as recorded in rec_call.fn. */
enum rec_fn {
  REC_NONE,
  REC_ACCEPT,
  REC_ASYNC_SELECT,
  REC_BIND,
  REC_CLOSE_SOCKET,
  REC_CONNECT,
  REC_ENUM_NETWORK_EVENTS,
  REC_EVENT_SELECT,
  REC_GET_OVERLAPPED_RESULT,
  REC_GET_PEER_NAME,
  REC_GET_SOCK_NAME,
  REC_GET_SOCK_OPT,
  REC_IOCTL,
  REC_LISTEN,
  REC_RECV,
  REC_RECV_DISCONNECT,
  REC_RECV_FROM,
  REC_SELECT,
  REC_SEND,
  REC_SEND_DISCONNECT,
  REC_SEND_TO,
  REC_SET_SOCK_OPT,
  REC_SHUTDOWN,
  REC_SOCKET,
  REC_OTHER, /* AddressToString, CancelBlockingCall, DuplicateSocket, ... */
  REC_FN_COUNT
};

/* One WSP* call as the provider saw it. Fields a function has no use for
   stay 0. */
typedef struct rec_call {
  int fn;                 /* enum rec_fn */
  SOCKET s;               /* the socket argument (Socket/Accept: the result) */
  DWORD buffer_count;     /* dwBufferCount */
  DWORD len0;             /* lpBuffers[0].len; Ioctl: cbInBuffer; SetSockOpt/GetSockOpt: optlen */
  DWORD len_total;        /* sum of the buffer lengths; Ioctl: cbOutBuffer */
  DWORD flags;            /* dwFlags / *lpFlags on entry; Socket: dwFlags */
  int has_overlapped;     /* lpOverlapped != NULL */
  int has_routine;        /* lpCompletionRoutine != NULL */
  int has_thread_id;      /* lpThreadId != NULL with a non-NULL ThreadHandle */
  DWORD code;             /* Ioctl: dwIoControlCode */
  ULONG in_value;         /* Ioctl: the first 4 bytes of lpvInBuffer (FIONBIO's argument) */
  int level, optname;     /* Get/SetSockOpt */
  int arg;                /* Listen: backlog; Shutdown: how; Bind/Connect: namelen; Select: nfds */
  DWORD catalog_id;       /* Socket: lpProtocolInfo->dwCatalogEntryId */
  int af, type, protocol; /* Socket: the arguments as received */
  DWORD ov_offset, ov_offset_high; /* lpOverlapped->Offset/OffsetHigh on entry */
  unsigned int set_counts[3];      /* Select: fd_count of read, write, except (0 if NULL) */
  long tv_sec, tv_usec;            /* Select: *timeout, or -1 -1 for NULL */
  ULONG_PTR handle;                /* EventSelect/EnumNetworkEvents: the event; AsyncSelect: hWnd */
  LONG events;                     /* EventSelect/AsyncSelect: lNetworkEvents */
  const void* ov;                  /* lpOverlapped */
} rec_call;

/* What WSPStartup got and how often the provider was started/attached. */
typedef struct rec_state {
  int startups, cleanups, attaches, detaches; /* WSPStartup, WSPCleanup, DllMain(ATTACH/DETACH) */
  int calls;                                  /* records in the log (including dropped ones) */
  WORD startup_version;                       /* the last WSPStartup's wVersionRequested */
  WSAPROTOCOL_INFOW startup_info;             /* the last WSPStartup's *lpProtocolInfo */
  WSPUPCALLTABLE upcalls;                     /* the last WSPStartup's table */
  int open_sockets;                           /* WPUCreateSocketHandle minus WPUCloseSocketHandle */
  /* Layered provider only: where WSPStartup found itself and its lower provider. */
  DWORD own_catalog_id;         /* its hidden (ChainLen 0) entry, found by GUID */
  int chain_index;              /* that id's index in lpProtocolInfo->ProtocolChain */
  DWORD lower_catalog_id;       /* ChainEntries[chain_index + 1] */
  WSAPROTOCOL_INFOW lower_info; /* what the lower WSPStartup got */
} rec_state;

/* The layered test provider's GUID: {5e5e0000-0000-4000-8000-0000000000A7}
   (the tests' provider_guid(0xA7)). */
#define LAYERED_GUID_INIT          \
  {                                \
    0x5e5e0000u, 0, 0x4000, {      \
      0x80, 0, 0, 0, 0, 0, 0, 0xA7 \
    }                              \
  }

/* Control of the recording provider's answers. */
enum rec_socket_mode {
  REC_SOCKET_NORMAL,
  REC_SOCKET_FOREIGN,    /* WSPSocket returns a handle that is no upcall handle */
  REC_SOCKET_INPROGRESS, /* WSPSocket fails with WSAEINPROGRESS */
  REC_SOCKET_IFS         /* WSPSocket returns an OS handle through WPUModifyIFSHandle, as an
                            IFS provider does (it has no upcall context) */
};

/* Exported by the recording provider (names resolved by the test). */
typedef int (*rec_get_call_fn)(int index, rec_call* out); /* 0, or -1 past the end */
typedef void (*rec_get_state_fn)(rec_state* out);
typedef void (*rec_reset_fn)(void); /* clears the log and controls */
/* The next call of `fn` fails: SOCKET_ERROR (FALSE, INVALID_SOCKET) with
 *lpErrno = error, or *lpErrno left untouched when error is 0. */
typedef void (*rec_fail_next_fn)(int fn, int error);
typedef void (*rec_socket_mode_fn)(int mode);
/* Overlapped requests stay pending (WSA_IO_PENDING) until rec_complete_pending. */
typedef void (*rec_pend_fn)(int on);
/* Completes the pending request with `error` and the bytes it asked for:
   1 when there was one. */
typedef int (*rec_complete_pending_fn)(DWORD error);

/* Where the OS handles of REC_SOCKET_IFS sockets come from. An IFS
   provider's handles are made by its kernel side (a file descriptor on
   POSIX, a file handle on Windows), which the test plays: `make` returns a
   new open OS handle (0 when it cannot), `destroy` closes one; the provider
   calls them from WSPSocket and from WSPCloseSocket or its last
   WSPCleanup. Without a source, IFS-mode WSPSocket fails with WSAENOBUFS. */
typedef SOCKET (*rec_os_handle_make_fn)(void);
typedef void (*rec_os_handle_destroy_fn)(SOCKET handle);
typedef void (*rec_ifs_source_fn)(rec_os_handle_make_fn make, rec_os_handle_destroy_fn destroy);

/* The next WSPRecv blocks (after recording itself) until rec_release;
   rec_wait_blocked returns once it is blocked. 0, or -1 when the upcall
   events cannot be made. */
typedef int (*rec_block_next_recv_fn)(void);
typedef void (*rec_wait_blocked_fn)(void);
typedef void (*rec_release_fn)(void);

/* The sentinel a recording provider returns for an extension function
   GUID: distinct per GUID and per provider build. */
#define REC_SENTINEL(guid_data1, tag) \
  ((ULONG_PTR)0x5e00000000000000ull | ((ULONG_PTR)(tag) << 32) | (ULONG_PTR)(guid_data1))

/* The byte recv puts at offset i of what it returns. */
#define REC_PATTERN(i) ((char)('a' + (int)((i) % 26u)))

#ifdef __cplusplus
}
#endif

#endif /* WPU_TESTS_PROVIDERS_H */
