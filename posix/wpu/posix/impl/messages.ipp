// wpu/posix/impl/messages.ipp - message-only windows and per-thread message
// queues on POSIX (message_queues, messages.hpp).
//
// Who runs what:
// - Posting (post_message, post_thread_message) runs on any thread. A post
//   is one compare-and-swap on the target's ring, a release store, and one
//   read-modify-write on the target's wake word (a wake only if the
//   target sleeps): no lock while the ring has room.
// - Everything else acts on the calling thread: its queue (made by its first
//   message call), its windows (window procedures run on the thread that
//   created the window, inside CreateWindowExW, DestroyWindowW and
//   DispatchMessageW).
// - A message for a window destroyed before it is taken is dropped when the
//   owner reaches it; a thread's queued messages and windows go with it.
#ifndef WPU_POSIX_IMPL_MESSAGES_IPP
#define WPU_POSIX_IMPL_MESSAGES_IPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/posix/sync.hpp>

#  include <unistd.h>

#  include <cstdlib>
#  include <new>

WPU_NAMESPACE_BEGIN
namespace posix {

using detail::event_object;
using detail::message_fifo;
using detail::message_ring;
using detail::posted_message;
using detail::thread_messages;
using detail::thread_record;
using detail::window_class;
using detail::window_object;

namespace detail {

// The C API's: `result`, storing `err` as the last error if one was set.
template <class T>
T with_last_error(T result, DWORD err) noexcept {
  if (err != 0) last_error() = err;
  return result;
}

// MSG.time: milliseconds on the monotonic clock, at the coarse clock's
// resolution (platform::coarse_ms: the cheapest clock the system offers).
inline DWORD message_time() noexcept {
  return platform::coarse_ms();
}

// The calling thread's queue once it has made a message call; reset at its
// exit. (A plain pointer: readable from any later TLS destructor.)
inline thread_messages*& this_thread_messages() noexcept {
  static thread_local thread_messages* q = nullptr;
  return q;
}

// An atom given as a class name (MAKEINTATOM): a value below 0x10000.
inline bool is_int_atom(LPCWSTR name) noexcept {
  return reinterpret_cast<std::uintptr_t>(name) < 0x10000;
}

inline std::u16string class_key(LPCWSTR name) {
  std::u16string key;
  for (const WCHAR* p = name; *p != 0; ++p) {
    char16_t c = static_cast<char16_t>(*p);
    if (c >= u'A' && c <= u'Z') c = static_cast<char16_t>(c - u'A' + u'a');  // case-insensitive
    key.push_back(c);
  }
  return key;
}

// `hwnd` without its tag bits (see untagged): the HWND CreateWindowExW
// returned, which messages carry and window procedures get.
inline HWND untagged_hwnd(HWND hwnd) noexcept {
  return reinterpret_cast<HWND>(static_cast<std::uintptr_t>(untagged(hwnd)));
}

// A message matches a GetMessageW/PeekMessageW filter. WM_QUIT passes any
// range (as Windows documents); a range with min > max matches outside it.
inline bool matches(const posted_message& m, HWND hwnd, UINT min, UINT max) noexcept {
  if (hwnd == reinterpret_cast<HWND>(static_cast<LONG_PTR>(-1))) {
    if (m.hwnd != nullptr) return false;
  } else if (hwnd != nullptr && m.hwnd != hwnd) {
    return false;
  }
  if ((min == 0 && max == 0) || m.message == WM_QUIT) return true;
  if (min <= max) return m.message >= min && m.message <= max;
  return m.message >= min || m.message <= max;
}

// ---- message_ring -----------------------------------------------------------

inline message_ring::message_ring() noexcept
    : cells(static_cast<cell*>(std::calloc(capacity, sizeof(cell)))) {}

inline message_ring::~message_ring() {
  std::free(cells);
}

// Position p uses cell p % capacity. The cell is free for p when its seq
// reads p - index; the poster that moves `tail` past p owns it, writes the
// message, and publishes it with p - index + 1. The owner frees it for the
// next lap with p + capacity - index.
inline bool message_ring::try_push(const posted_message& m) noexcept {
  std::uint64_t pos = tail.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint64_t index = pos & (capacity - 1);
    cell& c = cells[index];
    const std::uint64_t seq = c.seq.load(std::memory_order_acquire);
    const auto lag = static_cast<std::int64_t>(seq - (pos - index));
    if (lag == 0) {
      if (tail.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
        c.msg = m;
        c.seq.store(pos - index + 1, std::memory_order_release);
        return true;
      }
    } else if (lag < 0) {
      return false;  // the owner has not freed this cell yet: full
    } else {
      pos = tail.load(std::memory_order_relaxed);
    }
  }
}

inline bool message_ring::try_pop(posted_message* m) noexcept {
  const std::uint64_t index = head & (capacity - 1);
  cell& c = cells[index];
  if (c.seq.load(std::memory_order_acquire) != head - index + 1) return false;
  *m = c.msg;
  c.seq.store(head + capacity - index, std::memory_order_release);
  ++head;
  return true;
}

inline bool message_ring::ready() const noexcept {
  const std::uint64_t index = head & (capacity - 1);
  return cells[index].seq.load(std::memory_order_acquire) == head - index + 1;
}

// ---- message_fifo -----------------------------------------------------------

inline bool message_fifo::make_room() noexcept {
  if (count_ < buf_.size()) return true;
  try {
    std::vector<posted_message> bigger(buf_.empty() ? 64 : buf_.size() * 2);
    for (std::size_t i = 0; i < count_; ++i) bigger[i] = at(i);
    buf_.swap(bigger);
    first_ = 0;
    return true;
  } catch (...) {
    return false;
  }
}

inline void message_fifo::push_back(const posted_message& m) noexcept {
  buf_[(first_ + count_) & (buf_.size() - 1)] = m;
  ++count_;
}

inline void message_fifo::erase(std::size_t i) noexcept {
  if (i == 0) {
    first_ = (first_ + 1) & (buf_.size() - 1);
  } else {
    for (std::size_t k = i; k + 1 < count_; ++k) at(k) = at(k + 1);
  }
  --count_;
}

}  // namespace detail

