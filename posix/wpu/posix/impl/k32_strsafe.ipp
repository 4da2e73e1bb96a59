// wpu/posix/impl/k32_strsafe.ipp - the formatting workers behind
// StringCchPrintf/StringCbPrintf and their V forms (<wpu/detail/strsafe_decls.h>)
// on POSIX: Windows' printf conventions for both character types.
// docs/kernel32.md.
//
// Every function may be called from any thread; none keeps state.
#ifndef WPU_POSIX_IMPL_K32_STRSAFE_IPP
#define WPU_POSIX_IMPL_K32_STRSAFE_IPP

#include <wpu/posix/k32.hpp>

#if defined(WPU_POSIX)

#  include <wpu/posix/impl/k32_text.ipp>

#  include <algorithm>
#  include <cstdarg>
#  include <cstddef>
#  include <cstdint>
#  include <cstdio>
#  include <cstring>
#  include <new>
#  include <string>

WPU_NAMESPACE_BEGIN
namespace k32 {

// ---- strsafe formatting --------------------------------------------------------
// Windows' printf conventions for both character types: see strsafe_decls.h.

template <class CH>
void append_ascii(std::basic_string<CH>& out, const char* s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(static_cast<CH>(static_cast<unsigned char>(s[i])));
}

template <class CH>
void append_padded(std::basic_string<CH>& out, const std::basic_string<CH>& body, int width,
                   bool left, bool zero) {
  const std::size_t w = width > 0 ? static_cast<std::size_t>(width) : 0;
  if (!left && body.size() < w) out.append(w - body.size(), static_cast<CH>(zero ? '0' : ' '));
  out += body;
  if (left && body.size() < w) out.append(w - body.size(), static_cast<CH>(' '));
}

// Formats `format` into `out`. False for %n or an unknown conversion.
template <class CH>
bool format(std::basic_string<CH>& out, const CH* fmt, va_list args) {
  const bool wide = sizeof(CH) == 2;
  for (const CH* p = fmt; *p != 0;) {
    if (*p != '%') {
      out.push_back(*p++);
      continue;
    }
    ++p;
    if (*p == '%') {
      out.push_back(*p++);
      continue;
    }
    std::string flags;
    bool left = false, zero = false;
    while (*p == '-' || *p == '+' || *p == ' ' || *p == '#' || *p == '0') {
      if (*p == '-') left = true;
      if (*p == '0') zero = true;
      flags.push_back(static_cast<char>(*p++));
    }
    int width = 0;
    if (*p == '*') {
      width = va_arg(args, int);
      if (width < 0) {
        left = true;
        flags.push_back('-');
        width = -width;
      }
      ++p;
    } else {
      while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
    }
    int precision = -1;
    if (*p == '.') {
      ++p;
      precision = 0;
      if (*p == '*') {
        precision = va_arg(args, int);
        ++p;
      } else {
        while (*p >= '0' && *p <= '9') precision = precision * 10 + (*p++ - '0');
      }
    }
    // Length: 0 int, 1 char, 2 short, 8 64-bit, 'p' pointer-sized; 'L' long double;
    // narrow/wide for strings and characters.
    int size = 0;
    bool long_double = false;
    int text = 0;  // 0: this type's default, 1: narrow, 2: wide
    for (bool more = true; more;) {
      switch (*p) {
        case 'h':
          ++p;
          if (*p == 'h') {
            ++p;
            size = 1;
          } else {
            size = 2;
          }
          text = 1;
          break;
        case 'l':
          ++p;
          if (*p == 'l') {
            ++p;
            size = 8;
          } else {
            size = 0;  // long is 32-bit, as on Windows
            text = 2;
          }
          break;
        case 'w':
          ++p;
          text = 2;
          break;
        case 'L':
          ++p;
          long_double = true;
          break;
        case 'I':
          ++p;
          if (p[0] == '6' && p[1] == '4') {
            p += 2;
            size = 8;
          } else if (p[0] == '3' && p[1] == '2') {
            p += 2;
            size = 0;
          } else {
            size = 'p';
          }
          break;
        case 'z':
        case 't':
        case 'j':
          ++p;
          size = 'p';
          break;
        default:
          more = false;
      }
    }
    const CH conv = *p;
    if (conv == 0) return false;
    ++p;
    std::string spec = "%" + flags;
    if (width > 0) spec += std::to_string(width);
    if (precision >= 0) spec += "." + std::to_string(precision);
    char buf[512];
    switch (conv) {
      case 'd':
      case 'i':
      case 'u':
      case 'o':
      case 'x':
      case 'X': {
        const bool is_signed = conv == 'd' || conv == 'i';
        long long sv = 0;
        unsigned long long uv = 0;
        if (size == 8 || size == 'p') {
          sv = va_arg(args, long long);
          uv = static_cast<unsigned long long>(sv);
        } else {
          const int v = va_arg(args, int);
          if (size == 1) {
            sv = static_cast<signed char>(v);
            uv = static_cast<unsigned char>(v);
          } else if (size == 2) {
            sv = static_cast<short>(v);
            uv = static_cast<unsigned short>(v);
          } else {
            sv = v;
            uv = static_cast<unsigned int>(v);
          }
        }
        spec += "ll";
        spec.push_back(static_cast<char>(conv));
        const int n = is_signed ? std::snprintf(buf, sizeof buf, spec.c_str(), sv)
                                : std::snprintf(buf, sizeof buf, spec.c_str(), uv);
        if (n < 0) return false;
        append_ascii(out, buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
      case 'a':
      case 'A': {
        int n;
        if (long_double) {
          spec += "L";
          spec.push_back(static_cast<char>(conv));
          n = std::snprintf(buf, sizeof buf, spec.c_str(), va_arg(args, long double));
        } else {
          spec.push_back(static_cast<char>(conv));
          n = std::snprintf(buf, sizeof buf, spec.c_str(), va_arg(args, double));
        }
        if (n < 0) return false;
        append_ascii(out, buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
        break;
      }
      case 'p': {
        const auto v = reinterpret_cast<std::uintptr_t>(va_arg(args, void*));
        const int n = std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(v));
        std::basic_string<CH> body;
        append_ascii(body, buf, static_cast<std::size_t>(n));
        append_padded(out, body, width, left, false);
        break;
      }
      case 'c':
      case 'C': {
        // c: this type's character; C: the other one; h/l/w override.
        bool narrow_arg = conv == 'c' ? !wide : wide;
        if (text != 0) narrow_arg = text == 1;
        const int v = va_arg(args, int);
        std::basic_string<CH> body;
        if (narrow_arg == !wide) {
          body.push_back(static_cast<CH>(wide ? (v & 0xFFFF) : (v & 0xFF)));
        } else if (wide) {  // a narrow character in a wide string
          body.push_back(static_cast<CH>(static_cast<unsigned char>(v)));
        } else {  // a WCHAR in a narrow string: UTF-8
          std::string s;
          const char16_t c = static_cast<char16_t>(v);
          utf16_to_utf8(&c, 1, false, s);
          for (char ch : s) body.push_back(static_cast<CH>(ch));
        }
        append_padded(out, body, width, left, zero && !left);
        break;
      }
      case 's':
      case 'S': {
        bool narrow_arg = conv == 's' ? !wide : wide;
        if (text != 0) narrow_arg = text == 1;
        std::basic_string<CH> body;
        if (narrow_arg) {
          const char* s = va_arg(args, const char*);
          if (s == nullptr) s = "(null)";
          std::size_t n = std::strlen(s);
          if (!wide && precision >= 0)
            n = std::min<std::size_t>(n, static_cast<std::size_t>(precision));
          if (wide) {
            std::u16string w;
            utf8_to_utf16(reinterpret_cast<const unsigned char*>(s), n, false, w);
            if (precision >= 0 && w.size() > static_cast<std::size_t>(precision))
              w.resize(static_cast<std::size_t>(precision));
            body.assign(w.begin(), w.end());
          } else {
            body.assign(s, s + n);
          }
        } else {
          const WCHAR* s = va_arg(args, const WCHAR*);
          static const WCHAR null_text[] = {'(', 'n', 'u', 'l', 'l', ')', 0};
          if (s == nullptr) s = null_text;
          std::size_t n = wlen(s);
          if (wide && precision >= 0)
            n = std::min<std::size_t>(n, static_cast<std::size_t>(precision));
          if (wide) {
            body.assign(s, s + n);
          } else {
            std::string u;
            utf16_to_utf8(s, n, false, u);
            if (precision >= 0 && u.size() > static_cast<std::size_t>(precision))
              u.resize(static_cast<std::size_t>(precision));
            body.assign(u.begin(), u.end());
          }
        }
        append_padded(out, body, width, left, zero && !left);
        break;
      }
      default:  // %n (disabled on Windows too) or an unknown conversion
        return false;
    }
  }
  return true;
}

template <class CH>
HRESULT vprintf_into(CH* dest, std::size_t cch, const CH* fmt, va_list args) {
  if (dest == nullptr || cch == 0 || cch > static_cast<std::size_t>(STRSAFE_MAX_CCH))
    return STRSAFE_E_INVALID_PARAMETER;
  dest[0] = 0;
  if (fmt == nullptr) return STRSAFE_E_INVALID_PARAMETER;
  std::basic_string<CH> out;
  try {
    if (!format(out, fmt, args)) return STRSAFE_E_INVALID_PARAMETER;
  } catch (const std::bad_alloc&) {
    return E_OUTOFMEMORY;
  }
  const std::size_t n = std::min(out.size(), cch - 1);
  std::memcpy(dest, out.data(), n * sizeof(CH));
  dest[n] = 0;
  return n == out.size() ? S_OK : STRSAFE_E_INSUFFICIENT_BUFFER;
}

}  // namespace k32
WPU_NAMESPACE_END

extern "C" {

// ---- strsafe formatting workers --------------------------------------------------

WPU_DECL HRESULT wpu_string_vprintf_a(LPSTR dest, size_t cch, LPCSTR format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  HRESULT hr = wpu::k32::vprintf_into(dest, cch, format, copy);
  va_end(copy);
  return hr;
}

WPU_DECL HRESULT wpu_string_vprintf_w(LPWSTR dest, size_t cch, LPCWSTR format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  HRESULT hr = wpu::k32::vprintf_into(dest, cch, format, copy);
  va_end(copy);
  return hr;
}

}  // extern "C"

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_K32_STRSAFE_IPP
