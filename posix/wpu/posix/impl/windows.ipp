// wpu/posix/impl/windows.ipp - window classes and windows (RegisterClassW, CreateWindowExW, ...).
#ifndef WPU_POSIX_IMPL_WINDOWS_IPP
#define WPU_POSIX_IMPL_WINDOWS_IPP

#include <wpu/posix/impl/messages.ipp>

#if defined(WPU_POSIX)

WPU_NAMESPACE_BEGIN
namespace posix {

// ---- windows --------------------------------------------------------------------

// Tag bits are ignored (detail::untagged): hwnd|1, |2 and |3 name hwnd. What
// is stored and compared (a posted message's hwnd, the owner's cache) is the
// untagged HWND, the one CreateWindowExW returned.
WPU_DECL window_object* message_queues::lookup_window(HWND hwnd) const noexcept {
  std::uint64_t v;
  if (!handles_.lookup(detail::untagged(hwnd), handle_kind::window, &v)) return nullptr;
  return reinterpret_cast<window_object*>(static_cast<std::uintptr_t>(v));
}

// The owner: `hwnd` if it is a live window of the calling thread (whose
// queue is q), else nullptr.
WPU_DECL window_object* message_queues::own_window(thread_messages* q, HWND tagged) const noexcept {
  const HWND hwnd = detail::untagged_hwnd(tagged);
  if (hwnd == q->cached_hwnd && hwnd != nullptr) return q->cached_window;
  window_object* w = lookup_window(hwnd);
  if (w == nullptr || w->owner.load(std::memory_order_relaxed) != q->owner) return nullptr;
  q->cached_hwnd = hwnd;
  q->cached_window = w;
  return w;
}

WPU_DECL bool message_queues::is_window(HWND hwnd) const noexcept {
  return lookup_window(hwnd) != nullptr;
}

WPU_DECL DWORD message_queues::window_thread(HWND hwnd, DWORD* err) const noexcept {
  window_object* w = lookup_window(hwnd);
  if (w == nullptr) {
    set_error(err, ERROR_INVALID_WINDOW_HANDLE);
    return 0;
  }
  return w->owner.load(std::memory_order_relaxed)->os_tid;
}

WPU_DECL ATOM message_queues::register_class(const WNDCLASSW* wc, DWORD* err) noexcept {
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

WPU_DECL BOOL message_queues::unregister_class(LPCWSTR name, DWORD* err) noexcept {
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

WPU_DECL HWND message_queues::create_window(LPCWSTR class_name, LPCWSTR window_name, DWORD ex_style,
                                            DWORD style, HWND parent, HMENU menu,
                                            HINSTANCE instance, LPVOID param, DWORD* err) noexcept {
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
WPU_DECL void message_queues::free_window(window_object* w) noexcept {
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

WPU_DECL BOOL message_queues::destroy_window(HWND hwnd, DWORD* err) noexcept {
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

WPU_DECL LONG_PTR message_queues::window_long(HWND hwnd, int index, bool set, LONG_PTR value,
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

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_WINDOWS_IPP
