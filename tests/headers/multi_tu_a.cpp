// Header-only wpu in a program of three translation units (multi_tu_a.cpp,
// multi_tu_b.cpp, multi_tu_c.cpp), each including every public header
// (all_headers.hpp). It must link: every out-of-line body of every .ipp is
// WPU_DECL (inline in this mode), so the linker keeps one copy. And it must
// behave as one library: the three units see the same default backend,
// catalog, blocking hook and (POSIX) object manager and last error, and an
// event made in one unit is set in another and waited for in a third.
// Built by the build's compiler (tests/headers/meson.build) and by the other
// of GCC and clang (other_compiler.py). Exit status 0 on success.
#include "all_headers.hpp"

#include <cstdio>

const void* wpu_state_seen_by_b(int what);
const void* wpu_state_seen_by_c(int what);
WSAEVENT wpu_event_made_by_b();
BOOL wpu_set_event_by_c(WSAEVENT event);
int wpu_loop_run_by_c();

int main() {
  int failures = 0;
  for (int what = 0; what <= 5; ++what) {
    const void* a = wpu_state_seen_here(what);
    if (a != wpu_state_seen_by_b(what) || a != wpu_state_seen_by_c(what)) {
      std::printf("state %d: three copies (%p, %p, %p)\n", what, a, wpu_state_seen_by_b(what),
                  wpu_state_seen_by_c(what));
      ++failures;
    }
  }

  WSAEVENT e = wpu_event_made_by_b();
  if (e == WSA_INVALID_EVENT) {
    std::printf("WPUCreateEvent failed in unit b\n");
    return 1;
  }
  if (WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE) != WSA_WAIT_TIMEOUT) {
    std::printf("a new event is signalled\n");
    ++failures;
  }
  if (!wpu_set_event_by_c(e)) {
    std::printf("unit c could not set unit b's event\n");
    ++failures;
  }
  if (WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE) != WSA_WAIT_EVENT_0) {
    std::printf("unit a does not see the event set by unit c\n");
    ++failures;
  }
  if (!WSACloseEvent(e)) {
    std::printf("WSACloseEvent: %d\n", WSAGetLastError());
    ++failures;
  }

  if (wpu_loop_run_by_c() != 1) {
    std::printf("the message loop of unit c did not run its handler\n");
    ++failures;
  }

  std::printf("%s\n", failures == 0 ? "one library in three translation units" : "FAILED");
  return failures == 0 ? 0 : 1;
}