// ---- queues -------------------------------------------------------------------

// The calling thread's queue, made on its first message call (nullptr when
// memory is exhausted). A recycled record keeps its queue: anything a stale
// poster left in it is dropped here.
WPU_DECL thread_messages* message_queues::current_messages() noexcept {
  thread_messages*& mine = detail::this_thread_messages();
  if (mine != nullptr) return mine;
  thread_record* rec = current_record();
  if (rec == nullptr) return nullptr;
  thread_messages* q = rec->messages.load(std::memory_order_acquire);
  if (q == nullptr) {
    q = new (std::nothrow) thread_messages;
    if (q == nullptr) return nullptr;
    if (!q->ring.allocated()) {
      delete q;
      return nullptr;
    }
    rec->messages.store(q, std::memory_order_release);
  }
  drop_messages(rec, q);
  q->quit = false;
  q->quit_code = 0;
  q->windows = nullptr;
  q->owner = rec;
  q->cached_hwnd = nullptr;
  try {
    std::lock_guard<std::mutex> lock(queues_mutex_);
    queues_[rec->os_tid] = rec;
  } catch (...) {
    return nullptr;
  }
  mine = q;
  return q;
}

// At thread exit (its TLS destructor): the thread no longer takes thread
// messages, its windows die without messages (there is no thread left to run
// their procedures), and whatever is queued is dropped.
WPU_DECL void message_queues::exit_messages(thread_record* rec) noexcept {
  thread_messages*& mine = detail::this_thread_messages();
  if (mine == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(queues_mutex_);
    queues_.erase(rec->os_tid);
  }
  while (mine->windows != nullptr) free_window(mine->windows);
  drop_messages(rec, mine);
  mine->quit = false;
  mine = nullptr;
}

// The owner: every message queued to it, taken and thrown away.
WPU_DECL void message_queues::drop_messages(thread_record*, thread_messages* q) noexcept {
  posted_message m;
  while (q->ring.try_pop(&m)) {
  }
  q->taken.clear();
  q->unseen_all = 0;
}

// Any thread: queue one message and wake the owner if it sleeps.
WPU_DECL bool message_queues::push_message(thread_record* rec, thread_messages* q,
                                           const posted_message& m, DWORD* err) noexcept {
  if (!q->ring.try_push(m)) {
    set_error(err, ERROR_NOT_ENOUGH_QUOTA);
    return false;
  }
  if (claim(rec)) wake_owner(rec);
  return true;
}

// The owner: moves everything posted so far into `taken`, oldest first.
// False if memory ran out (what is left stays in the ring).
WPU_DECL bool message_queues::take_incoming(thread_record*, thread_messages* q) noexcept {
  message_fifo& taken = q->taken;
  posted_message m;
  while (q->ring.ready()) {
    if (!taken.make_room()) return false;
    q->ring.try_pop(&m);
    taken.push_back(m);
  }
  return true;
}

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

// The rest of this primitive (each part includes this file first).
#include <wpu/posix/impl/windows.ipp>
#include <wpu/posix/impl/message_waits.ipp>

#endif  // WPU_POSIX_IMPL_MESSAGES_IPP
