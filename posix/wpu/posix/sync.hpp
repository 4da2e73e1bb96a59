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
namespace detail {

/// The handle an event, thread id, window or port handle names: Windows
/// ignores the low two bits of a kernel handle (ntdef.h's OBJ_HANDLE_TAGBITS,
/// free for applications as tag bits), so h|1, h|2 and h|3 name h. wpu
/// handles are multiples of 4; every lookup, close and comparison of those
/// four kinds goes through this. Socket handles do not: a tagged socket is
/// no socket (WSAENOTSOCK).
inline std::uint64_t untagged(const void* h) noexcept {
  return reinterpret_cast<std::uintptr_t>(h) & ~std::uintptr_t{3};
}

/// One queued APC: the routine and its context (a trivially copyable pair,
/// stored by value).
struct apc_item {
  LPWSAUSERAPC routine;
  DWORD_PTR context;
};

/// A ring of queued APCs: one Boost.Lockfree single-producer/single-consumer
/// queue. A thread's APC queue is a chain of segments: producers (serialised
/// by the APC lock in thread_record::word) fill the tail and link a new, larger segment
/// when it is full; the owner drains the head and frees it once it is empty
/// and has a successor.
struct apc_segment {
  explicit apc_segment(std::size_t n) : items(n), capacity(n) {}
  boost::lockfree::spsc_queue<apc_item> items;
  std::atomic<apc_segment*> next{nullptr};
  std::size_t capacity;
};

/// One posted message as queued: what PostMessageW sets of a MSG (32 bytes).
struct posted_message {
  HWND hwnd;
  WPARAM wparam;
  LPARAM lparam;
  UINT message;
  DWORD time;
};

/// A thread's posted messages on their way in: a bounded lock-free ring. A
/// poster claims a cell with one compare-and-swap on `tail` and publishes it
/// with a release store of the cell's sequence number; the owner takes cells
/// in order. Full at `capacity` messages the owner has not looked at, where
/// PostMessageW fails with ERROR_NOT_ENOUGH_QUOTA (Windows' own quota is
/// 10,000 queued messages). Allocated once per thread record and kept with
/// it (records are type-stable), so a poster holding a stale record pointer
/// still writes valid memory; such a message names a dead window and is
/// dropped when taken. The cells come zeroed from calloc and are touched
/// only as they are used: a cell's `seq` is stored relative to its index.
struct message_ring {
  static constexpr std::uint64_t capacity = 16384;  // a power of two
  struct cell {
    std::atomic<std::uint64_t> seq;  // position - index: free; + 1: published
    posted_message msg;
  };
  message_ring() noexcept;
  ~message_ring();
  message_ring(const message_ring&) = delete;
  message_ring& operator=(const message_ring&) = delete;
  bool allocated() const noexcept { return cells != nullptr; }
  /// Any thread. False when full.
  bool try_push(const posted_message& m) noexcept;
  /// The owner. False when empty (or the next cell is claimed but not yet
  /// written: its poster wakes the owner once it is).
  bool try_pop(posted_message* m) noexcept;
  /// The owner: true if the next cell is published.
  bool ready() const noexcept;

  alignas(64) std::atomic<std::uint64_t> tail{0};
  alignas(64) std::uint64_t head = 0;  // owner only
  cell* cells = nullptr;
};

/// The owner's side of its queue: messages taken off the ring, oldest first.
/// A circular buffer that grows; removal from the middle serves filtered
/// retrieval. Owner only.
class message_fifo {
 public:
  std::size_t size() const noexcept { return count_; }
  posted_message& at(std::size_t i) noexcept { return buf_[(first_ + i) & (buf_.size() - 1)]; }
  /// Room for one more: false when memory is exhausted.
  bool make_room() noexcept;
  /// After make_room().
  void push_back(const posted_message& m) noexcept;
  void erase(std::size_t i) noexcept;
  void clear() noexcept { first_ = count_ = 0; }

