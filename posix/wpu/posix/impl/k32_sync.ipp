// wpu/posix/impl/k32_sync.ipp - critical sections and TLS indexes of the thin
// kernel32 subset on POSIX. docs/kernel32.md, "Critical sections", "TLS".
//
// Every function may be called from any thread. The process-wide state (the
// critical sections' wait buckets, the TLS index registry) is one object per
// copy of wpu, created on first use and never destroyed, so threads still
// running at exit can use it.
#ifndef WPU_POSIX_IMPL_K32_SYNC_IPP
#define WPU_POSIX_IMPL_K32_SYNC_IPP

#include <wpu/posix/k32.hpp>

#if defined(WPU_POSIX)

#  include <array>
#  include <atomic>
#  include <condition_variable>
#  include <cstdint>
#  include <memory>
#  include <mutex>
#  include <new>

WPU_NAMESPACE_BEGIN
namespace k32 {

// ---- Critical sections -------------------------------------------------------

// Where threads waiting for a critical section sleep: a fixed set of
// mutex + condition variable pairs, chosen by the section's address.
struct wait_bucket {
  std::mutex mutex;
  std::condition_variable cv;
};

// The wait buckets: one set per copy of wpu, created on first use and never
// destroyed.
WPU_DECL std::array<wait_bucket, 64>& wait_buckets() noexcept {
  static auto* buckets = new std::array<wait_bucket, 64>();
  return *buckets;
}

// LockCount: -1 free, -2 owned, -3 owned and a thread may be waiting.
constexpr LONG cs_free = -1, cs_owned = -2, cs_contended = -3;

inline HANDLE this_thread_handle() noexcept {
  return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(wpu_get_current_thread_id()));
}

inline wait_bucket& bucket_of(const void* cs) noexcept {
  const auto a = reinterpret_cast<std::uintptr_t>(cs);
  return wait_buckets()[((a >> 4) ^ (a >> 10)) % 64];
}

inline bool owns(LPCRITICAL_SECTION cs, HANDLE self) noexcept {
  return __atomic_load_n(&cs->OwningThread, __ATOMIC_RELAXED) == self;
}

inline void became_owner(LPCRITICAL_SECTION cs, HANDLE self) noexcept {
  __atomic_store_n(&cs->OwningThread, self, __ATOMIC_RELAXED);
  __atomic_store_n(&cs->RecursionCount, 1, __ATOMIC_RELAXED);
}

inline bool try_lock(LPCRITICAL_SECTION cs) noexcept {
  LONG expected = cs_free;
  return __atomic_compare_exchange_n(&cs->LockCount, &expected, cs_owned, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED);
}

// ---- TLS -------------------------------------------------------------------

constexpr DWORD tls_slot_count = 1088;  // TLS_MINIMUM_AVAILABLE + 1024, as Windows

// One thread's TLS values; a value counts only while its generation is the
// slot's current one (TlsAlloc bumps it, so TlsFree + TlsAlloc reads NULL).
struct tls_values {
  void* value[tls_slot_count];
  std::uint32_t generation[tls_slot_count];
};

// The TLS indexes: one registry per copy of wpu, created on first use and
// never destroyed.
struct tls_registry {
  std::mutex mutex;  // guards used
  bool used[tls_slot_count] = {};
  std::atomic<std::uint32_t> generation[tls_slot_count] = {};
};

WPU_DECL tls_registry& tls_indexes() noexcept {
  static auto* registry = new tls_registry();
  return *registry;
}

WPU_DECL std::unique_ptr<tls_values>& this_thread_tls() noexcept {
  thread_local std::unique_ptr<tls_values> values;
  return values;
}

}  // namespace k32
WPU_NAMESPACE_END

