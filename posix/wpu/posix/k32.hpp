// wpu/posix/k32.hpp - what the POSIX implementation of <wpu/kernel32.h>
// (posix/wpu/posix/impl/k32_*.ipp, one file per area) shares: the
// declarations it implements and the calling thread's last error. Internal:
// included by those files only. docs/kernel32.md.
//
// Each area keeps its own process-wide state (the critical sections' wait
// buckets and the TLS indexes in k32_sync.ipp, the heaps in k32_heap.ipp, the
// module references in k32_modules.ipp, the debug output lock in
// k32_module_names.ipp): one object per copy of wpu, created on first use and
// never destroyed, so threads still running at exit can use it.
#ifndef WPU_POSIX_K32_HPP
#define WPU_POSIX_K32_HPP

#include <wpu/wpu.hpp>

#if defined(WPU_POSIX)

#  include <wpu/detail/kernel32_decls.h>
#  include <wpu/detail/strsafe_decls.h>

WPU_NAMESPACE_BEGIN
namespace k32 {

/// Sets the calling thread's last error (GetLastError).
inline void set_error(DWORD error) noexcept {
  posix::last_error() = error;
}

}  // namespace k32
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_K32_HPP
