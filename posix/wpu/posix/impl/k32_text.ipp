// wpu/posix/impl/k32_text.ipp - UTF-8 <-> UTF-16 conversion for the thin
// kernel32 subset on POSIX (the helpers the other k32_*.ipp files use) and
// MultiByteToWideChar / WideCharToMultiByte. docs/kernel32.md, "Code pages".
//
// Every function may be called from any thread; none keeps state.
#ifndef WPU_POSIX_IMPL_K32_TEXT_IPP
#define WPU_POSIX_IMPL_K32_TEXT_IPP

#include <wpu/posix/k32.hpp>

#if defined(WPU_POSIX)

#  include <algorithm>
#  include <climits>
#  include <cstddef>
#  include <cstdint>
#  include <cstring>
#  include <new>
#  include <string>

WPU_NAMESPACE_BEGIN
namespace k32 {

// ---- UTF-8 <-> UTF-16 ------------------------------------------------------

// Decodes UTF-8 into UTF-16. Each maximal ill-formed subpart (Unicode's
// definition) becomes one U+FFFD, or, when `strict`, stops the decoding:
// returns false. NUL bytes are ordinary characters.
inline bool utf8_to_utf16(const unsigned char* s, std::size_t n, bool strict, std::u16string& out) {
  std::size_t i = 0;
  while (i < n) {
    const unsigned b0 = s[i];
    if (b0 < 0x80) {
      out.push_back(static_cast<char16_t>(b0));
      ++i;
      continue;
    }
    std::size_t need = 0;
    unsigned lo = 0x80, hi = 0xBF;
    char32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      need = 1;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      need = 2;
      cp = b0 & 0x0F;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;  // no UTF-16 surrogates in UTF-8
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      need = 3;
      cp = b0 & 0x07;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    }
    std::size_t j = 1;
    if (need != 0) {
      for (; j <= need; ++j) {
        if (i + j >= n) break;
        const unsigned b = s[i + j];
        const unsigned l = j == 1 ? lo : 0x80, h = j == 1 ? hi : 0xBF;
        if (b < l || b > h) break;
        cp = (cp << 6) | (b & 0x3F);
      }
    }
    if (need == 0 || j <= need) {  // ill-formed: b0 and the j-1 valid bytes after it
      if (strict) return false;
      out.push_back(u'\xFFFD');
      i += j;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += need + 1;
  }
  return true;
}

// Encodes UTF-16 as UTF-8; a lone surrogate becomes U+FFFD or, when
// `strict`, stops the encoding: returns false.
inline bool utf16_to_utf8(const char16_t* s, std::size_t n, bool strict, std::string& out) {
  for (std::size_t i = 0; i < n; ++i) {
    char32_t cp = s[i];
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      if (cp <= 0xDBFF && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (s[i + 1] - 0xDC00);
        ++i;
      } else {
        if (strict) return false;
        cp = 0xFFFD;
      }
    }
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return true;
}

inline std::size_t wlen(const WCHAR* s) noexcept {
  std::size_t n = 0;
  while (s[n] != 0) ++n;
  return n;
}

// A NUL-terminated UTF-16 string as UTF-8 (lone surrogates as U+FFFD).
inline std::string narrow(const WCHAR* s) {
  std::string out;
  utf16_to_utf8(s, wlen(s), false, out);
  return out;
}

}  // namespace k32
WPU_NAMESPACE_END

