// header_only.cpp - wpu used header-only: one C++ source, no wpu library
// linked (Meson: dependency wpu_mode_deps['header-only'], i.e. what
// `dependency('wpu')` gives with -Dheader-only=true; elsewhere: the include
// directories, -DWPU_HEADER_ONLY, and the platform's Boost/threads/ws2_32).
//
// It plays both halves of one overlapped request, as a provider and its
// client: a socket handle with a context (WPUCreateSocketHandle), an event
// made by the provider and waited on by the client, a completion through
// WPUCompleteOverlappedRequest read back with WSAGetOverlappedResult's
// rules, a completion routine delivered by WPUQueueApc inside the client's
// alertable SleepEx, and a WSAAsyncSelect-style notification posted with
// WPUPostMessage to a message-only window. Prints what it saw; exit status 1
// if anything differs from what Winsock specifies.
#include <wpu/wpu.hpp>
#include <wpu/winapi.h>

#include <cstdio>
#include <cstring>

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  std::printf("%-58s %s\n", what, ok ? "ok" : "FAILED");
  if (!ok) ++failures;
}

struct apc_seen {
  DWORD thread;
  int runs;
};

void CALLBACK on_apc(DWORD_PTR context) {
  auto* seen = reinterpret_cast<apc_seen*>(context);
  seen->thread = GetCurrentThreadId();
  ++seen->runs;
}

WPARAM last_wparam = 0;
LPARAM last_lparam = 0;

LRESULT CALLBACK on_message(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp) {
  if (msg == WM_USER + 1) {
    last_wparam = wp;
    last_lparam = lp;
    return 0;
  }
  return DefWindowProcW(hwnd, msg, wp, lp);
}

}  // namespace

int main() {
  WSPUPCALLTABLE up;
  int err = 0;
  if (wpu_get_upcall_table(&up) != 0) {
    std::printf("wpu_get_upcall_table failed\n");
    return 1;
  }

  // A catalog entry for the socket, and the socket with a context.
  WSAPROTOCOL_INFOW info;
  std::memset(&info, 0, sizeof info);
  info.ProtocolChain.ChainLen = BASE_PROTOCOL;
  static const WCHAR path[] = {'n', 'o', 'n', 'e', 0};
  DWORD id = 0;
  check(wpu_catalog_add(&info, path, &id) == 0 && id >= 1001, "wpu_catalog_add: an entry id");
  static int context_object;
  SOCKET s = up.lpWPUCreateSocketHandle(id, reinterpret_cast<DWORD_PTR>(&context_object), &err);
  DWORD_PTR context = 0;
  check(s != INVALID_SOCKET && up.lpWPUQuerySocketHandleContext(s, &context, &err) == 0 &&
            context == reinterpret_cast<DWORD_PTR>(&context_object),
        "WPUCreateSocketHandle / WPUQuerySocketHandleContext");

  // Overlapped with an event: the provider completes, the client reads.
  WSAOVERLAPPED ov;
  std::memset(&ov, 0, sizeof ov);
  ov.hEvent = up.lpWPUCreateEvent(&err);
  ov.Internal = WSS_OPERATION_IN_PROGRESS;
  ov.Offset = 0;  // the result flags, where the provider keeps them
  check(wpu_complete_overlapped_request(s, &ov, 0, 42, &err) == 0,
        "WPUCompleteOverlappedRequest(42 bytes)");
  DWORD bytes = 0, flags = 0;
  check(WSAWaitForMultipleEvents(1, &ov.hEvent, TRUE, 1000, FALSE) == WSA_WAIT_EVENT_0 &&
            wpu_get_overlapped_result(s, &ov, &bytes, FALSE, &flags) == 0 && bytes == 42,
        "the client's event is set; the result says 42 bytes");

  // A completion routine: an APC to this thread, run in its alertable wait.
  WSATHREADID self;
  apc_seen seen = {0, 0};
  check(up.lpWPUOpenCurrentThread(&self, &err) == 0 &&
            up.lpWPUQueueApc(&self, on_apc, reinterpret_cast<DWORD_PTR>(&seen), &err) == 0,
        "WPUOpenCurrentThread + WPUQueueApc");
  check(seen.runs == 0, "the APC waits for an alertable wait");
  DWORD slept = SleepEx(1000, TRUE);
  check(slept == WAIT_IO_COMPLETION && seen.runs == 1 && seen.thread == GetCurrentThreadId(),
        "SleepEx(alertable) ran it once, on this thread");
  up.lpWPUCloseThread(&self, &err);

  // A notification to a message-only window, as WSAAsyncSelect's are.
  WNDCLASSW wc;
  std::memset(&wc, 0, sizeof wc);
  static const WCHAR cls[] = {'h', 'o', 0};
  wc.lpfnWndProc = on_message;
  wc.lpszClassName = cls;
  HWND hwnd = RegisterClassW(&wc) != 0 ? CreateWindowExW(0, cls, cls, 0, 0, 0, 0, 0, HWND_MESSAGE,
                                                         nullptr, nullptr, nullptr)
                                       : nullptr;
  check(hwnd != nullptr && up.lpWPUPostMessage(hwnd, WM_USER + 1, static_cast<WPARAM>(s),
                                               WSAMAKESELECTREPLY(FD_READ, 0)),
        "WPUPostMessage(FD_READ) to a message-only window");
  MSG m;
  if (hwnd != nullptr && PeekMessageW(&m, hwnd, 0, 0, PM_REMOVE)) DispatchMessageW(&m);
  check(last_wparam == static_cast<WPARAM>(s) && WSAGETSELECTEVENT(last_lparam) == FD_READ,
        "the window procedure got (socket, FD_READ)");
  if (hwnd != nullptr) DestroyWindow(hwnd);

  up.lpWPUCloseEvent(ov.hEvent, &err);
  check(up.lpWPUCloseSocketHandle(s, &err) == 0, "WPUCloseSocketHandle");
  std::printf("%s (header-only: no wpu library linked)\n", failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
