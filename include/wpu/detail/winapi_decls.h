/*
 * wpu/detail/winapi_decls.h - the declarations of <wpu/winapi.h> without the
 * macros that map Windows' function names onto wpu's (POSIX): the wpu_*
 * functions, the window, message and port types, and the WM_*, PM_*, QS_*,
 * MWMO_* and ERROR_* constants. Include-guarded. wpu's C++ headers include
 * this; <wpu/winapi.h> documents the functions and adds the name macros.
 */
#ifndef WPU_DETAIL_WINAPI_DECLS_H
#define WPU_DETAIL_WINAPI_DECLS_H

#include <wpu/detail/ws2spi_decls.h>

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
   signalled, for poll/epoll/Asio. The first call makes it (the platform
   layer's pollable: one fd on Linux, a pipe's read end with the portable
   layer and on macOS; docs/platforms.md);
   later calls return the same fd. The event owns it: do not read, write or
   close it; it is closed when the event is destroyed. -1 with
   WSA_INVALID_HANDLE (not a live event) or WSAEMFILE (no fd available). */
WPU_C_API int wpu_event_fd(WSAEVENT event);

/* ---- Windows and messages --------------------------------------------------
 * Message-only windows (parent HWND_MESSAGE) and per-thread message queues.
 * A thread gets its queue on its first call to a message function (as on
 * Windows, where a thread's first USER call makes it). A window belongs to
 * the thread that created it; its messages are retrieved and dispatched on
 * that thread, FIFO per thread queue. Posting (PostMessageW,
 * PostThreadMessageW, WPUPostMessage) works from any thread. HWNDs are wpu
 * handle values: a destroyed or garbage HWND gives FALSE with
 * ERROR_INVALID_WINDOW_HANDLE, never a crash. */

typedef WORD ATOM;
typedef struct HINSTANCE__* HINSTANCE;
typedef struct HMENU__* HMENU;
typedef struct HICON__* HICON;
typedef struct HICON__* HCURSOR;
typedef struct HBRUSH__* HBRUSH;

typedef struct tagPOINT {
  LONG x;
  LONG y;
} POINT, *PPOINT, *LPPOINT;

typedef struct tagMSG {
  HWND hwnd;
  UINT message;
  WPARAM wParam;
  LPARAM lParam;
  DWORD time;
  POINT pt;
} MSG, *PMSG, *LPMSG;

typedef LRESULT(CALLBACK* WNDPROC)(HWND, UINT, WPARAM, LPARAM);

typedef struct tagWNDCLASSW {
  UINT style;
  WNDPROC lpfnWndProc;
  int cbClsExtra;
  int cbWndExtra;
  HINSTANCE hInstance;
  HICON hIcon;
  HCURSOR hCursor;
  HBRUSH hbrBackground;
  LPCWSTR lpszMenuName;
  LPCWSTR lpszClassName;
} WNDCLASSW, *PWNDCLASSW, *LPWNDCLASSW;

/* What WM_NCCREATE and WM_CREATE carry in lParam. */
typedef struct tagCREATESTRUCTW {
  LPVOID lpCreateParams;
  HINSTANCE hInstance;
  HMENU hMenu;
  HWND hwndParent;
  int cy;
  int cx;
  int y;
  int x;
  LONG style;
  LPCWSTR lpszName;
  LPCWSTR lpszClass;
  DWORD dwExStyle;
} CREATESTRUCTW, *LPCREATESTRUCTW;

#  define HWND_MESSAGE ((HWND)(LONG_PTR)-3)
#  define GWLP_WNDPROC (-4)
#  define GWLP_USERDATA (-21)

#  define WM_NULL 0x0000
#  define WM_CREATE 0x0001
#  define WM_DESTROY 0x0002
#  define WM_CLOSE 0x0010
#  define WM_QUIT 0x0012
#  define WM_NCCREATE 0x0081
#  define WM_NCDESTROY 0x0082
#  define WM_TIMER 0x0113
#  define WM_USER 0x0400
#  define WM_APP 0x8000

