// wpu/detail/port_links.hpp - which completion port each wpu socket handle is
// associated with (CreateIoCompletionPort on a socket, wpu_associate_socket).
//
// One entry per handle-table slot, in chunks of 4096 made on first use, so a
// backend whose sockets are never associated pays 8 KiB of chunk pointers and
// nothing per socket. An entry names its socket by handle value: a closed
// socket's entry simply stops matching (the slot's next handle has another
// generation), so closing a socket never touches this table.
//
// Threads: every member may be called from any thread. find() is lock-free
// (a seqlock-style read of one entry); link() is a CAS, two stores and a
// release store, and waits only for a concurrent link() of the same slot.
#ifndef WPU_DETAIL_PORT_LINKS_HPP
#define WPU_DETAIL_PORT_LINKS_HPP

#include <wpu/handle_table.hpp>
#include <wpu/detail/ws2spi_decls.h>

#include <atomic>
#include <cstdint>
#include <new>
#include <thread>

WPU_NAMESPACE_BEGIN
namespace detail {

class port_links {
 public:
  struct link_target {
    HANDLE port = nullptr;
    ULONG_PTR key = 0;
  };
  enum class result { linked, already_linked, no_memory };

  port_links() = default;
  port_links(const port_links&) = delete;
  port_links& operator=(const port_links&) = delete;
  ~port_links() {
    for (auto& c : chunks_) delete[] c.load(std::memory_order_relaxed);
  }

  /// Associates socket handle `h` with `target`, once: a second link of the
  /// same handle (to any port) changes nothing and says already_linked.
  result link(std::uint64_t h, link_target target) noexcept {
    entry* e = find_entry(h, true);
    if (e == nullptr) return result::no_memory;
    std::uint64_t cur = e->owner.load(std::memory_order_acquire);
    for (;;) {
      if ((cur & ~busy) == h) return result::already_linked;
      if ((cur & busy) != 0) {  // another link of this slot is writing: wait for it
        std::this_thread::yield();
        cur = e->owner.load(std::memory_order_acquire);
        continue;
      }
      if (e->owner.compare_exchange_weak(cur, h | busy, std::memory_order_acquire,
                                         std::memory_order_acquire))
        break;
    }
    // Release: a find() that reads either value also sees the busy owner.
    e->port.store(reinterpret_cast<std::uintptr_t>(target.port), std::memory_order_release);
    e->key.store(target.key, std::memory_order_release);
    e->owner.store(h, std::memory_order_release);
    return result::linked;
  }

  /// The port and key socket `h` is associated with; false when it has none.
  bool find(std::uint64_t h, link_target* out) const noexcept {
    entry* e = find_entry(h, false);
    if (e == nullptr || e->owner.load(std::memory_order_acquire) != h) return false;
    // A link of the slot's next socket marks the entry busy before it writes:
    // if the owner is still h after the two loads (acquire, so the second
    // look at the owner cannot move above them), the values are h's.
    const std::uintptr_t port = e->port.load(std::memory_order_acquire);
    const ULONG_PTR key = e->key.load(std::memory_order_acquire);
    if (e->owner.load(std::memory_order_relaxed) != h) return false;
    out->port = reinterpret_cast<HANDLE>(port);
    out->key = key;
    return true;
  }

 private:
  static constexpr std::uint64_t busy = 1;  // handles are multiples of 4
  static constexpr unsigned chunk_bits = 12;
  static constexpr std::uint32_t chunk_size = std::uint32_t{1} << chunk_bits;
  static constexpr std::uint32_t chunk_count = handle_table::max_handles / chunk_size;

  struct alignas(32) entry {
    std::atomic<std::uint64_t> owner{0};  // the socket handle, | busy while being written
    std::atomic<std::uintptr_t> port{0};
    std::atomic<ULONG_PTR> key{0};
  };

  entry* find_entry(std::uint64_t h, bool make) const noexcept {
    const std::uint32_t index = handle_table::index_of(h);
    std::atomic<entry*>& slot = chunks_[index >> chunk_bits];
    entry* chunk = slot.load(std::memory_order_acquire);
    if (chunk == nullptr) {
      if (!make) return nullptr;
      entry* fresh = new (std::nothrow) entry[chunk_size];
      if (fresh == nullptr) return nullptr;
      if (slot.compare_exchange_strong(chunk, fresh, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
        chunk = fresh;
      } else {
        delete[] fresh;  // another thread installed one first
      }
    }
    return chunk + (index & (chunk_size - 1));
  }

  mutable std::atomic<entry*> chunks_[chunk_count] = {};
};

}  // namespace detail
WPU_NAMESPACE_END

#endif  // WPU_DETAIL_PORT_LINKS_HPP