extern "C" {

// ---- Critical sections ---------------------------------------------------------

WPU_DECL void wpu_initialize_critical_section(LPCRITICAL_SECTION cs) {
  wpu_initialize_critical_section_ex(cs, 0, 0);
}

WPU_DECL BOOL wpu_initialize_critical_section_and_spin_count(LPCRITICAL_SECTION cs,
                                                             DWORD spin_count) {
  return wpu_initialize_critical_section_ex(cs, spin_count, 0);
}

WPU_DECL BOOL wpu_initialize_critical_section_ex(LPCRITICAL_SECTION cs, DWORD spin_count,
                                                 DWORD flags) {
  if (cs == nullptr || (flags & ~static_cast<DWORD>(CRITICAL_SECTION_NO_DEBUG_INFO)) != 0) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  cs->DebugInfo = nullptr;
  cs->LockCount = wpu::k32::cs_free;
  cs->RecursionCount = 0;
  cs->OwningThread = nullptr;
  cs->LockSemaphore = nullptr;
  cs->SpinCount = spin_count & 0x00FFFFFFu;  // the high byte holds flags on Windows
  return TRUE;
}

WPU_DECL void wpu_enter_critical_section(LPCRITICAL_SECTION cs) {
  using namespace wpu::k32;
  const HANDLE self = this_thread_handle();
  if (owns(cs, self)) {
    __atomic_store_n(&cs->RecursionCount, cs->RecursionCount + 1, __ATOMIC_RELAXED);
    return;
  }
  if (!try_lock(cs)) {
    const ULONG_PTR spins = __atomic_load_n(&cs->SpinCount, __ATOMIC_RELAXED);
    bool got = false;
    for (ULONG_PTR i = 0; i < spins && !got; ++i) {
      if (__atomic_load_n(&cs->LockCount, __ATOMIC_RELAXED) == cs_free) got = try_lock(cs);
    }
    if (!got) {
      // Sleep until the exchange finds the section free. The exchange marks it
      // contended, so the owner's Leave notifies the bucket; it does so under
      // the bucket's mutex, after which this thread either waits or sees free.
      wait_bucket& b = bucket_of(cs);
      std::unique_lock<std::mutex> lock(b.mutex);
      while (__atomic_exchange_n(&cs->LockCount, cs_contended, __ATOMIC_ACQUIRE) != cs_free)
        b.cv.wait(lock);
    }
  }
  became_owner(cs, self);
}

WPU_DECL BOOL wpu_try_enter_critical_section(LPCRITICAL_SECTION cs) {
  using namespace wpu::k32;
  const HANDLE self = this_thread_handle();
  if (owns(cs, self)) {
    __atomic_store_n(&cs->RecursionCount, cs->RecursionCount + 1, __ATOMIC_RELAXED);
    return TRUE;
  }
  if (!try_lock(cs)) return FALSE;
  became_owner(cs, self);
  return TRUE;
}

WPU_DECL void wpu_leave_critical_section(LPCRITICAL_SECTION cs) {
  using namespace wpu::k32;
  if (!owns(cs, this_thread_handle())) return;
  const LONG depth = cs->RecursionCount - 1;
  __atomic_store_n(&cs->RecursionCount, depth, __ATOMIC_RELAXED);
  if (depth > 0) return;
  __atomic_store_n(&cs->OwningThread, static_cast<HANDLE>(nullptr), __ATOMIC_RELAXED);
  if (__atomic_exchange_n(&cs->LockCount, cs_free, __ATOMIC_RELEASE) == cs_contended) {
    wait_bucket& b = bucket_of(cs);
    std::lock_guard<std::mutex> lock(b.mutex);
    b.cv.notify_all();  // the bucket is shared by other sections' waiters
  }
}

WPU_DECL void wpu_delete_critical_section(LPCRITICAL_SECTION cs) {
  if (cs == nullptr) return;
  cs->LockCount = wpu::k32::cs_free;
  cs->RecursionCount = 0;
  cs->OwningThread = nullptr;
  cs->LockSemaphore = nullptr;
}

WPU_DECL DWORD wpu_set_critical_section_spin_count(LPCRITICAL_SECTION cs, DWORD spin_count) {
  const ULONG_PTR old = __atomic_exchange_n(
      &cs->SpinCount, static_cast<ULONG_PTR>(spin_count & 0x00FFFFFFu), __ATOMIC_RELAXED);
  return static_cast<DWORD>(old);
}

// ---- TLS ----------------------------------------------------------------------------

WPU_DECL DWORD wpu_tls_alloc(void) {
  auto& st = wpu::k32::tls_indexes();
  std::lock_guard<std::mutex> lock(st.mutex);
  for (DWORD i = 0; i < wpu::k32::tls_slot_count; ++i) {
    if (!st.used[i]) {
      st.used[i] = true;
      st.generation[i].fetch_add(1, std::memory_order_acq_rel);  // every thread reads NULL
      return i;
    }
  }
  wpu::k32::set_error(ERROR_NO_MORE_ITEMS);
  return TLS_OUT_OF_INDEXES;
}

WPU_DECL LPVOID wpu_tls_get_value(DWORD index) {
  if (index >= wpu::k32::tls_slot_count) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  wpu::k32::set_error(ERROR_SUCCESS);
  const auto& values = wpu::k32::this_thread_tls();
  if (!values) return nullptr;
  const std::uint32_t gen =
      wpu::k32::tls_indexes().generation[index].load(std::memory_order_acquire);
  return values->generation[index] == gen ? values->value[index] : nullptr;
}

WPU_DECL BOOL wpu_tls_set_value(DWORD index, LPVOID value) {
  if (index >= wpu::k32::tls_slot_count) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  auto& values = wpu::k32::this_thread_tls();
  if (!values) {
    values.reset(new (std::nothrow) wpu::k32::tls_values());
    if (!values) {
      wpu::k32::set_error(ERROR_NOT_ENOUGH_MEMORY);
      return FALSE;
    }
  }
  values->value[index] = value;
  values->generation[index] =
      wpu::k32::tls_indexes().generation[index].load(std::memory_order_acquire);
  return TRUE;
}

WPU_DECL BOOL wpu_tls_free(DWORD index) {
  auto& st = wpu::k32::tls_indexes();
  std::lock_guard<std::mutex> lock(st.mutex);
  if (index >= wpu::k32::tls_slot_count || !st.used[index]) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  st.used[index] = false;
  st.generation[index].fetch_add(1, std::memory_order_acq_rel);  // forget every thread's value
  return TRUE;
}

}  // extern "C"

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_K32_SYNC_IPP