#  define PM_NOREMOVE 0x0000
#  define PM_REMOVE 0x0001
#  define PM_NOYIELD 0x0002
/* Which kinds of message PeekMessageW looks for (QS_x << 16; none: all). */
#  define PM_QS_INPUT (QS_INPUT << 16)
#  define PM_QS_POSTMESSAGE ((QS_POSTMESSAGE | QS_HOTKEY | QS_TIMER) << 16)
#  define PM_QS_PAINT (QS_PAINT << 16)
#  define PM_QS_SENDMESSAGE (QS_SENDMESSAGE << 16)

#  define QS_KEY 0x0001
#  define QS_MOUSEMOVE 0x0002
#  define QS_MOUSEBUTTON 0x0004
#  define QS_POSTMESSAGE 0x0008
#  define QS_TIMER 0x0010
#  define QS_PAINT 0x0020
#  define QS_SENDMESSAGE 0x0040
#  define QS_HOTKEY 0x0080
#  define QS_ALLPOSTMESSAGE 0x0100
#  define QS_RAWINPUT 0x0400
#  define QS_TOUCH 0x0800
#  define QS_POINTER 0x1000
#  define QS_MOUSE (QS_MOUSEMOVE | QS_MOUSEBUTTON)
/* As Windows' headers for _WIN32_WINNT >= 0x0602 (the default since Windows 8). */
#  define QS_INPUT (QS_MOUSE | QS_KEY | QS_RAWINPUT | QS_TOUCH | QS_POINTER)
#  define QS_ALLEVENTS (QS_INPUT | QS_POSTMESSAGE | QS_TIMER | QS_PAINT | QS_HOTKEY)
#  define QS_ALLINPUT (QS_ALLEVENTS | QS_SENDMESSAGE)

#  define MWMO_WAITALL 0x0001
#  define MWMO_ALERTABLE 0x0002
#  define MWMO_INPUTAVAILABLE 0x0004

#  define ERROR_INVALID_WINDOW_HANDLE 1400L
#  define ERROR_CANNOT_FIND_WND_CLASS 1407L
#  define ERROR_CLASS_ALREADY_EXISTS 1410L
#  define ERROR_CLASS_DOES_NOT_EXIST 1411L
#  define ERROR_CLASS_HAS_WINDOWS 1412L
#  define ERROR_INVALID_THREAD_ID 1444L
#  define ERROR_NOT_ENOUGH_QUOTA 1816L
#  define ERROR_ACCESS_DENIED 5L
#  define ERROR_INVALID_INDEX 1413L

/* RegisterClassW: the class atom (non-zero), or 0 with ERROR_INVALID_PARAMETER
   (NULL class, window procedure or name) or ERROR_CLASS_ALREADY_EXISTS.
   Classes are process-wide; hInstance is ignored. UnregisterClassW: TRUE, or
   FALSE with ERROR_CLASS_DOES_NOT_EXIST / ERROR_CLASS_HAS_WINDOWS. */
WPU_C_API ATOM wpu_register_class_w(const WNDCLASSW* wc);
WPU_C_API BOOL wpu_unregister_class_w(LPCWSTR class_name, HINSTANCE instance);
/* CreateWindowExW: message-only windows. The parent is HWND_MESSAGE, NULL
   or a live window (passed on in CREATESTRUCTW.hwndParent; the new window is
   a message-only window all the same); a dead or garbage parent gives NULL
   with ERROR_INVALID_WINDOW_HANDLE. Sends WM_NCCREATE and
   WM_CREATE to the window procedure on the calling thread, as Windows does
   (WM_NCCREATE returning FALSE or WM_CREATE returning -1 fails the call).
   NULL with ERROR_CANNOT_FIND_WND_CLASS for an unknown class. */
WPU_C_API HWND wpu_create_window_ex_w(DWORD ex_style, LPCWSTR class_name, LPCWSTR window_name,
                                      DWORD style, int x, int y, int width, int height, HWND parent,
                                      HMENU menu, HINSTANCE instance, LPVOID param);
/* DestroyWindow: owner thread only (others: FALSE, ERROR_ACCESS_DENIED).
   Sends WM_DESTROY then WM_NCDESTROY; messages still queued for the window
   are dropped, never dispatched. IsWindow: TRUE while the HWND is live. */
