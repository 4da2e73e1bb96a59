// wpu/impl/blocking_hook.ipp
#ifndef WPU_IMPL_BLOCKING_HOOK_IPP
#define WPU_IMPL_BLOCKING_HOOK_IPP

#include <wpu/blocking_hook.hpp>

WPU_NAMESPACE_BEGIN

WPU_DECL blocking_hook& this_thread_blocking_hook() noexcept {
  static thread_local blocking_hook hook;
  return hook;
}

WPU_NAMESPACE_END

#endif  // WPU_IMPL_BLOCKING_HOOK_IPP
