/*
 * wpu/trace.h - WPU_TRACE from C: one line per upcall and per call of the
 * application API (docs/tracing.md).
 *
 * Both functions may be called from any thread at any time; they serialise
 * with each other and with the lines being written. Their effect: upcall
 * tables built after enabling (a host's at its construction,
 * wpu_get_upcall_table's at each call) trace their upcalls; tables built
 * before do not. Calls of the application API trace from the next call on,
 * on every thread.
 */
#ifndef WPU_TRACE_H
#define WPU_TRACE_H

#include <wpu/detail/ws2spi_decls.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Starts tracing: NULL, "", "1" or "stderr" write to standard error; any
   other string is a file path, opened for appending (created 0644 on POSIX)
   and kept open until tracing is disabled or sent elsewhere. Returns 0, or
   the system's error code for opening the file (errno on POSIX,
   GetLastError() on Windows), in which case the previous state (on or off,
   and where to) stays as it was. Overrides the environment variable
   WPU_TRACE, which is then no longer read. */
WPU_C_API int wpu_trace_enable(const char* path_or_null);

/* Stops tracing and closes the trace file, if one was open. Lines already
   being written by other threads finish first. */
WPU_C_API void wpu_trace_disable(void);

#ifdef __cplusplus
}
#endif

#endif /* WPU_TRACE_H */
