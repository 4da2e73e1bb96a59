// wpu/impl/src.hpp - the whole compiled library. lib/wpu.cpp includes it;
// a project may instead compile it in one translation unit of its own.
#ifndef WPU_IMPL_SRC_HPP
#define WPU_IMPL_SRC_HPP

#define WPU_SOURCE 1
#if !defined(WPU_SEPARATE_COMPILATION) && !defined(WPU_HEADER_ONLY)
#  define WPU_SEPARATE_COMPILATION 1  // this file is the compiled library
#endif
#include <wpu/config.hpp>

#if defined(WPU_HEADER_ONLY)
#  error "Do not compile wpu/impl/src.hpp when WPU_HEADER_ONLY is defined"
#endif  // defined(WPU_HEADER_ONLY)

// The compiled library's half of the mixed-mode link check (wpu/config.hpp):
// thread-local on ELF, so a header-only translation unit's ordinary
// definition in the same link is a TLS mismatch; on PE a strong definition,
// which a header-only translation unit's COMDAT one duplicates. Exported
// (the library is built -fvisibility=hidden), so the reference of every
// compiled-mode translation unit binds to it.
extern "C" {
#if defined(__ELF__)
__attribute__((visibility("default"))) thread_local
#endif  // defined(__ELF__)
    char wpu_error_mixed_header_only_and_compiled_modes = 0;
}

#include <wpu/detail/impl/process_objects.ipp>
#include <wpu/impl/handle_table.ipp>
#include <wpu/detail/impl/upcall_bindings.ipp>
#include <wpu/impl/catalog.ipp>
#include <wpu/impl/blocking_hook.ipp>
#include <wpu/detail/impl/common_upcalls.ipp>
#if defined(WPU_WINDOWS)
#  include <wpu/win32/impl/backend.ipp>
#else  // !defined(WPU_WINDOWS)
#  include <wpu/posix/impl/platform.ipp>
#  include <wpu/posix/impl/sync.ipp>
#  include <wpu/posix/impl/messages.ipp>
#  include <wpu/posix/impl/ports.ipp>
#  include <wpu/posix/impl/backend.ipp>
#endif  // defined(WPU_WINDOWS)
#include <wpu/impl/c_api.ipp>
// The POSIX client functions of <wpu/winapi.h>, next to their backend.
#if defined(WPU_POSIX)
#  include <wpu/posix/impl/client_events.ipp>
#  include <wpu/posix/impl/client_windows.ipp>
#  include <wpu/posix/impl/client_ports.ipp>
#  include <wpu/posix/impl/client_objects.ipp>
#endif  // defined(WPU_POSIX)
#include <wpu/impl/trace.ipp>
// The thin kernel32 subset on POSIX (docs/kernel32.md).
#if defined(WPU_POSIX)
#  include <wpu/posix/impl/k32_text.ipp>
#  include <wpu/posix/impl/k32_lstr.ipp>
#  include <wpu/posix/impl/k32_strsafe.ipp>
#  include <wpu/posix/impl/k32_sync.ipp>
#  include <wpu/posix/impl/k32_heap.ipp>
#  include <wpu/posix/impl/k32_system.ipp>
#  include <wpu/posix/impl/k32_modules.ipp>
#  include <wpu/posix/impl/k32_module_names.ipp>
#endif  // defined(WPU_POSIX)
#include <wpu/impl/host.ipp>
#include <wpu/impl/host_c_api.ipp>
#include <wpu/impl/leaks.ipp>

#endif  // WPU_IMPL_SRC_HPP
