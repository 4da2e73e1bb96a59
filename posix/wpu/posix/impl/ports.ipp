// wpu/posix/impl/ports.ipp - I/O completion ports on POSIX (completion_ports,
// ports.hpp).
//
// Who runs what: every function may be called from any thread. A packet is
// delivered to exactly one thread waiting in GetQueuedCompletionStatus(Ex):
// a packet posted while threads wait (and the concurrency limit lets one
// more run) is handed to the most recent waiter at once, before the post
// returns. A thread counts against the port's concurrency from the moment
// it takes a packet until it calls GetQueuedCompletionStatus(Ex) again (or
// exits), except while it sleeps in another wpu wait (an event or message
// wait, SleepEx): as on Windows, the port then stops counting it, and
// counts it again when it wakes. Blocking system calls are not seen.
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
// thread record, so the record's exit hook cannot). Owner thread only.
struct running_port {
  running_port() = default;
  running_port(const running_port&) = delete;
  running_port& operator=(const running_port&) = delete;
  port_object* port = nullptr;
  std::uint32_t generation = 0;
  bool suspended = false;  // asleep in another wait: the slot is given back
  ~running_port() {
    if (port != nullptr && !suspended) sync::instance().give_back_slot(port, generation);
    port = nullptr;
  }
};

inline running_port& this_thread_running() noexcept {
  static thread_local running_port r;
  return r;
}

constexpr std::uint64_t active_word(std::uint32_t generation, std::uint32_t running) noexcept {
  return (std::uint64_t{generation} << 32) | running;
}

// port_object::available: the generation's low 24 bits over a 40-bit count.
constexpr unsigned count_bits = 40;
constexpr std::uint64_t count_mask = (std::uint64_t{1} << count_bits) - 1;
constexpr std::uint64_t available_generation(std::uint32_t generation) noexcept {
  return std::uint64_t{generation} << count_bits;  // the high bits fall off
}
constexpr std::uint64_t queued(std::uint64_t available) noexcept {
  return available & count_mask;
}

// Takes a slot under the concurrency limit for the port's generation
// `generation`: false if the port has none free or is closed since.
inline bool take_slot(port_object* p, std::uint32_t generation) noexcept {
  std::uint64_t w = p->active.load(std::memory_order_relaxed);
  const DWORD limit = p->concurrency.load(std::memory_order_relaxed);
  for (;;) {
    if ((w >> 32) != generation || (w & 0xFFFFFFFFu) >= limit) return false;
    if (p->active.compare_exchange_weak(w, w + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed))
      return true;
  }
}

// Gives a slot back without releasing anyone (the caller holds the mutex,
// or knows nothing is queued).
inline void return_slot(port_object* p, std::uint32_t generation) noexcept {
  std::uint64_t w = p->active.load(std::memory_order_relaxed);
  for (;;) {
    if ((w >> 32) != generation || (w & 0xFFFFFFFFu) == 0) return;  // closed since
    if (p->active.compare_exchange_weak(w, w - 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed))
      return;
  }
}

}  // namespace detail

// Tag bits are ignored (detail::untagged): port|1, |2 and |3 name port; the
// handle packets carry and waiters compare is the untagged one.
WPU_DECL port_object* completion_ports::lookup_port(HANDLE h) const noexcept {
  std::uint64_t v;
  if (!handles_.lookup(detail::untagged(h), handle_kind::port, &v)) return nullptr;
  return reinterpret_cast<port_object*>(static_cast<std::uintptr_t>(v));
}

WPU_DECL bool completion_ports::is_port(HANDLE h) const noexcept {
  return lookup_port(h) != nullptr;
}

WPU_DECL HANDLE completion_ports::create_port(HANDLE file, HANDLE port, ULONG_PTR,
                                              DWORD concurrency, DWORD* err) noexcept {
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
  // The generation is the one the last close moved to: threads that still
  // hold an older one (from before that close) are refused by every check.
  p->concurrency.store(
      concurrency != 0 ? concurrency : std::max(1u, std::thread::hardware_concurrency()),
      std::memory_order_relaxed);
  p->active.store(detail::active_word(p->generation, 0), std::memory_order_relaxed);
  p->handle.store(h, std::memory_order_release);
  return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(h));
}

