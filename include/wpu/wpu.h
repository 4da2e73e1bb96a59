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

#ifdef __cplusplus
}
#endif

#endif /* WPU_WPU_H */
