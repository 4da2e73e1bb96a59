// wpu/impl/src.hpp - the whole compiled library. lib/wpu.cpp includes it;
// a project may instead compile it in one translation unit of its own.
#ifndef WPU_IMPL_SRC_HPP
#define WPU_IMPL_SRC_HPP

#define WPU_SOURCE 1
#include <wpu/config.hpp>

#if defined(WPU_HEADER_ONLY)
#  error "Do not compile wpu/impl/src.hpp when WPU_HEADER_ONLY is defined"
#endif  // defined(WPU_HEADER_ONLY)

#include <wpu/impl/handle_table.ipp>
#include <wpu/detail/impl/upcall_bindings.ipp>
#include <wpu/impl/catalog.ipp>
#include <wpu/impl/blocking_hook.ipp>
#include <wpu/detail/impl/common_upcalls.ipp>
#if defined(WPU_WINDOWS)
#  include <wpu/win32/impl/backend.ipp>
#else  // !defined(WPU_WINDOWS)
#  include <wpu/posix/impl/sync.ipp>
#  include <wpu/posix/impl/messages.ipp>
#  include <wpu/posix/impl/ports.ipp>
#  include <wpu/posix/impl/backend.ipp>
#endif  // defined(WPU_WINDOWS)
#include <wpu/impl/c_api.ipp>

#endif  // WPU_IMPL_SRC_HPP
