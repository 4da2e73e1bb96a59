/*
 * wpu/detail/strsafe_decls.h - Windows' <strsafe.h> string functions
 * (StringCch* counting characters, StringCb* counting bytes) as static inline
 * C99 functions named wpu_string_*; <wpu/kernel32.h> maps Windows' names onto
 * them. Include-guarded. On Windows (_WIN32) this declares nothing: include
 * the system's <strsafe.h>.
 *
 * Every function returns an HRESULT:
 *   S_OK                          the whole result, NUL-terminated;
 *   STRSAFE_E_INSUFFICIENT_BUFFER the result did not fit: the destination
 *                                 holds as much as fits and a NUL;
 *   STRSAFE_E_INVALID_PARAMETER   the destination size is 0 or above
 *                                 STRSAFE_MAX_CCH characters, a count above
 *                                 STRSAFE_MAX_LENGTH, a NULL string, or (Cat,
 *                                 Length) a string with no NUL inside its
 *                                 buffer. Copy/Printf then leave an empty
 *                                 string in a destination of size >= 1.
 * Where Windows' header would dereference a NULL string, these return
 * STRSAFE_E_INVALID_PARAMETER instead.
 *
 * The W Printf functions take Windows' wide format: %s and %c are WCHAR
 * strings and characters, %hs/%hc (and %S/%C) char ones; the A functions the
 * narrow format: %s is char, %ls/%ws/%S are WCHAR (converted to UTF-8). Both
 * print %p as Windows does (16 uppercase hex digits) and take I64/I32/I
 * length prefixes. docs/kernel32.md has the whole format table. Any thread
 * (no shared state).
 */
#ifndef WPU_DETAIL_STRSAFE_DECLS_H
#define WPU_DETAIL_STRSAFE_DECLS_H

#include <wpu/detail/kernel32_decls.h>

#if !defined(_WIN32)

