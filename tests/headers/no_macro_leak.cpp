// <wpu/wpu.hpp> defines none of the macros that rename Windows names: after
// it, the C library's fd_set, FD_SET and select() are the system's, and
// GetLastError, CloseHandle, GetMessageW are not macros. A unit opts into
// them by including <wpu/winapi.h> (function names) or <wpu/ws2spi.h>
// (Winsock's fd_set), and each inclusion applies them, even after
// <wpu/wpu.hpp> included the declarations they map onto. POSIX only (on
// Windows the headers are the system's). Built in both modes; exit status 0.
#include <wpu/wpu.hpp>

#if defined(GetLastError) || defined(SetLastError) || defined(CloseHandle) ||           \
    defined(GetMessageW) || defined(PostMessageW) || defined(WSAGetLastError) ||        \
    defined(CreateIoCompletionPort) || defined(SleepEx) || defined(WSCEnumProtocols) || \
    defined(WSCGetProviderPath) || defined(ExpandEnvironmentStringsW)
#  error "<wpu/wpu.hpp> defines <wpu/winapi.h>'s function-name macros"
#endif
#if defined(fd_set) || defined(__WSAFDIsSet) || defined(WPUCompleteOverlappedRequest) || \
    defined(VOID)
#  error "<wpu/wpu.hpp> defines <wpu/ws2spi.h>'s name macros"
#endif

#include <sys/select.h>

#include <cstdio>

static int failures = 0;
#define EXPECT(cond)                                                        \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::printf("%s:%d: EXPECT(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                           \
    }                                                                       \
  } while (0)

// The C library's set: a bitmap of FD_SETSIZE (1024) descriptors, which
// select() takes.
static void c_library_fd_set() {
#if defined(__GLIBC__)  // glibc names its own size; other C libraries do not
  static_assert(FD_SETSIZE == __FD_SETSIZE, "the C library's FD_SETSIZE");
#endif
  fd_set set;
  FD_ZERO(&set);
  FD_SET(5, &set);
  EXPECT(FD_ISSET(5, &set));
  EXPECT(!FD_ISSET(6, &set));
  FD_CLR(5, &set);
  EXPECT(!FD_ISSET(5, &set));
  timeval none{0, 0};
  EXPECT(::select(0, &set, nullptr, nullptr, &none) == 0);
}

#include <wpu/winapi.h>

#if !defined(GetLastError) || !defined(CloseHandle) || !defined(GetMessageW) || \
    !defined(WSCEnumProtocols) || !defined(ExpandEnvironmentStringsW)
#  error "<wpu/winapi.h> after <wpu/wpu.hpp> did not define its name macros"
#endif
#if defined(fd_set)
#  error "<wpu/winapi.h> maps fd_set (that is <wpu/ws2spi.h>'s opt-in)"
#endif

static void windows_names() {
  SetLastError(ERROR_INVALID_PARAMETER);
  EXPECT(GetLastError() == ERROR_INVALID_PARAMETER);
  EXPECT(WSAGetLastError() == ERROR_INVALID_PARAMETER);
  EXPECT(!CloseHandle(nullptr));
  EXPECT(GetLastError() == ERROR_INVALID_HANDLE);
}

#include <wpu/ws2spi.h>

#if !defined(fd_set) || !defined(FD_SET) || !defined(WPUCompleteOverlappedRequest)
#  error "<wpu/ws2spi.h> after <wpu/wpu.hpp> did not define its name macros"
#endif

// Winsock's set: a count and an array of handles.
static void winsock_fd_set() {
  static_assert(FD_SETSIZE == 64, "Winsock's FD_SETSIZE");
  fd_set set;
  FD_ZERO(&set);
  FD_SET(7, &set);
  FD_SET(7, &set);
  EXPECT(set.fd_count == 1);
  EXPECT(FD_ISSET(7, &set));
}

// A second inclusion applies the macros again.
#undef GetLastError
#include <wpu/winapi.h>
#if !defined(GetLastError)
#  error "a second inclusion of <wpu/winapi.h> did not define its name macros"
#endif

int main() {
  c_library_fd_set();
  windows_names();
  winsock_fd_set();
  std::printf("%s\n", failures == 0 ? "no Windows-name macro without opting in" : "FAILED");
  return failures == 0 ? 0 : 1;
}
