// wpu/posix/impl/port_waits.ipp - GetQueuedCompletionStatus(Ex) and closing a port.
#ifndef WPU_POSIX_IMPL_PORT_WAITS_IPP
#define WPU_POSIX_IMPL_PORT_WAITS_IPP

#include <wpu/posix/impl/ports.ipp>

#if defined(WPU_POSIX)

WPU_NAMESPACE_BEGIN
namespace posix {

WPU_DECL ULONG completion_ports::get_completions(HANDLE port, OVERLAPPED_ENTRY* entries, ULONG max,
                                                 DWORD timeout_ms, bool alertable,
                                                 DWORD* err) noexcept {
  port_object* p = lookup_port(port);
  if (p == nullptr) {
    set_error(err, ERROR_INVALID_HANDLE);
    return 0;
  }
  if (entries == nullptr || max == 0) {
    set_error(err, ERROR_INVALID_PARAMETER);
    return 0;
  }
  leave_port(p);  // after the checks: a refused call changes nothing (Windows)
  const std::uint64_t h = detail::untagged(port);
  thread_record* rec = nullptr;
  const detail::deadline until(timeout_ms);
  port_waiter self;
  // A close seen before the call has waited means the call came after it:
  // ERROR_INVALID_HANDLE; one that ends a wait: ERROR_ABANDONED_WAIT_0.
  bool waited = false;
  auto closed = [&] {
    set_error(err, waited ? ERROR_ABANDONED_WAIT_0 : ERROR_INVALID_HANDLE);
    return ULONG{0};
  };
  for (;;) {
    // 1. Take packets while the concurrency limit allows: no lock. The
    //    generation read first, then the handle: if the handle is still h,
    //    the generation is its port's, and every step below checks it.
    std::uint64_t w = p->active.load(std::memory_order_acquire);
    const std::uint32_t generation = static_cast<std::uint32_t>(w >> 32);
    if (p->handle.load(std::memory_order_acquire) != h) return closed();
    const DWORD limit = p->concurrency.load(std::memory_order_relaxed);
    while ((w & 0xFFFFFFFFu) < limit && (w >> 32) == generation) {
      if (!p->active.compare_exchange_weak(w, w + 1, std::memory_order_seq_cst,
                                           std::memory_order_relaxed))
        continue;
      const ULONG n = claim_packets(p, generation, h, entries, max);
      if (n != 0) {
        detail::running_port& r = detail::this_thread_running();
        r.port = p;  // fields, not a temporary: its destructor gives slots back
        r.generation = generation;
        return n;
      }
      // Nothing after all: give the slot back (unless the port was closed
      // meanwhile, which reset the count under a new generation).
      give_back_slot(p, generation);
      break;
    }
    if (timeout_ms == 0 || until.passed()) {
      set_error(err, WAIT_TIMEOUT);
      return 0;
    }
    if (rec == nullptr) {
      rec = current_record();
      if (rec == nullptr) {
        set_error(err, ERROR_NOT_ENOUGH_MEMORY);
        return 0;
      }
    }
    if (alertable && run_apcs(rec) != 0) {
      set_error(err, WAIT_IO_COMPLETION);
      return 0;
    }

    // 2. Wait on the port's LIFO stack.
    std::uint32_t armed = arm(rec);
    {
      std::lock_guard<std::mutex> lock(p->mutex);
      if (p->handle.load(std::memory_order_relaxed) != h) {
        disarm(rec);
        return closed();
      }
      self.thread = rec;
      self.entries = entries;
      self.max = max;
      self.handed = 0;
      self.next = p->waiters;
      self.linked = true;
      p->waiters = &self;
      p->waiting.fetch_add(1, std::memory_order_seq_cst);
    }
    waited = true;
    // A packet posted before the registration is seen here; one posted after
    // it sees `waiting` and hands the packet over.
    const std::uint64_t running = p->active.load(std::memory_order_seq_cst) & 0xFFFFFFFFu;
    const bool ready = detail::queued(p->available.load(std::memory_order_seq_cst)) != 0 &&
                       running < p->concurrency.load(std::memory_order_relaxed);
    if (!ready) {
      for (;;) {
        if (alertable && has_apcs(rec)) break;
        if (until.passed()) break;
        bool still_linked;
        {
          std::lock_guard<std::mutex> lock(p->mutex);
          still_linked = self.linked;
        }
        if (!still_linked) break;
        sleep_armed(rec, armed, until.limit());
        armed = arm(rec);
      }
    }
    disarm(rec);
    ULONG handed;
    std::uint32_t handed_generation;
    {
      std::lock_guard<std::mutex> lock(p->mutex);
      if (self.linked) {  // not released: take ourselves off the stack
        for (port_waiter** link = &p->waiters; *link != nullptr; link = &(*link)->next)
          if (*link == &self) {
            *link = self.next;
            break;
          }
        self.linked = false;
        p->waiting.fetch_sub(1, std::memory_order_seq_cst);
      }
      handed = self.handed;
      handed_generation = self.generation;
    }
    // Packets handed over are ours, whatever ended the sleep (a timeout, a
    // close, APCs: they wait for the next alertable call). A slot was taken
    // for us; the Ex form also takes what else is queued, as Windows does.
    if (handed != 0) {
      if (handed < max)
        handed += claim_packets(p, handed_generation, h, entries + handed, max - handed);
      detail::running_port& r = detail::this_thread_running();
      r.port = p;
      r.generation = handed_generation;
      return handed;
    }
    // Loop: take a packet, or report the timeout, the close or the APCs.
    if (alertable && has_apcs(rec) &&
        detail::queued(p->available.load(std::memory_order_relaxed)) == 0) {
      run_apcs(rec);
      set_error(err, WAIT_IO_COMPLETION);
      return 0;
    }
  }
}

WPU_DECL BOOL completion_ports::close_port(HANDLE port, DWORD* err) noexcept {
  port_object* p = lookup_port(port);
  const std::uint64_t h = detail::untagged(port);
  if (p == nullptr) {
    set_error(err, ERROR_INVALID_HANDLE);
    return FALSE;
  }
  std::uint32_t generation;
  {
    std::lock_guard<std::mutex> lock(p->mutex);
    if (p->handle.load(std::memory_order_relaxed) != h) {
      set_error(err, ERROR_INVALID_HANDLE);
      return FALSE;
    }
    std::uint64_t v;
    handles_.release(h, handle_kind::port, &v);
    p->handle.store(0, std::memory_order_release);
    // Waiters return ERROR_ABANDONED_WAIT_0 (they see the handle gone).
    while (p->waiters != nullptr) {
      port_waiter* w = p->waiters;
      p->waiters = w->next;
      w->linked = false;
      p->waiting.fetch_sub(1, std::memory_order_seq_cst);
      if (claim(w->thread)) wake_owner(w->thread);
    }
    // A new generation: running threads stop counting, and no thread that
    // looked the port up before can claim a packet or a slot any more.
    generation = ++p->generation;
    p->active.store(detail::active_word(generation, 0), std::memory_order_seq_cst);
    std::uint64_t a = p->available.load(std::memory_order_relaxed);
    while (!p->available.compare_exchange_weak(
        a, detail::available_generation(generation) | detail::queued(a), std::memory_order_seq_cst,
        std::memory_order_relaxed)) {
    }
  }
  // Queued packets are dropped: no packet names handle 0, so the claim
  // skips every one and never writes an entry.
  claim_packets(p, generation, 0, nullptr, ~ULONG{0});
  ports_.put(p);
  return TRUE;
}

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_PORT_WAITS_IPP