WPU_C_API BOOL wpu_destroy_window(HWND hwnd);
WPU_C_API BOOL wpu_is_window(HWND hwnd);
/* GetWindowLongPtrW / SetWindowLongPtrW for GWLP_USERDATA (the window's
   pointer-sized user value, 0 at creation) and GWLP_WNDPROC (its window
   procedure); Set returns the previous value. Any thread. Any other index:
   0 with ERROR_INVALID_INDEX; a dead HWND: 0 with
   ERROR_INVALID_WINDOW_HANDLE. */
WPU_C_API LONG_PTR wpu_get_window_long_ptr_w(HWND hwnd, int index);
WPU_C_API LONG_PTR wpu_set_window_long_ptr_w(HWND hwnd, int index, LONG_PTR value);
/* The owner thread's id (and, if pid is not NULL, this process's id); 0 with
   ERROR_INVALID_WINDOW_HANDLE for a dead HWND. */
WPU_C_API DWORD wpu_get_window_thread_process_id(HWND hwnd, LPDWORD pid);
/* The calling thread's id: the kernel thread id on Linux. */
WPU_C_API DWORD wpu_get_current_thread_id(void);

/* PostMessageW: queues (hwnd, msg, wParam, lParam) on the owner thread's
   queue and returns at once. hwnd NULL posts to the calling thread, as
   PostThreadMessageW(GetCurrentThreadId()) does. FALSE with
   ERROR_INVALID_WINDOW_HANDLE (not a live window) or ERROR_NOT_ENOUGH_QUOTA
   (out of memory). Any thread. */
WPU_C_API BOOL wpu_post_message_w(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam);
/* PostThreadMessageW: FALSE with ERROR_INVALID_THREAD_ID when the thread has
   no message queue (has made no message call) or has exited. */
WPU_C_API BOOL wpu_post_thread_message_w(DWORD thread_id, UINT msg, WPARAM wparam, LPARAM lparam);
/* PostQuitMessage: the calling thread's queue yields WM_QUIT (wParam = the
   code) once no posted message is left; GetMessageW then returns 0. */
WPU_C_API void wpu_post_quit_message(int exit_code);

/* GetMessageW: waits for the first queued message that matches hwnd (NULL:
   any; (HWND)-1: thread messages only) and the range [min, max] (0, 0: all),
   removes it into *msg, and returns TRUE; 0 for WM_QUIT, which comes after
   every posted message whatever the filters; -1 with ERROR_INVALID_WINDOW_HANDLE
   (hwnd is dead or garbage) or ERROR_INVALID_PARAMETER (msg NULL). For a live
   window of another thread it waits, as Windows does, until a wake-up finds
   that window gone (then -1). The wait runs no APCs (as on Windows). */
WPU_C_API BOOL wpu_get_message_w(LPMSG msg, HWND hwnd, UINT min, UINT max);
/* PeekMessageW: the same match without waiting; TRUE if a message was
   copied, removed only with PM_REMOVE. */
WPU_C_API BOOL wpu_peek_message_w(LPMSG msg, HWND hwnd, UINT min, UINT max, UINT remove);
/* DispatchMessageW: calls msg->hwnd's window procedure on the calling thread
   and returns its result; 0 for a thread message or a dead window. */
WPU_C_API LRESULT wpu_dispatch_message_w(const MSG* msg);
/* DefWindowProcW: TRUE for WM_NCCREATE (so creation goes on), 0 for every
   other message (message-only windows have no non-client area, painting or
   input). */
WPU_C_API LRESULT wpu_def_window_proc_w(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam);
/* TranslateMessage: FALSE (no keyboard input reaches message-only windows). */
WPU_C_API BOOL wpu_translate_message(const MSG* msg);