extern "C" {

// ---- Code pages ----------------------------------------------------------------------

WPU_DECL int wpu_multi_byte_to_wide_char(UINT code_page, DWORD flags, LPCCH multi_byte,
                                         int cb_multi_byte, LPWSTR wide_char, int cch_wide_char) {
  using wpu::k32::set_error;
  const bool acp = code_page == CP_ACP || code_page == CP_OEMCP || code_page == CP_THREAD_ACP;
  if (!acp && code_page != CP_UTF8) {
    set_error(ERROR_INVALID_PARAMETER);
    return 0;
  }
  if (multi_byte == nullptr || cb_multi_byte == 0 || cch_wide_char < 0 ||
      (cch_wide_char > 0 && wide_char == nullptr)) {
    set_error(ERROR_INVALID_PARAMETER);
    return 0;
  }
  const DWORD allowed =
      acp ? MB_PRECOMPOSED | MB_COMPOSITE | MB_USEGLYPHCHARS | MB_ERR_INVALID_CHARS
          : MB_ERR_INVALID_CHARS;
  if ((flags & ~allowed) != 0 ||
      (flags & (MB_PRECOMPOSED | MB_COMPOSITE)) == (MB_PRECOMPOSED | MB_COMPOSITE)) {
    set_error(ERROR_INVALID_FLAGS);
    return 0;
  }
  const std::size_t n =
      cb_multi_byte < 0 ? std::strlen(multi_byte) + 1 : static_cast<std::size_t>(cb_multi_byte);
  if (cch_wide_char > 0) {
    const auto in = reinterpret_cast<std::uintptr_t>(multi_byte);
    const auto out = reinterpret_cast<std::uintptr_t>(wide_char);
    if (in < out + static_cast<std::size_t>(cch_wide_char) * sizeof(WCHAR) && out < in + n) {
      set_error(ERROR_INVALID_PARAMETER);
      return 0;
    }
  }
  try {
    std::u16string w;
    if (!wpu::k32::utf8_to_utf16(reinterpret_cast<const unsigned char*>(multi_byte), n,
                                 (flags & MB_ERR_INVALID_CHARS) != 0, w)) {
      set_error(ERROR_NO_UNICODE_TRANSLATION);
      return 0;
    }
    if (w.size() > static_cast<std::size_t>(INT_MAX)) {
      set_error(ERROR_INVALID_PARAMETER);
      return 0;
    }
    if (cch_wide_char == 0) return static_cast<int>(w.size());
    const std::size_t fit = std::min(w.size(), static_cast<std::size_t>(cch_wide_char));
    std::memcpy(wide_char, w.data(), fit * sizeof(WCHAR));
    if (fit < w.size()) {
      set_error(ERROR_INSUFFICIENT_BUFFER);
      return 0;
    }
    return static_cast<int>(w.size());
  } catch (const std::bad_alloc&) {
    set_error(ERROR_NOT_ENOUGH_MEMORY);
    return 0;
  }
}

WPU_DECL int wpu_wide_char_to_multi_byte(UINT code_page, DWORD flags, LPCWCH wide_char,
                                         int cch_wide_char, LPSTR multi_byte, int cb_multi_byte,
                                         LPCCH default_char, LPBOOL used_default_char) {
  using wpu::k32::set_error;
  const bool acp = code_page == CP_ACP || code_page == CP_OEMCP || code_page == CP_THREAD_ACP;
  if (!acp && code_page != CP_UTF8) {
    set_error(ERROR_INVALID_PARAMETER);
    return 0;
  }
  if (wide_char == nullptr || cch_wide_char == 0 || cb_multi_byte < 0 ||
      (cb_multi_byte > 0 && multi_byte == nullptr) ||
      (!acp && (default_char != nullptr || used_default_char != nullptr))) {
    set_error(ERROR_INVALID_PARAMETER);
    return 0;
  }
  const DWORD allowed = acp ? WC_COMPOSITECHECK | WC_DISCARDNS | WC_SEPCHARS | WC_DEFAULTCHAR |
                                  WC_ERR_INVALID_CHARS | WC_NO_BEST_FIT_CHARS
                            : WC_ERR_INVALID_CHARS;
  if ((flags & ~allowed) != 0) {
    set_error(ERROR_INVALID_FLAGS);
    return 0;
  }
  const std::size_t n =
      cch_wide_char < 0 ? wpu::k32::wlen(wide_char) + 1 : static_cast<std::size_t>(cch_wide_char);
  if (cb_multi_byte > 0) {
    const auto in = reinterpret_cast<std::uintptr_t>(wide_char);
    const auto out = reinterpret_cast<std::uintptr_t>(multi_byte);
    if (in < out + static_cast<std::size_t>(cb_multi_byte) && out < in + n * sizeof(WCHAR)) {
      set_error(ERROR_INVALID_PARAMETER);
      return 0;
    }
  }
  if (used_default_char != nullptr) *used_default_char = FALSE;
  try {
    std::string s;
    if (!wpu::k32::utf16_to_utf8(wide_char, n, (flags & WC_ERR_INVALID_CHARS) != 0, s)) {
      set_error(ERROR_NO_UNICODE_TRANSLATION);
      return 0;
    }
    if (s.size() > static_cast<std::size_t>(INT_MAX)) {
      set_error(ERROR_INVALID_PARAMETER);
      return 0;
    }
    if (cb_multi_byte == 0) return static_cast<int>(s.size());
    const std::size_t fit = std::min(s.size(), static_cast<std::size_t>(cb_multi_byte));
    std::memcpy(multi_byte, s.data(), fit);
    if (fit < s.size()) {
      set_error(ERROR_INSUFFICIENT_BUFFER);
      return 0;
    }
    return static_cast<int>(s.size());
  } catch (const std::bad_alloc&) {
    set_error(ERROR_NOT_ENOUGH_MEMORY);
    return 0;
  }
}

}  // extern "C"

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_K32_TEXT_IPP
