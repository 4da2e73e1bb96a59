/* The Winsock FD_SETSIZE (docs/porting.md, "fd_set"): an application's
   FD_SETSIZE defined before any system header sizes Winsock's fd_set
   (APP_SETSIZE builds); after <sys/select.h> the C library's FD_SETSIZE is
   not taken for it (64). Either way the C library's set works through the
   functions <wpu/detail/ws2spi_decls.h> makes (wpu_libc_fd_*), which
   wpu/message_loop.hpp gives to Asio. Exit status 0 when every check holds;
   else the number of the first failed check. */
#if defined(APP_SETSIZE)
#  define FD_SETSIZE APP_SETSIZE
#  define EXPECTED APP_SETSIZE
#else
#  include <sys/select.h>
typedef fd_set libc_set_before;
#  define EXPECTED 64
#endif
#include <wpu/ws2spi.h>

#include <stddef.h>
#include <stdio.h>

int main(void) {
  fd_set s; /* Winsock's */
  SOCKET i;
  int fd;
  if (WPU_FD_SETSIZE != EXPECTED) return 1;
  if (FD_SETSIZE != EXPECTED) return 2;
  if (sizeof(s.fd_array) / sizeof(SOCKET) != EXPECTED) return 3;
  FD_ZERO(&s);
  for (i = 1; i <= 2 * EXPECTED; ++i) FD_SET(i * 4, &s);
  if (s.fd_count != EXPECTED) return 4;
  if (!FD_ISSET(4 * EXPECTED, &s) || FD_ISSET(4 * EXPECTED + 4, &s)) return 5;
  {
    /* The C library's set: by its own name once the macro is gone, or by
       the typedef taken before <wpu/ws2spi.h>. */
#if defined(APP_SETSIZE)
#  undef fd_set
    fd_set libc_set;
#else
    libc_set_before libc_set;
#endif
    if (wpu_libc_fd_setsize < 64) return 6;
    if (sizeof libc_set * 8 < (size_t)wpu_libc_fd_setsize) return 7;
    wpu_libc_fd_zero(&libc_set);
    for (fd = 0; fd < wpu_libc_fd_setsize; fd += 7) wpu_libc_fd_set(fd, &libc_set);
    for (fd = 0; fd < wpu_libc_fd_setsize; ++fd)
      if (wpu_libc_fd_isset(fd, &libc_set) != (fd % 7 == 0)) return 8;
    wpu_libc_fd_clr(7, &libc_set);
    if (wpu_libc_fd_isset(7, &libc_set) || !wpu_libc_fd_isset(14, &libc_set)) return 9;
  }
  puts("ok");
  return 0;
}
