// wpu/wpu.hpp - everything: the core, the native backend, the C API.
#ifndef WPU_WPU_HPP
#define WPU_WPU_HPP

#include <wpu/config.hpp>
#include <wpu/blocking_hook.hpp>
#include <wpu/catalog.hpp>
#include <wpu/handle_table.hpp>
#include <wpu/upcall_table.hpp>
#include <wpu/upcalls.hpp>
#include <wpu/wpu.h>
#include <wpu/trace.hpp>

// The one backend #if chain.
#if defined(WPU_WINDOWS)
#  include <wpu/win32/backend.hpp>
WPU_NAMESPACE_BEGIN
using native_backend = win32::backend;
WPU_NAMESPACE_END
#else  // !defined(WPU_WINDOWS)
#  include <wpu/errno_map.hpp>
#  include <wpu/posix/backend.hpp>
WPU_NAMESPACE_BEGIN
using native_backend = posix::backend;
WPU_NAMESPACE_END
#endif  // defined(WPU_WINDOWS)

WPU_NAMESPACE_BEGIN

/// The process's backend over the process catalog; created on first use,
/// never destroyed. Any thread.
WPU_API WPU_DECL native_backend& default_backend() noexcept;

WPU_NAMESPACE_END

#if defined(WPU_HEADER_ONLY)
#  include <wpu/impl/c_api.ipp>
#  if defined(WPU_POSIX)
#    include <wpu/posix/impl/client_events.ipp>
#    include <wpu/posix/impl/client_windows.ipp>
#    include <wpu/posix/impl/client_ports.ipp>
#    include <wpu/posix/impl/client_objects.ipp>
#  endif  // defined(WPU_POSIX)
#  include <wpu/impl/trace.ipp>
#  if defined(WPU_POSIX)
#    include <wpu/posix/impl/k32_text.ipp>
#    include <wpu/posix/impl/k32_lstr.ipp>
#    include <wpu/posix/impl/k32_strsafe.ipp>
#    include <wpu/posix/impl/k32_sync.ipp>
#    include <wpu/posix/impl/k32_heap.ipp>
#    include <wpu/posix/impl/k32_system.ipp>
#    include <wpu/posix/impl/k32_modules.ipp>
#    include <wpu/posix/impl/k32_module_names.ipp>
#  endif  // defined(WPU_POSIX)
#endif    // defined(WPU_HEADER_ONLY)

#endif  // WPU_WPU_HPP
