/*
 * <windows.h> of wpu's compatibility folder (POSIX): Windows' declarations (annotations, SAL,
 * types, HRESULT, LIST_ENTRY, TCHAR, __try), the C library headers Windows' <windows.h> brings,
 * wpu's kernel objects and waits (<wpu/winapi.h>) and its kernel32 subset
 * (<wpu/kernel32.h>); without WIN32_LEAN_AND_MEAN also Winsock, as Windows'
 * <windows.h> includes <winsock.h>.
 *
 * The folder is on the include path only through dependency('wpu-windows')
 * (docs/porting.md, "Compiling Windows provider source"); on Windows the
 * system's headers are used. No include guard: as wpu's other name headers,
 * every inclusion re-applies the name macros.
 */
#if defined(_WIN32)
#  error \
      "wpu's compatibility folder (include/wpu/compat) is for POSIX: on Windows use the system headers"
#endif
#include <wpu/detail/compat_begin.h>
#include <wpu/detail/windows_decls.h>
#include <wpu/winapi.h>
#include <wpu/kernel32.h>
#if !defined(WIN32_LEAN_AND_MEAN)
#  include <wpu/ws2spi.h>
#  include <wpu/winsock.h>
#endif
#include <wpu/detail/compat_end.h>
