// wpu/handle_table.hpp - generational handle table for wpu's own handles.
//
// A handle is a 64-bit value:
//
//   bits 61..63   0
//   bit 60        marker: 1 (so every handle is >= 2^60)
//   bits 50..59   table id (10 bits): which live table made the handle
//   bits 28..49   generation of the slot (22 bits, never 0)
//   bits 24..27   kind (socket, event, ...)
//   bits  2..23   slot index (up to 4M live handles)
//   bits  0..1    0 (multiples of 4, like Windows handles)
//
// The marker puts every value far above any file descriptor (< 2^31) and any
// Windows kernel handle (which have 32 significant bits), so the ranges can
// never collide. Closing a slot bumps its generation, so a stale handle never
// names the slot's next owner; freed slots are reused first-in first-out and
// only once 1024 of them are waiting, which spreads reuse further (a stale
// handle could name a later owner only after 2^22 reuses of its slot, that
// is after more than 4G closes).
//
// Table ids make handle values unique per process: every live table (each
// backend's socket table, POSIX's table of events, threads, windows and
// ports) holds an id no other live table holds, and a slot's key is the whole
// handle, so a table refuses another table's handle with the same lookup
// that refuses a stale one (no extra load). Ids come from a process-wide pool
// of max_tables: never-used ids first, then the one freed longest ago, so a
// handle of a destroyed table stays refused until max_tables other tables
// have been made since. A table made while max_tables tables are alive gets
// no id and no slots: allocate() then always fails (WPUCreateSocketHandle:
// WSAENOBUFS).
//
// Threads: every member may be called from any thread. lookup() is lock-free
// and wait-free (a few loads); allocate() and release() take a mutex only to
// manage the free list; the constructor and destructor take the id pool's
// mutex.
#ifndef WPU_HANDLE_TABLE_HPP
#define WPU_HANDLE_TABLE_HPP

#include <wpu/config.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>

WPU_NAMESPACE_BEGIN

enum class handle_kind : std::uint8_t {
  socket = 1,
  event = 2,
  thread = 3,
  window = 4,
  port = 5,
};

class WPU_API handle_table {
 public:
  static constexpr std::uint64_t marker = std::uint64_t{1} << 60;
  static constexpr unsigned index_bits = 22;
  static constexpr std::uint32_t max_handles = std::uint32_t{1} << index_bits;
  static constexpr unsigned generation_shift = 28;
  static constexpr unsigned generation_bits = 22;
  static constexpr std::uint32_t generation_mask = (std::uint32_t{1} << generation_bits) - 1;
  static constexpr unsigned id_shift = generation_shift + generation_bits;  // 50
  static constexpr unsigned id_bits = 10;
  /// Live tables a process may hold at once (see the table ids above).
  static constexpr std::uint32_t max_tables = std::uint32_t{1} << id_bits;

  WPU_DECL handle_table() noexcept;
  WPU_DECL ~handle_table();
  handle_table(const handle_table&) = delete;
  handle_table& operator=(const handle_table&) = delete;

  /// Makes a new handle of `kind` carrying `value`. Returns 0 when the table
  /// is full or memory is exhausted.
  WPU_DECL std::uint64_t allocate(handle_kind kind, std::uint64_t value) noexcept;

  /// True, with the handle's value in *value, when `h` is a live handle of
  /// `kind`. Never touches memory outside the table for any `h`.
  ///
  /// Ordering: allocate() stores the value (release) before publishing the
  /// key, and a slot is reallocated only after its key was changed. So if the
  /// value read here belongs to a later owner of the slot, the key read after
  /// it is no longer `h`; if the key is `h`, the value is h's. (A caller that
  /// got `h` from create via any synchronisation never sees a value older
  /// than h's own.) Two loads from one cache line, no retry loop.
  bool lookup(std::uint64_t h, handle_kind kind, std::uint64_t* value) const noexcept {
    slot const* s = find(h, kind);
    if (s == nullptr) return false;
    std::uint64_t v = s->value.load(std::memory_order_acquire);
    if (s->key.load(std::memory_order_relaxed) != h) return false;
    *value = v;
    return true;
  }

