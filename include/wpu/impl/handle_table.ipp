// wpu/impl/handle_table.ipp - out-of-line parts of wpu::handle_table.
#ifndef WPU_IMPL_HANDLE_TABLE_IPP
#define WPU_IMPL_HANDLE_TABLE_IPP

#include <wpu/handle_table.hpp>

#include <deque>
#include <mutex>
#include <new>

#if defined(WPU_POSIX)
#  include <sys/mman.h>
#else  // !defined(WPU_POSIX)
#  include <windows.h>
#endif  // defined(WPU_POSIX)

WPU_NAMESPACE_BEGIN

WPU_DECL handle_table::handle_table() noexcept
    : id_(acquire_id()),
      slots_(id_ < max_tables ? map_slots() : nullptr),
      limit_(slots_ != nullptr ? max_handles : 0) {}

WPU_DECL handle_table::~handle_table() {
  if (slots_ != nullptr) unmap_slots(slots_);
  if (id_ < max_tables) release_id(id_);
}

namespace detail {

// Never destroyed (a table may outlive static destruction: the default
// backend, a user's static backend), never dynamically initialised.
struct handle_table_ids {
  std::mutex mutex;
  std::uint32_t next_fresh = 0;     // first never-used id
  std::deque<std::uint32_t> freed;  // oldest first
};

WPU_DECL handle_table_ids* table_ids() noexcept {
  static handle_table_ids* const ids = new (std::nothrow) handle_table_ids;
  return ids;
}

}  // namespace detail

// Never-used ids first, then the one freed longest ago: a dead table's id
// comes back as late as possible (see the header).
WPU_DECL std::uint32_t handle_table::acquire_id() noexcept {
  detail::handle_table_ids* ids = detail::table_ids();
  if (ids == nullptr) return max_tables;
  std::lock_guard<std::mutex> lock(ids->mutex);
  if (ids->next_fresh < max_tables) return ids->next_fresh++;
  if (ids->freed.empty()) return max_tables;
  const std::uint32_t id = ids->freed.front();
  ids->freed.pop_front();
  return id;
}

WPU_DECL void handle_table::release_id(std::uint32_t id) noexcept {
  detail::handle_table_ids* ids = detail::table_ids();  // not NULL: it gave `id`
  std::lock_guard<std::mutex> lock(ids->mutex);
  try {
    ids->freed.push_back(id);
  } catch (...) {
    // Out of memory: the id is retired, never handed out twice.
  }
}

// The region is zero-filled (key 0 = free, generation 0) and backed lazily:
// untouched pages cost nothing. On Linux everything past the first 2 MiB asks
// for transparent huge pages, so a big table costs one cache miss per random
// lookup and no TLB miss, while a small table stays small.
WPU_DECL handle_table::slot* handle_table::map_slots() noexcept {
  std::size_t bytes = std::size_t{max_handles} * sizeof(slot);
#if defined(WPU_POSIX)
  constexpr std::size_t huge = std::size_t{2} << 20;
  void* raw = ::mmap(nullptr, bytes + huge, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  // Trim to a 2 MiB-aligned start so huge pages line up with the slots.
  auto start = reinterpret_cast<std::uintptr_t>(raw);
  std::uintptr_t aligned = (start + huge - 1) & ~std::uintptr_t{huge - 1};
  if (aligned != start) ::munmap(raw, aligned - start);
  std::size_t tail = (start + bytes + huge) - (aligned + bytes);
  if (tail != 0) ::munmap(reinterpret_cast<void*>(aligned + bytes), tail);
#  if defined(MADV_HUGEPAGE)
  ::madvise(reinterpret_cast<void*>(aligned + huge), bytes - huge, MADV_HUGEPAGE);
#  endif  // defined(MADV_HUGEPAGE)
  return reinterpret_cast<slot*>(aligned);
#else   // !defined(WPU_POSIX)
  // Committed pages are zero-filled on first touch.
  void* p = ::VirtualAlloc(nullptr, bytes, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
  return static_cast<slot*>(p);
#endif  // defined(WPU_POSIX)
}

WPU_DECL void handle_table::unmap_slots(slot* s) noexcept {
#if defined(WPU_POSIX)
  ::munmap(s, std::size_t{max_handles} * sizeof(slot));
#else   // !defined(WPU_POSIX)
  ::VirtualFree(s, 0, MEM_RELEASE);
#endif  // defined(WPU_POSIX)
}

WPU_DECL std::uint64_t handle_table::allocate(handle_kind kind, std::uint64_t value) noexcept {
  constexpr std::size_t reuse_after = 1024;
  std::uint32_t index;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.size() >= reuse_after || (next_fresh_ == limit_ && !free_.empty())) {
      index = free_.front();
      free_.pop_front();
    } else if (next_fresh_ < limit_) {
      index = next_fresh_++;
    } else {
      return 0;
    }
  }
  slot* s = slots_ + index;
  std::uint32_t gen = (generation_of(s->key.load(std::memory_order_relaxed)) + 1) & generation_mask;
  if (gen == 0) gen = 1;
  std::uint64_t h = encode(id_, gen, kind, index);
  s->value.store(value, std::memory_order_release);  // before the key: see lookup()
  s->key.store(h, std::memory_order_release);
  live_.fetch_add(1, std::memory_order_relaxed);
  return h;
}

WPU_DECL bool handle_table::release(std::uint64_t h, handle_kind kind,
                                    std::uint64_t* value) noexcept {
  slot const* cs = find(h, kind);
  if (cs == nullptr) return false;
  slot* s = const_cast<slot*>(cs);
  std::uint64_t expected = h;
  // The freed key keeps the generation but drops the marker: it matches no handle.
  std::uint64_t freed = h & (std::uint64_t{generation_mask} << generation_shift);
  if (!s->key.compare_exchange_strong(expected, freed, std::memory_order_acq_rel,
                                      std::memory_order_relaxed))
    return false;
  if (value != nullptr) *value = s->value.load(std::memory_order_relaxed);
  live_.fetch_sub(1, std::memory_order_relaxed);
  const std::uint32_t index = index_of(h);
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    free_.push_back(index);
  } catch (...) {
    // Out of memory: the slot is retired rather than risk reusing it unsafely.
  }
  return true;
}

WPU_NAMESPACE_END

#endif  // WPU_IMPL_HANDLE_TABLE_IPP
