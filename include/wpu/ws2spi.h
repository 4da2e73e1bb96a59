/*
 * wpu/ws2spi.h - the Windows Sockets 2 SPI world, usable from C99 and C++.
 *
 * On Windows this is the system <winsock2.h> + <ws2spi.h>, nothing more.
 * On POSIX it defines the same names with the Win64 layouts (LLP64: DWORD and
 * `long` parameters are 32 bits, WCHAR is 16 bits, pointers and SOCKET are 64
 * bits), so provider source written for Windows compiles unchanged.
 *
 * fd_set on POSIX: Winsock's fd_set (a count plus an array of SOCKETs) and the
 * C library's fd_set (a bitmap) share a name. This header includes
 * <sys/select.h> first, so the system's definitions are already in place, and
 * then defines the Winsock type as `wpu_fd_set` and maps `fd_set`, FD_SET,
 * FD_CLR, FD_ZERO, FD_ISSET and FD_SETSIZE onto it with macros. Provider code
 * that says `fd_set` therefore gets Winsock's set even with system headers
 * included before or after. A translation unit that needs the C library's
 * select() types after this header (Boost.Asio's headers do) defines
 * WPU_NO_FD_SET_MACROS before including it and spells the Winsock type
 * `wpu_fd_set`. FD_SETSIZE is 64 as on Windows; define WPU_FD_SETSIZE (or
 * FD_SETSIZE before any system header and any wpu header) to change it.
 *
 * The declarations are in <wpu/detail/ws2spi_decls.h> (include-guarded),
 * which wpu's C++ headers and <wpu/wpu.h> include. The macros that rename
 * Windows names are here, below the declarations and outside any include
 * guard: they are applied by every inclusion of this header, so they take
 * effect even when <wpu/wpu.hpp> was included first, and only in translation
 * units that include this header (docs/porting.md, "Headers and macros").
 *
 * Strings: WCHAR is char16_t in C++ and uint16_t in C, so UTF-16 literals are
 * written u"..." (L"..." is 32-bit on Linux).
 *
 * Calling convention: WSPAPI/WINAPI/CALLBACK are empty on POSIX (the platform's
 * normal convention); wpu ports source, it does not load PE binaries.
 */
#include <wpu/detail/ws2spi_decls.h>

#if !defined(_WIN32)

#  ifndef VOID
#    define VOID void
#  endif

/* ws2_32's one exported upcall is wpu_complete_overlapped_request. */
#  define WPUCompleteOverlappedRequest wpu_complete_overlapped_request

#  if !defined(WPU_NO_FD_SET_MACROS)
#    undef fd_set
#    undef FD_SETSIZE
#    undef FD_SET
#    undef FD_CLR
#    undef FD_ZERO
#    undef FD_ISSET
#    define fd_set wpu_fd_set
#    define FD_SETSIZE WPU_FD_SETSIZE
#    define FD_SET(fd, set)                                           \
      wpu_fd_set_add((SOCKET)(fd), (set)->fd_array, &(set)->fd_count, \
                     (unsigned int)(sizeof((set)->fd_array) / sizeof(SOCKET)))
#    define FD_CLR(fd, set) wpu_fd_set_remove((SOCKET)(fd), (set)->fd_array, &(set)->fd_count)
#    define FD_ZERO(set) ((set)->fd_count = 0)
#    define FD_ISSET(fd, set) wpu_fd_is_set((SOCKET)(fd), (const wpu_fd_set*)(const void*)(set))
#    define __WSAFDIsSet(fd, set) wpu_fd_is_set((SOCKET)(fd), (const wpu_fd_set*)(const void*)(set))
#  endif /* !defined(WPU_NO_FD_SET_MACROS) */

#endif /* !defined(_WIN32) */
