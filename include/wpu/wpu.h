/*
 * wpu/wpu.h - wpu's C API, for C hosts, C providers and tests.
 *
 * Every function returns 0 or a Winsock error code (WSAE*), never sets errno,
 * and may be called from any thread unless it says otherwise. The functions
 * live in the compiled library (header-only mode offers them to C++ only).
 */
#ifndef WPU_WPU_H
#define WPU_WPU_H

#include <wpu/detail/ws2spi_decls.h>
#include <wpu/trace.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The upcall table of the process's default backend (POSIX or Win32), as a
   host passes it to WSPStartup: the same pointers on every call, and tables
   that C++ code built for other backends (wpu::make_upcall_table) keep
   reaching theirs. WSAEFAULT for NULL; the error from loading WPU_CATALOG
   (WSASYSNOTREADY unreadable, WSAEINVAL malformed) if that failed;
   WSAENOBUFS when 64 other backends of the native type hold table bindings
   (include/wpu/upcall_table.hpp). Any thread. */
WPU_C_API int wpu_get_upcall_table(LPWSPUPCALLTABLE table);

/* Adds a protocol entry to the process catalog; the new catalog id (from
   1001) goes to *catalog_id when it is not NULL. `path` is the module path,
   NUL-terminated UTF-16. The entry goes at the end of the catalog order.
   WSAEFAULT for NULL info/path; WSAEINVAL for an empty path or a chain the
   catalog refuses (docs/catalog.md, "Protocol chains"). */
WPU_C_API int wpu_catalog_add(const WSAPROTOCOL_INFOW* info, const WCHAR* path, DWORD* catalog_id);

/* Removes an entry: 0, or WSAEINVAL for an unknown id or an entry that a
   chain entry names. */
WPU_C_API int wpu_catalog_remove(DWORD catalog_id);

/* Loads a catalog file (docs/catalog.md) into the process catalog, all
   entries or none. WSAEFAULT for NULL, WSASYSNOTREADY when unreadable,
   WSAEINVAL when malformed (with the 1-based line in *error_line if given). */
WPU_C_API int wpu_catalog_load_file(const char* file, int* error_line);

/* Copies an entry's WSAPROTOCOL_INFOW: 0, WSAEINVAL (unknown id), WSAEFAULT. */
WPU_C_API int wpu_catalog_get(DWORD catalog_id, WSAPROTOCOL_INFOW* info);

/* WSCWriteProviderOrder on the process catalog: ids[0..count-1] become the
   catalog order (the order of WSCEnumProtocols and of socket creation's
   search). 0; WSAEINVAL, nothing changed, unless the ids are exactly a
   permutation of every entry's id; WSAEFAULT for NULL ids. */
WPU_C_API int wpu_catalog_write_order(const DWORD* ids, DWORD count);

/* Sets the calling thread's blocking hook, returned by
   WPUQueryBlockingCallback on this thread (NULL removes it). Always 0. */
WPU_C_API int wpu_set_blocking_hook(LPBLOCKINGCALLBACK callback, DWORD_PTR context);

/* WSAAsyncSelect's notification for one network event, posted the way a
   provider's WSPAsyncSelect machinery posts it: WPUPostMessage(hwnd, msg,
   (WPARAM)s, WSAMAKESELECTREPLY(event, error)) through `upcalls`. `s` is the
   socket handle the client knows (for a layered provider, the one it got from
   WPUCreateSocketHandle); `event` is exactly one FD_ bit; `error` is 0 or the
   WSAE* code of the failure (FD_CONNECT, FD_CLOSE). TRUE once posted; FALSE
   without posting when `upcalls` or its WPUPostMessage is NULL or `event` is
   not one FD_ bit, and FALSE when WPUPostMessage fails (a dead window, a full
   queue: the thread's last error says which). Which events are enabled, and
   which call re-enables each (recv re-enables FD_READ, and so on), is the
   provider's bookkeeping: examples/async_select.c shows one way. Any thread. */
WPU_C_API BOOL wpu_post_select_reply(const WSPUPCALLTABLE* upcalls, HWND hwnd, UINT msg,
                                     SOCKET s, LONG event, int error);

/* Overlapped completion, for the client of a provider that completes with
   WPUCompleteOverlappedRequest (docs/upcalls.md has the whole model). These
   act on socket handles of the default backend (the table
   wpu_get_upcall_table returns), on both backends. */

/* WPUCompleteOverlappedRequest for the default backend's sockets, and on
   POSIX its registered IFS handles (docs/upcalls.md has the rules). On POSIX <wpu/ws2spi.h> declares it and maps Windows' name
   onto it. On Windows ws2_32 exports the real one, which knows only its own
   sockets; a provider hosted in-process over wpu's Win32 backend calls this
   one instead. */
#if defined(_WIN32)
WPU_C_API int WSPAPI wpu_complete_overlapped_request(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
                                                     DWORD dwError, DWORD cbTransferred,
                                                     LPINT lpErrno);
#endif

/* CreateIoCompletionPort((HANDLE)s, port, key, concurrency) for a socket
   handle made by WPUCreateSocketHandle or an IFS handle registered with
   WPUModifyIFSHandle: associates it with `port` (NULL: a new port with
   `concurrency`), once, and returns the port. Registering an IFS handle
   again (a new socket got the fd) drops its association. Unlike the rest
   of this header it reports failure as CreateIoCompletionPort does: NULL,
   with the thread's last error (GetLastError) ERROR_INVALID_HANDLE (neither
   a live wpu socket nor a registered IFS handle; `port` not a live
   completion port), ERROR_INVALID_PARAMETER (the socket already has a port)
   or ERROR_NOT_ENOUGH_MEMORY. The port is a real one from
   CreateIoCompletionPort on Windows (where an IFS handle, a system socket,
   is passed to the system's CreateIoCompletionPort and the kernel completes
   its I/O) and a <wpu/winapi.h> one on POSIX (where CreateIoCompletionPort
   on a wpu socket or a file descriptor calls this, and
   WPUCompleteOverlappedRequest on the IFS handle queues to the port). Keep
   it open while associated sockets complete requests. */
WPU_C_API HANDLE wpu_associate_socket(SOCKET s, HANDLE port, ULONG_PTR key, DWORD concurrency);

/* WSAGetOverlappedResult for a wpu socket (POSIX: or a registered IFS
   handle) whose requests complete with WPUCompleteOverlappedRequest: 0 with
   *bytes (InternalHigh) and *flags (Offset) once the operation is done and
   succeeded; the operation's error if it failed; WSA_IO_INCOMPLETE while it runs and `wait` is FALSE (with
   `wait`, the calling thread blocks on hEvent & ~1 first); WSAENOTSOCK,
   WSAEFAULT (NULL pointer), WSA_INVALID_PARAMETER (`wait` with a NULL
   hEvent) or WSA_INVALID_HANDLE (a dead hEvent). */
WPU_C_API int wpu_get_overlapped_result(SOCKET s, LPWSAOVERLAPPED overlapped, LPDWORD bytes,
                                        BOOL wait, LPDWORD flags);

#ifdef __cplusplus
}
#endif

#endif /* WPU_WPU_H */
