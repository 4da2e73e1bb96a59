/*
 * wpu/kernel32.h - the part of kernel32 that service providers use, with
 * Windows' names (POSIX). On Windows this is the system's <windows.h>.
 *
 * The declarations are in <wpu/detail/kernel32_decls.h>; the name macros are
 * here, outside any include guard, as in <wpu/winapi.h>.
 */
#include <wpu/detail/kernel32_decls.h>
