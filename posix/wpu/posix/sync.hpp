// wpu/posix/sync.hpp - events, waits, thread ids and APCs on POSIX.
//
// One process-wide object manager (`sync::instance()`) owns every event and
// thread id, so WPUCreateEvent's events and WSACreateEvent's are the same
// objects, whichever backend instance made them.
//
// Design (the Windows kernel / .NET PAL model, in user space):
// - An event is a 64-byte record: an atomic state word, the handle it is
//   reachable by, and a list of the threads waiting on it. It owns no file
//   descriptor until wpu_event_fd() asks for one. Auto-reset events,
//   semaphores and CreateThread's thread objects are the same record with
//   another kind (objects.ipp, docs/kernel-objects.md); a wait that takes
//   their signal does so under the record's stripe lock.
// - Every thread that waits owns one wake word (parked on through
//   wpu/posix/platform.hpp) and one APC queue:
//   chained Boost.Lockfree single-producer/single-consumer rings, producers
//   serialised by one lock per target thread, the thread itself draining
//   them in batches without a lock. Waiters put a wait block on each event's
//   list; a setter wakes the threads on that list. An APC producer wakes its
//   target the same way, so an APC reaches a thread already blocked in an
//   INFINITE alertable wait, with one wake per sleep, not per APC.
// - Records are never returned to the allocator (type-stable pools), so a
//   stale handle that races a close reads a valid record and is then refused
//   by the handle check; handles are generational (wpu/handle_table.hpp).
// - Record fields that can change are atomics or guarded by one of 256 stripe
//   locks chosen per record. A wait-all takes the stripes of all its events in
//   address order and checks every state at once: atomic, no lock-ordering
//   deadlock, and a setter never needs more than its own stripe.
// - Setting a set event, resetting a reset event and waiting on a signalled
//   event read one atomic word: no lock, no system call. Blocking waits spin
//   for up to 20 us first (machines with more than one CPU, adaptively), then
//   park on the thread's wake word.
#ifndef WPU_POSIX_SYNC_HPP
#define WPU_POSIX_SYNC_HPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/handle_table.hpp>
#  include <wpu/upcalls.hpp>
#  include <wpu/detail/winapi_decls.h>
#  include <wpu/posix/platform.hpp>
#  include <wpu/posix/thread.hpp>
#  include <wpu/posix/events.hpp>
#  include <wpu/posix/messages.hpp>
#  include <wpu/posix/ports.hpp>

#  include <boost/lockfree/queue.hpp>
#  include <boost/lockfree/spsc_queue.hpp>

#  include <atomic>
#  include <ctime>
#  include <cstdint>
#  include <memory>
#  include <mutex>
#  include <string>
#  include <unordered_map>
#  include <vector>

WPU_NAMESPACE_BEGIN
namespace posix {

class sync : private thread_core {
 public:
  /// The process's object manager; created on first use, never destroyed.
  WPU_DECL static sync& instance() noexcept;

  // ---- events: any thread -------------------------------------------------
  /// WPUCreateEvent / WSACreateEvent: manual reset, non-signalled. NULL with
  /// WSA_NOT_ENOUGH_MEMORY when memory or the handle table is exhausted.
  WPU_DECL WSAEVENT create_event(int* err) noexcept;
  /// WPUSetEvent: wakes every thread waiting on the event (they run on their
  /// own threads). FALSE with WSA_INVALID_HANDLE for anything but a live event.
  WPU_DECL BOOL set_event(WSAEVENT event, int* err) noexcept;
  /// WPUResetEvent. FALSE with WSA_INVALID_HANDLE as above.
  WPU_DECL BOOL reset_event(WSAEVENT event, int* err) noexcept;
  /// WPUCloseEvent. The handle dies at once; threads already waiting keep
  /// waiting on the object (as on Windows), which is freed after the last one.
  WPU_DECL BOOL close_event(WSAEVENT event, int* err) noexcept;
  /// wpu_event_fd: readable exactly while signalled; made on first request.
  /// -1 with WSA_INVALID_HANDLE or WSAEMFILE.
  WPU_DECL int event_fd(WSAEVENT event, int* err) noexcept;