 private:
  std::vector<posted_message> buf_;  // size 0 or a power of two
  std::size_t first_ = 0;
  std::size_t count_ = 0;
};

struct window_class;
struct thread_record;

/// A message-only window. Reached through its HWND (a handle of kind
/// window); type-stable like every record here. `owner` and `cls` are fixed
/// while the handle is live; `proc` and `user_data` may change from any
/// thread.
struct window_object {
  std::uint64_t handle = 0;  // 0 once destroyed
  // Written by the creating thread before the handle is published; atomic
  // because a poster holding a stale handle may read it while a recycled
  // record is set up for a new window (its message then names a dead HWND
  // and is dropped).
  std::atomic<thread_record*> owner{nullptr};
  window_class* cls = nullptr;
  std::atomic<WNDPROC> proc{nullptr};
  std::atomic<LONG_PTR> user_data{0};
  bool destroying = false;        // owner only: DestroyWindow has begun
  window_object* next = nullptr;  // the owner's list of windows (owner only)
  window_object* prev = nullptr;
};

/// A registered window class; guarded by the class registry's mutex.
struct window_class {
  std::u16string name;
  ATOM atom = 0;
  WNDPROC proc = nullptr;
  std::uint32_t windows = 0;  // live windows of this class
};

/// The message side of a thread: created by its first message call.
struct thread_messages {
  message_ring ring;                 // posters and owner, see message_ring
  message_fifo taken;                // owner only
  bool quit = false;                 // owner only: PostQuitMessage was called
  WPARAM quit_code = 0;              // owner only
  window_object* windows = nullptr;  // owner only: the windows it owns
  thread_record* owner = nullptr;    // owner only: its thread's record
  // Owner only: how many of the last entries of `taken` only filtered
  // GetMessageW/PeekMessageW calls have looked at (QS_ALLPOSTMESSAGE).
  std::size_t unseen_all = 0;
  // Owner only: the last of its windows it looked up. Only the owner
  // destroys its windows, and every destruction clears this, so while set
  // it names a live window of this thread without a handle lookup.
  HWND cached_hwnd = nullptr;
  window_object* cached_window = nullptr;
};

/// One completion packet. `port` is the handle of the port it was posted to:
/// a poster that raced a close (and a reuse of the record) leaves a packet
/// that names a dead handle, and consumers drop it.
struct port_packet {
  std::uint64_t port;
  ULONG_PTR key;
  LPOVERLAPPED overlapped;
  DWORD bytes;
  DWORD error;
};

/// A thread blocked in GetQueuedCompletionStatus(Ex): on its own stack, on
/// the port's LIFO stack while it waits; fields guarded by the port's mutex.
/// A poster (or a thread giving a slot back) that releases it takes a slot
/// under the concurrency limit on its behalf and writes up to `max` packets
/// into `entries` (the caller's own array, which only the releasing thread
/// writes while the waiter is linked), so no later caller can take them.
struct port_waiter {
  thread_record* thread = nullptr;
  port_waiter* next = nullptr;
  OVERLAPPED_ENTRY* entries = nullptr;
  ULONG max = 0;
  ULONG handed = 0;              // packets written into entries on release
  std::uint32_t generation = 0;  // the port generation its slot was taken under
  bool linked = false;           // on the stack
};

/// A completion port. Type-stable; reached through its handle (kind port).
///  - Packets: a Boost.Lockfree MPMC queue, plus `available`, which packs
///    the port's generation (high 24 bits) and the packets queued and not
///    yet claimed (low 40 bits). A poster pushes, then increments; a
///    consumer claims by a compare-and-swap that also checks the generation,
///    then pops: so a claim always finds a packet, and a thread that looked
///    the port up before it was closed (and its record reused) can never
///    claim the next port's packets. No lock while a consumer is running.
///  - `active` packs the port's generation (high 32 bits) and the number of
///    threads running its packets (a thread runs from taking a packet until
///    it waits on the port again, and not while it blocks in another wpu
///    wait); a thread takes a packet only while that number is below
///    `concurrency`.
///  - Waiters: a LIFO stack under `mutex`, counted in `waiting`; a poster
///    looks at `waiting` after its increment (both seq_cst), so either the
///    waiter's last check sees the packet or the poster sees the waiter. A
///    poster that sees a waiter hands its packet to the most recent one
///    under the mutex (see port_waiter).
///  - The generation changes when the port is closed, under `mutex`; every
///    field read without the mutex is atomic, so a thread holding a stale
///    pointer to a reused record reads valid values and is then refused by
///    a generation or handle check.
struct port_object {
  port_object();
  std::atomic<std::uint64_t> handle{0};  // 0 once closed; changed under mutex
  std::unique_ptr<boost::lockfree::queue<port_packet>> packets;
  alignas(64) std::atomic<std::uint64_t> available{0};
  alignas(64) std::atomic<std::uint64_t> active{0};
  alignas(64) std::atomic<std::uint32_t> waiting{0};
  std::atomic<std::uint32_t> concurrency{1};  // set by create_port under mutex
  std::mutex mutex;
  port_waiter* waiters = nullptr;  // guarded by mutex
  std::uint32_t generation = 0;    // guarded by mutex
};

/// A thread that waits or receives APCs. Created on the thread's first wait,
/// SleepEx or WPUOpenCurrentThread; reference counted (the thread itself and
/// each open WSATHREADID), so a record is never reused while a handle names
/// it.
struct thread_record {
  // One word for the APC producers' lock and the owner's wake-up:
  //   apc_locked     a producer (or the owner setting up / exiting) holds the
  //                  APC lock, which guards `exited` and `tail`;
  //   apc_contended  producers may be asleep waiting for the lock;
  //   owner_armed    the owner may sleep: it has armed the word and will
  //                  check its wait conditions once more before it does.
  // Every successful change is a seq_cst read-modify-write, so each one
  // synchronises with the next. A producer's unlock clears owner_armed and
  // wakes the owner if it was set, so queueing an APC costs two atomic
  // instructions, and a burst into a sleeping thread one wake.
  // Only the owner parks on `word`; producers waiting for the lock park on
  // `apc_wakeups`, which each unlock that saw apc_contended increments
  // (protocol and no-lost-wake-up argument at sync::lock_apcs).
  alignas(64) std::atomic<std::uint32_t> word{0};
  std::atomic<std::uint32_t> apc_wakeups{0};
  bool exited = false;          // guarded by the APC lock
  apc_segment* tail = nullptr;  // guarded by the APC lock; nullptr once exited
  // Handle opens and closes.
  alignas(64) std::atomic<std::uint32_t> refs{0};
  std::uint32_t os_tid = 0;
  // The message queue: made by the thread's first message call, then kept
  // with the record for good (posters may hold a stale record pointer).
  std::atomic<thread_messages*> messages{nullptr};
  // Owner only: the head segment, APCs already taken off it (run FIFO, also
  // when an APC itself waits alertably), and the adaptive-spin counters.
  alignas(64) apc_segment* head = nullptr;
  std::uint32_t batch_pos = 0;
  std::uint32_t batch_len = 0;
  std::uint32_t failed_spins = 0;  // recent spins that ended in a sleep anyway
  std::uint32_t waits = 0;
  bool yield_first = false;  // its last spin's yield let another thread run
  static constexpr std::uint32_t batch_size = 128;
  apc_item batch[batch_size];

