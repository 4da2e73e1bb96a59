// wpu/posix/impl/events.ipp - events: create, set, reset, close, event_fd; and
// how a wait takes the signal of any waitable object (event_objects).
#ifndef WPU_POSIX_IMPL_EVENTS_IPP
#define WPU_POSIX_IMPL_EVENTS_IPP

#include <wpu/posix/impl/thread.ipp>

#include <cerrno>

#if defined(WPU_POSIX)

WPU_NAMESPACE_BEGIN
namespace posix {

// ---- events ---------------------------------------------------------------

// Tag bits are ignored in lookup_event and in every handle comparison below
// (see detail::untagged).

// A new object of `kind` with its state word at `initial`, or nullptr when
// memory or the handle table is exhausted. The record is set up under its
// stripe before the handle is published (so a thread holding a stale pointer
// reads either the old handle or 0, never the new one with old fields).
WPU_DECL event_object* event_objects::make_object(detail::object_kind kind, std::uint32_t initial,
                                                  std::uint32_t maximum,
                                                  std::uint64_t* h) noexcept {
  event_object* e = events_.get();
  if (e == nullptr) return nullptr;
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    e->signalled.store(detail::state::flags(kind) | initial, std::memory_order_relaxed);
    e->kind.store(kind, std::memory_order_relaxed);
    e->maximum = maximum;
    e->refs = 1;
    e->waiters = nullptr;
    e->fd = platform::pollable{};
    e->handle = 0;
    e->thread = nullptr;
  }
  *h = handles_.allocate(handle_kind::event, reinterpret_cast<std::uintptr_t>(e));
  if (*h == 0) {
    events_.put(e);
    return nullptr;
  }
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    e->handle = *h;
  }
  return e;
}

WPU_DECL WSAEVENT event_objects::create_event(int* err) noexcept {
  std::uint64_t h;
  if (make_object(detail::object_kind::manual_event, 0, 1, &h) == nullptr) {
    set_error(err, WSA_NOT_ENOUGH_MEMORY);
    return WSA_INVALID_EVENT;
  }
  return reinterpret_cast<WSAEVENT>(static_cast<std::uintptr_t>(h));
}

// Collects the threads asleep on `e` (stripe held) into sleepers[0..*n),
// waking at once those beyond MAXIMUM_WAIT_OBJECTS; the caller wakes the
// collected ones after the lock, so a woken thread never finds it held.
// Every sleeper is woken, whatever the kind: each re-checks (and, for an
// auto-reset event or a semaphore, tries to take the signal under the stripe),
// so no wait-all that cannot be satisfied keeps a wait-any from its signal.
// Records are type-stable: waking one whose wait has ended meanwhile is a
// harmless spurious wake.
WPU_DECL void event_objects::wake_locked(event_object* e, thread_record** sleepers,
                                         std::size_t* n) noexcept {
  for (wait_block* b = e->waiters; b != nullptr; b = b->next) {
    thread_record* t = b->thread;
    if (!claim(t)) continue;           // not armed: it checks the state before it sleeps
    if (*n == MAXIMUM_WAIT_OBJECTS) {  // many sleepers: wake the rest under the lock
      wake_owner(t);
      continue;
    }
    sleepers[(*n)++] = t;
  }
}

WPU_DECL BOOL event_objects::set_event(WSAEVENT event, int* err) noexcept {
  event_object* e = lookup_event(event);
  if (e == nullptr) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  // Already set: nothing to do, no lock, no system call. (If the handle was
  // closed concurrently, this orders the set before the close.) Semaphores
  // and threads (not_event) are refused under the lock below.
  if ((e->signalled.load(std::memory_order_acquire) & ~detail::state::takes) == 1) return TRUE;
  // The sleeping waiters are collected under the lock and woken after it, so
  // a woken thread never finds the lock still held. Records are type-stable:
  // waking one whose wait has ended meanwhile is a harmless spurious wake.
  thread_record* sleepers[MAXIMUM_WAIT_OBJECTS];
  std::size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    const detail::object_kind k = e->kind.load(std::memory_order_relaxed);
    if (e->handle != detail::untagged(event) ||
        (k != detail::object_kind::manual_event && k != detail::object_kind::auto_event)) {
      set_error(err, WSA_INVALID_HANDLE);
      return FALSE;
    }
    const std::uint64_t v = e->signalled.load(std::memory_order_relaxed);
    if ((v & detail::state::count) != 0) return TRUE;
    e->signalled.store(v | 1, std::memory_order_seq_cst);
    if (e->fd.read_fd >= 0) platform::pollable_set(e->fd);
    wake_locked(e, sleepers, &n);
  }
  for (std::size_t i = 0; i < n; ++i) wake_owner(sleepers[i]);
  return TRUE;
}

WPU_DECL BOOL event_objects::reset_event(WSAEVENT event, int* err) noexcept {
  event_object* e = lookup_event(event);
  if (e == nullptr) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  // Not set: nothing to do, no lock, no system call (semaphores and threads,
  // which are no events, are refused under the lock).
  if ((e->signalled.load(std::memory_order_acquire) & ~detail::state::takes) == 0) return TRUE;
  std::lock_guard<std::mutex> lock(stripe(e));
  if (e->handle != detail::untagged(event) ||
      e->kind.load(std::memory_order_relaxed) > detail::object_kind::auto_event) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  const std::uint64_t v = e->signalled.load(std::memory_order_relaxed);
  if ((v & detail::state::count) != 0) {
    e->signalled.store(v & ~detail::state::count, std::memory_order_release);
    if (e->fd.read_fd >= 0) platform::pollable_clear(e->fd);
  }
  return TRUE;
}

