// wpu/posix/messages.hpp - windows and message queues (PostMessage,
// GetMessage, MsgWaitForMultipleObjectsEx): a thread's queue (posted_message,
// the lock-free ring posters write, the owner's fifo), message-only windows,
// and the class.
// Definitions: impl/messages.ipp, impl/windows.ipp, impl/message_waits.ipp.
#ifndef WPU_POSIX_MESSAGES_HPP
#define WPU_POSIX_MESSAGES_HPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/posix/waits.hpp>

#  include <atomic>
#  include <cstddef>
#  include <cstdint>
#  include <memory>
#  include <mutex>
#  include <string>
#  include <unordered_map>
#  include <vector>

WPU_NAMESPACE_BEGIN
namespace posix {
namespace detail {

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

  /// The owner: something was posted that it has not taken yet.
  bool incoming() noexcept { return ring.ready(); }
};

}  // namespace detail

class message_queues : public object_waits {
 public:
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

 protected:
  message_queues() = default;

  /// The thread's exit hook: its queue stops taking messages, its windows
  /// die without messages, and what is queued is dropped.
  WPU_DECL void exit_messages(detail::thread_record* rec) noexcept;

  WPU_DECL detail::thread_messages* current_messages() noexcept;
  WPU_DECL detail::window_object* lookup_window(HWND hwnd) const noexcept;
  WPU_DECL detail::window_object* own_window(detail::thread_messages* q, HWND hwnd) const noexcept;
  WPU_DECL static bool push_message(detail::thread_record* rec, detail::thread_messages* q,
                                    const detail::posted_message& m, DWORD* err) noexcept;
  WPU_DECL bool take_incoming(detail::thread_record* rec, detail::thread_messages* q) noexcept;
  WPU_DECL void drop_messages(detail::thread_record* rec, detail::thread_messages* q) noexcept;
  WPU_DECL static void erase_taken(detail::thread_messages* q, std::size_t i) noexcept;
  WPU_DECL void free_window(detail::window_object* w) noexcept;

  detail::stable_pool<detail::window_object, 64> windows_;
  std::mutex classes_mutex_;  // guards classes_ and every window_class
  std::vector<std::unique_ptr<detail::window_class>> classes_;
  std::mutex queues_mutex_;                                   // guards queues_
  std::unordered_map<DWORD, detail::thread_record*> queues_;  // threads with a queue, by id
};

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_MESSAGES_HPP
