// wpu/posix/impl/apc.ipp - thread ids (WSATHREADID) and APC queues.
#ifndef WPU_POSIX_IMPL_APC_IPP
#define WPU_POSIX_IMPL_APC_IPP

#include <wpu/posix/impl/thread.ipp>

#if defined(WPU_POSIX)

WPU_NAMESPACE_BEGIN
namespace posix {

WPU_DECL int apc_queues::open_current_thread(WSATHREADID* thread, int* err) noexcept {
  if (thread == nullptr) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  thread_record* rec = current_record();
  if (rec == nullptr) {
    set_error(err, WSAENOBUFS);
    return SOCKET_ERROR;
  }
  rec->refs.fetch_add(1, std::memory_order_relaxed);
  std::uint64_t h = handles_.allocate(handle_kind::thread, reinterpret_cast<std::uintptr_t>(rec));
  if (h == 0) {
    release_thread(rec);
    set_error(err, WSAENOBUFS);
    return SOCKET_ERROR;
  }
  thread->ThreadHandle = reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(h));
  thread->Reserved = rec->os_tid;
  return 0;
}

WPU_DECL int apc_queues::close_thread(WSATHREADID* thread, int* err) noexcept {
  std::uint64_t v;
  if (thread == nullptr ||
      !handles_.release(detail::untagged(thread->ThreadHandle), handle_kind::thread, &v)) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  release_thread(reinterpret_cast<thread_record*>(static_cast<std::uintptr_t>(v)));
  thread->ThreadHandle = nullptr;
  thread->Reserved = 0;
  return 0;
}

WPU_DECL int apc_queues::queue_apc(WSATHREADID* thread, LPWSAUSERAPC routine, DWORD_PTR context,
                                   int* err) noexcept {
  if (thread == nullptr || routine == nullptr) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  const std::uint64_t key = detail::untagged(thread->ThreadHandle);
  std::uint64_t v;
  if (!handles_.lookup(key, handle_kind::thread, &v)) {
    set_error(err, WSAEFAULT);
    return SOCKET_ERROR;
  }
  auto* rec = reinterpret_cast<thread_record*>(static_cast<std::uintptr_t>(v));
  const int rc = push_apc(rec, detail::apc_item{routine, context}, key, v);
  if (rc == 0) return 0;
  set_error(err, rc);
  return SOCKET_ERROR;
}

// Queues `item` to `rec`: 0, WSAEFAULT (the thread has exited, or `key` is
// non-zero and no longer a thread handle carrying `value`) or WSAENOBUFS.
// Records are type-stable, so locking one that was recycled meanwhile is
// harmless; under the lock, the handle still naming it proves it was not
// (a record is reused only after its last handle is closed). With key 0 the
// caller holds a reference on the record instead.
WPU_DECL int apc_queues::push_apc(thread_record* rec, const detail::apc_item& item,
                                  std::uint64_t key, std::uint64_t value) noexcept {
  detail::apc_segment* spare = nullptr;  // allocated outside the lock
  for (;;) {
    lock_apcs(rec);
    std::uint64_t again;
    if (rec->exited ||
        (key != 0 && (!handles_.lookup(key, handle_kind::thread, &again) || again != value))) {
      unlock_apcs(rec);
      delete spare;
      return WSAEFAULT;
    }
    detail::apc_segment* tail = rec->tail;
    if (tail->items.push(item)) break;
    if (spare != nullptr) {
      // Full: link a larger segment (the owner frees the old one once drained).
      spare->items.push(item);
      tail->next.store(spare, std::memory_order_release);
      rec->tail = spare;
      spare = nullptr;
      break;
    }
    const std::size_t size =
        tail->capacity < detail::max_segment ? tail->capacity * 2 : detail::max_segment;
    unlock_apcs(rec);
    try {
      spare = new detail::apc_segment(size);
    } catch (...) {
      return WSAENOBUFS;
    }
  }
  unlock_apcs(rec);  // wakes the owner if it is armed: see thread_record::word
  delete spare;      // another producer linked a segment meanwhile
  return 0;
}

// True if an APC is queued to the calling thread (its owner).
WPU_DECL bool thread_core::has_apcs(thread_record* rec) noexcept {
  return rec->batch_pos != rec->batch_len || rec->head->items.read_available() != 0 ||
         rec->head->next.load(std::memory_order_acquire) != nullptr;
}

// Takes the next batch of APCs off the head segment into rec->batch, moving to
// the next segment when the head is drained. False if none is queued.
WPU_DECL bool thread_core::refill(thread_record* rec) noexcept {
  for (;;) {
    detail::apc_segment* s = rec->head;
    std::size_t n = s->items.pop(rec->batch, thread_record::batch_size);
    if (n == 0) {
      detail::apc_segment* next = s->next.load(std::memory_order_acquire);
      if (next == nullptr) return false;
      // Every push into `s` happened before `next` was linked: take the last.
      n = s->items.pop(rec->batch, thread_record::batch_size);
      if (n == 0) {
        delete s;
        rec->head = next;
        continue;
      }
    }
    rec->batch_pos = 0;
    rec->batch_len = static_cast<std::uint32_t>(n);
    return true;
  }
}

// Runs every APC queued to the calling thread, FIFO, including any queued
// while they run; an APC that itself waits alertably continues the same
// sequence. Returns how many ran.
WPU_DECL std::size_t apc_queues::run_apcs(thread_record* rec) noexcept {
  std::size_t ran = 0;
  for (;;) {
    if (rec->batch_pos == rec->batch_len && !refill(rec)) return ran;
    const detail::apc_item item = rec->batch[rec->batch_pos++];
    item.routine(item.context);
    ++ran;
  }
}

// After a sleep that ended with APCs to run: a burst (more than one batch)
// means its producer is running right now, so the next waits spin again even
// if recent spins failed. Without this, a thread fed a steady stream that
// once stopped spinning (its producer was preempted, or shared its CPU) stays
// in a wake per burst, and the scheduler tends to keep the pair on one CPU.
WPU_DECL std::size_t apc_queues::run_apcs_after_sleep(thread_record* rec) noexcept {
  const std::size_t ran = run_apcs(rec);
  if (ran > thread_record::batch_size) spin_result(rec, true);
  return ran;
}

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_APC_IPP