// Drops one reference with the stripe held; the last one frees the event.
WPU_DECL void event_objects::drop_event_ref(event_object* e) noexcept {
  if (--e->refs != 0) return;
  if (e->fd.read_fd >= 0) platform::pollable_close(&e->fd);
  e->signalled.store(0, std::memory_order_relaxed);
  if (e->thread != nullptr) {  // a thread object: its state and reference on the record
    release_thread(e->thread->rec);
    delete e->thread;
    e->thread = nullptr;
  }
  events_.put(e);  // the pool's own lock; never the other way round
}

WPU_DECL BOOL event_objects::close_event(WSAEVENT event, int* err) noexcept {
  std::uint64_t v;
  if (!handles_.release(detail::untagged(event), handle_kind::event, &v)) {
    set_error(err, WSA_INVALID_HANDLE);
    return FALSE;
  }
  auto* e = reinterpret_cast<event_object*>(static_cast<std::uintptr_t>(v));
  std::lock_guard<std::mutex> lock(stripe(e));
  e->handle = 0;
  drop_event_ref(e);
  return TRUE;
}

WPU_DECL int event_objects::event_fd(WSAEVENT event, int* err) noexcept {
  event_object* e = lookup_event(event);
  if (e == nullptr) {
    set_error(err, WSA_INVALID_HANDLE);
    return -1;
  }
  std::lock_guard<std::mutex> lock(stripe(e));
  // Only manual-reset events: an fd cannot show a signal that waits take.
  if (e->handle != detail::untagged(event) ||
      e->kind.load(std::memory_order_relaxed) != detail::object_kind::manual_event) {
    set_error(err, WSA_INVALID_HANDLE);
    return -1;
  }
  if (e->fd.read_fd < 0) {
    const bool set = (e->signalled.load(std::memory_order_relaxed) & detail::state::count) != 0;
    const int rc = platform::pollable_open(&e->fd, set);
    if (rc != 0) {
      set_error(err, rc == EMFILE || rc == ENFILE ? WSAEMFILE : WSA_NOT_ENOUGH_MEMORY);
      return -1;
    }
  }
  return e->fd.read_fd;
}

// ---- taking a signal ----------------------------------------------------------

// Takes the signal of an auto-reset event or one count of a semaphore if
// there is one; true for a signalled manual event or thread. Stripe held.
WPU_DECL bool event_objects::take_locked(event_object* e) noexcept {
  const std::uint64_t v = e->signalled.load(std::memory_order_relaxed);
  if ((v & detail::state::count) == 0) return false;
  if ((v & detail::state::takes) != 0)  // auto-reset: to 0; semaphore: one count
    e->signalled.store((v & detail::state::not_event) != 0 ? v - 1 : v & ~detail::state::count,
                       std::memory_order_relaxed);
  return true;
}

// try_take's slow path: an auto-reset event or a semaphore that looked
// signalled. `validate`: the caller holds no reference on the object (it is
// not registered on it), so the record may have been closed and reused; a
// signal is then taken only while `h` still names it.
WPU_DECL bool event_objects::take_one(event_object* e, std::uint64_t h, bool validate) noexcept {
  std::lock_guard<std::mutex> lock(stripe(e));
  if (validate && e->handle != h) return false;
  return take_locked(e);
}

// 1 if every object is signalled at one instant (all their stripes held), and
// then the signals of the auto-reset events and semaphores among them are
// taken, all under those locks: a wait-all takes all or nothing. 0 if not,
// -1 if `validate` and a handle is no longer live.
WPU_DECL int event_objects::take_all(event_object* const* objs, const std::uint64_t* handles,
                                     DWORD count, bool validate) noexcept {
  std::uint32_t ids[MAXIMUM_WAIT_OBJECTS];
  DWORD n = 0;
  for (DWORD i = 0; i < count; ++i) {  // distinct stripes, ascending (insertion sort)
    std::uint32_t s = objs[i]->stripe;
    DWORD j = n;
    while (j > 0 && ids[j - 1] > s) --j;
    if (j > 0 && ids[j - 1] == s) continue;
    for (DWORD k = n; k > j; --k) ids[k] = ids[k - 1];
    ids[j] = s;
    ++n;
  }
  for (DWORD i = 0; i < n; ++i) stripes_[ids[i]].m.lock();
  int result = 1;
  for (DWORD i = 0; i < count; ++i) {
    if (validate && objs[i]->handle != handles[i]) {
      result = -1;
      break;
    }
    if ((objs[i]->signalled.load(std::memory_order_relaxed) & detail::state::count) == 0)
      result = 0;
  }
  if (result > 0)
    for (DWORD i = 0; i < count; ++i) take_locked(objs[i]);  // distinct objects
  for (DWORD i = n; i-- > 0;) stripes_[ids[i]].m.unlock();
  return result;
}

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_EVENTS_IPP
