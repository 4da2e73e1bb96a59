// wpu/detail/impl/upcall_bindings.ipp
#ifndef WPU_DETAIL_IMPL_UPCALL_BINDINGS_IPP
#define WPU_DETAIL_IMPL_UPCALL_BINDINGS_IPP

#include <wpu/detail/upcall_bindings.hpp>

#include <mutex>

WPU_NAMESPACE_BEGIN
namespace detail {

namespace upcall_registry {

// Constant-initialised (std::mutex has a constexpr constructor) and trivially
// destructible, so a backend destroyed during static destruction still finds
// it.
struct state {
  std::mutex mutex;
  upcall_bindings::pool* pools = nullptr;  // under mutex
  std::uint64_t clock = 0;                 // under mutex: the last cleared_at
  std::atomic<std::size_t> bound{0};       // bound cells, for unbind's fast path
};

WPU_DECL state& get() noexcept {
  static state s;
  return s;
}

}  // namespace upcall_registry

WPU_DECL std::size_t upcall_bindings::bind(pool& p, const void* owner, void* self) noexcept {
  upcall_registry::state& r = upcall_registry::get();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (!p.listed) {
    p.next = r.pools;
    r.pools = &p;
    p.listed = true;
  }
  std::size_t best = slots;
  for (std::size_t i = 0; i < slots; ++i) {
    if (p.owners[i] == owner) return i;
    if (p.owners[i] == nullptr && (best == slots || p.cleared_at[i] < p.cleared_at[best])) best = i;
  }
  if (best == slots) return slots;
  p.owners[best] = owner;
  p.cells[best].store(self, std::memory_order_release);
  r.bound.fetch_add(1, std::memory_order_relaxed);
  return best;
}

WPU_DECL void upcall_bindings::unbind(const void* owner) noexcept {
  upcall_registry::state& r = upcall_registry::get();
  // A bind of `owner` happens before its destruction (the caller's
  // contract), so a count of 0 here means it was never bound.
  if (r.bound.load(std::memory_order_acquire) == 0) return;
  std::lock_guard<std::mutex> lock(r.mutex);
  for (pool* p = r.pools; p != nullptr; p = p->next) {
    for (std::size_t i = 0; i < slots; ++i) {
      if (p->owners[i] != owner) continue;
      p->cells[i].store(nullptr, std::memory_order_release);
      p->owners[i] = nullptr;
      p->cleared_at[i] = ++r.clock;
      r.bound.fetch_sub(1, std::memory_order_relaxed);
    }
  }
}

}  // namespace detail
WPU_NAMESPACE_END

#endif  // WPU_DETAIL_IMPL_UPCALL_BINDINGS_IPP
