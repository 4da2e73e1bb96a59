// wpu/impl/handle_table.ipp - out-of-line parts of wpu::handle_table.
#ifndef WPU_IMPL_HANDLE_TABLE_IPP
#define WPU_IMPL_HANDLE_TABLE_IPP

#include <wpu/handle_table.hpp>

#include <new>

#if defined(WPU_POSIX)
#  include <sys/mman.h>
#endif  // defined(WPU_POSIX)

WPU_NAMESPACE_BEGIN

WPU_DECL handle_table::handle_table() noexcept = default;

WPU_DECL handle_table::~handle_table() {
  for (unsigned s = 0; s < segment_count; ++s) {
    if (slot* p = segments_[s].load(std::memory_order_relaxed))
      free_segment(p, segment_slots(s));
  }
}

// Segments are zero-filled (key 0 = free, generation 0). On POSIX they come
// from mmap, so untouched pages cost nothing, and segments of 2 MiB or more ask
// for transparent huge pages: at 1M handles a random lookup then costs one
// cache miss and no TLB miss.
WPU_DECL handle_table::slot* handle_table::allocate_segment(std::size_t slots) noexcept {
#if defined(WPU_POSIX)
  std::size_t bytes = slots * sizeof(slot);
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
#  if defined(MADV_HUGEPAGE)
  if (bytes >= (std::size_t{2} << 20)) ::madvise(p, bytes, MADV_HUGEPAGE);
#  endif  // defined(MADV_HUGEPAGE)
  return static_cast<slot*>(p);
#else   // !defined(WPU_POSIX)
  return new (std::nothrow) slot[slots]();
#endif  // defined(WPU_POSIX)
}

WPU_DECL void handle_table::free_segment(slot* s, std::size_t slots) noexcept {
#if defined(WPU_POSIX)
  ::munmap(s, slots * sizeof(slot));
#else   // !defined(WPU_POSIX)
  (void)slots;
  delete[] s;
#endif  // defined(WPU_POSIX)
}

WPU_DECL std::uint64_t handle_table::allocate(handle_kind kind, std::uint64_t value) noexcept {
  constexpr std::size_t reuse_after = 1024;
  std::uint32_t index;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.size() >= reuse_after || (next_fresh_ == max_handles && !free_.empty())) {
      index = free_.front();
      free_.pop_front();
    } else if (next_fresh_ < max_handles) {
      index = next_fresh_;
      unsigned seg = segment_of(index);
      if (segments_[seg].load(std::memory_order_relaxed) == nullptr) {
        slot* p = allocate_segment(segment_slots(seg));
        if (p == nullptr) return 0;
        segments_[seg].store(p, std::memory_order_release);
      }
      ++next_fresh_;
    } else {
      return 0;
    }
  }
  slot* s = slot_at(index);
  auto gen = static_cast<std::uint32_t>((s->key.load(std::memory_order_relaxed) >> 28) + 1);
  if (gen == 0) gen = 1;
  std::uint64_t h = encode(gen, kind, index);
  s->value.store(value, std::memory_order_relaxed);
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
  std::uint64_t freed = h & (std::uint64_t{0xFFFFFFFF} << 28);
  if (!s->key.compare_exchange_strong(expected, freed, std::memory_order_acq_rel,
                                      std::memory_order_relaxed))
    return false;
  if (value != nullptr) *value = s->value.load(std::memory_order_relaxed);
  live_.fetch_sub(1, std::memory_order_relaxed);
  auto index = static_cast<std::uint32_t>((h >> 2) & (max_handles - 1));
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
