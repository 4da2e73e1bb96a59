/*
 * wpu/winapi.h - the client side of wpu's objects with Windows' names:
 * WSA events and waits, SleepEx, the thread's last error, kernel objects
 * (CreateEvent, CreateSemaphore, CreateThread, WaitForMultipleObjects and
 * their kin, docs/kernel-objects.md), message-only
 * windows with their per-thread message queues, completion ports, and the
 * catalog functions a provider calls (WSCEnumProtocols, WSAEnumProtocolsW,
 * WSCGetProviderPath, ExpandEnvironmentStringsW).
 *
 * On Windows this is the system's <winsock2.h> + <windows.h>: the names below
 * are the real ones, and WPUCreateEvent's events are ordinary kernel events.
 * The catalog functions are the exception: the Windows names there read the
 * system's catalog, so a provider hosted by wpu calls wpu_wsc_enum_protocols,
 * wpu_wsc_get_provider_path, ... (declared on both platforms) to see wpu's.
 *
 * On POSIX the functions are wpu's own, exported with a `wpu_` prefix (so a
 * process may also load WinPR or Wine's libraries, which export the plain
 * names) and mapped onto Windows' names with macros; ported code keeps saying
 * WSAWaitForMultipleEvents. They work on the same objects as the upcalls: an
 * event from WPUCreateEvent is waitable here, and an event from
 * WSACreateEvent can be set by WPUSetEvent. Define WPU_NO_WINAPI_NAMES to get
 * only the prefixed names.
 *
 * The declarations (and their documentation) are in
 * <wpu/detail/winapi_decls.h>, include-guarded, which wpu's C++ headers
 * include. The name macros (GetLastError -> wpu_get_last_error, ...) are
 * here, outside any include guard: every inclusion of this header applies
 * them, so they take effect even after <wpu/wpu.hpp> was included, and only
 * in translation units that include this header. This header does not map
 * fd_set (that is <wpu/ws2spi.h>'s opt-in), so it can be combined with
 * Boost.Asio in any order (docs/porting.md, "Headers and macros").
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
#include <wpu/detail/winapi_decls.h>
#include <wpu/detail/winsock_decls.h>

#if !defined(_WIN32)

#  ifndef VOID
#    define VOID void
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
#    define RegisterClassW wpu_register_class_w
#    define UnregisterClassW wpu_unregister_class_w
#    define CreateWindowExW wpu_create_window_ex_w
#    define DestroyWindow wpu_destroy_window
#    define IsWindow wpu_is_window
#    define GetWindowLongPtrW wpu_get_window_long_ptr_w
#    define SetWindowLongPtrW wpu_set_window_long_ptr_w
#    define GetWindowThreadProcessId wpu_get_window_thread_process_id
#    define GetCurrentThreadId wpu_get_current_thread_id
#    define PostMessageW wpu_post_message_w
#    define PostThreadMessageW wpu_post_thread_message_w
#    define PostQuitMessage wpu_post_quit_message
#    define GetMessageW wpu_get_message_w
#    define PeekMessageW wpu_peek_message_w
#    define DispatchMessageW wpu_dispatch_message_w
#    define DefWindowProcW wpu_def_window_proc_w
#    define TranslateMessage wpu_translate_message
#    define MsgWaitForMultipleObjectsEx wpu_msg_wait_for_multiple_objects_ex
#    define CreateIoCompletionPort wpu_create_io_completion_port
#    define GetQueuedCompletionStatus wpu_get_queued_completion_status
#    define GetQueuedCompletionStatusEx wpu_get_queued_completion_status_ex
#    define PostQueuedCompletionStatus wpu_post_queued_completion_status
#    define CloseHandle wpu_close_handle
#    define WSAGetOverlappedResult wpu_wsa_get_overlapped_result
#    define WSCEnumProtocols wpu_wsc_enum_protocols
#    define WSAEnumProtocolsW wpu_wsa_enum_protocols_w
#    define WSAEnumProtocols wpu_wsa_enum_protocols_w
#    define WSCGetProviderPath wpu_wsc_get_provider_path
#    define ExpandEnvironmentStringsW wpu_expand_environment_strings_w
#    define CreateEventW wpu_create_event_w
#    define CreateEventA wpu_create_event_a
#    define SetEvent wpu_set_event
#    define ResetEvent wpu_reset_event
#    define CreateSemaphoreW wpu_create_semaphore_w
#    define CreateSemaphoreA wpu_create_semaphore_a
#    define ReleaseSemaphore wpu_release_semaphore
#    define CreateThread wpu_create_thread
#    define ExitThread wpu_exit_thread
#    define GetExitCodeThread wpu_get_exit_code_thread
#    define ResumeThread wpu_resume_thread
#    define QueueUserAPC wpu_queue_user_apc
#    define WaitForSingleObject wpu_wait_for_single_object
#    define WaitForSingleObjectEx wpu_wait_for_single_object_ex
#    define WaitForMultipleObjects wpu_wait_for_multiple_objects
#    define WaitForMultipleObjectsEx wpu_wait_for_multiple_objects_ex
#    ifdef UNICODE
#      define CreateEvent wpu_create_event_w
#      define CreateSemaphore wpu_create_semaphore_w
#    else
#      define CreateEvent wpu_create_event_a
#      define CreateSemaphore wpu_create_semaphore_a
#    endif
#  endif /* !defined(WPU_NO_WINAPI_NAMES) */

#endif /* !defined(_WIN32) */
