/*
 * <tchar.h> of wpu's compatibility folder (POSIX): the _TCHAR names of the
 * C runtime. _UNICODE selects the UTF-16 side (WCHAR, u"" literals, wpu's
 * wpu_wcs16_* helpers), otherwise char and the C library's str* functions.
 * _stprintf has no UTF-16 side (the C library formats only char and 32-bit
 * wchar_t): under _UNICODE it is not defined.
 *
 * The folder is on the include path only through dependency('wpu-windows');
 * on Windows the system's headers are used.
 */
#if defined(_WIN32)
#  error \
      "wpu's compatibility folder (include/wpu/compat) is for POSIX: on Windows use the system headers"
#endif
#include <wpu/detail/compat_begin.h>
#include <wpu/detail/windows_decls.h>
#include <wpu/detail/compat_end.h>

#ifndef WPU_COMPAT_TCHAR_H
#  define WPU_COMPAT_TCHAR_H

#  ifdef _UNICODE
typedef WCHAR _TCHAR, _TSCHAR, _TUCHAR, _TXCHAR;
#    define _T(x) WPU_UTF16_LITERAL(x)
#    define _tcslen wpu_wcs16_len
#    define _tcscpy wpu_wcs16_cpy
#    define _tcsncpy wpu_wcs16_ncpy
#    define _tcscmp wpu_wcs16_cmp
#    define _tcsncmp wpu_wcs16_ncmp
#    define _tcscat wpu_wcs16_cat
#    define _tcschr wpu_wcs16_chr
#  else
typedef char _TCHAR, _TSCHAR;
typedef unsigned char _TUCHAR;
typedef char _TXCHAR;
#    define _T(x) x
#    define _tcslen strlen
#    define _tcscpy strcpy
#    define _tcsncpy strncpy
#    define _tcscmp strcmp
#    define _tcsncmp strncmp
#    define _tcscat strcat
#    define _tcschr strchr
#    define _tcsicmp strcasecmp
#    define _tcsnicmp strncasecmp
#    define _stprintf sprintf
#    define _sntprintf snprintf
#    define _vstprintf vsprintf
#    define _vsntprintf vsnprintf
#    define _tprintf printf
#    define _ftprintf fprintf
#    define _tcstol strtol
#    define _tcstoul strtoul
#    define _ttoi atoi
#  endif
#  define _TEXT(x) _T(x)
#  define __T(x) _T(x)

#endif /* WPU_COMPAT_TCHAR_H */