  // ---- kernel objects (objects.ipp) ---------------------------------------
  // Win32 errors through `err`. Any thread, unless a comment says otherwise.
  // Events, semaphores and threads are all waitable objects behind handles
  // of kind event, so every wait, WSAWaitForMultipleEvents included, takes
  // them all, and set_event / reset_event act on any event.
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

  // ---- waits: the calling thread ------------------------------------------
  /// WSAWaitForMultipleEvents; errors (WSA_INVALID_PARAMETER,
  /// WSA_INVALID_HANDLE) through err with WAIT_FAILED. APCs run on the
  /// calling thread, only when `alertable` and no event is signalled.
  WPU_DECL DWORD wait(DWORD count, const WSAEVENT* events, bool wait_all, DWORD timeout_ms,
                      bool alertable, int* err) noexcept;
  /// SleepEx.
  WPU_DECL DWORD sleep(DWORD timeout_ms, bool alertable) noexcept;

  // ---- thread ids and APCs ------------------------------------------------
  /// WPUOpenCurrentThread: an id for the calling thread (any thread).
  WPU_DECL int open_current_thread(WSATHREADID* thread, int* err) noexcept;
  /// WPUCloseThread: any thread.
  WPU_DECL int close_thread(WSATHREADID* thread, int* err) noexcept;
  /// WPUQueueApc: from any thread; the APC runs on the target thread in its
  /// next alertable wait, FIFO. WSAEFAULT for NULL arguments, a closed id or
  /// an exited thread.
  WPU_DECL int queue_apc(WSATHREADID* thread, LPWSAUSERAPC routine, DWORD_PTR context,
                         int* err) noexcept;

  // ---- windows and messages (messages.ipp) --------------------------------
  // Errors are Win32 codes through `err` (the C API stores them as the last
  // error). Posting works from any thread; retrieval, dispatch and window
  // creation and destruction act on the calling thread's queue and windows.
  WPU_DECL ATOM register_class(const WNDCLASSW* wc, DWORD* err) noexcept;
  WPU_DECL BOOL unregister_class(LPCWSTR name, DWORD* err) noexcept;
  WPU_DECL HWND create_window(LPCWSTR class_name, LPCWSTR window_name, DWORD ex_style, DWORD style,
                              HWND parent, HMENU menu, HINSTANCE instance, LPVOID param,
                              DWORD* err) noexcept;
  WPU_DECL BOOL destroy_window(HWND hwnd, DWORD* err) noexcept;
  WPU_DECL bool is_window(HWND hwnd) const noexcept;
  WPU_DECL DWORD window_thread(HWND hwnd, DWORD* err) const noexcept;
  WPU_DECL LONG_PTR window_long(HWND hwnd, int index, bool set, LONG_PTR value,
                                DWORD* err) noexcept;
  /// PostMessageW / WPUPostMessage: any thread.
  WPU_DECL BOOL post_message(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam,
                             DWORD* err) noexcept;
  /// PostThreadMessageW: any thread.
  WPU_DECL BOOL post_thread_message(DWORD tid, UINT msg, WPARAM wparam, LPARAM lparam,
                                    DWORD* err) noexcept;
  WPU_DECL void post_quit(int code) noexcept;
  /// GetMessageW (wait = true) / PeekMessageW: 1 with a message, 0 with
  /// WM_QUIT, 2 when nothing matches (PeekMessageW), -1 on error.
  WPU_DECL int get_message(MSG* msg, HWND hwnd, UINT min, UINT max, UINT remove, bool wait,
                           DWORD* err) noexcept;
  WPU_DECL LRESULT dispatch_message(const MSG* msg, DWORD* err) noexcept;
  /// MsgWaitForMultipleObjectsEx.
  WPU_DECL DWORD msg_wait(DWORD count, const HANDLE* handles, DWORD timeout_ms, DWORD wake_mask,
                          DWORD flags, DWORD* err) noexcept;
  // ---- completion ports (ports.ipp) -------------------------------------------
  // Win32 errors through `err`. Any thread.
  WPU_DECL HANDLE create_port(HANDLE file, HANDLE port, ULONG_PTR key, DWORD concurrency,
                              DWORD* err) noexcept;
  WPU_DECL BOOL post_completion(HANDLE port, DWORD bytes, ULONG_PTR key, LPOVERLAPPED overlapped,
                                DWORD error, DWORD* err) noexcept;
  /// GetQueuedCompletionStatus(Ex): fills up to `max` entries; the count, or
  /// 0 with err WAIT_TIMEOUT, WAIT_IO_COMPLETION, ERROR_ABANDONED_WAIT_0,
  /// ERROR_INVALID_HANDLE.
  WPU_DECL ULONG get_completions(HANDLE port, OVERLAPPED_ENTRY* entries, ULONG max,
                                 DWORD timeout_ms, bool alertable, DWORD* err) noexcept;
  WPU_DECL BOOL close_port(HANDLE port, DWORD* err) noexcept;
  WPU_DECL bool is_port(HANDLE h) const noexcept;
  /// A thread's slot under a port's concurrency limit goes back (when it
  /// waits on the port again, or exits while running its packet).
  WPU_DECL void give_back_slot(detail::port_object* p, std::uint32_t generation) noexcept;
  /// The calling thread, about to sleep in a wait other than its port's:
  /// the port it runs a packet of (if any) stops counting it, as Windows
  /// does for a thread that blocks. resume_port_slot() after the sleep
  /// counts it again (even beyond the limit, as Windows).
  WPU_DECL void suspend_port_slot() noexcept;
  WPU_DECL void resume_port_slot() noexcept;

