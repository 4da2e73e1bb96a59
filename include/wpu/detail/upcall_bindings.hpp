// wpu/detail/upcall_bindings.hpp - which backend object each C upcall table
// reaches (the registry behind wpu::make_upcall_table).
//
// The C WSPUPCALLTABLE has no user pointer, so two tables reach two backends
// only through two sets of function pointers. upcall_table.hpp instantiates
// `slots` thunk sets per backend type (plus one that is never bound); each
// set reads its backend from its own cell of the type's pool. A binding ties
// one backend object to one cell, for the object's lifetime: binding the same
// object again gives the same cell, and wpu::upcalls' destructor clears every
// cell of the object (in every type's pool), after which that set fails
// cleanly. A cleared cell is bound again only when no never-used cell is
// left, and then the one cleared longest ago.
//
// Threads: bind() and unbind() may be called from any thread; they take one
// process-wide mutex. The thunks read a cell lock-free (one acquire load).
#ifndef WPU_DETAIL_UPCALL_BINDINGS_HPP
#define WPU_DETAIL_UPCALL_BINDINGS_HPP

#include <wpu/config.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>

WPU_NAMESPACE_BEGIN
namespace detail {

class WPU_API upcall_bindings {
 public:
  /// Thunk sets per backend type. 64: a process runs one backend per catalog
  /// or provider under test, and a test harness that makes a backend per
  /// test case reuses cells as its backends die; 64 sets of 16 thunks keep
  /// the code each backend type instantiates small (65 x 16 functions).
  static constexpr std::size_t slots = 64;

  /// The bindings of one backend type. Static storage only (zero-initialised
  /// before any code runs); the members are the registry's.
  struct pool {
    std::atomic<void*> cells[slots + 1];  // the backends; cells[slots] is never set
    const void* owners[slots];            // the bound objects (as wpu::upcalls*), under the mutex
    std::uint64_t cleared_at[slots];      // 0: never bound; else when the cell was cleared
    pool* next;                           // the registry's list of pools that ever bound
    bool listed;
  };

  /// Binds `owner` (the object as a wpu::upcalls*) to a cell of `p` whose
  /// thunks then call `self` (the same object as the pool's backend type).
  /// Returns the cell: the one `owner` already has in `p`, else a free one;
  /// `slots` when all are taken (the never-bound set). Any thread.
  WPU_DECL static std::size_t bind(pool& p, const void* owner, void* self) noexcept;

  /// Clears every cell bound to `owner`, in every pool. Any thread; called
  /// by wpu::upcalls' destructor, so no call through the object's tables may
  /// be running or start concurrently (the caller's contract).
  WPU_DECL static void unbind(const void* owner) noexcept;
};

/// The pool of one backend type.
template <class Backend>
struct upcall_pool {
  static inline upcall_bindings::pool pool;
};

}  // namespace detail
WPU_NAMESPACE_END

#endif  // WPU_DETAIL_UPCALL_BINDINGS_HPP
