/*
 * wpu/wpu.h - wpu's C API, for C hosts, C providers and tests.
 *
 * Every function returns 0 or a Winsock error code (WSAE*), never sets errno,
 * and may be called from any thread unless it says otherwise. The functions
 * live in the compiled library (header-only mode offers them to C++ only).
 */
#ifndef WPU_WPU_H
#define WPU_WPU_H

#include <wpu/ws2spi.h>

#ifndef WPU_C_API
#  define WPU_C_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The upcall table of the process's default backend (POSIX or Win32), as a
   host passes it to WSPStartup. WSAEFAULT for NULL; the error from loading
   WPU_CATALOG (WSASYSNOTREADY unreadable, WSAEINVAL malformed) if that failed. */
WPU_C_API int wpu_get_upcall_table(LPWSPUPCALLTABLE table);

/* Adds a protocol entry to the process catalog; the new catalog id (from
   1001) goes to *catalog_id when it is not NULL. `path` is the module path,
   NUL-terminated UTF-16. WSAEFAULT for NULL info/path, WSAEINVAL for an empty
   path. */
WPU_C_API int wpu_catalog_add(const WSAPROTOCOL_INFOW* info, const WCHAR* path, DWORD* catalog_id);

/* Removes an entry: 0 or WSAEINVAL. */
WPU_C_API int wpu_catalog_remove(DWORD catalog_id);

/* Loads a catalog file (docs/catalog.md) into the process catalog, all
   entries or none. WSAEFAULT for NULL, WSASYSNOTREADY when unreadable,
   WSAEINVAL when malformed (with the 1-based line in *error_line if given). */
WPU_C_API int wpu_catalog_load_file(const char* file, int* error_line);

/* Copies an entry's WSAPROTOCOL_INFOW: 0, WSAEINVAL (unknown id), WSAEFAULT. */
WPU_C_API int wpu_catalog_get(DWORD catalog_id, WSAPROTOCOL_INFOW* info);

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

#ifdef __cplusplus
}
#endif

#endif /* WPU_WPU_H */
