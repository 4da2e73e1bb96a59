/*
 * wpu/leaks.h - the leak report's C API (docs/leaks.md).
 *
 * With the report on, wpu records every socket handle, event, thread id,
 * window, completion port and application socket made through the upcall
 * tables wpu builds and through wpu's C API, with the catalog entry or thread
 * that made it, and forgets each when it is closed. What is still open is
 * written out at each provider's WSPCleanup (what that provider's catalog
 * entries made), at the last WSACleanup, at process exit and when
 * wpu_leaks_report is called: one line per object and a summary line,
 * nothing when nothing is open. Each object is reported once.
 *
 * The environment variable WPU_LEAKS=1 turns the report on (read once, on
 * first use of wpu); WPU_LEAKS_FILE=path sends it to `path` (appended)
 * instead of stderr. The functions below may be called from any thread; the
 * switch must be turned on before the host (the first WSAStartup) or
 * wpu_get_upcall_table builds its table, which is made over the recording
 * decorator only when the report is on at that moment.
 */
#ifndef WPU_LEAKS_H
#define WPU_LEAKS_H

#include <wpu/detail/ws2spi_decls.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Turns recording on (nonzero) or off (0); returns the previous state (0 or
   1). Objects recorded before stay recorded when it is turned off; closes of
   them are still seen. */
WPU_C_API int wpu_leaks_enable(int on);

/* 1 when recording is on (WPU_LEAKS=1 or wpu_leaks_enable), else 0. */
WPU_C_API int wpu_leaks_enabled(void);

/* Where reports go: `path` is opened for appending, NULL means stderr (the
   default). 0, or WSAEINVAL when the file cannot be opened (the output is
   then unchanged). */
WPU_C_API int wpu_leaks_set_output(const char* path);

/* Reports every object still recorded, naming `where` as the place of the
   report (NULL: "wpu_leaks_report"), and forgets them. Returns how many were
   reported (0: nothing was written). */
WPU_C_API unsigned wpu_leaks_report(const char* where);

#ifdef __cplusplus
}
#endif

#endif /* WPU_LEAKS_H */
