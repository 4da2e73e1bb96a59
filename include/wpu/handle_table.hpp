// wpu/handle_table.hpp - generational handle table for wpu's own handles.
//
// A handle is a 64-bit value:
//
//   bit 60        marker: 1 (so every handle is >= 2^60)
//   bits 28..59   generation of the slot (32 bits, never 0)
//   bits 24..27   kind (socket, event, ...)
//   bits  2..23   slot index (up to 4M live handles)
//   bits  0..1    0 (multiples of 4, like Windows handles)
//
// The marker puts every value far above any file descriptor (< 2^31) and any
// Windows kernel handle (which have 32 significant bits), so the ranges can
// never collide. Closing a slot bumps its generation, so a stale handle never
// names the slot's next owner; freed slots are reused first-in first-out and
// only once 1024 of them are waiting, which spreads reuse further.
//
// Threads: every member may be called from any thread. lookup() is lock-free
// and wait-free (a few loads); allocate() and release() take a mutex only to
// manage the free list.
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

class handle_table {
 public:
  static constexpr std::uint64_t marker = std::uint64_t{1} << 60;
  static constexpr unsigned index_bits = 22;
  static constexpr std::uint32_t max_handles = std::uint32_t{1} << index_bits;

  WPU_DECL handle_table() noexcept;
  WPU_DECL ~handle_table();
  handle_table(const handle_table&) = delete;
  handle_table& operator=(const handle_table&) = delete;

  /// Makes a new handle of `kind` carrying `value`. Returns 0 when the table
  /// is full or memory is exhausted.
  WPU_DECL std::uint64_t allocate(handle_kind kind, std::uint64_t value) noexcept;

  /// True, with the handle's value in *value, when `h` is a live handle of
  /// `kind`. Never touches memory outside the table for any `h`.
  bool lookup(std::uint64_t h, handle_kind kind, std::uint64_t* value) const noexcept {
    slot const* s = find(h, kind);
    if (s == nullptr) return false;
    if (s->key.load(std::memory_order_acquire) != h) return false;
    std::uint64_t v = s->value.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    // A close and re-allocate between the two key loads changes the key.
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

 private:
  struct alignas(16) slot {
    std::atomic<std::uint64_t> key;    // the live handle, or its last generation << 28
    std::atomic<std::uint64_t> value;  // the caller's value
  };

  // Segment s holds (base_slots << s) slots and starts at base_slots*(2^s - 1),
  // so 11 segments cover 4M indices and small tables stay small.
  static constexpr unsigned base_shift = 12;
  static constexpr std::uint32_t base_slots = std::uint32_t{1} << base_shift;
  static constexpr unsigned segment_count = 11;

  static constexpr std::uint64_t encode(std::uint32_t gen, handle_kind kind,
                                        std::uint32_t index) noexcept {
    return marker | (std::uint64_t{gen} << 28) | (std::uint64_t(kind) << 24) |
           (std::uint64_t{index} << 2);
  }

  static unsigned segment_of(std::uint32_t index) noexcept {
    std::uint32_t q = (index >> base_shift) + 1;
    return 31u - static_cast<unsigned>(__builtin_clz(q));
  }

  slot const* find(std::uint64_t h, handle_kind kind) const noexcept {
    // Marker set, bits 61..63 and 0..1 clear, right kind.
    if ((h & 0xF000000000000003ull) != marker || kind_of(h) != kind) return nullptr;
    auto index = static_cast<std::uint32_t>((h >> 2) & (max_handles - 1));
    unsigned seg = segment_of(index);
    slot* base = segments_[seg].load(std::memory_order_acquire);
    if (base == nullptr) return nullptr;
    return base + (index - ((base_slots << seg) - base_slots));
  }

  slot* slot_at(std::uint32_t index) const noexcept {
    unsigned seg = segment_of(index);
    return segments_[seg].load(std::memory_order_acquire) +
           (index - ((base_slots << seg) - base_slots));
  }

  // Slots in segment s; the last one is cut at max_handles.
  static constexpr std::size_t segment_slots(unsigned s) noexcept {
    std::size_t start = (std::size_t{base_slots} << s) - base_slots;
    std::size_t n = std::size_t{base_slots} << s;
    return start + n > max_handles ? max_handles - start : n;
  }

  WPU_DECL static slot* allocate_segment(std::size_t slots) noexcept;
  WPU_DECL static void free_segment(slot* s, std::size_t slots) noexcept;

  std::atomic<slot*> segments_[segment_count] = {};
  std::atomic<std::size_t> live_{0};
  std::mutex mutex_;                 // guards free_ and next_fresh_
  std::deque<std::uint32_t> free_;   // released indices, oldest first
  std::uint32_t next_fresh_ = 0;     // first never-used index
};

WPU_NAMESPACE_END

#if defined(WPU_HEADER_ONLY)
#  include <wpu/impl/handle_table.ipp>
#endif  // defined(WPU_HEADER_ONLY)

#endif  // WPU_HANDLE_TABLE_HPP
