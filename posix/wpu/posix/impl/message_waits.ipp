// wpu/posix/impl/message_waits.ipp - posting, GetMessageW/PeekMessageW, DispatchMessageW and
// MsgWaitForMultipleObjectsEx.
#ifndef WPU_POSIX_IMPL_MESSAGE_WAITS_IPP
#define WPU_POSIX_IMPL_MESSAGE_WAITS_IPP

#include <wpu/posix/impl/messages.ipp>

#if defined(WPU_POSIX)

WPU_NAMESPACE_BEGIN
namespace posix {

// ---- posting and retrieval ----------------------------------------------------------

WPU_DECL BOOL message_queues::post_message(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam,
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

WPU_DECL BOOL message_queues::post_thread_message(DWORD tid, UINT msg, WPARAM wparam, LPARAM lparam,
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

WPU_DECL void message_queues::post_quit(int code) noexcept {
  thread_messages* q = current_messages();
  if (q == nullptr) return;
  q->quit = true;
  q->quit_code = static_cast<WPARAM>(static_cast<LONG_PTR>(code));
}

// Each call first takes everything posted so far (so, as on Windows, every
// message queued at the call counts as seen by QS_POSTMESSAGE afterwards; a
// call without filters also clears QS_ALLPOSTMESSAGE's), then scans its list.
WPU_DECL int message_queues::get_message(MSG* msg, HWND hwnd, UINT min, UINT max, UINT remove,
                                         bool wait, DWORD* err) noexcept {
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
WPU_DECL void message_queues::erase_taken(thread_messages* q, std::size_t i) noexcept {
  if (i >= q->taken.size() - q->unseen_all) --q->unseen_all;
  q->taken.erase(i);
}

WPU_DECL LRESULT message_queues::dispatch_message(const MSG* msg, DWORD* err) noexcept {
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

WPU_DECL DWORD message_queues::msg_wait(DWORD count, const HANDLE* handles, DWORD timeout_ms,
                                        DWORD wake_mask, DWORD flags, DWORD* err) noexcept {
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
        q->incoming() || q->quit || ((wake_mask & QS_ALLPOSTMESSAGE) != 0 && q->unseen_all != 0);
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

#endif  // WPU_POSIX_IMPL_MESSAGE_WAITS_IPP