WPU_DECL BOOL completion_ports::post_completion(HANDLE port, DWORD bytes, ULONG_PTR key,
                                                LPOVERLAPPED overlapped, DWORD error,
                                                DWORD* err) noexcept {
  port_object* p = lookup_port(port);
  if (p == nullptr) {
    set_error(err, ERROR_INVALID_HANDLE);
    return FALSE;
  }
  const std::uint64_t h = detail::untagged(port);
  const port_packet packet{h, key, overlapped, bytes, error};
  // A thread waits: the packet may be its (see post_to_waiter).
  if (p->waiting.load(std::memory_order_seq_cst) != 0) return post_to_waiter(p, packet, err);
  try {
    p->packets->push(packet);
  } catch (...) {
    set_error(err, ERROR_NOT_ENOUGH_MEMORY);
    return FALSE;
  }
  p->available.fetch_add(1, std::memory_order_seq_cst);
  // A thread that started waiting since the look above either saw the
  // packet in its last check, or is seen here.
  if (p->waiting.load(std::memory_order_seq_cst) != 0) release_waiters(p);
  return TRUE;
}

// A post while threads wait, under the port's mutex: with nothing queued
// and room under the concurrency limit, the packet goes straight into the
// most recent waiter's entries and never enters the queue, so no caller
// that comes later can take it. Otherwise it is queued behind the packets
// already there (first in, first out), and queued packets are handed to
// waiters as far as the limit allows.
WPU_DECL BOOL completion_ports::post_to_waiter(port_object* p, const port_packet& packet,
                                               DWORD* err) noexcept {
  thread_record* woken = nullptr;
  {
    std::lock_guard<std::mutex> lock(p->mutex);
    if (p->handle.load(std::memory_order_relaxed) != packet.port) {  // closed since the look-up
      set_error(err, ERROR_INVALID_HANDLE);
      return FALSE;
    }
    port_waiter* w = p->waiters;
    if (w != nullptr && detail::queued(p->available.load(std::memory_order_seq_cst)) == 0 &&
        detail::take_slot(p, p->generation)) {
      w->entries[0].lpCompletionKey = packet.key;
      w->entries[0].lpOverlapped = packet.overlapped;
      w->entries[0].Internal = ntstatus_from_win32(packet.error);
      w->entries[0].dwNumberOfBytesTransferred = packet.bytes;
      w->handed = 1;
      w->generation = p->generation;
      p->waiters = w->next;
      w->linked = false;
      p->waiting.fetch_sub(1, std::memory_order_seq_cst);
      woken = w->thread;  // type-stable: safe to wake after the unlock
    } else {
      try {
        p->packets->push(packet);
      } catch (...) {
        set_error(err, ERROR_NOT_ENOUGH_MEMORY);
        return FALSE;
      }
      p->available.fetch_add(1, std::memory_order_seq_cst);
      hand_queued(p);
    }
  }
  if (woken != nullptr && claim(woken)) wake_owner(woken);
  return TRUE;
}