  static constexpr std::uint32_t apc_locked = 1;
  static constexpr std::uint32_t apc_contended = 2;
  static constexpr std::uint32_t owner_armed = 4;
};

/// A thread's registration on one event's waiter list.
struct wait_block {
  thread_record* thread = nullptr;
  wait_block* prev = nullptr;
  wait_block* next = nullptr;
};

/// What a thread object (kind thread) knows of its thread beyond the state
/// word; allocated by CreateThread, freed with the object. Written before the
/// thread starts: its record (on which this holds a reference), what it runs.
/// Then: its exit code (set before the object is signalled), its kernel id
/// (0 until the thread has stored it; the creator parks on it) and the
/// suspend count of CREATE_SUSPENDED (a word the new
/// thread sleeps on; changed under the object's stripe).
struct thread_state {
  thread_record* rec = nullptr;
  DWORD(WINAPI* start)(LPVOID) = nullptr;
  LPVOID param = nullptr;
  std::atomic<DWORD> exit_code{STILL_ACTIVE};
  std::atomic<std::uint32_t> tid{0};
  std::atomic<std::uint32_t> suspend_count{0};
};

/// What a waitable object is. Fixed while a handle names the object (written
/// before the handle is published); atomic because a thread holding a stale
/// pointer may read it while the record is set up again.
enum class object_kind : std::uint8_t {
  manual_event,  // WSACreateEvent, WPUCreateEvent, CreateEvent(manual)
  auto_event,    // CreateEvent(auto-reset): a satisfied wait takes the signal
  semaphore,     // CreateSemaphore: a satisfied wait takes one count
  thread,        // CreateThread: signalled once the thread has ended
};

/// The state word of a waitable object: the count in the low 32 bits (0 or
/// 1 for events and threads, the count of a semaphore), and two flags fixed
/// by the kind, so the lock-free fast paths tell the kinds apart with the
/// one load they make anyway: `takes` (auto-reset events and semaphores: a
/// satisfied wait takes the signal) and `not_event` (semaphores and threads,
/// which SetEvent and ResetEvent refuse). A manual-reset event's word is
/// plain 0 or 1.
namespace state {
constexpr std::uint64_t count = 0xFFFFFFFFull;
constexpr std::uint64_t takes = std::uint64_t{1} << 63;
constexpr std::uint64_t not_event = std::uint64_t{1} << 62;
constexpr std::uint64_t flags(object_kind k) noexcept {
  return k == object_kind::auto_event  ? takes
         : k == object_kind::semaphore ? takes | not_event
         : k == object_kind::thread    ? not_event
                                       : 0;
}
}  // namespace state

/// A waitable object: an event, a semaphore or a thread (all reached through
/// handles of kind event, told apart by `kind`). `signalled` is the state
/// word (see state), read without locks. Its count is raised under the
/// stripe lock; manual events are lowered (ResetEvent) under it too, and the
/// signal of an auto-reset event or a semaphore is only ever taken under it,
/// so a wait-all holding every stripe of its objects sees and takes all of
/// them at one instant. The other plain fields are guarded by the stripe
/// lock.
struct alignas(64) event_object {
  std::atomic<std::uint64_t> signalled{0};
  std::atomic<object_kind> kind{object_kind::manual_event};
  std::uint32_t refs = 0;    // 1 while the handle is open, +1 per wait block (+1 thread)
  std::uint64_t handle = 0;  // the live handle, 0 once closed
  wait_block* waiters = nullptr;
  platform::pollable fd;           // made by the first event_fd; under the stripe
  std::uint32_t stripe = 0;        // fixed for the life of the process
  std::uint32_t maximum = 0;       // semaphores: the largest count
  thread_state* thread = nullptr;  // threads: see thread_state (owned)
};

/// A pool whose records are never freed: a pointer into it always names a
/// record of type T. Any thread.
template <class T, std::size_t Chunk>
class stable_pool {
 public:
  /// A free record, or nullptr when memory is exhausted.
  T* get() noexcept;
  void put(T* p) noexcept;

 private:
  std::mutex mutex_;
  std::vector<T*> free_;
  std::vector<std::unique_ptr<T[]>> chunks_;
  std::uint32_t next_stripe_ = 0;
};

}  // namespace detail

class sync {
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
  WPU_DECL static void lock_apcs(detail::thread_record* rec) noexcept;
  WPU_DECL static void unlock_apcs(detail::thread_record* rec) noexcept;
  WPU_DECL static bool claim(detail::thread_record* rec) noexcept;
  WPU_DECL static void wake_owner(detail::thread_record* rec) noexcept;
  WPU_DECL static std::uint32_t arm(detail::thread_record* rec) noexcept;
  WPU_DECL static void disarm(detail::thread_record* rec) noexcept;
  WPU_DECL static void sleep_armed(detail::thread_record* rec, std::uint32_t armed_word,
                                   const platform::clock::time_point* until) noexcept;
  WPU_DECL static bool has_apcs(detail::thread_record* rec) noexcept;
  WPU_DECL static bool refill(detail::thread_record* rec) noexcept;
  WPU_DECL static bool should_spin(detail::thread_record* rec) noexcept;
  WPU_DECL static void spin_result(detail::thread_record* rec, bool succeeded) noexcept;
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