/* MsgWaitForMultipleObjectsEx over 0..63 events and the calling thread's
   queue: WAIT_OBJECT_0 + i for an event (lowest index), WAIT_OBJECT_0 + count
   when a posted message that wake_mask covers (QS_POSTMESSAGE,
   QS_ALLPOSTMESSAGE) arrives or, with MWMO_INPUTAVAILABLE, is already queued,
   WAIT_IO_COMPLETION with MWMO_ALERTABLE after running APCs, WAIT_TIMEOUT,
   WAIT_FAILED with ERROR_INVALID_PARAMETER / ERROR_INVALID_HANDLE. With
   MWMO_WAITALL: all events signalled at once and a message. */
WPU_C_API DWORD wpu_msg_wait_for_multiple_objects_ex(DWORD count, const HANDLE* handles,
                                                     DWORD milliseconds, DWORD wake_mask,
                                                     DWORD flags);

/* ---- Completion ports ----------------------------------------------------
 * Windows' I/O completion ports: posted packets, and the completions of wpu
 * sockets associated with a port (WPUCompleteOverlappedRequest). Any thread
 * may post, wait or close; a packet goes to one waiting thread, the most
 * recent waiter first (LIFO, as Windows), and at most `concurrency` threads
 * run packets from one port at a time (a thread counts as running from the
 * moment it takes a packet until it waits on the port again). Handles are
 * wpu handle values. */

typedef struct _OVERLAPPED_ENTRY {
  ULONG_PTR lpCompletionKey;
  LPOVERLAPPED lpOverlapped;
  ULONG_PTR Internal;
  DWORD dwNumberOfBytesTransferred;
} OVERLAPPED_ENTRY, *LPOVERLAPPED_ENTRY;

#  define INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)
#  define ERROR_ABANDONED_WAIT_0 735L

/* CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, concurrency): a new
   port (concurrency 0: the number of CPUs). NULL with ERROR_INVALID_PARAMETER
   (INVALID_HANDLE_VALUE with an existing port) or ERROR_NOT_ENOUGH_MEMORY.
   With a wpu socket handle or a file descriptor as `file`:
   wpu_associate_socket (<wpu/wpu.h>), which accepts a wpu socket or an IFS
   handle (an fd registered with WPUModifyIFSHandle). Any other `file` (an
   unregistered fd included) gives NULL with ERROR_INVALID_HANDLE. */
WPU_C_API HANDLE wpu_create_io_completion_port(HANDLE file, HANDLE port, ULONG_PTR key,
                                               DWORD concurrency);
/* GetQueuedCompletionStatus: TRUE with a packet; FALSE with *overlapped set
   and the operation's error for a failed one; FALSE with *overlapped NULL and
   WAIT_TIMEOUT, ERROR_ABANDONED_WAIT_0 (the port was closed) or
   ERROR_INVALID_HANDLE. */
WPU_C_API BOOL wpu_get_queued_completion_status(HANDLE port, LPDWORD bytes, PULONG_PTR key,
                                                LPOVERLAPPED* overlapped, DWORD milliseconds);
/* GetQueuedCompletionStatusEx: up to `count` packets at once (entry Internal:
   0 on success, else the status Windows keeps, NTSTATUS_FROM_WIN32(error)); FALSE with
   WAIT_TIMEOUT, WAIT_IO_COMPLETION (alertable, APCs ran), ERROR_ABANDONED_WAIT_0 or
   ERROR_INVALID_HANDLE/ERROR_INVALID_PARAMETER. */
WPU_C_API BOOL wpu_get_queued_completion_status_ex(HANDLE port, LPOVERLAPPED_ENTRY entries,
                                                   ULONG count, PULONG removed, DWORD milliseconds,
                                                   BOOL alertable);
/* PostQueuedCompletionStatus: queues (bytes, key, overlapped); FALSE with
   ERROR_INVALID_HANDLE. */
WPU_C_API BOOL wpu_post_queued_completion_status(HANDLE port, DWORD bytes, ULONG_PTR key,
                                                 LPOVERLAPPED overlapped);
/* WSAGetOverlappedResult (wpu_wsa_get_overlapped_result) is declared in
   <wpu/detail/winsock_decls.h>, with the rest of the application API. */
/* CloseHandle for a completion port (threads waiting on it return FALSE with
   ERROR_ABANDONED_WAIT_0; queued packets are dropped), an event, a semaphore
   or a thread (threads waiting on the object keep waiting; a thread's handle
   does not stop the thread). FALSE with ERROR_INVALID_HANDLE otherwise. */
