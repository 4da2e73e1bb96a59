/*
 * wpu/detail/compat_begin.h - the first lines of every header of the
 * compatibility folder (include/wpu/compat), POSIX. No include guard: it runs
 * at every inclusion, with <wpu/detail/compat_end.h> as its pair.
 *
 * It includes the system headers the compatibility names would otherwise
 * reach (<wpu/detail/compat_system.h>), and removes the generic A/W names
 * that wpu's own headers define as their W function (WSAEnumProtocols,
 * WSASocket, WSADuplicateSocket), so those headers can define them again without a redefinition
 * and compat_end.h then chooses A or W by UNICODE.
 */
#if !defined(_WIN32)
#  include <wpu/detail/compat_system.h>
#  undef WSAEnumProtocols
#  undef WSASocket
#  undef WSADuplicateSocket
#endif /* !defined(_WIN32) */
