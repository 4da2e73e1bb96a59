/*
 * wpu/detail/kernel32_decls.h - the declarations of <wpu/kernel32.h> without
 * the macros that map Windows' names onto wpu's (POSIX). Include-guarded.
 */
#ifndef WPU_DETAIL_KERNEL32_DECLS_H
#define WPU_DETAIL_KERNEL32_DECLS_H

#include <wpu/detail/ws2spi_decls.h>

#endif /* WPU_DETAIL_KERNEL32_DECLS_H */