WPU_C_API BOOL wpu_close_handle(HANDLE handle);

/* ---- Kernel objects: events, semaphores, threads, waits -------------------
 * docs/kernel-objects.md has the semantics, the deviations from Windows and
 * the costs. Events (WSACreateEvent's, WPUCreateEvent's and CreateEvent's),
 * semaphores and threads are all waitable by every wait function here,
 * WSAWaitForMultipleEvents and MsgWaitForMultipleObjectsEx included. Handles
 * are wpu handle values; as on Windows, h|1, h|2 and h|3 name h. Every
 * function may be called from any thread (ExitThread: the thread itself);
 * failures set the calling thread's last error. */

#  if !defined(WPU_SECURITY_ATTRIBUTES_DEFINED)
#    define WPU_SECURITY_ATTRIBUTES_DEFINED 1
/* Accepted and ignored (there are no other processes to inherit handles and
   no access control on wpu's objects). */
typedef struct _SECURITY_ATTRIBUTES {
  DWORD nLength;
  LPVOID lpSecurityDescriptor;
  BOOL bInheritHandle;
} SECURITY_ATTRIBUTES, *PSECURITY_ATTRIBUTES, *LPSECURITY_ATTRIBUTES;
#  endif

typedef DWORD(WINAPI* PTHREAD_START_ROUTINE)(LPVOID lpThreadParameter);
typedef PTHREAD_START_ROUTINE LPTHREAD_START_ROUTINE;
typedef void(CALLBACK* PAPCFUNC)(ULONG_PTR Parameter);
typedef LONG* LPLONG;

#  define STILL_ACTIVE 0x00000103L
#  define CREATE_SUSPENDED 0x00000004
#  define STACK_SIZE_PARAM_IS_A_RESERVATION 0x00010000
#  define WAIT_ABANDONED 0x00000080L
#  define WAIT_ABANDONED_0 0x00000080L
#  define ERROR_NOT_SUPPORTED 50L
#  define ERROR_TOO_MANY_POSTS 298L
#  define ERROR_NOACCESS 998L

/* CreateEventW / CreateEventA: a manual-reset (bManualReset) or auto-reset
   event, signalled if bInitialState. lpEventAttributes is ignored. Names are
   not supported: a non-empty lpName gives NULL with ERROR_NOT_SUPPORTED (wpu
   has no object namespace, and an unnamed object in its place would break
   code that opens it again by name). NULL with ERROR_NOT_ENOUGH_MEMORY when
   memory or the handle table is exhausted. */
WPU_C_API HANDLE wpu_create_event_w(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset,
                                    BOOL bInitialState, LPCWSTR lpName);
WPU_C_API HANDLE wpu_create_event_a(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset,
                                    BOOL bInitialState, LPCSTR lpName);
/* SetEvent / ResetEvent on any event. SetEvent on an auto-reset event with
   waiters releases exactly one wait (which takes the signal); with none, the
   event stays signalled until a wait takes it. FALSE with ERROR_INVALID_HANDLE
   for anything but a live event (a semaphore or thread included). */
WPU_C_API BOOL wpu_set_event(HANDLE hEvent);
WPU_C_API BOOL wpu_reset_event(HANDLE hEvent);
/* CreateSemaphoreW / CreateSemaphoreA: count lInitialCount, at most
   lMaximumCount. NULL with ERROR_INVALID_PARAMETER (lMaximumCount <= 0,
   lInitialCount < 0 or > lMaximumCount); names as CreateEventW. */
WPU_C_API HANDLE wpu_create_semaphore_w(LPSECURITY_ATTRIBUTES lpSemaphoreAttributes,
                                        LONG lInitialCount, LONG lMaximumCount, LPCWSTR lpName);
WPU_C_API HANDLE wpu_create_semaphore_a(LPSECURITY_ATTRIBUTES lpSemaphoreAttributes,
                                        LONG lInitialCount, LONG lMaximumCount, LPCSTR lpName);
