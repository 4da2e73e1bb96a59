// wpu/posix/impl/waits.ipp - waits on events and objects, and SleepEx.
#ifndef WPU_POSIX_IMPL_WAITS_IPP
#define WPU_POSIX_IMPL_WAITS_IPP

#include <wpu/posix/impl/thread.ipp>
#include <wpu/posix/impl/events.ipp>
#include <wpu/posix/impl/apc.ipp>

#if defined(WPU_POSIX)

WPU_NAMESPACE_BEGIN
namespace posix {

// ---- waits ------------------------------------------------------------------

WPU_DECL DWORD object_waits::wait(DWORD count, const WSAEVENT* events, bool wait_all,
                                  DWORD timeout_ms, bool alertable, int* err) noexcept {
  if (count == 0 || count > MAXIMUM_WAIT_OBJECTS || events == nullptr) {
    set_error(err, WSA_INVALID_PARAMETER);
    return WAIT_FAILED;
  }
  event_object* objs[MAXIMUM_WAIT_OBJECTS];
  std::uint64_t handles[MAXIMUM_WAIT_OBJECTS];
  for (DWORD i = 0; i < count; ++i) {
    objs[i] = lookup_event(events[i]);
    if (objs[i] == nullptr) {
      set_error(err, WSA_INVALID_HANDLE);
      return WAIT_FAILED;
    }
    handles[i] = detail::untagged(events[i]);
  }
  if (wait_all) {
    // Windows refuses an object twice in a wait-all (STATUS_INVALID_PARAMETER_MIX),
    // e and e|1 included: both name one object.
    for (DWORD i = 0; i < count; ++i)
      for (DWORD j = i + 1; j < count; ++j)
        if (handles[i] == handles[j]) {
          set_error(err, WSA_INVALID_PARAMETER);
          return WAIT_FAILED;
        }
  }

  // Satisfied already: the lowest signalled index, no lock, no system call.
  if (!wait_all) {
    for (DWORD i = 0; i < count; ++i)
      if (try_take(objs[i], handles[i], true)) return WAIT_OBJECT_0 + i;
  } else {
    int r = take_all(objs, handles, count, true);
    if (r < 0) {
      set_error(err, WSA_INVALID_HANDLE);
      return WAIT_FAILED;
    }
    if (r > 0) return WAIT_OBJECT_0;
  }

  thread_record* rec = nullptr;
  if (alertable || timeout_ms != 0) {
    rec = current_record();
    if (rec == nullptr) {
      set_error(err, WSA_NOT_ENOUGH_MEMORY);
      return WAIT_FAILED;
    }
  }
  // Signalled objects win over APCs, as in the NT kernel's wait.
  if (alertable && run_apcs(rec) != 0) return WAIT_IO_COMPLETION;
  if (timeout_ms == 0) return WAIT_TIMEOUT;
  return block(rec, objs, handles, count, wait_all, timeout_ms, alertable, nullptr, err);
}

WPU_DECL DWORD object_waits::block(thread_record* rec, event_object* const* objs,
                                   const std::uint64_t* handles, DWORD count, bool wait_all,
                                   DWORD timeout_ms, bool alertable, detail::thread_messages* msgs,
                                   int* err) noexcept {
  const detail::deadline until(timeout_ms);
  // `registered`: the wait holds a reference on every object (see try_take).
  auto any_index = [&](bool registered) -> long {
    for (DWORD i = 0; i < count; ++i)
      if (try_take(objs[i], handles[i], !registered)) return static_cast<long>(i);
    return -1;
  };
  auto all_look_set = [&]() {
    for (DWORD i = 0; i < count; ++i)
      if ((objs[i]->signalled.load(std::memory_order_acquire) & detail::state::count) == 0)
        return false;
    return true;
  };
  // MsgWaitForMultipleObjectsEx and GetMessageW: a message that arrived in
  // the calling thread's queue counts as object `count`.
  auto new_message = [&]() { return msgs != nullptr && msgs->incoming(); };

  // 1. Spin briefly without registering: a hand-off between two running
  //    threads then costs no system call on either side.
  //    Adaptive: see should_spin().
  if (should_spin(rec)) {
    detail::spin_clock spin(&rec->yield_first);
    for (;;) {
      // The APC queue and the message ring are lines posters write: looked
      // at every poll period only.
      const bool poll = spin.apc_due();
      if (!wait_all) {
        long i = any_index(false);
        if (i >= 0) {
          spin_result(rec, true);
          return WAIT_OBJECT_0 + static_cast<DWORD>(i);
        }
        if (poll && new_message()) {
          spin_result(rec, true);
          return WAIT_OBJECT_0 + count;
        }
      } else if (all_look_set() && (msgs == nullptr || (poll && new_message()))) {
        int r = take_all(objs, handles, count, true);
        if (r > 0) {
          spin_result(rec, true);
          return WAIT_OBJECT_0;
        }
        if (r < 0) {
          set_error(err, WSA_INVALID_HANDLE);
          return WAIT_FAILED;
        }
      }
      if (alertable && poll && has_apcs(rec)) {
        spin_result(rec, true);
        run_apcs(rec);
        return WAIT_IO_COMPLETION;
      }
      if (!spin.step()) {
        spin_result(rec, false);
        break;
      }
      if (!until.infinite && spin.now >= until.at) return WAIT_TIMEOUT;
    }
  }

  // 2. Register on every event, checking each is still open.
  wait_block blocks[MAXIMUM_WAIT_OBJECTS];
  DWORD registered = 0;
  bool closed = false;
  for (; registered < count; ++registered) {
    event_object* e = objs[registered];
    std::lock_guard<std::mutex> lock(stripe(e));
    if (e->handle != handles[registered]) {
      closed = true;
      break;
    }
    wait_block& b = blocks[registered];
    b.thread = rec;
    b.prev = nullptr;
    b.next = e->waiters;
    if (e->waiters != nullptr) e->waiters->prev = &b;
    e->waiters = &b;
    ++e->refs;
  }

  // 3. Sleep on the thread's wake word until a condition holds. While it
  //    sleeps, the completion port whose packet the thread runs does not
  //    count it (see suspend_port_slot).
  DWORD result = WAIT_FAILED;
  bool suspended = false;
  if (closed) {
    set_error(err, WSA_INVALID_HANDLE);
  } else {
    for (;;) {
      const std::uint32_t armed = arm(rec);
      if (!wait_all) {
        long i = any_index(true);
        if (i >= 0) {
          result = WAIT_OBJECT_0 + static_cast<DWORD>(i);
          break;
        }
        if (new_message()) {
          result = WAIT_OBJECT_0 + count;
          break;
        }
      } else if ((msgs == nullptr || new_message()) && take_all(objs, handles, count, false) > 0) {
        result = WAIT_OBJECT_0;
        break;
      }
      if (alertable && has_apcs(rec)) {
        result = WAIT_IO_COMPLETION;
        break;
      }
      if (until.passed()) {
        result = WAIT_TIMEOUT;
        break;
      }
      if (!suspended) {
        suspend_port_slot();
        suspended = true;
      }
      sleep_armed(rec, armed, until.limit());
    }
    disarm(rec);
    if (suspended) resume_port_slot();
  }

  // 4. Unregister; a close during the wait may leave us the last reference.
  for (DWORD i = 0; i < registered; ++i) {
    event_object* e = objs[i];
    std::lock_guard<std::mutex> lock(stripe(e));
    wait_block& b = blocks[i];
    if (b.prev != nullptr)
      b.prev->next = b.next;
    else
      e->waiters = b.next;
    if (b.next != nullptr) b.next->prev = b.prev;
    drop_event_ref(e);
  }
  if (result == WAIT_IO_COMPLETION) run_apcs_after_sleep(rec);
  return result;
}

WPU_DECL DWORD object_waits::sleep(DWORD timeout_ms, bool alertable) noexcept {
  thread_record* rec = alertable ? current_record() : nullptr;
  if (rec == nullptr) {  // not alertable (or out of memory): a plain sleep
    if (timeout_ms == 0) {
      ::sched_yield();
      return 0;
    }
    suspend_port_slot();  // see block()
    if (timeout_ms == INFINITE) {
      for (;;) ::pause();
    }
    // sleep_until resumes after a signal handler and keeps the deadline.
    std::this_thread::sleep_until(platform::clock::now() + std::chrono::milliseconds(timeout_ms));
    resume_port_slot();
    return 0;
  }
  if (run_apcs(rec) != 0) return WAIT_IO_COMPLETION;
  if (timeout_ms == 0) return 0;
  const detail::deadline until(timeout_ms);
  if (should_spin(rec)) {
    detail::spin_clock spin(&rec->yield_first);
    for (;;) {
      if (spin.apc_due() && has_apcs(rec)) {
        spin_result(rec, true);
        return run_apcs(rec) != 0 ? WAIT_IO_COMPLETION : 0;
      }
      if (!spin.step()) {
        spin_result(rec, false);
        break;
      }
    }
  }
  bool suspended = false;
  for (;;) {
    const std::uint32_t armed = arm(rec);
    if (has_apcs(rec)) break;
    if (until.passed()) break;
    if (!suspended) {
      suspend_port_slot();  // see block()
      suspended = true;
    }
    sleep_armed(rec, armed, until.limit());
  }
  disarm(rec);
  if (suspended) resume_port_slot();
  return run_apcs_after_sleep(rec) != 0 ? WAIT_IO_COMPLETION : 0;
}

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_WAITS_IPP
