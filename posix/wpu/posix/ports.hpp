// wpu/posix/ports.hpp - completion ports (CreateIoCompletionPort,
// PostQueuedCompletionStatus, GetQueuedCompletionStatus(Ex)): the records
// (packets, waiters, the port) and the class. The wake protocol is at
// impl/ports.ipp. Definitions: impl/ports.ipp, impl/port_waits.ipp.
#ifndef WPU_POSIX_PORTS_HPP
#define WPU_POSIX_PORTS_HPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/posix/objects.hpp>

#  include <boost/lockfree/queue.hpp>

#  include <atomic>
#  include <cstdint>
#  include <memory>
#  include <mutex>

WPU_NAMESPACE_BEGIN
namespace posix {
namespace detail {

/// One completion packet. `port` is the handle of the port it was posted to:
/// a poster that raced a close (and a reuse of the record) leaves a packet
/// that names a dead handle, and consumers drop it.
struct port_packet {
  std::uint64_t port;
  ULONG_PTR key;
  LPOVERLAPPED overlapped;
  DWORD bytes;
  DWORD error;
};

/// A thread blocked in GetQueuedCompletionStatus(Ex): on its own stack, on
/// the port's LIFO stack while it waits; fields guarded by the port's mutex.
/// A poster (or a thread giving a slot back) that releases it takes a slot
/// under the concurrency limit on its behalf and writes up to `max` packets
/// into `entries` (the caller's own array, which only the releasing thread
/// writes while the waiter is linked), so no later caller can take them.
struct port_waiter {
  thread_record* thread = nullptr;
  port_waiter* next = nullptr;
  OVERLAPPED_ENTRY* entries = nullptr;
  ULONG max = 0;
  ULONG handed = 0;              // packets written into entries on release
  std::uint32_t generation = 0;  // the port generation its slot was taken under
  bool linked = false;           // on the stack
};

/// A completion port. Type-stable; reached through its handle (kind port).
///  - Packets: a Boost.Lockfree MPMC queue, plus `available`, which packs
///    the port's generation (high 24 bits) and the packets queued and not
///    yet claimed (low 40 bits). A poster pushes, then increments; a
///    consumer claims by a compare-and-swap that also checks the generation,
///    then pops: so a claim always finds a packet, and a thread that looked
///    the port up before it was closed (and its record reused) can never
///    claim the next port's packets. No lock while a consumer is running.
///  - `active` packs the port's generation (high 32 bits) and the number of
///    threads running its packets (a thread runs from taking a packet until
///    it waits on the port again, and not while it blocks in another wpu
///    wait); a thread takes a packet only while that number is below
///    `concurrency`.
///  - Waiters: a LIFO stack under `mutex`, counted in `waiting`; a poster
///    looks at `waiting` after its increment (both seq_cst), so either the
///    waiter's last check sees the packet or the poster sees the waiter. A
///    poster that sees a waiter hands its packet to the most recent one
///    under the mutex (see port_waiter).
///  - The generation changes when the port is closed, under `mutex`; every
///    field read without the mutex is atomic, so a thread holding a stale
///    pointer to a reused record reads valid values and is then refused by
///    a generation or handle check.
struct port_object {
  port_object();
  std::atomic<std::uint64_t> handle{0};  // 0 once closed; changed under mutex
  std::unique_ptr<boost::lockfree::queue<port_packet>> packets;
  alignas(64) std::atomic<std::uint64_t> available{0};
  alignas(64) std::atomic<std::uint64_t> active{0};
  alignas(64) std::atomic<std::uint32_t> waiting{0};
  std::atomic<std::uint32_t> concurrency{1};  // set by create_port under mutex
  std::mutex mutex;
  port_waiter* waiters = nullptr;  // guarded by mutex
  std::uint32_t generation = 0;    // guarded by mutex
};

}  // namespace detail

class completion_ports : public kernel_objects {
 public:
  // Win32 errors through `err`. Any thread.
  WPU_DECL HANDLE create_port(HANDLE file, HANDLE port, ULONG_PTR key, DWORD concurrency,
                              DWORD* err) noexcept;
  WPU_DECL BOOL post_completion(HANDLE port, DWORD bytes, ULONG_PTR key, LPOVERLAPPED overlapped,
                                DWORD error, DWORD* err) noexcept;
  /// GetQueuedCompletionStatus(Ex), on the calling thread: fills up to `max`
  /// entries; the count, or 0 with err WAIT_TIMEOUT, WAIT_IO_COMPLETION,
  /// ERROR_ABANDONED_WAIT_0, ERROR_INVALID_HANDLE.
  WPU_DECL ULONG get_completions(HANDLE port, OVERLAPPED_ENTRY* entries, ULONG max,
                                 DWORD timeout_ms, bool alertable, DWORD* err) noexcept;
  WPU_DECL BOOL close_port(HANDLE port, DWORD* err) noexcept;
  WPU_DECL bool is_port(HANDLE h) const noexcept;
  /// A thread's slot under a port's concurrency limit goes back (when it
  /// waits on the port again, or exits while running its packet).
  WPU_DECL void give_back_slot(detail::port_object* p, std::uint32_t generation) noexcept;

 protected:
  completion_ports() = default;

  /// The calling thread, about to sleep in a wait other than its port's:
  /// the port it runs a packet of (if any) stops counting it, as Windows
  /// does for a thread that blocks. resume_port_slot() after the sleep
  /// counts it again (even beyond the limit, as Windows).
  WPU_DECL void suspend_port_slot() noexcept;
  WPU_DECL void resume_port_slot() noexcept;

  WPU_DECL detail::port_object* lookup_port(HANDLE h) const noexcept;
  WPU_DECL void leave_port(detail::port_object* next) noexcept;
  WPU_DECL void release_waiters(detail::port_object* p) noexcept;
  WPU_DECL static void hand_queued(detail::port_object* p) noexcept;  // mutex held
  WPU_DECL static ULONG claim_packets(detail::port_object* p, std::uint32_t generation,
                                      std::uint64_t h, OVERLAPPED_ENTRY* entries,
                                      ULONG max) noexcept;
  WPU_DECL BOOL post_to_waiter(detail::port_object* p, const detail::port_packet& packet,
                               DWORD* err) noexcept;

  detail::stable_pool<detail::port_object, 16> ports_;
};

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_PORTS_HPP
