/*
 * <sporder.h> of wpu's compatibility folder (POSIX): WSCWriteProviderOrder on wpu's process catalog
 * (wpu_catalog_write_order: 0, or WSAEINVAL when the ids are not exactly a
 * permutation of the catalog's, WSAEFAULT for NULL; docs/catalog.md).
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
#include <wpu/wpu.h>
#undef WSCWriteProviderOrder
#define WSCWriteProviderOrder wpu_catalog_write_order
#include <wpu/detail/compat_end.h>
