/* tests/kernel32/thin_c.c - the thin kernel32 subset from C99 (WCHAR is
   uint16_t here on POSIX): critical sections, Interlocked, strsafe W, code
   page conversion and lstrlenW. thin_c_check() returns 0, or the line of the
   first failed check. */
#if defined(_WIN32)
#  include <windows.h>
#  define STRSAFE_NO_DEPRECATE
#  include <strsafe.h>
#else
#  include <wpu/winapi.h>
#  include <wpu/kernel32.h>
#endif

#include <string.h>

int thin_c_check(void);

#define THIN_CHECK(cond)          \
  do {                            \
    if (!(cond)) return __LINE__; \
  } while (0)

int thin_c_check(void) {
  static const WCHAR abc[] = {'a', 'b', 'c', 0};
  static const WCHAR fmt[] = {'%', 's', '=', '%', 'd', 0};
  WCHAR out[8];
  char utf8[8];
  CRITICAL_SECTION cs;
  LONG volatile counter = 0;
  LONGLONG volatile big = 0;

  THIN_CHECK(sizeof(CRITICAL_SECTION) == 40);
  InitializeCriticalSection(&cs);
  EnterCriticalSection(&cs);
  EnterCriticalSection(&cs);
  THIN_CHECK(cs.RecursionCount == 2);
  LeaveCriticalSection(&cs);
  LeaveCriticalSection(&cs);
  THIN_CHECK(cs.RecursionCount == 0);
  DeleteCriticalSection(&cs);

  THIN_CHECK(InterlockedIncrement(&counter) == 1);
  THIN_CHECK(InterlockedCompareExchange(&counter, 5, 1) == 1);
  THIN_CHECK(counter == 5);
  THIN_CHECK(InterlockedExchangeAdd64(&big, 0x100000000LL) == 0);
  THIN_CHECK(big == 0x100000000LL);

  THIN_CHECK(StringCchCopyW(out, 8, abc) == S_OK);
  THIN_CHECK(lstrlenW(out) == 3);
  THIN_CHECK(StringCchCopyW(out, 3, abc) == STRSAFE_E_INSUFFICIENT_BUFFER);
  THIN_CHECK(out[0] == 'a' && out[1] == 'b' && out[2] == 0);
  THIN_CHECK(StringCchPrintfW(out, 8, fmt, abc, 7) == S_OK);
  THIN_CHECK(out[0] == 'a' && out[3] == '=' && out[4] == '7' && out[5] == 0);

  THIN_CHECK(WideCharToMultiByte(CP_UTF8, 0, abc, -1, utf8, 8, NULL, NULL) == 4);
  THIN_CHECK(strcmp(utf8, "abc") == 0);
  THIN_CHECK(MultiByteToWideChar(CP_UTF8, 0, "xyz", -1, out, 8) == 4);
  THIN_CHECK(out[0] == 'x' && out[3] == 0);
  return 0;
}