/* ReleaseSemaphore: adds lReleaseCount, storing the count before in
   *lpPreviousCount (if not NULL). FALSE with ERROR_TOO_MANY_POSTS when the
   count would pass the maximum (it is left unchanged), ERROR_INVALID_PARAMETER
   (lReleaseCount <= 0) or ERROR_INVALID_HANDLE. */
WPU_C_API BOOL wpu_release_semaphore(HANDLE hSemaphore, LONG lReleaseCount, LPLONG lpPreviousCount);
/* CreateThread: runs lpStartAddress(lpParameter) on a new (detached POSIX)
   thread, which is a wpu thread from its first instruction: APCs queued to
   the handle before it waits are kept, and those queued before it starts run
   before lpStartAddress, as on Windows. The handle is signalled when the
   thread ends (return or ExitThread) and stays valid until CloseHandle;
   closing it does not stop the thread. *lpThreadId (if not NULL) is the id
   GetCurrentThreadId returns on the thread. dwCreationFlags: CREATE_SUSPENDED
   (the thread starts at ResumeThread) and STACK_SIZE_PARAM_IS_A_RESERVATION;
   others are ignored. dwStackSize: at least the POSIX default stack. NULL
   with ERROR_INVALID_PARAMETER (lpStartAddress NULL) or
   ERROR_NOT_ENOUGH_MEMORY. */
WPU_C_API HANDLE wpu_create_thread(LPSECURITY_ATTRIBUTES lpThreadAttributes, SIZE_T dwStackSize,
                                   LPTHREAD_START_ROUTINE lpStartAddress, LPVOID lpParameter,
                                   DWORD dwCreationFlags, LPDWORD lpThreadId);
/* ExitThread: ends the calling thread with dwExitCode as its exit code
   (pthread_exit: the stack is unwound, C++ destructors run). */
WPU_C_API
#  if defined(__GNUC__)
__attribute__((noreturn))
#  endif
void wpu_exit_thread(DWORD dwExitCode);
/* GetExitCodeThread: STILL_ACTIVE while the thread runs, then its exit code.
   FALSE with ERROR_INVALID_HANDLE (not a CreateThread handle). */
WPU_C_API BOOL wpu_get_exit_code_thread(HANDLE hThread, LPDWORD lpExitCode);
/* ResumeThread: the previous suspend count (1 for a CREATE_SUSPENDED thread
   not yet resumed: it then starts; 0 otherwise); (DWORD)-1 with
   ERROR_INVALID_HANDLE. SuspendThread is not provided. */
WPU_C_API DWORD wpu_resume_thread(HANDLE hThread);
/* QueueUserAPC: queues pfnAPC(dwData) to the thread of hThread (a
   CreateThread handle or a WPUOpenCurrentThread handle); it runs there in an
   alertable wait, FIFO. Non-zero on success; 0 with ERROR_INVALID_HANDLE,
   ERROR_INVALID_PARAMETER (pfnAPC NULL) or ERROR_GEN_FAILURE (the thread has
   ended). */
WPU_C_API DWORD wpu_queue_user_apc(PAPCFUNC pfnAPC, HANDLE hThread, ULONG_PTR dwData);
/* WaitForSingleObject(Ex) / WaitForMultipleObjects(Ex): 1..64 handles of
   events, semaphores or threads. Wait-any: WAIT_OBJECT_0 + the lowest index
   that satisfies the wait; wait-all: WAIT_OBJECT_0 once all are signalled at
   one instant. A satisfied wait takes the signal of an auto-reset event and
   one count of a semaphore (a wait-all takes all of them at once, or none).
   WAIT_TIMEOUT after dwMilliseconds (INFINITE: never); WAIT_IO_COMPLETION
   when bAlertable and APCs ran (signalled objects win over APCs). WAIT_FAILED
   with ERROR_INVALID_HANDLE (an entry is not a live object) or
   ERROR_INVALID_PARAMETER (count 0 or > 64, NULL array, an object twice in a
   wait-all). Threads waiting on an object whose handle is closed keep
   waiting. */