  /// The calling thread's id (the kernel's).
  WPU_DECL static DWORD current_thread_id() noexcept;

  /// Live events and thread ids (for tests and diagnostics).
  std::size_t live_handles() const noexcept { return handles_.size(); }

  /// Called by the calling thread's exit hook: drops its pending APCs (not
  /// run) and its reference.
  WPU_DECL void thread_exit(detail::thread_record* rec) noexcept;

 private:
  sync() = default;

  // The live object `event` names (tag bits ignored, see detail::untagged),
  // or nullptr. Lock-free; the callers check the handle again under the
  // stripe before they trust more than the state word. Defined here so the
  // fast paths of SetEvent, ResetEvent and the waits inline it.
#  if defined(__GNUC__)
  __attribute__((always_inline))
#  endif
  detail::event_object*
  lookup_event(WSAEVENT event) const noexcept {
    std::uint64_t v;
    if (!handles_.lookup(detail::untagged(event), handle_kind::event, &v)) return nullptr;
    return reinterpret_cast<detail::event_object*>(static_cast<std::uintptr_t>(v));
  }
  std::mutex& stripe(const detail::event_object* e) noexcept { return stripes_[e->stripe].m; }
  WPU_DECL detail::thread_record* current_record() noexcept;
  WPU_DECL void release_thread(detail::thread_record* rec) noexcept;
  WPU_DECL std::size_t run_apcs(detail::thread_record* rec) noexcept;
  WPU_DECL std::size_t run_apcs_after_sleep(detail::thread_record* rec) noexcept;
  WPU_DECL void drop_event_ref(detail::event_object* e) noexcept;  // stripe held
  // A wait-any's test of one object: true if it satisfies the wait, having
  // taken its signal if it has one to take (take_one, under the stripe). A
  // manual event or a thread costs one lock-free load (seq_cst: the waiter's
  // half of the wake protocol, see thread_record::word); inlined into the
  // waits' loops.
#  if defined(__GNUC__)
  __attribute__((always_inline))
#  endif
  bool
  try_take(detail::event_object* e, std::uint64_t h, bool validate) noexcept {
    const std::uint64_t v = e->signalled.load(std::memory_order_seq_cst);
    if ((v & detail::state::count) == 0) return false;
    if ((v & detail::state::takes) == 0) return true;
    return take_one(e, h, validate);
  }
  WPU_DECL bool take_one(detail::event_object* e, std::uint64_t h, bool validate) noexcept;
  WPU_DECL static bool take_locked(detail::event_object* e) noexcept;  // stripe held
  WPU_DECL int take_all(detail::event_object* const* objs, const std::uint64_t* handles,
                        DWORD count, bool validate) noexcept;
  WPU_DECL detail::event_object* make_object(detail::object_kind kind, std::uint32_t initial,
                                             std::uint32_t maximum, std::uint64_t* h) noexcept;
  WPU_DECL void wake_locked(detail::event_object* e, detail::thread_record** sleepers,
                            std::size_t* n) noexcept;  // stripe held
  WPU_DECL detail::thread_record* new_record() noexcept;
  WPU_DECL int push_apc(detail::thread_record* rec, const detail::apc_item& item, std::uint64_t key,
                        std::uint64_t value) noexcept;
  WPU_DECL detail::event_object* lookup_thread_object(HANDLE h) noexcept;
  WPU_DECL static void* thread_main(void* object);
  WPU_DECL void run_thread(detail::event_object* e);
  WPU_DECL void thread_finished(detail::event_object* e) noexcept;
  WPU_DECL DWORD block(detail::thread_record* rec, detail::event_object* const* objs,
                       const std::uint64_t* handles, DWORD count, bool wait_all, DWORD timeout_ms,
                       bool alertable, detail::thread_messages* msgs, int* err) noexcept;

