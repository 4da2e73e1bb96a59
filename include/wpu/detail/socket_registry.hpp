// wpu/detail/socket_registry.hpp - the host's map from socket handle to
// route, read on every routed call.
//
// Handles are of two shapes: wpu handles (bit 60 set; their slot index is
// unique among a table's live handles) and native ones (file descriptors on
// POSIX, kernel handles on Windows: small multiples of 4). Each shape has a
// direct-mapped array indexed by that number (wpu: the slot index; native:
// the fd, or the kernel handle / 4), allocated in chunks on first use; a
// handle whose slot is taken by another live handle, or whose number is out
// of range, goes to an overflow map.
//
// Invariant: every registered handle is in exactly one place, its slot or
// the overflow map; `all_` lists them all with their routes and the serial
// number of their registration (so a close can tell its own registration
// from a later one of the same handle value).
//
// Threads: find() may be called from any thread at any time and takes no lock
// unless the overflow map is in use. insert(), erase(), for_each() and
// clear() must be called under one external mutex (the host's).
// Ordering: a slot's value is stored before its key (release) and cleared
// after it, and find() re-reads the key after the value, so it returns a
// value only while the key it saw was current.
#ifndef WPU_DETAIL_SOCKET_REGISTRY_HPP
#define WPU_DETAIL_SOCKET_REGISTRY_HPP

#include <wpu/config.hpp>
#include <wpu/detail/ws2spi_decls.h>
#include <wpu/handle_table.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <unordered_map>

WPU_NAMESPACE_BEGIN
namespace detail {

template <class Value>
class socket_registry {
 public:
  socket_registry() = default;
  socket_registry(const socket_registry&) = delete;
  socket_registry& operator=(const socket_registry&) = delete;
  ~socket_registry() {
    for (auto& shape : chunks_)
      for (auto& c : shape) delete[] c.load(std::memory_order_relaxed);
  }

  const Value* find(SOCKET s) const noexcept {
    if (const slot* sl = slot_of(s)) {
      if (sl->key.load(std::memory_order_acquire) == s) {
        const Value* v = sl->value.load(std::memory_order_acquire);
        if (v != nullptr && sl->key.load(std::memory_order_relaxed) == s) return v;
      }
    }
    if (overflow_count_.load(std::memory_order_acquire) == 0) return nullptr;
    std::lock_guard<std::mutex> lock(overflow_mutex_);
    auto it = overflow_.find(s);
    return it != overflow_.end() ? it->second : nullptr;
  }

  /// Registers (or re-points) s. False only when memory is exhausted.
  bool insert(SOCKET s, const Value* v) noexcept {
    try {
      auto it = all_.find(s);
      if (it != all_.end()) erase(s);
      all_.emplace(s, registration{v, ++serials_});
      slot* sl = slot_of(s, true);
      if (sl != nullptr && sl->key.load(std::memory_order_relaxed) == 0) {
        sl->value.store(v, std::memory_order_relaxed);
        sl->key.store(s, std::memory_order_release);
        return true;
      }
      std::lock_guard<std::mutex> lock(overflow_mutex_);
      overflow_[s] = v;
      overflow_count_.store(overflow_.size(), std::memory_order_release);
      return true;
    } catch (const std::bad_alloc&) {
      all_.erase(s);
      return false;
    }
  }

  /// The serial number of s's current registration; 0 when s has none.
  std::uint64_t serial_of(SOCKET s) const noexcept {
    auto it = all_.find(s);
    return it != all_.end() ? it->second.serial : 0;
  }

  /// Unregisters s if its registration has serial number `serial` (any
  /// registration when serial is 0). True if it did.
  bool erase(SOCKET s, std::uint64_t serial = 0) noexcept {
    auto it = all_.find(s);
    if (it == all_.end() || (serial != 0 && it->second.serial != serial)) return false;
    all_.erase(it);
    slot* sl = slot_of(s);
    if (sl != nullptr && sl->key.load(std::memory_order_relaxed) == s) {
      sl->key.store(0, std::memory_order_release);
      sl->value.store(nullptr, std::memory_order_release);
      return true;
    }
    std::lock_guard<std::mutex> lock(overflow_mutex_);
    overflow_.erase(s);
    overflow_count_.store(overflow_.size(), std::memory_order_release);
    return true;
  }

  template <class F>
  void for_each(F&& f) const {
    for (const auto& kv : all_) f(kv.first, kv.second.value);
  }

  void clear() noexcept {
    while (!all_.empty()) erase(all_.begin()->first);
  }

  std::size_t size() const noexcept { return all_.size(); }

 private:
  struct slot {
    std::atomic<SOCKET> key{0};
    std::atomic<const Value*> value{nullptr};
  };
  static constexpr unsigned chunk_bits = 12;
  static constexpr std::size_t chunk_size = std::size_t{1} << chunk_bits;
  static constexpr std::size_t max_index = handle_table::max_handles;  // 4M per shape
  static constexpr std::size_t chunk_count = max_index / chunk_size;

  // The shape (0: wpu handle, 1: native) and index of s; false when s has no
  // slot (out of range).
  static bool index_of(SOCKET s, unsigned* shape, std::size_t* index) noexcept {
    const std::uint64_t h = s;
    if ((h >> 60) == 1) {
      *shape = 0;
      *index = handle_table::index_of(h);
      return true;
    }
#if defined(_WIN32)
    const std::uint64_t n = h >> 2;
#else   // !defined(_WIN32)
    const std::uint64_t n = h;
#endif  // defined(_WIN32)
    if (n >= max_index) return false;
    *shape = 1;
    *index = static_cast<std::size_t>(n);
    return true;
  }

  const slot* slot_of(SOCKET s) const noexcept {
    unsigned shape;
    std::size_t index;
    if (!index_of(s, &shape, &index)) return nullptr;
    const slot* c = chunks_[shape][index >> chunk_bits].load(std::memory_order_acquire);
    return c != nullptr ? c + (index & (chunk_size - 1)) : nullptr;
  }

  slot* slot_of(SOCKET s, bool allocate = false) noexcept {
    unsigned shape;
    std::size_t index;
    if (!index_of(s, &shape, &index)) return nullptr;
    std::atomic<slot*>& cp = chunks_[shape][index >> chunk_bits];
    slot* c = cp.load(std::memory_order_acquire);
    if (c == nullptr && allocate) {
      c = new (std::nothrow) slot[chunk_size];
      if (c == nullptr) return nullptr;
      cp.store(c, std::memory_order_release);
    }
    return c != nullptr ? c + (index & (chunk_size - 1)) : nullptr;
  }

  std::atomic<slot*> chunks_[2][chunk_count] = {};
  struct registration {
    const Value* value;
    std::uint64_t serial;
  };
  std::unordered_map<SOCKET, registration> all_;  // writers only
  std::uint64_t serials_ = 0;                     // writers only
  mutable std::mutex overflow_mutex_;
  std::unordered_map<SOCKET, const Value*> overflow_;
  std::atomic<std::size_t> overflow_count_{0};
};

}  // namespace detail
WPU_NAMESPACE_END

#endif  // WPU_DETAIL_SOCKET_REGISTRY_HPP
