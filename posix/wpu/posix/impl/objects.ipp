// wpu/posix/impl/objects.ipp - CreateEvent, CreateSemaphore and CreateThread
// objects on the event record and the waits (kernel_objects, objects.hpp).
#ifndef WPU_POSIX_IMPL_OBJECTS_IPP
#define WPU_POSIX_IMPL_OBJECTS_IPP

#include <wpu/posix/sync.hpp>

#if defined(WPU_POSIX)

#  include <climits>
#  include <new>
#  include <limits.h>
#  include <pthread.h>
#  include <unistd.h>

WPU_NAMESPACE_BEGIN
namespace posix {
namespace detail {

// The thread object of the calling thread when create_thread made it, else
// nullptr. Set by the thread itself before it runs any user code.
inline event_object*& this_thread_object() noexcept {
  static thread_local event_object* object = nullptr;
  return object;
}

}  // namespace detail

// ---- events and semaphores --------------------------------------------------

WPU_DECL HANDLE kernel_objects::create_kernel_event(bool manual, bool initial,
                                                    DWORD* err) noexcept {
  std::uint64_t h;
  if (make_object(manual ? detail::object_kind::manual_event : detail::object_kind::auto_event,
                  initial ? 1 : 0, 1, &h) == nullptr) {
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
  return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(h));
}

WPU_DECL HANDLE kernel_objects::create_semaphore(LONG initial, LONG maximum, DWORD* err) noexcept {
  if (maximum <= 0 || initial < 0 || initial > maximum) {
    set_error(err, ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  std::uint64_t h;
  if (make_object(detail::object_kind::semaphore, static_cast<std::uint32_t>(initial),
                  static_cast<std::uint32_t>(maximum), &h) == nullptr) {
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
  return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(h));
}

WPU_DECL BOOL kernel_objects::release_semaphore(HANDLE h, LONG count, LONG* previous,
                                                DWORD* err) noexcept {
  event_object* e = lookup_event(h);
  if (e == nullptr) {
    set_error(err, ERROR_INVALID_HANDLE);
    return FALSE;
  }
  thread_record* sleepers[MAXIMUM_WAIT_OBJECTS];
  std::size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    if (e->handle != detail::untagged(h) ||
        e->kind.load(std::memory_order_relaxed) != detail::object_kind::semaphore) {
      set_error(err, ERROR_INVALID_HANDLE);
      return FALSE;
    }
    if (count <= 0) {
      set_error(err, ERROR_INVALID_PARAMETER);
      return FALSE;
    }
    const std::uint64_t v = e->signalled.load(std::memory_order_relaxed);
    const std::uint32_t before = static_cast<std::uint32_t>(v & detail::state::count);
    if (static_cast<std::uint32_t>(count) > e->maximum - before) {
      set_error(err, ERROR_TOO_MANY_POSTS);
      return FALSE;
    }
    e->signalled.store(v + static_cast<std::uint32_t>(count), std::memory_order_seq_cst);
    if (previous != nullptr) *previous = static_cast<LONG>(before);
    wake_locked(e, sleepers, &n);
  }
  for (std::size_t i = 0; i < n; ++i) wake_owner(sleepers[i]);
  return TRUE;
}

// ---- threads ------------------------------------------------------------------

// The live thread object `h` names (nullptr if none). Unlocked: the caller
// checks e->handle under the stripe before it trusts any other field.
WPU_DECL event_object* kernel_objects::lookup_thread_object(HANDLE h) noexcept {
  event_object* e = lookup_event(h);
  if (e == nullptr || e->kind.load(std::memory_order_relaxed) != detail::object_kind::thread)
    return nullptr;
  return e;
}

WPU_DECL HANDLE kernel_objects::create_thread(SIZE_T stack, DWORD(WINAPI* start)(LPVOID),
                                              LPVOID param, bool suspended, DWORD* tid,
                                              DWORD* err) noexcept {
  if (start == nullptr) {
    set_error(err, ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  // The record exists before the thread does, so APCs queued to the handle
  // at once are kept (and run first, see run_thread).
  thread_record* rec = new_record();
  if (rec == nullptr) {
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
  auto retire_record = [this, rec] {  // the thread's reference, its thread never having run
    lock_apcs(rec);
    rec->exited = true;
    rec->tail = nullptr;
    unlock_apcs(rec);
    delete rec->head;
    rec->head = nullptr;
    release_thread(rec);
  };
  detail::thread_state* ts = new (std::nothrow) detail::thread_state;
  std::uint64_t h;
  event_object* e = ts == nullptr ? nullptr : make_object(detail::object_kind::thread, 0, 1, &h);
  if (e == nullptr) {
    delete ts;
    retire_record();
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
  ts->rec = rec;
  ts->start = start;
  ts->param = param;
  ts->suspend_count.store(suspended ? 1 : 0, std::memory_order_relaxed);
  rec->refs.fetch_add(1, std::memory_order_relaxed);  // the state's reference
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    e->thread = ts;
    ++e->refs;  // the thread's reference, dropped by thread_finished
  }
  pthread_attr_t attr;
  bool ok = ::pthread_attr_init(&attr) == 0;
  if (ok) {
    ::pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    // Windows' stack is at least its default (1 MiB reserved); here at least
    // the POSIX default, larger when asked for.
    std::size_t current = 0;
    if (stack != 0 && ::pthread_attr_getstacksize(&attr, &current) == 0 && stack > current) {
      const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
      ::pthread_attr_setstacksize(&attr, (stack + page - 1) / page * page);
    }
    pthread_t thread;
    ok = ::pthread_create(&thread, &attr, &kernel_objects::thread_main, e) == 0;
    ::pthread_attr_destroy(&attr);
  }
  if (!ok) {
    std::uint64_t v;
    handles_.release(h, handle_kind::event, &v);
    {
      std::lock_guard<std::mutex> lock(stripe(e));
      e->handle = 0;
      --e->refs;          // the thread's, which never ran
      drop_event_ref(e);  // the handle's: frees the object, and its reference on rec
    }
    retire_record();
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
  // The thread stores its id first thing; the object outlives this wait (the
  // thread holds a reference on it).
  std::uint32_t id;
  while ((id = ts->tid.load(std::memory_order_acquire)) == 0) platform::park(&ts->tid, 0, nullptr);
  if (tid != nullptr) *tid = id;
  return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(h));
}

WPU_DECL void* kernel_objects::thread_main(void* object) {
  sync::instance().run_thread(static_cast<event_object*>(object));
  return nullptr;
}

// The new thread. Everything create_thread wrote happened before
// pthread_create, so it reads the object's fields without the lock. Not
// noexcept: ExitThread ends the thread by unwinding through here, and the
// guard then signals the object.
WPU_DECL void kernel_objects::run_thread(event_object* e) {
  detail::thread_state* ts = e->thread;
  thread_record* rec = ts->rec;
  detail::this_thread_slot().rec = rec;
  detail::this_thread_object() = e;
  const DWORD id = current_thread_id();
  rec->os_tid = id;
  ts->tid.store(id, std::memory_order_release);
  platform::unpark_all(&ts->tid);
  for (;;) {  // CREATE_SUSPENDED: until resume_thread brings the count to 0
    const std::uint32_t c = ts->suspend_count.load(std::memory_order_acquire);
    if (c == 0) break;
    platform::park(&ts->suspend_count, c, nullptr);
  }
  struct finish {
    kernel_objects* s;
    event_object* e;
    ~finish() { s->thread_finished(e); }
  } guard{this, e};
  // As on Windows, APCs queued before the thread began run before its start
  // routine.
  run_apcs(rec);
  const DWORD code = ts->start(ts->param);
  ts->exit_code.store(code, std::memory_order_relaxed);
}

// The thread's end (return or ExitThread), on the thread itself: the object
// becomes signalled for good, its waiters are woken, and the thread's
// reference on it goes. Its record lives on until the thread's TLS
// destructors (thread_exit), which drop the APCs still queued.
WPU_DECL void kernel_objects::thread_finished(event_object* e) noexcept {
  detail::this_thread_object() = nullptr;
  thread_record* sleepers[MAXIMUM_WAIT_OBJECTS];
  std::size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    e->signalled.store(e->signalled.load(std::memory_order_relaxed) | 1, std::memory_order_seq_cst);
    wake_locked(e, sleepers, &n);
    drop_event_ref(e);
  }
  for (std::size_t i = 0; i < n; ++i) wake_owner(sleepers[i]);
}

WPU_DECL void kernel_objects::exit_thread(DWORD code) {
  if (event_object* e = detail::this_thread_object())
    e->thread->exit_code.store(code, std::memory_order_relaxed);
  ::pthread_exit(nullptr);
}

WPU_DECL BOOL kernel_objects::thread_exit_code(HANDLE h, DWORD* code, DWORD* err) noexcept {
  event_object* e = lookup_thread_object(h);
  if (e == nullptr) {
    set_error(err, ERROR_INVALID_HANDLE);
    return FALSE;
  }
  DWORD value;
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    if (e->handle != detail::untagged(h) || e->thread == nullptr) {
      set_error(err, ERROR_INVALID_HANDLE);
      return FALSE;
    }
    value = (e->signalled.load(std::memory_order_relaxed) & detail::state::count) != 0
                ? e->thread->exit_code.load(std::memory_order_relaxed)
                : STILL_ACTIVE;
  }
  if (code == nullptr) {
    set_error(err, ERROR_NOACCESS);
    return FALSE;
  }
  *code = value;
  return TRUE;
}

WPU_DECL DWORD kernel_objects::resume_thread(HANDLE h, DWORD* err) noexcept {
  event_object* e = lookup_thread_object(h);
  if (e == nullptr) {
    set_error(err, ERROR_INVALID_HANDLE);
    return static_cast<DWORD>(-1);
  }
  std::uint32_t before;
  detail::thread_state* ts;
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    if (e->handle != detail::untagged(h) || e->thread == nullptr) {
      set_error(err, ERROR_INVALID_HANDLE);
      return static_cast<DWORD>(-1);
    }
    ts = e->thread;
    before = ts->suspend_count.load(std::memory_order_relaxed);
    if (before != 0) ts->suspend_count.store(before - 1, std::memory_order_release);
  }
  // The state outlives this wake: the thread, which has not started its
  // routine when the count was 1, holds a reference on the object.
  if (before == 1) platform::unpark_all(&ts->suspend_count);
  return before;
}

WPU_DECL BOOL kernel_objects::queue_user_apc(LPWSAUSERAPC routine, HANDLE h, ULONG_PTR data,
                                             DWORD* err) noexcept {
  if (routine == nullptr) {
    set_error(err, ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  const std::uint64_t key = detail::untagged(h);
  const detail::apc_item item{routine, static_cast<DWORD_PTR>(data)};
  if (handle_table::kind_of(key) == handle_kind::thread) {  // WPUOpenCurrentThread's
    std::uint64_t v;
    if (!handles_.lookup(key, handle_kind::thread, &v)) {
      set_error(err, ERROR_INVALID_HANDLE);
      return FALSE;
    }
    const int rc =
        push_apc(reinterpret_cast<thread_record*>(static_cast<std::uintptr_t>(v)), item, key, v);
    if (rc == 0) return TRUE;
    set_error(err, rc == WSAENOBUFS ? ERROR_NOT_ENOUGH_MEMORY : ERROR_INVALID_HANDLE);
    return FALSE;
  }
  event_object* e = lookup_thread_object(h);
  if (e == nullptr) {
    set_error(err, ERROR_INVALID_HANDLE);
    return FALSE;
  }
  thread_record* rec;
  {
    std::lock_guard<std::mutex> lock(stripe(e));
    if (e->handle != key || e->thread == nullptr) {
      set_error(err, ERROR_INVALID_HANDLE);
      return FALSE;
    }
    rec = e->thread->rec;
    rec->refs.fetch_add(1, std::memory_order_relaxed);  // kept past a concurrent close
  }
  const int rc = push_apc(rec, item, 0, 0);
  release_thread(rec);
  if (rc == 0) return TRUE;
  set_error(err, rc == WSAENOBUFS ? ERROR_NOT_ENOUGH_MEMORY : ERROR_GEN_FAILURE);
  return FALSE;
}

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_OBJECTS_IPP
