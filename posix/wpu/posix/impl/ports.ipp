// wpu/posix/impl/ports.ipp - I/O completion ports on POSIX (see sync.hpp:
// port_object).
//
// Who runs what: every function may be called from any thread. A packet is
// delivered to exactly one thread waiting in GetQueuedCompletionStatus(Ex),
// the most recent waiter first; a thread counts against the port's
// concurrency from the moment it takes a packet until it calls
// GetQueuedCompletionStatus(Ex) again (or exits). Windows also stops
// counting a thread while it blocks on anything else; wpu cannot see that.
#ifndef WPU_POSIX_IMPL_PORTS_IPP
#define WPU_POSIX_IMPL_PORTS_IPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/posix/sync.hpp>

#  include <algorithm>
#  include <thread>

WPU_NAMESPACE_BEGIN
namespace posix {

using detail::port_object;
using detail::port_packet;
using detail::port_waiter;

namespace detail {

inline port_object::port_object() : packets(new boost::lockfree::queue<port_packet>(64)) {}

// The port whose packet the calling thread is running, if any. A thread that
// exits while running one gives its slot back here (it may never have made a
// thread record, so the record's exit hook cannot).
struct running_port {
  running_port() = default;
  running_port(const running_port&) = delete;
  running_port& operator=(const running_port&) = delete;
  port_object* port = nullptr;
  std::uint32_t generation = 0;
  ~running_port() {
    if (port != nullptr) sync::instance().give_back_slot(port, generation);
  }
};

inline running_port& this_thread_running() noexcept {
  static thread_local running_port r;
  return r;
}

constexpr std::uint64_t active_word(std::uint32_t generation, std::uint32_t running) noexcept {
  return (std::uint64_t{generation} << 32) | running;
}

}  // namespace detail

// Tag bits are ignored (detail::untagged): port|1, |2 and |3 name port; the
// handle packets carry and waiters compare is the untagged one.
WPU_DECL port_object* sync::lookup_port(HANDLE h) const noexcept {
  std::uint64_t v;
  if (!handles_.lookup(detail::untagged(h), handle_kind::port, &v)) return nullptr;
  return reinterpret_cast<port_object*>(static_cast<std::uintptr_t>(v));
}

WPU_DECL bool sync::is_port(HANDLE h) const noexcept {
  return lookup_port(h) != nullptr;
}

WPU_DECL HANDLE sync::create_port(HANDLE file, HANDLE port, ULONG_PTR, DWORD concurrency,
                                  DWORD* err) noexcept {
  if (file != INVALID_HANDLE_VALUE) {
    set_error(err, ERROR_INVALID_HANDLE);  // association: not yet
    return nullptr;
  }
  if (port != nullptr) {
    set_error(err, ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  port_object* p = ports_.get();
  if (p == nullptr || !p->packets) {
    if (p != nullptr) ports_.put(p);
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(p->mutex);
  const std::uint64_t h = handles_.allocate(handle_kind::port, reinterpret_cast<std::uintptr_t>(p));
  if (h == 0) {
    ports_.put(p);
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
  ++p->generation;
  p->concurrency =
      concurrency != 0 ? concurrency : std::max(1u, std::thread::hardware_concurrency());
  p->active.store(detail::active_word(p->generation, 0), std::memory_order_relaxed);
  p->handle.store(h, std::memory_order_release);
  return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(h));
}

WPU_DECL BOOL sync::post_completion(HANDLE port, DWORD bytes, ULONG_PTR key,
                                    LPOVERLAPPED overlapped, DWORD error, DWORD* err) noexcept {
  port_object* p = lookup_port(port);
  if (p == nullptr) {
    set_error(err, ERROR_INVALID_HANDLE);
    return FALSE;
  }
  const std::uint64_t h = detail::untagged(port);
  try {
    p->packets->push(port_packet{h, key, overlapped, bytes, error});
  } catch (...) {
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return FALSE;
  }
  p->available.fetch_add(1, std::memory_order_seq_cst);
  if (p->waiting.load(std::memory_order_seq_cst) != 0) release_waiters(p);
  return TRUE;
}

// Takes up to `max` queued packets of the port whose live handle is h into
// `entries`, claiming as many as are queued with one compare-and-swap, and
// returns how many it took (0: none queued). A packet that names another
// handle (posted while the port was closed and its record reused) is
// dropped, and the claim goes on.
WPU_DECL ULONG sync::claim_packets(port_object* p, std::uint64_t h, OVERLAPPED_ENTRY* entries,
                                   ULONG max) noexcept {
  ULONG n = 0;
  while (n < max) {
    std::int64_t queued = p->available.load(std::memory_order_relaxed);
    std::int64_t k;
    do {
      if (queued <= 0) return n;
      k = std::min<std::int64_t>(queued, max - n);
    } while (!p->available.compare_exchange_weak(queued, queued - k, std::memory_order_seq_cst,
                                                 std::memory_order_relaxed));
    // Each poster pushed before it incremented: the k packets are there
    // (one may still be being linked by a poster that pushed after ours;
    // wait for it).
    for (; k > 0; --k) {
      port_packet pk;
      while (!p->packets->pop(pk)) detail::cpu_relax();
      if (pk.port != h) continue;
      entries[n].lpCompletionKey = pk.key;
      entries[n].lpOverlapped = pk.overlapped;
      entries[n].Internal = ntstatus_from_win32(pk.error);
      entries[n].dwNumberOfBytesTransferred = pk.bytes;
      ++n;
    }
  }
  return n;
}

// Wakes the most recent waiters, as many as there are packets to take and
// room under the concurrency limit. Any thread.
WPU_DECL void sync::release_waiters(port_object* p) noexcept {
  std::lock_guard<std::mutex> lock(p->mutex);
  std::int64_t packets = p->available.load(std::memory_order_seq_cst);
  const auto running =
      static_cast<std::uint32_t>(p->active.load(std::memory_order_seq_cst) & 0xFFFFFFFFu);
  std::int64_t room =
      running < p->concurrency ? static_cast<std::int64_t>(p->concurrency - running) : 0;
  while (p->waiters != nullptr && packets > 0 && room > 0) {
    port_waiter* w = p->waiters;
    p->waiters = w->next;
    w->linked = false;
    p->waiting.fetch_sub(1, std::memory_order_seq_cst);
    if (claim(w->thread)) wake_owner(w->thread);
    --packets;
    --room;
  }
}

// A running thread's slot under the concurrency limit goes back, if the port
// still has the generation it was taken under; a waiter that the slot kept
// out is then released.
WPU_DECL void sync::give_back_slot(port_object* p, std::uint32_t generation) noexcept {
  std::uint64_t w = p->active.load(std::memory_order_relaxed);
  for (;;) {
    if ((w >> 32) != generation || (w & 0xFFFFFFFFu) == 0) return;  // closed since
    if (p->active.compare_exchange_weak(w, w - 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed))
      break;
  }
  if (p->waiting.load(std::memory_order_seq_cst) != 0 &&
      p->available.load(std::memory_order_seq_cst) > 0)
    release_waiters(p);
}

// On entry to GetQueuedCompletionStatus(Ex): the calling thread stops running
// its last port's packet.
WPU_DECL void sync::leave_port() noexcept {
  detail::running_port& r = detail::this_thread_running();
  port_object* p = r.port;
  if (p == nullptr) return;
  r.port = nullptr;
  give_back_slot(p, r.generation);
}

WPU_DECL ULONG sync::get_completions(HANDLE port, OVERLAPPED_ENTRY* entries, ULONG max,
                                     DWORD timeout_ms, bool alertable, DWORD* err) noexcept {
  leave_port();
  port_object* p = lookup_port(port);
  if (p == nullptr) {
    set_error(err, ERROR_INVALID_HANDLE);
    return 0;
  }
  if (entries == nullptr || max == 0) {
    set_error(err, ERROR_INVALID_PARAMETER);
    return 0;
  }
  const std::uint64_t h = detail::untagged(port);
  thread_record* rec = nullptr;
  const detail::deadline until(timeout_ms);
  port_waiter self;
  for (;;) {
    // 1. Take packets while the concurrency limit allows: no lock.
    std::uint64_t w = p->active.load(std::memory_order_relaxed);
    const std::uint32_t generation = static_cast<std::uint32_t>(w >> 32);
    if (p->handle.load(std::memory_order_acquire) != h) {
      set_error(err, ERROR_ABANDONED_WAIT_0);
      return 0;
    }
    while ((w & 0xFFFFFFFFu) < p->concurrency && (w >> 32) == generation) {
      if (!p->active.compare_exchange_weak(w, w + 1, std::memory_order_seq_cst,
                                           std::memory_order_relaxed))
        continue;
      const ULONG n = claim_packets(p, h, entries, max);
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
        set_error(err, ERROR_ABANDONED_WAIT_0);
        return 0;
      }
      self.thread = rec;
      self.next = p->waiters;
      self.linked = true;
      p->waiters = &self;
      p->waiting.fetch_add(1, std::memory_order_seq_cst);
    }
    // A packet posted before the registration is seen here; one posted after
    // it sees `waiting` and wakes a waiter.
    const std::uint64_t running = p->active.load(std::memory_order_seq_cst) & 0xFFFFFFFFu;
    const bool ready = p->available.load(std::memory_order_seq_cst) > 0 && running < p->concurrency;
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
        timespec at;
        sleep_armed(rec, armed, until.abs(&at));
        armed = arm(rec);
      }
    }
    disarm(rec);
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
    }
    // Loop: take a packet, or report the timeout, the close or the APCs.
    if (alertable && has_apcs(rec) && p->available.load(std::memory_order_relaxed) <= 0) {
      run_apcs(rec);
      set_error(err, WAIT_IO_COMPLETION);
      return 0;
    }
  }
}

WPU_DECL BOOL sync::close_port(HANDLE port, DWORD* err) noexcept {
  port_object* p = lookup_port(port);
  const std::uint64_t h = detail::untagged(port);
  if (p == nullptr) {
    set_error(err, ERROR_INVALID_HANDLE);
    return FALSE;
  }
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
    // Running threads stop counting (their generation is gone).
    p->active.store(detail::active_word(p->generation + 1, 0), std::memory_order_seq_cst);
  }
  // Queued packets are dropped: no packet names handle 0, so the claim
  // skips every one and never writes an entry.
  claim_packets(p, 0, nullptr, ~ULONG{0});
  ports_.put(p);
  return TRUE;
}

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_PORTS_IPP