// Takes up to `max` queued packets of the port whose live handle is h and
// generation `generation` into `entries`, claiming as many as are queued
// with one compare-and-swap, and returns how many it took (0: none queued,
// or the port has another generation now). A packet that names another
// handle (posted while the port was closed and its record reused) is
// dropped, and the claim goes on.
WPU_DECL ULONG completion_ports::claim_packets(port_object* p, std::uint32_t generation,
                                               std::uint64_t h, OVERLAPPED_ENTRY* entries,
                                               ULONG max) noexcept {
  const std::uint64_t mine = detail::available_generation(generation);
  ULONG n = 0;
  while (n < max) {
    std::uint64_t a = p->available.load(std::memory_order_relaxed);
    std::uint64_t k;
    do {
      if ((a & ~detail::count_mask) != mine || detail::queued(a) == 0) return n;
      k = std::min<std::uint64_t>(detail::queued(a), max - n);
    } while (!p->available.compare_exchange_weak(a, a - k, std::memory_order_seq_cst,
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

// With the port's mutex held: hands queued packets to the most recent
// waiters, as many as there are packets and room under the concurrency
// limit. Each released waiter gets a slot taken on its behalf and up to its
// `max` packets in its own entries.
WPU_DECL void completion_ports::hand_queued(port_object* p) noexcept {
  const std::uint64_t h = p->handle.load(std::memory_order_relaxed);
  if (h == 0) return;  // closed: close_port releases the waiters
  const std::uint32_t generation = p->generation;
  while (p->waiters != nullptr &&
         detail::queued(p->available.load(std::memory_order_seq_cst)) != 0) {
    if (!detail::take_slot(p, generation)) return;
    port_waiter* w = p->waiters;
    const ULONG n = claim_packets(p, generation, h, w->entries, w->max);
    if (n == 0) {  // taken meanwhile by running threads
      detail::return_slot(p, generation);
      return;
    }
    w->handed = n;
    w->generation = generation;
    p->waiters = w->next;
    w->linked = false;
    p->waiting.fetch_sub(1, std::memory_order_seq_cst);
    if (claim(w->thread)) wake_owner(w->thread);
  }
}

// Any thread: hands queued packets to waiters (see hand_queued).
WPU_DECL void completion_ports::release_waiters(port_object* p) noexcept {
  std::lock_guard<std::mutex> lock(p->mutex);
  hand_queued(p);
}

// A running thread's slot under the concurrency limit goes back, if the port
// still has the generation it was taken under; a waiter that the slot kept
// out is then handed a queued packet.
WPU_DECL void completion_ports::give_back_slot(port_object* p, std::uint32_t generation) noexcept {
  detail::return_slot(p, generation);
  if (p->waiting.load(std::memory_order_seq_cst) != 0 &&
      detail::queued(p->available.load(std::memory_order_seq_cst)) != 0)
    release_waiters(p);
}

// On entry to GetQueuedCompletionStatus(Ex) on port `next`: the calling
// thread stops running its last port's packet. Coming back to the same port,
// it takes the next queued packet itself (as Windows: no waiter is woken for
// it); leaving another port, that port's waiters get the slot.
WPU_DECL void completion_ports::leave_port(port_object* next) noexcept {
  detail::running_port& r = detail::this_thread_running();
  port_object* p = r.port;
  if (p == nullptr) return;
  r.port = nullptr;
  if (r.suspended) {  // not counted now (cannot happen: waits do not nest)
    r.suspended = false;
    return;
  }
  if (p == next)
    detail::return_slot(p, r.generation);
  else
    give_back_slot(p, r.generation);
}

WPU_DECL void completion_ports::suspend_port_slot() noexcept {
  detail::running_port& r = detail::this_thread_running();
  if (r.port == nullptr || r.suspended) return;
  r.suspended = true;
  give_back_slot(r.port, r.generation);
}

WPU_DECL void completion_ports::resume_port_slot() noexcept {
  detail::running_port& r = detail::this_thread_running();
  if (!r.suspended) return;
  r.suspended = false;
  port_object* p = r.port;
  std::uint64_t w = p->active.load(std::memory_order_relaxed);
  do {
    if ((w >> 32) != r.generation) {  // the port was closed meanwhile
      r.port = nullptr;
      return;
    }
  } while (!p->active.compare_exchange_weak(w, w + 1, std::memory_order_seq_cst,
                                            std::memory_order_relaxed));
}

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

// The rest of this primitive (it includes this file first).
#include <wpu/posix/impl/port_waits.ipp>

#endif  // WPU_POSIX_IMPL_PORTS_IPP
