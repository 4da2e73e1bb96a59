/*
 * <winsock2.h> of wpu's compatibility folder (POSIX): Winsock 2 for Windows provider source:
 * <windows.h>'s names plus Winsock's names and values (<wpu/ws2spi.h>, <wpu/winsock.h>: the
 * application API routed through wpu's provider host).
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
#include <wpu/ws2spi.h>
#include <wpu/winsock.h>
#include <wpu/detail/compat_end.h>
