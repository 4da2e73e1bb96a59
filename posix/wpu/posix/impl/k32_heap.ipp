// wpu/posix/impl/k32_heap.ipp - the private heaps (HeapCreate, HeapAlloc,
// ...) and the process heap of the thin kernel32 subset on POSIX.
// docs/kernel32.md, "Heaps".
//
// Every function may be called from any thread. The heap registry is one
// object per copy of wpu, created on first use and never destroyed, so
// threads still running at exit can use it.
#ifndef WPU_POSIX_IMPL_K32_HEAP_IPP
#define WPU_POSIX_IMPL_K32_HEAP_IPP

#include <wpu/posix/k32.hpp>

#if defined(WPU_POSIX)

#  include <algorithm>
#  include <cstddef>
#  include <cstdlib>
#  include <cstring>
#  include <memory>
#  include <mutex>
#  include <new>
#  include <shared_mutex>
#  include <unordered_map>
#  include <unordered_set>
#  include <malloc.h>

WPU_NAMESPACE_BEGIN
namespace k32 {

struct heap_object {
  std::mutex mutex;                               // guards blocks and total
  std::unordered_map<void*, std::size_t> blocks;  // live block -> size asked for
  std::size_t total = 0;
  std::size_t limit = 0;  // 0: growable
};

// The heaps: one registry per copy of wpu, created on first use (with the
// process heap in it) and never destroyed. Its lock is held shared by every
// heap call for its whole duration, exclusively by HeapDestroy.
struct heap_registry {
  std::shared_mutex mutex;  // guards heaps
  std::unordered_set<heap_object*> heaps;
  heap_object* process_heap = nullptr;
};

WPU_DECL heap_registry& heaps() noexcept {
  static heap_registry* registry = [] {
    auto* r = new heap_registry();
    r->process_heap = new heap_object();
    r->heaps.insert(r->process_heap);
    return r;
  }();
  return *registry;
}

// The heap behind `h`, or nullptr. The caller holds the registry's lock.
inline heap_object* find_heap(HANDLE h) noexcept {
  auto& st = heaps();
  auto* p = static_cast<heap_object*>(h);
  return st.heaps.count(p) != 0 ? p : nullptr;
}

}  // namespace k32
WPU_NAMESPACE_END

extern "C" {

// ---- Heaps ------------------------------------------------------------------------

WPU_DECL HANDLE wpu_heap_create(DWORD options, SIZE_T initial_size, SIZE_T maximum_size) {
  if ((options & HEAP_CREATE_ENABLE_EXECUTE) != 0) {
    wpu::k32::set_error(ERROR_NOT_SUPPORTED);
    return nullptr;
  }
  auto& st = wpu::k32::heaps();
  try {
    auto h = std::make_unique<wpu::k32::heap_object>();
    if (maximum_size != 0) h->limit = std::max(maximum_size, initial_size);
    std::unique_lock<std::shared_mutex> lock(st.mutex);
    st.heaps.insert(h.get());
    return h.release();
  } catch (const std::bad_alloc&) {
    wpu::k32::set_error(ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
}

WPU_DECL BOOL wpu_heap_destroy(HANDLE heap) {
  auto& st = wpu::k32::heaps();
  std::unique_lock<std::shared_mutex> lock(st.mutex);
  auto* h = wpu::k32::find_heap(heap);
  if (h == nullptr || h == st.process_heap) {
    if (h == nullptr) wpu::k32::set_error(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  st.heaps.erase(h);
  lock.unlock();
  for (auto& b : h->blocks) std::free(b.first);
  delete h;
  return TRUE;
}

WPU_DECL LPVOID wpu_heap_alloc(HANDLE heap, DWORD flags, SIZE_T bytes) {
  auto& st = wpu::k32::heaps();
  std::shared_lock<std::shared_mutex> registry(st.mutex);
  auto* h = wpu::k32::find_heap(heap);
  if (h == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(h->mutex);
  if (h->limit != 0 && (bytes > h->limit || h->total > h->limit - bytes)) return nullptr;
  void* p = (flags & HEAP_ZERO_MEMORY) != 0 ? std::calloc(1, bytes == 0 ? 1 : bytes)
                                            : std::malloc(bytes == 0 ? 1 : bytes);
  if (p == nullptr) return nullptr;
  try {
    h->blocks.emplace(p, bytes);
  } catch (const std::bad_alloc&) {
    std::free(p);
    return nullptr;
  }
  h->total += bytes;
  return p;
}

WPU_DECL LPVOID wpu_heap_re_alloc(HANDLE heap, DWORD flags, LPVOID mem, SIZE_T bytes) {
  auto& st = wpu::k32::heaps();
  std::shared_lock<std::shared_mutex> registry(st.mutex);
  auto* h = wpu::k32::find_heap(heap);
  if (h == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_HANDLE);
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(h->mutex);
  auto it = h->blocks.find(mem);
  if (it == h->blocks.end()) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  const std::size_t old = it->second;
  if (h->limit != 0 && bytes > old &&
      (bytes - old > h->limit || h->total > h->limit - (bytes - old)))
    return nullptr;
  void* p = mem;
  if ((flags & HEAP_REALLOC_IN_PLACE_ONLY) != 0) {
    if (bytes > old && ::malloc_usable_size(mem) < bytes) return nullptr;
  } else {
    p = std::realloc(mem, bytes == 0 ? 1 : bytes);
    if (p == nullptr) return nullptr;
    if (p != mem) {
      h->blocks.erase(it);
      try {
        it = h->blocks.emplace(p, old).first;
      } catch (const std::bad_alloc&) {  // cannot record it: give it back
        std::free(p);
        h->total -= old;
        return nullptr;
      }
    }
  }
  if ((flags & HEAP_ZERO_MEMORY) != 0 && bytes > old)
    std::memset(static_cast<char*>(p) + old, 0, bytes - old);
  it->second = bytes;
  h->total = h->total - old + bytes;
  return p;
}

WPU_DECL BOOL wpu_heap_free(HANDLE heap, DWORD, LPVOID mem) {
  auto& st = wpu::k32::heaps();
  std::shared_lock<std::shared_mutex> registry(st.mutex);
  auto* h = wpu::k32::find_heap(heap);
  if (h == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  if (mem == nullptr) return TRUE;
  std::lock_guard<std::mutex> lock(h->mutex);
  auto it = h->blocks.find(mem);
  if (it == h->blocks.end()) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  h->total -= it->second;
  h->blocks.erase(it);
  std::free(mem);
  return TRUE;
}

WPU_DECL SIZE_T wpu_heap_size(HANDLE heap, DWORD, LPCVOID mem) {
  auto& st = wpu::k32::heaps();
  std::shared_lock<std::shared_mutex> registry(st.mutex);
  auto* h = wpu::k32::find_heap(heap);
  if (h == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_HANDLE);
    return static_cast<SIZE_T>(-1);
  }
  std::lock_guard<std::mutex> lock(h->mutex);
  auto it = h->blocks.find(const_cast<void*>(mem));
  if (it == h->blocks.end()) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return static_cast<SIZE_T>(-1);
  }
  return it->second;
}

WPU_DECL HANDLE wpu_get_process_heap(void) {
  return wpu::k32::heaps().process_heap;
}

}  // extern "C"

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_K32_HEAP_IPP