WPU_C_API DWORD wpu_wait_for_single_object(HANDLE hHandle, DWORD dwMilliseconds);
WPU_C_API DWORD wpu_wait_for_single_object_ex(HANDLE hHandle, DWORD dwMilliseconds,
                                              BOOL bAlertable);
WPU_C_API DWORD wpu_wait_for_multiple_objects(DWORD nCount, const HANDLE* lpHandles, BOOL bWaitAll,
                                              DWORD dwMilliseconds);
WPU_C_API DWORD wpu_wait_for_multiple_objects_ex(DWORD nCount, const HANDLE* lpHandles,
                                                 BOOL bWaitAll, DWORD dwMilliseconds,
                                                 BOOL bAlertable);

#  ifdef __cplusplus
}
#  endif

#endif /* !defined(_WIN32) */

/* ---- The catalog functions a provider calls ---------------------------------
 * On both platforms, under wpu_ names only: a provider hosted in-process by
 * wpu (the Win32 backend included) must see wpu's catalog, never the
 * system's. <wpu/winapi.h> maps Windows' names onto them on POSIX. They read
 * the process catalog (wpu::process_catalog(), loaded from WPU_CATALOG), take
 * its lock only inside the call, and so work from inside a provider's
 * WSPStartup. Any thread. */

#ifdef __cplusplus
extern "C" {
#endif

/* WSCEnumProtocols: every entry (layered ChainLen-0 and PFL_HIDDEN ones
   included), in catalog order, as WSAPROTOCOL_INFOW records. lpiProtocols
   NULL: all; else a 0-terminated list of protocol numbers, and an entry is
   returned when one of them lies in [iProtocol, iProtocol +
   iProtocolMaxOffset]. Returns the number of records, or SOCKET_ERROR with
   *lpErrno = WSAENOBUFS and *lpdwBufferLength = the bytes needed (buffer NULL
   or too small), or WSAEFAULT (lpdwBufferLength NULL). */
WPU_C_API int wpu_wsc_enum_protocols(LPINT lpiProtocols, LPWSAPROTOCOL_INFOW lpProtocolBuffer,
                                     LPDWORD lpdwBufferLength, LPINT lpErrno);
/* WSAEnumProtocolsW: the same without ChainLen-0 and PFL_HIDDEN entries; the
   error goes to the thread's last error (WSAGetLastError). */
WPU_C_API int wpu_wsa_enum_protocols_w(LPINT lpiProtocols, LPWSAPROTOCOL_INFOW lpProtocolBuffer,
                                       LPDWORD lpdwBufferLength);
/* WSCGetProviderPath: the provider's module path, NOT expanded, with its NUL;
   *lpProviderDllPathLen (in WCHARs) becomes its length without the NUL. 0, or
   SOCKET_ERROR with *lpErrno = WSAEINVAL (no entry has the GUID) or
   WSAEFAULT (NULL GUID or length; or a NULL or short buffer, with
   *lpProviderDllPathLen = the length needed including the NUL). */
WPU_C_API int wpu_wsc_get_provider_path(LPGUID lpProviderId, WCHAR* lpszProviderDllPath,
                                        LPINT lpProviderDllPathLen, LPINT lpErrno);
/* ExpandEnvironmentStringsW: each %NAME% naming a set environment variable
   becomes its value (POSIX: getenv, case-sensitive, UTF-8 decoded; Windows:
   the process environment, case-insensitive); %NAME% with an unknown name and
   a % with no closing % stay as they are. Returns the WCHARs of the result
   including its NUL. When nSize is smaller than that (or lpDst is NULL),
   returns the size needed and writes only lpDst[0..nSize-1]: the first
   nSize-1 WCHARs of the result and a NUL (nothing when nSize is 0). 0 with
   ERROR_INVALID_PARAMETER (NULL lpSrc) or ERROR_NOT_ENOUGH_MEMORY as the
   thread's last error. */
WPU_C_API DWORD wpu_expand_environment_strings_w(LPCWSTR lpSrc, LPWSTR lpDst, DWORD nSize);

#ifdef __cplusplus
}
#endif

#endif /* WPU_DETAIL_WINAPI_DECLS_H */
