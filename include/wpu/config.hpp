// wpu/config.hpp - compilation mode and platform switches.
//
// Mode: header-only unless WPU_SEPARATE_COMPILATION is defined (the compiled
// library and everything that links it define it; Meson's dependency('wpu')
// carries the flag). Out-of-line functions are declared WPU_DECL: `inline` in
// header-only mode. The inline ABI namespace differs per mode, so mixing modes
// in one program fails at link time instead of misbehaving.
#ifndef WPU_CONFIG_HPP
#define WPU_CONFIG_HPP

#if !defined(WPU_SEPARATE_COMPILATION) && !defined(WPU_HEADER_ONLY)
#  define WPU_HEADER_ONLY 1
#endif

#if defined(WPU_HEADER_ONLY) && defined(WPU_SOURCE)
#  error "wpu/impl/src.hpp is the compiled library; it cannot be built with WPU_HEADER_ONLY"
#endif

#if defined(WPU_HEADER_ONLY)
#  define WPU_DECL inline
#  define WPU_ABI_NAMESPACE v1_header_only
#else  // !defined(WPU_HEADER_ONLY)
#  define WPU_DECL
#  define WPU_ABI_NAMESPACE v1
#endif  // defined(WPU_HEADER_ONLY)

#if defined(_WIN32)
#  define WPU_WINDOWS 1
#else  // !defined(_WIN32)
#  define WPU_POSIX 1
#endif  // defined(_WIN32)

#define WPU_NAMESPACE_BEGIN \
  namespace wpu {           \
  inline namespace WPU_ABI_NAMESPACE {
#define WPU_NAMESPACE_END \
  }                       \
  }

#endif  // WPU_CONFIG_HPP
