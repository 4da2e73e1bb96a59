// wpu/posix/impl/k32_lstr.ipp - lstrlen, lstrcpy(n), lstrcat, lstrcmp(i) for
// the thin kernel32 subset on POSIX. docs/kernel32.md.
//
// Every function may be called from any thread; none keeps state.
#ifndef WPU_POSIX_IMPL_K32_LSTR_IPP
#define WPU_POSIX_IMPL_K32_LSTR_IPP

#include <wpu/posix/k32.hpp>

#if defined(WPU_POSIX)

#  include <wpu/posix/impl/k32_text.ipp>

#  include <cstddef>
#  include <cstdint>
#  include <cstring>
#  include <type_traits>

WPU_NAMESPACE_BEGIN
namespace k32 {

// ---- lstrcmp ------------------------------------------------------------------

inline char32_t fold(char32_t c) noexcept {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

// The primary weight: (class, folded character) with classes punctuation <
// digits < letters (ASCII) < everything else.
inline std::uint64_t primary(char32_t c) noexcept {
  const char32_t f = fold(c);
  unsigned cls;
  if (f >= 'a' && f <= 'z')
    cls = 2;
  else if (f >= '0' && f <= '9')
    cls = 1;
  else if (f < 0x80)
    cls = 0;
  else
    cls = 3;
  return (static_cast<std::uint64_t>(cls) << 32) | f;
}

template <class CH>
int compare(const CH* a, const CH* b, bool ignore_case) noexcept {
  if (a == nullptr || b == nullptr) return a == b ? 0 : a == nullptr ? -1 : 1;
  using U = std::conditional_t<sizeof(CH) == 1, unsigned char, char16_t>;
  std::size_t i = 0;
  for (;; ++i) {
    const char32_t ca = static_cast<U>(a[i]), cb = static_cast<U>(b[i]);
    if (ca == 0 || cb == 0) {
      if (ca != cb) return ca == 0 ? -1 : 1;
      break;
    }
    const std::uint64_t pa = primary(ca), pb = primary(cb);
    if (pa != pb) return pa < pb ? -1 : 1;
  }
  if (ignore_case) return 0;
  for (std::size_t j = 0; j < i; ++j) {  // same letters: lowercase before uppercase
    const char32_t ca = static_cast<U>(a[j]), cb = static_cast<U>(b[j]);
    if (ca != cb) return ca > cb ? -1 : 1;  // the uppercase letter has the lower code
  }
  return 0;
}

}  // namespace k32
WPU_NAMESPACE_END

extern "C" {

// ---- lstr* --------------------------------------------------------------------------

WPU_DECL int wpu_lstrlen_a(LPCSTR s) {
  return s == nullptr ? 0 : static_cast<int>(std::strlen(s));
}

WPU_DECL int wpu_lstrlen_w(LPCWSTR s) {
  return s == nullptr ? 0 : static_cast<int>(wpu::k32::wlen(s));
}

WPU_DECL LPSTR wpu_lstrcpy_a(LPSTR dst, LPCSTR src) {
  if (dst == nullptr || src == nullptr) return nullptr;
  std::memmove(dst, src, std::strlen(src) + 1);
  return dst;
}

WPU_DECL LPWSTR wpu_lstrcpy_w(LPWSTR dst, LPCWSTR src) {
  if (dst == nullptr || src == nullptr) return nullptr;
  std::memmove(dst, src, (wpu::k32::wlen(src) + 1) * sizeof(WCHAR));
  return dst;
}

WPU_DECL LPSTR wpu_lstrcpyn_a(LPSTR dst, LPCSTR src, int n) {
  if (dst == nullptr || src == nullptr) return nullptr;
  int i = 0;
  for (; i + 1 < n && src[i] != 0; ++i) dst[i] = src[i];
  if (n > 0) dst[i] = 0;
  return dst;
}

WPU_DECL LPWSTR wpu_lstrcpyn_w(LPWSTR dst, LPCWSTR src, int n) {
  if (dst == nullptr || src == nullptr) return nullptr;
  int i = 0;
  for (; i + 1 < n && src[i] != 0; ++i) dst[i] = src[i];
  if (n > 0) dst[i] = 0;
  return dst;
}

WPU_DECL LPSTR wpu_lstrcat_a(LPSTR dst, LPCSTR src) {
  if (dst == nullptr || src == nullptr) return nullptr;
  std::memmove(dst + std::strlen(dst), src, std::strlen(src) + 1);
  return dst;
}

WPU_DECL LPWSTR wpu_lstrcat_w(LPWSTR dst, LPCWSTR src) {
  if (dst == nullptr || src == nullptr) return nullptr;
  std::memmove(dst + wpu::k32::wlen(dst), src, (wpu::k32::wlen(src) + 1) * sizeof(WCHAR));
  return dst;
}

WPU_DECL int wpu_lstrcmp_a(LPCSTR a, LPCSTR b) {
  return wpu::k32::compare(a, b, false);
}

WPU_DECL int wpu_lstrcmp_w(LPCWSTR a, LPCWSTR b) {
  return wpu::k32::compare(a, b, false);
}

WPU_DECL int wpu_lstrcmpi_a(LPCSTR a, LPCSTR b) {
  return wpu::k32::compare(a, b, true);
}

WPU_DECL int wpu_lstrcmpi_w(LPCWSTR a, LPCWSTR b) {
  return wpu::k32::compare(a, b, true);
}

}  // extern "C"

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_K32_LSTR_IPP
