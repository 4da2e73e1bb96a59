/*
 * <sal.h> of wpu's compatibility folder (POSIX): the same as <windows.h> with WIN32_LEAN_AND_MEAN's
 * content (Windows' <windows.h> includes it).
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
#include <wpu/detail/compat_end.h>
