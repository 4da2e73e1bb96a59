// wpu/posix/objects.hpp - the kernel32 waitable objects on the event record:
// CreateEvent (manual and auto-reset), CreateSemaphore, CreateThread and
// QueueUserAPC (docs/kernel-objects.md). Their handles are of kind event, so
// every wait takes them. Definitions: impl/objects.ipp.
#ifndef WPU_POSIX_OBJECTS_HPP
#define WPU_POSIX_OBJECTS_HPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/posix/apc.hpp>

WPU_NAMESPACE_BEGIN
namespace posix {

class kernel_objects : public apc_queues {
 public:
  // Win32 errors through `err`. Any thread, unless a comment says otherwise.
  // set_event / reset_event act on any event of these kinds.
  /// CreateEvent: manual-reset or auto-reset, with its initial state. NULL
  /// with ERROR_NOT_ENOUGH_MEMORY.
  WPU_DECL HANDLE create_kernel_event(bool manual, bool initial, DWORD* err) noexcept;
  /// CreateSemaphore: NULL with ERROR_INVALID_PARAMETER (maximum <= 0,
  /// initial < 0 or > maximum) or ERROR_NOT_ENOUGH_MEMORY.
  WPU_DECL HANDLE create_semaphore(LONG initial, LONG maximum, DWORD* err) noexcept;
  /// ReleaseSemaphore: wakes the threads waiting on it (those that take a
  /// count return). FALSE with ERROR_INVALID_HANDLE, ERROR_INVALID_PARAMETER
  /// (count <= 0) or ERROR_TOO_MANY_POSTS (the count would pass the
  /// maximum; it is left as it was).
  WPU_DECL BOOL release_semaphore(HANDLE h, LONG count, LONG* previous, DWORD* err) noexcept;
  /// CreateThread: a detached POSIX thread that is a wpu thread from its
  /// first instruction (APCs may be queued to it at once). Returns once the
  /// thread has its id, with *tid set when tid is not NULL. `suspended`:
  /// the thread runs `start` only after resume_thread(). NULL with
  /// ERROR_NOT_ENOUGH_MEMORY (or the thread could not be made).
  WPU_DECL HANDLE create_thread(SIZE_T stack, DWORD(WINAPI* start)(LPVOID), LPVOID param,
                                bool suspended, DWORD* tid, DWORD* err) noexcept;
  /// ExitThread: the calling thread only. Records `code` as its exit code
  /// (for a thread made by create_thread) and ends the thread with
  /// pthread_exit, which unwinds its stack (C++ destructors run).
  [[noreturn]] WPU_DECL void exit_thread(DWORD code);
  /// GetExitCodeThread: STILL_ACTIVE while the thread runs.
  WPU_DECL BOOL thread_exit_code(HANDLE h, DWORD* code, DWORD* err) noexcept;
  /// ResumeThread: the previous suspend count ((DWORD)-1 with
  /// ERROR_INVALID_HANDLE); the thread starts when it reaches 0.
  WPU_DECL DWORD resume_thread(HANDLE h, DWORD* err) noexcept;
  /// QueueUserAPC: to a thread handle from create_thread or
  /// WPUOpenCurrentThread; the APC runs on that thread in an alertable wait.
  /// FALSE with ERROR_INVALID_HANDLE (not a live thread handle),
  /// ERROR_INVALID_PARAMETER (routine NULL), ERROR_GEN_FAILURE (the thread
  /// has exited) or ERROR_NOT_ENOUGH_MEMORY.
  WPU_DECL BOOL queue_user_apc(LPWSAUSERAPC routine, HANDLE h, ULONG_PTR data, DWORD* err) noexcept;

 protected:
  kernel_objects() = default;

  /// The live thread object `h` names, or nullptr. Any thread.
  WPU_DECL detail::event_object* lookup_thread_object(HANDLE h) noexcept;
  /// The new thread's entry (pthread_create) and body, on that thread.
  WPU_DECL static void* thread_main(void* object);
  WPU_DECL void run_thread(detail::event_object* e);
  /// The thread's end (return or ExitThread), on the thread itself.
  WPU_DECL void thread_finished(detail::event_object* e) noexcept;
};

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_OBJECTS_HPP