  /// Ends the handle. Exactly one of several concurrent releases of the same
  /// handle succeeds; it returns the value the handle carried in *value.
  WPU_DECL bool release(std::uint64_t h, handle_kind kind, std::uint64_t* value) noexcept;

  /// Number of live handles.
  std::size_t size() const noexcept { return live_.load(std::memory_order_relaxed); }

  static constexpr handle_kind kind_of(std::uint64_t h) noexcept {
    return static_cast<handle_kind>((h >> 24) & 0xF);
  }

  /// The table id bits of `h` (a live table's id(): it made `h`).
  static constexpr std::uint32_t table_id_of(std::uint64_t h) noexcept {
    return static_cast<std::uint32_t>((h >> id_shift) & (max_tables - 1));
  }

  /// The generation bits of `h`.
  static constexpr std::uint32_t generation_of(std::uint64_t h) noexcept {
    return static_cast<std::uint32_t>((h >> generation_shift) & generation_mask);
  }

  /// This table's id, unique among live tables; max_tables when the table
  /// got none (it then makes no handles).
  std::uint32_t id() const noexcept { return id_; }

  /// The slot index bits of `h` (below max_handles for any value).
  static constexpr std::uint32_t index_of(std::uint64_t h) noexcept {
    return static_cast<std::uint32_t>((h >> 2) & (max_handles - 1));
  }

 private:
  struct alignas(16) slot {
    std::atomic<std::uint64_t> key;    // the live handle, or its last generation << 28
    std::atomic<std::uint64_t> value;  // the caller's value
  };

  static constexpr std::uint64_t encode(std::uint32_t id, std::uint32_t gen, handle_kind kind,
                                        std::uint32_t index) noexcept {
    return marker | (std::uint64_t{id} << id_shift) | (std::uint64_t{gen} << generation_shift) |
           (std::uint64_t(kind) << 24) | (std::uint64_t{index} << 2);
  }

  // Only the slot: whether `h` is this table's (id and generation) is the
  // caller's compare of the slot's key with all of `h`.
  slot const* find(std::uint64_t h, handle_kind kind) const noexcept {
    // Marker set, bits 61..63 and 0..1 clear, right kind: one mask and compare.
    constexpr std::uint64_t mask = 0xF000000000000003ull | (std::uint64_t{0xF} << 24);
    if ((h & mask) != (marker | (std::uint64_t(kind) << 24))) return nullptr;
    const std::uint32_t index = index_of(h);
    if (index >= limit_) return nullptr;
    return slots_ + index;
  }

  // All max_handles slots are one region reserved up front (64 MiB of address
  // space); pages are only backed when first touched.
  WPU_DECL static slot* map_slots() noexcept;
  WPU_DECL static void unmap_slots(slot* s) noexcept;

  // The process-wide pool of table ids (max_tables when none is free).
  WPU_DECL static std::uint32_t acquire_id() noexcept;
  WPU_DECL static void release_id(std::uint32_t id) noexcept;

  const std::uint32_t id_;  // first: slots_ is mapped only when there is an id
  slot* const slots_;
  const std::uint32_t limit_;  // max_handles, or 0 if the region could not be mapped
  std::atomic<std::size_t> live_{0};
  std::mutex mutex_;                // guards free_ and next_fresh_
  std::deque<std::uint32_t> free_;  // released indices, oldest first
  std::uint32_t next_fresh_ = 0;    // first never-used index
};

WPU_NAMESPACE_END

#if defined(WPU_HEADER_ONLY)
#  include <wpu/impl/handle_table.ipp>
#endif  // defined(WPU_HEADER_ONLY)

#endif  // WPU_HANDLE_TABLE_HPP