  struct alignas(64) padded_mutex {
    std::mutex m;
  };
  static constexpr std::uint32_t stripe_count = 256;

  // messages.ipp
  WPU_DECL detail::thread_messages* current_messages() noexcept;
  WPU_DECL detail::window_object* lookup_window(HWND hwnd) const noexcept;
  WPU_DECL detail::window_object* own_window(detail::thread_messages* q, HWND hwnd) const noexcept;
  WPU_DECL static bool push_message(detail::thread_record* rec, detail::thread_messages* q,
                                    const detail::posted_message& m, DWORD* err) noexcept;
  WPU_DECL bool take_incoming(detail::thread_record* rec, detail::thread_messages* q) noexcept;
  WPU_DECL static bool incoming(detail::thread_messages* q) noexcept;
  WPU_DECL void drop_messages(detail::thread_record* rec, detail::thread_messages* q) noexcept;
  WPU_DECL void free_window(detail::window_object* w) noexcept;
  WPU_DECL void exit_messages(detail::thread_record* rec) noexcept;
  // ports.ipp
  WPU_DECL detail::port_object* lookup_port(HANDLE h) const noexcept;
  WPU_DECL void leave_port(detail::port_object* next) noexcept;
  WPU_DECL void release_waiters(detail::port_object* p) noexcept;
  WPU_DECL static void hand_queued(detail::port_object* p) noexcept;  // mutex held
  WPU_DECL static ULONG claim_packets(detail::port_object* p, std::uint32_t generation,
                                      std::uint64_t h, OVERLAPPED_ENTRY* entries,
                                      ULONG max) noexcept;
  WPU_DECL BOOL post_to_waiter(detail::port_object* p, const detail::port_packet& packet,
                               DWORD* err) noexcept;
  WPU_DECL static void erase_taken(detail::thread_messages* q, std::size_t i) noexcept;

  handle_table handles_;  // events, thread ids and windows
  detail::stable_pool<detail::event_object, 1024> events_;
  detail::stable_pool<detail::thread_record, 16> threads_;
  padded_mutex stripes_[stripe_count];

  detail::stable_pool<detail::window_object, 64> windows_;
  std::mutex classes_mutex_;  // guards classes_ and every window_class
  std::vector<std::unique_ptr<detail::window_class>> classes_;
  detail::stable_pool<detail::port_object, 16> ports_;
  std::mutex queues_mutex_;                                   // guards queues_
  std::unordered_map<DWORD, detail::thread_record*> queues_;  // threads with a queue, by id
};

/// The calling thread's last error (WSAGetLastError / GetLastError).
WPU_DECL DWORD& last_error() noexcept;

}  // namespace posix
WPU_NAMESPACE_END

#  if defined(WPU_HEADER_ONLY)
#    include <wpu/posix/impl/sync.ipp>
#    include <wpu/posix/impl/messages.ipp>
#    include <wpu/posix/impl/ports.ipp>
#  endif  // defined(WPU_HEADER_ONLY)

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_SYNC_HPP