#  ifdef __cplusplus
extern "C" {
#  endif

#  define STRSAFE_MAX_CCH 2147483647
#  define STRSAFE_MAX_LENGTH (STRSAFE_MAX_CCH - 1)
#  define STRSAFE_E_INSUFFICIENT_BUFFER ((HRESULT)0x8007007AL)
#  define STRSAFE_E_INVALID_PARAMETER ((HRESULT)0x80070057L)
#  define STRSAFE_E_END_OF_FILE ((HRESULT)0x80070026L)

/* The formatting workers of the Printf functions (in the library): the
   whole strsafe contract for a destination of `cch` characters. */
WPU_C_API HRESULT wpu_string_vprintf_a(LPSTR dest, size_t cch, LPCSTR format, va_list args);
WPU_C_API HRESULT wpu_string_vprintf_w(LPWSTR dest, size_t cch, LPCWSTR format, va_list args);

/* A byte count as a character count; above the maximum it stays above it. */
static inline size_t wpu_strsafe_cb_to_cch(size_t cb, size_t char_size) {
  return cb > (size_t)STRSAFE_MAX_CCH * char_size ? (size_t)STRSAFE_MAX_CCH + 1 : cb / char_size;
}

/* One definition per character type: sfx is a or w, CH the character type. */
#  define WPU_STRSAFE_DEFINE(sfx, CH)                                                              \
    static inline HRESULT wpu_string_cch_copy_n_##sfx(CH* dest, size_t cch, const CH* src,         \
                                                      size_t cch_to_copy) {                        \
      size_t i = 0;                                                                                \
      if (dest == NULL || cch == 0 || cch > (size_t)STRSAFE_MAX_CCH)                               \
        return STRSAFE_E_INVALID_PARAMETER;                                                        \
      if (src == NULL || cch_to_copy > (size_t)STRSAFE_MAX_LENGTH) {                               \
        dest[0] = 0;                                                                               \
        return STRSAFE_E_INVALID_PARAMETER;                                                        \
      }                                                                                            \
      while (i < cch_to_copy && src[i] != 0) {                                                     \
        if (i == cch - 1) {                                                                        \
          dest[i] = 0;                                                                             \
          return STRSAFE_E_INSUFFICIENT_BUFFER;                                                    \
        }                                                                                          \
        dest[i] = src[i];                                                                          \
        ++i;                                                                                       \
      }                                                                                            \
      dest[i] = 0;                                                                                 \
      return S_OK;                                                                                 \
    }                                                                                              \
    static inline HRESULT wpu_string_cch_copy_##sfx(CH* dest, size_t cch, const CH* src) {         \
      return wpu_string_cch_copy_n_##sfx(dest, cch, src, (size_t)STRSAFE_MAX_LENGTH);              \
    }                                                                                              \
    static inline HRESULT wpu_string_cb_copy_##sfx(CH* dest, size_t cb, const CH* src) {           \
      return wpu_string_cch_copy_##sfx(dest, wpu_strsafe_cb_to_cch(cb, sizeof(CH)), src);          \
    }                                                                                              \
    static inline HRESULT wpu_string_cb_copy_n_##sfx(CH* dest, size_t cb, const CH* src,           \
                                                     size_t cb_to_copy) {                          \
      return wpu_string_cch_copy_n_##sfx(dest, wpu_strsafe_cb_to_cch(cb, sizeof(CH)), src,         \
                                         cb_to_copy / sizeof(CH));                                 \
    }                                                                                              \
    static inline HRESULT wpu_string_cch_length_##sfx(const CH* s, size_t cch_max,                 \
                                                      size_t* length) {                            \
      size_t n = 0;                                                                                \
      if (s != NULL && cch_max != 0 && cch_max <= (size_t)STRSAFE_MAX_CCH) {                       \
        while (n < cch_max && s[n] != 0) ++n;                                                      \
        if (n < cch_max) {                                                                         \
          if (length != NULL) *length = n;                                                         \
          return S_OK;                                                                             \
        }                                                                                          \
      }                                                                                            \
      if (length != NULL) *length = 0;                                                             \
      return STRSAFE_E_INVALID_PARAMETER;                                                          \
    }                                                                                              \
    static inline HRESULT wpu_string_cb_length_##sfx(const CH* s, size_t cb_max, size_t* length) { \
      size_t n = 0;                                                                                \
      HRESULT hr = wpu_string_cch_length_##sfx(s, wpu_strsafe_cb_to_cch(cb_max, sizeof(CH)), &n);  \
      if (length != NULL) *length = n * sizeof(CH);                                                \
      return hr;                                                                                   \
    }                                                                                              \
    static inline HRESULT wpu_string_cch_cat_n_##sfx(CH* dest, size_t cch, const CH* src,          \
                                                     size_t cch_to_append) {                       \
      size_t len = 0;                                                                              \
      if (cch_to_append > (size_t)STRSAFE_MAX_LENGTH || src == NULL ||                             \
          FAILED(wpu_string_cch_length_##sfx(dest, cch, &len)))                                    \
        return STRSAFE_E_INVALID_PARAMETER;                                                        \
      return wpu_string_cch_copy_n_##sfx(dest + len, cch - len, src, cch_to_append);               \
    }                                                                                              \
    static inline HRESULT wpu_string_cch_cat_##sfx(CH* dest, size_t cch, const CH* src) {          \
      return wpu_string_cch_cat_n_##sfx(dest, cch, src, (size_t)STRSAFE_MAX_LENGTH);               \
    }                                                                                              \
    static inline HRESULT wpu_string_cb_cat_##sfx(CH* dest, size_t cb, const CH* src) {            \
      return wpu_string_cch_cat_##sfx(dest, wpu_strsafe_cb_to_cch(cb, sizeof(CH)), src);           \
    }                                                                                              \
    static inline HRESULT wpu_string_cb_cat_n_##sfx(CH* dest, size_t cb, const CH* src,            \
                                                    size_t cb_to_append) {                         \
      return wpu_string_cch_cat_n_##sfx(dest, wpu_strsafe_cb_to_cch(cb, sizeof(CH)), src,          \
                                        cb_to_append / sizeof(CH));                                \
    }                                                                                              \
    static inline HRESULT wpu_string_cch_vprintf_##sfx(CH* dest, size_t cch, const CH* format,     \
                                                       va_list args) {                             \
      return wpu_string_vprintf_##sfx(dest, cch, format, args);                                    \
    }                                                                                              \
    static inline HRESULT wpu_string_cb_vprintf_##sfx(CH* dest, size_t cb, const CH* format,       \
                                                      va_list args) {                              \
      return wpu_string_vprintf_##sfx(dest, wpu_strsafe_cb_to_cch(cb, sizeof(CH)), format, args);  \
    }                                                                                              \
    static inline HRESULT wpu_string_cch_printf_##sfx(CH* dest, size_t cch, const CH* format,      \
                                                      ...) {                                       \
      HRESULT hr;                                                                                  \
      va_list args;                                                                                \
      va_start(args, format);                                                                      \
      hr = wpu_string_vprintf_##sfx(dest, cch, format, args);                                      \
      va_end(args);                                                                                \
      return hr;                                                                                   \
    }                                                                                              \
    static inline HRESULT wpu_string_cb_printf_##sfx(CH* dest, size_t cb, const CH* format, ...) { \
      HRESULT hr;                                                                                  \
      va_list args;                                                                                \
      va_start(args, format);                                                                      \
      hr = wpu_string_vprintf_##sfx(dest, wpu_strsafe_cb_to_cch(cb, sizeof(CH)), format, args);    \
      va_end(args);                                                                                \
      return hr;                                                                                   \
    }

WPU_STRSAFE_DEFINE(a, char)
WPU_STRSAFE_DEFINE(w, WCHAR)

#  undef WPU_STRSAFE_DEFINE

#  ifdef __cplusplus
}
#  endif

#endif /* !defined(_WIN32) */

#endif /* WPU_DETAIL_STRSAFE_DECLS_H */
