// wpu/posix/impl/messages.ipp - message-only windows and per-thread message
// queues on POSIX (see sync.hpp: message_ring, window_object).
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

WPU_DECL DWORD sync::current_thread_id() noexcept {
  static thread_local DWORD tid = platform::thread_id();
  return tid;
}

// The calling thread's queue, made on its first message call (nullptr when
// memory is exhausted). A recycled record keeps its queue: anything a stale
// poster left in it is dropped here.
WPU_DECL thread_messages* sync::current_messages() noexcept {
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
WPU_DECL void sync::exit_messages(thread_record* rec) noexcept {
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
WPU_DECL void sync::drop_messages(thread_record*, thread_messages* q) noexcept {
  posted_message m;
  while (q->ring.try_pop(&m)) {
  }
  q->taken.clear();
  q->unseen_all = 0;
}

// Any thread: queue one message and wake the owner if it sleeps.
WPU_DECL bool sync::push_message(thread_record* rec, thread_messages* q, const posted_message& m,
                                 DWORD* err) noexcept {
  if (!q->ring.try_push(m)) {
    set_error(err, ERROR_NOT_ENOUGH_QUOTA);
    return false;
  }
  if (claim(rec)) wake_owner(rec);
  return true;
}

// The owner: something was posted that it has not taken yet.
WPU_DECL bool sync::incoming(thread_messages* q) noexcept {
  return q->ring.ready();
}

// The owner: moves everything posted so far into `taken`, oldest first.
// False if memory ran out (what is left stays in the ring).
WPU_DECL bool sync::take_incoming(thread_record*, thread_messages* q) noexcept {
  message_fifo& taken = q->taken;
  posted_message m;
  while (q->ring.ready()) {
    if (!taken.make_room()) return false;
    q->ring.try_pop(&m);
    taken.push_back(m);
  }
  return true;
}

// ---- windows --------------------------------------------------------------------

// Tag bits are ignored (detail::untagged): hwnd|1, |2 and |3 name hwnd. What
// is stored and compared (a posted message's hwnd, the owner's cache) is the
// untagged HWND, the one CreateWindowExW returned.
WPU_DECL window_object* sync::lookup_window(HWND hwnd) const noexcept {
  std::uint64_t v;
  if (!handles_.lookup(detail::untagged(hwnd), handle_kind::window, &v)) return nullptr;
  return reinterpret_cast<window_object*>(static_cast<std::uintptr_t>(v));
}

// The owner: `hwnd` if it is a live window of the calling thread (whose
// queue is q), else nullptr.
WPU_DECL window_object* sync::own_window(thread_messages* q, HWND tagged) const noexcept {
  const HWND hwnd = detail::untagged_hwnd(tagged);
  if (hwnd == q->cached_hwnd && hwnd != nullptr) return q->cached_window;
  window_object* w = lookup_window(hwnd);
  if (w == nullptr || w->owner.load(std::memory_order_relaxed) != q->owner) return nullptr;
  q->cached_hwnd = hwnd;
  q->cached_window = w;
  return w;
}

WPU_DECL bool sync::is_window(HWND hwnd) const noexcept {
  return lookup_window(hwnd) != nullptr;
}

WPU_DECL DWORD sync::window_thread(HWND hwnd, DWORD* err) const noexcept {
  window_object* w = lookup_window(hwnd);
  if (w == nullptr) {
    set_error(err, ERROR_INVALID_WINDOW_HANDLE);
    return 0;
  }
  return w->owner.load(std::memory_order_relaxed)->os_tid;
}

WPU_DECL ATOM sync::register_class(const WNDCLASSW* wc, DWORD* err) noexcept {
  if (wc == nullptr || wc->lpfnWndProc == nullptr || wc->lpszClassName == nullptr ||
      detail::is_int_atom(wc->lpszClassName) || wc->lpszClassName[0] == 0) {
    set_error(err, ERROR_INVALID_PARAMETER);
    return 0;
  }
  try {
    std::u16string key = detail::class_key(wc->lpszClassName);
    std::lock_guard<std::mutex> lock(classes_mutex_);
    for (const auto& c : classes_)
      if (c->atom != 0 && c->name == key) {
        set_error(err, ERROR_CLASS_ALREADY_EXISTS);
        return 0;
      }
    // Atoms from 0xC000 up, as Windows' string atoms; a slot is reused after
    // UnregisterClassW.
    std::size_t slot = 0;
    while (slot < classes_.size() && classes_[slot]->atom != 0) ++slot;
    if (slot == classes_.size()) {
      if (slot >= 0x3FFF) {
        set_error(err, ERROR_NOT_ENOUGH_MEMORY);
        return 0;
      }
      classes_.push_back(std::unique_ptr<window_class>(new window_class));
    }
    window_class& c = *classes_[slot];
    c.name = std::move(key);
    c.proc = wc->lpfnWndProc;
    c.windows = 0;
    c.atom = static_cast<ATOM>(0xC000 + slot);
    return c.atom;
  } catch (...) {
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return 0;
  }
}

namespace detail {
// classes_ is locked by the caller.
inline window_class* find_class(std::vector<std::unique_ptr<window_class>>& classes, LPCWSTR name) {
  if (name == nullptr) return nullptr;
  if (is_int_atom(name)) {
    auto atom = static_cast<std::uintptr_t>(reinterpret_cast<std::uintptr_t>(name));
    if (atom < 0xC000 || atom - 0xC000 >= classes.size()) return nullptr;
    window_class* c = classes[atom - 0xC000].get();
    return c->atom != 0 ? c : nullptr;
  }
  std::u16string key = class_key(name);
  for (const auto& c : classes)
    if (c->atom != 0 && c->name == key) return c.get();
  return nullptr;
}
}  // namespace detail

WPU_DECL BOOL sync::unregister_class(LPCWSTR name, DWORD* err) noexcept {
  try {
    std::lock_guard<std::mutex> lock(classes_mutex_);
    window_class* c = detail::find_class(classes_, name);
    if (c == nullptr) {
      set_error(err, ERROR_CLASS_DOES_NOT_EXIST);
      return FALSE;
    }
    if (c->windows != 0) {
      set_error(err, ERROR_CLASS_HAS_WINDOWS);
      return FALSE;
    }
    c->atom = 0;
    c->name.clear();
    return TRUE;
  } catch (...) {
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return FALSE;
  }
}

WPU_DECL HWND sync::create_window(LPCWSTR class_name, LPCWSTR window_name, DWORD ex_style,
                                  DWORD style, HWND parent, HMENU menu, HINSTANCE instance,
                                  LPVOID param, DWORD* err) noexcept {
  if (parent != nullptr && parent != HWND_MESSAGE && lookup_window(parent) == nullptr) {
    set_error(err, ERROR_INVALID_WINDOW_HANDLE);
    return nullptr;
  }
  thread_messages* q = current_messages();
  if (q == nullptr) {
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
  thread_record* rec = current_record();
  window_class* cls;
  WNDPROC proc;
  try {
    std::lock_guard<std::mutex> lock(classes_mutex_);
    cls = detail::find_class(classes_, class_name);
    if (cls == nullptr) {
      set_error(err, ERROR_CANNOT_FIND_WND_CLASS);
      return nullptr;
    }
    ++cls->windows;
    proc = cls->proc;
  } catch (...) {
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
  window_object* w = windows_.get();
  std::uint64_t h = 0;
  if (w != nullptr) {
    w->owner.store(rec, std::memory_order_relaxed);
    w->cls = cls;
    w->proc.store(proc, std::memory_order_relaxed);
    w->user_data.store(0, std::memory_order_relaxed);
    w->destroying = false;
    h = handles_.allocate(handle_kind::window, reinterpret_cast<std::uintptr_t>(w));
    if (h == 0) windows_.put(w);
  }
  if (h == 0) {
    std::lock_guard<std::mutex> lock(classes_mutex_);
    --cls->windows;
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
  w->handle = h;
  w->prev = nullptr;
  w->next = q->windows;
  if (q->windows != nullptr) q->windows->prev = w;
  q->windows = w;

  // WM_NCCREATE then WM_CREATE, synchronously on this thread, as Windows.
  const auto hwnd = reinterpret_cast<HWND>(static_cast<std::uintptr_t>(h));
  CREATESTRUCTW cs{};
  cs.lpCreateParams = param;
  cs.hInstance = instance;
  cs.hMenu = menu;
  cs.hwndParent = parent;
  cs.style = static_cast<LONG>(style);
  cs.lpszName = window_name;
  cs.lpszClass = class_name;
  cs.dwExStyle = ex_style;
  const auto cs_param = reinterpret_cast<LPARAM>(&cs);
  if (w->proc.load(std::memory_order_relaxed)(hwnd, WM_NCCREATE, 0, cs_param) == FALSE) {
    if (lookup_window(hwnd) == w) {
      w->destroying = true;
      w->proc.load(std::memory_order_relaxed)(hwnd, WM_NCDESTROY, 0, 0);
      free_window(w);
    }
    return nullptr;
  }
  if (lookup_window(hwnd) != w) return nullptr;  // destroyed inside WM_NCCREATE
  if (w->proc.load(std::memory_order_relaxed)(hwnd, WM_CREATE, 0, cs_param) == -1) {
    destroy_window(hwnd, nullptr);
    return nullptr;
  }
  if (lookup_window(hwnd) != w) return nullptr;
  return hwnd;
}

// The owner: the handle dies first (posters then fail, and queued messages
// for it are dropped as the owner reaches them), then the record goes back.
WPU_DECL void sync::free_window(window_object* w) noexcept {
  std::uint64_t v;
  handles_.release(w->handle, handle_kind::window, &v);
  w->handle = 0;
  thread_messages* q =
      w->owner.load(std::memory_order_relaxed)->messages.load(std::memory_order_relaxed);
  q->cached_hwnd = nullptr;
  if (w->prev != nullptr)
    w->prev->next = w->next;
  else
    q->windows = w->next;
  if (w->next != nullptr) w->next->prev = w->prev;
  {
    std::lock_guard<std::mutex> lock(classes_mutex_);
    --w->cls->windows;
  }
  windows_.put(w);
}

WPU_DECL BOOL sync::destroy_window(HWND hwnd, DWORD* err) noexcept {
  window_object* w = lookup_window(hwnd);
  if (w == nullptr) {
    set_error(err, ERROR_INVALID_WINDOW_HANDLE);
    return FALSE;
  }
  if (w->owner.load(std::memory_order_relaxed) != current_record()) {
    set_error(err, ERROR_ACCESS_DENIED);
    return FALSE;
  }
  if (w->destroying) return TRUE;  // called again from its own WM_DESTROY
  w->destroying = true;
  const HWND self = detail::untagged_hwnd(hwnd);
  w->proc.load(std::memory_order_relaxed)(self, WM_DESTROY, 0, 0);
  w->proc.load(std::memory_order_relaxed)(self, WM_NCDESTROY, 0, 0);
  free_window(w);
  return TRUE;
}

WPU_DECL LONG_PTR sync::window_long(HWND hwnd, int index, bool set, LONG_PTR value,
                                    DWORD* err) noexcept {
  window_object* w = lookup_window(hwnd);
  if (w == nullptr) {
    set_error(err, ERROR_INVALID_WINDOW_HANDLE);
    return 0;
  }
  if (index == GWLP_USERDATA) {
    return set ? w->user_data.exchange(value, std::memory_order_acq_rel)
               : w->user_data.load(std::memory_order_acquire);
  }
  if (index == GWLP_WNDPROC) {
    // A window always has a procedure: NULL would be called by the next
    // DispatchMessageW or DestroyWindow.
    if (set && value == 0) {
      set_error(err, ERROR_INVALID_PARAMETER);
      return 0;
    }
    WNDPROC old =
        set ? w->proc.exchange(reinterpret_cast<WNDPROC>(value), std::memory_order_acq_rel)
            : w->proc.load(std::memory_order_acquire);
    return reinterpret_cast<LONG_PTR>(old);
  }
  set_error(err, ERROR_INVALID_INDEX);
  return 0;
}

// ---- posting and retrieval ----------------------------------------------------------

WPU_DECL BOOL sync::post_message(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam,
                                 DWORD* err) noexcept {
  // The message names the untagged HWND (a tagged NULL is no NULL: refused).
  const posted_message m{detail::untagged_hwnd(hwnd), wparam, lparam, msg, detail::message_time()};
  if (hwnd == nullptr) {  // a thread message to the caller, as Windows
    thread_messages* q = current_messages();
    if (q == nullptr) {
      set_error(err, ERROR_NOT_ENOUGH_QUOTA);
      return FALSE;
    }
    return push_message(current_record(), q, m, err) ? TRUE : FALSE;
  }
  window_object* w = lookup_window(hwnd);
  if (w == nullptr) {
    set_error(err, ERROR_INVALID_WINDOW_HANDLE);
    return FALSE;
  }
  // The owner made its queue before the window, and keeps it with its
  // record; if the window died since the lookup, the message is dropped.
  thread_record* owner = w->owner.load(std::memory_order_relaxed);
  return push_message(owner, owner->messages.load(std::memory_order_acquire), m, err) ? TRUE
                                                                                      : FALSE;
}

WPU_DECL BOOL sync::post_thread_message(DWORD tid, UINT msg, WPARAM wparam, LPARAM lparam,
                                        DWORD* err) noexcept {
  const posted_message m{nullptr, wparam, lparam, msg, detail::message_time()};
  // Under the registry lock, so the thread cannot exit meanwhile.
  std::lock_guard<std::mutex> lock(queues_mutex_);
  auto it = queues_.find(tid);
  if (it == queues_.end()) {
    set_error(err, ERROR_INVALID_THREAD_ID);
    return FALSE;
  }
  thread_record* rec = it->second;
  return push_message(rec, rec->messages.load(std::memory_order_acquire), m, err) ? TRUE : FALSE;
}

WPU_DECL void sync::post_quit(int code) noexcept {
  thread_messages* q = current_messages();
  if (q == nullptr) return;
  q->quit = true;
  q->quit_code = static_cast<WPARAM>(static_cast<LONG_PTR>(code));
}

// Each call first takes everything posted so far (so, as on Windows, every
// message queued at the call counts as seen by QS_POSTMESSAGE afterwards; a
// call without filters also clears QS_ALLPOSTMESSAGE's), then scans its list.
WPU_DECL int sync::get_message(MSG* msg, HWND hwnd, UINT min, UINT max, UINT remove, bool wait,
                               DWORD* err) noexcept {
  if (msg == nullptr) {
    set_error(err, ERROR_INVALID_PARAMETER);
    return -1;
  }
  thread_messages* q = current_messages();
  if (q == nullptr) {
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return -1;
  }
  thread_record* rec = q->owner;
  // A window of another thread: nothing in this queue can match it, so
  // GetMessageW waits (as Windows) until a wake-up finds the window gone.
  const bool window_filter =
      hwnd != nullptr && hwnd != reinterpret_cast<HWND>(static_cast<LONG_PTR>(-1));
  if (window_filter) hwnd = detail::untagged_hwnd(hwnd);  // as queued messages name it
  const bool foreign = window_filter && own_window(q, hwnd) == nullptr;
  // PeekMessageW's PM_QS_* bits (QS_* << 16; none: every kind). Only posted
  // messages (and WM_QUIT, which Windows delivers with them) reach a
  // message-only queue: there are no sent messages, input, paint or timers.
  // A call whose kinds leave them out finds nothing and, as on Windows, does
  // not mark the queue's messages seen (QS_POSTMESSAGE stays set).
  const UINT kinds = remove >> 16;
  const bool posted = kinds == 0 || (kinds & QS_POSTMESSAGE) != 0;
  const bool filtered = window_filter || min != 0 || max != 0;
  message_fifo& taken = q->taken;
  for (;;) {
    if (foreign && lookup_window(hwnd) == nullptr) {
      set_error(err, ERROR_INVALID_WINDOW_HANDLE);
      return -1;
    }
    if (!posted) return 2;  // PeekMessageW only: GetMessageW has no PM_QS_ bits
    const std::size_t before = taken.size();
    take_incoming(rec, q);
    if (filtered)
      q->unseen_all += taken.size() - before;
    else
      q->unseen_all = 0;
    for (std::size_t i = 0; i < taken.size();) {
      const posted_message m = taken.at(i);
      if (m.hwnd != nullptr && own_window(q, m.hwnd) == nullptr) {
        erase_taken(q, i);  // its window is gone: dropped
        continue;
      }
      if (!detail::matches(m, hwnd, min, max)) {
        ++i;
        continue;
      }
      *msg = MSG{m.hwnd, m.message, m.wparam, m.lparam, m.time, {0, 0}};
      if ((remove & PM_REMOVE) != 0) erase_taken(q, i);
      return m.message == WM_QUIT ? 0 : 1;
    }
    if (q->quit) {  // after every posted message, whatever the filter
      *msg = MSG{nullptr, WM_QUIT, q->quit_code, 0, detail::message_time(), {0, 0}};
      if ((remove & PM_REMOVE) != 0) q->quit = false;
      return 0;
    }
    if (!wait) return 2;
    int wait_err = 0;
    if (block(rec, nullptr, nullptr, 0, false, INFINITE, false, q, &wait_err) == WAIT_FAILED) {
      set_error(err, static_cast<DWORD>(wait_err));
      return -1;
    }
  }
}

// The owner: removes taken[i], keeping count of the messages a filtered look
// took (the list's last unseen_all entries).
WPU_DECL void sync::erase_taken(thread_messages* q, std::size_t i) noexcept {
  if (i >= q->taken.size() - q->unseen_all) --q->unseen_all;
  q->taken.erase(i);
}

WPU_DECL LRESULT sync::dispatch_message(const MSG* msg, DWORD* err) noexcept {
  if (msg == nullptr) {
    set_error(err, ERROR_INVALID_PARAMETER);
    return 0;
  }
  if (msg->hwnd == nullptr) return 0;  // a thread message: no procedure
  thread_messages* q = current_messages();
  window_object* w = q != nullptr ? own_window(q, msg->hwnd) : nullptr;
  if (w == nullptr) {
    set_error(err, ERROR_INVALID_WINDOW_HANDLE);
    return 0;
  }
  const HWND self = detail::untagged_hwnd(msg->hwnd);
  return w->proc.load(std::memory_order_acquire)(self, msg->message, msg->wParam, msg->lParam);
}

WPU_DECL DWORD sync::msg_wait(DWORD count, const HANDLE* handles, DWORD timeout_ms, DWORD wake_mask,
                              DWORD flags, DWORD* err) noexcept {
  if (count > MAXIMUM_WAIT_OBJECTS - 1 || (count != 0 && handles == nullptr) ||
      (flags & ~DWORD{MWMO_WAITALL | MWMO_ALERTABLE | MWMO_INPUTAVAILABLE}) != 0) {
    set_error(err, ERROR_INVALID_PARAMETER);
    return WAIT_FAILED;
  }
  event_object* objs[MAXIMUM_WAIT_OBJECTS] = {};
  std::uint64_t keys[MAXIMUM_WAIT_OBJECTS] = {};
  for (DWORD i = 0; i < count; ++i) {
    objs[i] = lookup_event(handles[i]);
    if (objs[i] == nullptr) {
      set_error(err, ERROR_INVALID_HANDLE);
      return WAIT_FAILED;
    }
    keys[i] = detail::untagged(handles[i]);
  }
  thread_messages* q = current_messages();
  if (q == nullptr) {
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return WAIT_FAILED;
  }
  thread_record* rec = current_record();
  const bool wait_all = (flags & MWMO_WAITALL) != 0;
  const bool alertable = (flags & MWMO_ALERTABLE) != 0;
  // Only posted messages reach message-only windows: the other QS_ kinds
  // never arrive. QS_POSTMESSAGE: a message posted since the last
  // GetMessageW/PeekMessageW; QS_ALLPOSTMESSAGE: also one that only filtered
  // calls have looked at since the last unfiltered one; MWMO_INPUTAVAILABLE:
  // any queued message. A pending WM_QUIT counts as a posted message.
  const bool post_mask = (wake_mask & (QS_POSTMESSAGE | QS_ALLPOSTMESSAGE)) != 0;
  thread_messages* msgs = post_mask ? q : nullptr;
  bool available = false;
  if (post_mask) {
    available =
        incoming(q) || q->quit || ((wake_mask & QS_ALLPOSTMESSAGE) != 0 && q->unseen_all != 0);
    if ((flags & MWMO_INPUTAVAILABLE) != 0 && !available) {
      for (std::size_t i = 0; i < q->taken.size() && !available;) {
        const HWND h = q->taken.at(i).hwnd;
        if (h != nullptr && own_window(q, h) == nullptr) {
          erase_taken(q, i);  // for a dead window: dropped
          continue;
        }
        available = true;
      }
    }
  }
  // Satisfied already: the lowest signalled event, then the queue.
  if (!wait_all) {
    for (DWORD i = 0; i < count; ++i)
      if (try_take(objs[i], keys[i], true)) return WAIT_OBJECT_0 + i;
    if (available) return WAIT_OBJECT_0 + count;
  } else if (msgs != nullptr && available) {
    int r = take_all(objs, keys, count, true);
    if (r < 0) {
      set_error(err, ERROR_INVALID_HANDLE);
      return WAIT_FAILED;
    }
    if (r > 0) return WAIT_OBJECT_0;
  }
  if (alertable && run_apcs(rec) != 0) return WAIT_IO_COMPLETION;
  if (timeout_ms == 0) return WAIT_TIMEOUT;
  if (wait_all && msgs == nullptr) {
    // All objects and a message that can never come: only the timeout (or
    // an APC) ends it, as on Windows.
    count = 0;
  }
  int wait_err = 0;
  DWORD r =
      block(rec, objs, keys, count, wait_all && count != 0, timeout_ms, alertable, msgs, &wait_err);
  if (r == WAIT_FAILED) set_error(err, static_cast<DWORD>(wait_err));
  return r;
}

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_MESSAGES_IPP
