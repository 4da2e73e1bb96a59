// wpu/blocking_hook.hpp - per-thread blocking hooks (WPUQueryBlockingCallback).
//
// Winsock 2 applications have no WSASetBlockingHook, so on Windows the
// callback a provider gets is normally NULL. wpu keeps one optional hook per
// thread, set by the host or by a test; WPUQueryBlockingCallback returns the
// calling thread's hook for any valid catalog id.
//
// Threads: the hook belongs to the calling thread; it is set and read on that
// thread only.
#ifndef WPU_BLOCKING_HOOK_HPP
#define WPU_BLOCKING_HOOK_HPP

#include <wpu/config.hpp>
#include <wpu/detail/ws2spi_decls.h>

WPU_NAMESPACE_BEGIN

struct blocking_hook {
  LPBLOCKINGCALLBACK callback = nullptr;  // NULL: no hook, block natively
  DWORD_PTR context = 0;
};

/// The calling thread's hook.
WPU_API WPU_DECL blocking_hook& this_thread_blocking_hook() noexcept;

WPU_NAMESPACE_END

#if defined(WPU_HEADER_ONLY)
#  include <wpu/impl/blocking_hook.ipp>
#endif  // defined(WPU_HEADER_ONLY)

#endif  // WPU_BLOCKING_HOOK_HPP
