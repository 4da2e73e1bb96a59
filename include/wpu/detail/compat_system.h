/*
 * wpu/detail/compat_system.h - the system headers every header of the
 * compatibility folder (include/wpu/compat) includes first (POSIX).
 * Include-guarded.
 *
 * Why: the compatibility headers give Winsock's values and Windows' names to
 * identifiers that system headers also define or use (SOL_SOCKET, AF_INET6,
 * POLLIN, IOC_IN, TCP_MAXSEG, socket, send, u_long; and, as empty macros,
 * SAL's __in, __out, __success, which glibc and libstdc++ use as parameter
 * names). A system header included before them is unaffected; one included
 * after them would see the macros. Including the headers that declare those
 * identifiers here, before any macro exists, makes their later inclusion a
 * no-op (their own include guards), so a provider may include them before or
 * after <windows.h> / <winsock2.h>. docs/porting.md ("Compiling Windows
 * provider source") lists what is still order-dependent.
 *
 * What Windows' <windows.h> brings is here too: <string.h>, <stdarg.h>,
 * <stdlib.h>, <stddef.h>, <ctype.h>, <limits.h>, <wchar.h> (a provider calls
 * memcpy or strlen with only <windows.h> included).
 */
#ifndef WPU_DETAIL_COMPAT_SYSTEM_H
#define WPU_DETAIL_COMPAT_SYSTEM_H

#if !defined(_WIN32)

#  include <ctype.h>
#  include <limits.h>
#  include <stdarg.h>
#  include <stddef.h>
#  include <stdint.h>
#  include <stdio.h>
#  include <stdlib.h>
#  include <string.h>
#  include <wchar.h>

#  include <sys/types.h>
#  include <sys/ioctl.h>
#  include <sys/select.h>
#  include <sys/socket.h>
#  include <sys/time.h>
#  include <sys/uio.h>
#  include <arpa/inet.h>
#  include <net/if.h>
#  include <netdb.h>
#  include <netinet/in.h>
#  include <netinet/tcp.h>
#  include <poll.h>
#  include <pthread.h>
#  include <unistd.h>

#  if defined(__cplusplus)
/* The standard library headers that use __in, __out or __success as
   parameter names (libstdc++ 12: these, plus tr1/, ext/, parallel/,
   experimental/ and C++20's <stop_token>, which must come first), so the
   SAL macros cannot reach them. */
#    include <algorithm>
#    include <atomic>
#    include <istream>
#    include <iterator>
#    include <locale>
#    include <memory>
#    include <ostream>
#    include <regex>
#    include <string>
#    include <thread>
#    include <tuple>
#    include <utility>
#  endif

#endif /* !defined(_WIN32) */

#endif /* WPU_DETAIL_COMPAT_SYSTEM_H */
