// wpu/config.hpp - compilation mode and platform switches.
//
// Mode: every translation unit that includes a C++ header of wpu defines
// exactly one of WPU_HEADER_ONLY (the whole library inline in the headers) and
// WPU_SEPARATE_COMPILATION (link the compiled library, which is built with it).
// There is no default: neither or both is an #error, because a silent choice
// would give a program two copies of the library's state. Meson's
// dependency('wpu') and the pkg-config Cflags carry the right one. The C
// headers (<wpu/ws2spi.h>, <wpu/winapi.h>, <wpu/wpu.h>) do not include this
// file and need no mode. Out-of-line functions are declared WPU_DECL: `inline`
// in header-only mode. The inline ABI namespace differs per mode.
#ifndef WPU_CONFIG_HPP
#define WPU_CONFIG_HPP

#if !defined(WPU_SEPARATE_COMPILATION) && !defined(WPU_HEADER_ONLY)
#  error "wpu: define WPU_HEADER_ONLY or WPU_SEPARATE_COMPILATION (dependency('wpu') does)"
#endif
#if defined(WPU_SEPARATE_COMPILATION) && defined(WPU_HEADER_ONLY)
#  error "wpu: WPU_HEADER_ONLY and WPU_SEPARATE_COMPILATION are both defined; define exactly one"
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

// Visibility (ELF). Header-only mode: wpu's namespace keeps default
// visibility under -fvisibility=hidden and -fvisibility-inlines-hidden, so the
// header-only code of a provider module binds to the host executable's copy
// of wpu's process-wide objects (README.md, "Modes";
// wpu/detail/process_objects.hpp checks it at run time). Compiled mode: the
// library is built with -fvisibility=hidden -fvisibility-inlines-hidden and
// exports only its API: the C functions (WPU_C_API, wpu/detail/ws2spi_decls.h)
// and the C++ classes and functions declared WPU_API below. The list of what
// libwpu exports is tests/abi/exported_symbols.txt (docs/packaging.md,
// "Exported symbols").
#if defined(__ELF__) && defined(WPU_HEADER_ONLY)
#  define WPU_VISIBLE __attribute__((visibility("default")))
#else  // !(defined(__ELF__) && defined(WPU_HEADER_ONLY))
#  define WPU_VISIBLE
#endif  // defined(__ELF__) && defined(WPU_HEADER_ONLY)

// The C++ API of the compiled library: classes and functions meant for users
// are declared WPU_API, which exports them from the shared libwpu (GCC and
// clang outside Windows, as WPU_C_API). Windows: the library is static,
// nothing to export.
#if defined(__GNUC__) && !defined(_WIN32)
#  define WPU_API __attribute__((visibility("default")))
#else  // !(defined(__GNUC__) && !defined(_WIN32))
#  define WPU_API
#endif  // defined(__GNUC__) && !defined(_WIN32)

#define WPU_NAMESPACE_BEGIN   \
  namespace wpu WPU_VISIBLE { \
  inline namespace WPU_ABI_NAMESPACE WPU_VISIBLE {
#define WPU_NAMESPACE_END \
  }                       \
  }

// Mixing modes in one link fails. Every header-only translation unit defines
// the variable below (an ordinary object); the compiled library defines it
// thread-local (ELF; wpu/impl/src.hpp) or once, strongly (PE), and every
// compiled-mode translation unit refers to it as thread-local (ELF). GNU ld
// and gold refuse a TLS reference or definition meeting a non-TLS definition
// ("wpu_error_mixed_header_only_and_compiled_modes: TLS reference in ...
// mismatches non-TLS definition in ..."); the PE linker refuses the second
// definition. lld does not check TLS types: there the run-time check of
// wpu/detail/process_objects.hpp reports the two copies instead.
#if defined(WPU_HEADER_ONLY)
extern "C" {
#  if defined(__GNUC__)
__attribute__((used))
#  endif  // defined(__GNUC__)
inline char wpu_error_mixed_header_only_and_compiled_modes = 0;
}
#elif defined(__ELF__) && !defined(WPU_SOURCE)
#  if defined(__arm__)
__asm__(
    ".globl wpu_error_mixed_header_only_and_compiled_modes\n\t"
    ".type wpu_error_mixed_header_only_and_compiled_modes, %tls_object");
#  else   // !defined(__arm__)
__asm__(
    ".globl wpu_error_mixed_header_only_and_compiled_modes\n\t"
    ".type wpu_error_mixed_header_only_and_compiled_modes, @tls_object");
#  endif  // defined(__arm__)
#endif    // defined(WPU_HEADER_ONLY)

#endif  // WPU_CONFIG_HPP
