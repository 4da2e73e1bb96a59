/*
 * wpu/winapi.h - the client side of wpu's objects with Windows' names:
 * WSA events and waits, SleepEx, and the thread's last error.
 *
 * On Windows this is the system's <winsock2.h> + <windows.h>: the names below
 * are the real ones, and WPUCreateEvent's events are ordinary kernel events.
 *
 * On POSIX the functions are wpu's own, exported with a `wpu_` prefix (so a
 * process may also load WinPR or Wine's libraries, which export the plain
 * names) and mapped onto Windows' names with macros; ported code keeps saying
 * WSAWaitForMultipleEvents. They work on the same objects as the upcalls: an
 * event from WPUCreateEvent is waitable here, and an event from
 * WSACreateEvent can be set by WPUSetEvent. Define WPU_NO_WINAPI_NAMES to get
 * only the prefixed names.
 *
 * Threads: every function may be called from any thread. Waits block only the
 * calling thread; APCs queued with WPUQueueApc run on the thread they were
 * queued to, inside its alertable waits (SleepEx(..., TRUE),
 * WSAWaitForMultipleEvents(..., TRUE)). The last error is per thread.
 *
 * Costs (POSIX): an event is a few words of memory and no file descriptor;
 * setting a set event, resetting a reset event and waiting on a signalled
 * event make no system call. README.md "Events, waits and APCs" has the rest.
 */
#ifndef WPU_WINAPI_H
#define WPU_WINAPI_H

#include <wpu/ws2spi.h>

#if !defined(_WIN32)

#  ifdef __cplusplus
extern "C" {
#  endif

/* WSACreateEvent: a manual-reset, non-signalled event; WSA_INVALID_EVENT with
   WSA_NOT_ENOUGH_MEMORY when memory or the handle table is exhausted. */
WPU_C_API WSAEVENT wpu_wsa_create_event(void);
/* WSASetEvent / WSAResetEvent / WSACloseEvent: TRUE, or FALSE with
   WSA_INVALID_HANDLE for anything that is not a live event. */
WPU_C_API BOOL wpu_wsa_set_event(WSAEVENT event);
WPU_C_API BOOL wpu_wsa_reset_event(WSAEVENT event);
WPU_C_API BOOL wpu_wsa_close_event(WSAEVENT event);

/* WSAWaitForMultipleEvents. 1..64 events. Wait-any returns
   WSA_WAIT_EVENT_0 + the lowest signalled index; wait-all returns
   WSA_WAIT_EVENT_0 once all are signalled at one instant. `timeout` is in
   milliseconds on the monotonic clock (WSA_INFINITE: none) and gives
   WSA_WAIT_TIMEOUT. When `alertable`, queued APCs run first if no event is
   signalled, and the call returns WSA_WAIT_IO_COMPLETION. WSA_WAIT_FAILED with
   WSA_INVALID_PARAMETER (count 0 or > 64, NULL array, an event twice in a
   wait-all) or WSA_INVALID_HANDLE (an entry is not a live event). */
WPU_C_API DWORD wpu_wsa_wait_for_multiple_events(DWORD count, const WSAEVENT* events, BOOL wait_all,
                                                 DWORD timeout, BOOL alertable);

/* SleepEx: 0 after the time, WAIT_IO_COMPLETION when alertable and APCs ran.
   SleepEx(INFINITE, TRUE) sleeps until an APC arrives. */
WPU_C_API DWORD wpu_sleep_ex(DWORD milliseconds, BOOL alertable);

/* The calling thread's last error. As on Windows, WSAGetLastError and
   GetLastError read the same value. */
WPU_C_API int wpu_wsa_get_last_error(void);
WPU_C_API void wpu_wsa_set_last_error(int error);
WPU_C_API DWORD wpu_get_last_error(void);
WPU_C_API void wpu_set_last_error(DWORD error);

/* wpu extension: a file descriptor that is readable exactly while `event` is
   signalled, for poll/epoll/Asio. The first call makes it (an eventfd, or a
   pipe when built with -Devent-fd=pipe); later calls return the same fd. The
   event owns it: do not read, write or close it; it is closed when the event
   is destroyed. -1 with WSA_INVALID_HANDLE (not a live event) or WSAEMFILE
   (no fd available). */
WPU_C_API int wpu_event_fd(WSAEVENT event);

#  ifdef __cplusplus
}
#  endif

#  if !defined(WPU_NO_WINAPI_NAMES)
#    define WSACreateEvent wpu_wsa_create_event
#    define WSASetEvent wpu_wsa_set_event
#    define WSAResetEvent wpu_wsa_reset_event
#    define WSACloseEvent wpu_wsa_close_event
#    define WSAWaitForMultipleEvents wpu_wsa_wait_for_multiple_events
#    define SleepEx wpu_sleep_ex
#    define WSAGetLastError wpu_wsa_get_last_error
#    define WSASetLastError wpu_wsa_set_last_error
#    define GetLastError wpu_get_last_error
#    define SetLastError wpu_set_last_error
#  endif /* !defined(WPU_NO_WINAPI_NAMES) */

#endif /* !defined(_WIN32) */

#endif /* WPU_WINAPI_H */
