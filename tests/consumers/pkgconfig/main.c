/* A C99 program built from the installed wpu through pkg-config (wpu.pc):
 * tests/consumers/consumer.py compiles it with `pkg-config --cflags --libs
 * wpu` and runs it. It uses the C API as a provider and its client do: the
 * upcall table of the default backend, an event the "provider" sets from
 * another thread and the client waits for, and a socket handle whose
 * context comes back from WPUQuerySocketHandleContext. Prints one line per
 * check and "ok" last; exit status 0 only when every check passed. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <wpu/winapi.h>
#include <wpu/wpu.h>

static int failures = 0;

static void check(int ok, const char* what) {
  printf("%-52s %s\n", what, ok ? "ok" : "FAILED");
  if (!ok) ++failures;
}

struct setter {
  WSPUPCALLTABLE* up;
  WSAEVENT event;
  int result;
};

/* Runs on its own thread: sets the event the main thread waits for. */
static void* set_from_thread(void* arg) {
  struct setter* s = (struct setter*)arg;
  int err = 0;
  s->result = s->up->lpWPUSetEvent(s->event, &err) ? 0 : err;
  return NULL;
}

int main(void) {
  WSPUPCALLTABLE up;
  WSAPROTOCOL_INFOW info;
  static const WCHAR path[] = {'c', 'o', 'n', 's', 'u', 'm', 'e', 'r', 0};
  static int state;
  DWORD id = 0;
  DWORD_PTR context = 0;
  int err = 0;
  SOCKET s;
  WSAEVENT event;
  struct setter setter;
  pthread_t thread;

  check(wpu_get_upcall_table(&up) == 0 && up.lpWPUCreateSocketHandle != NULL,
        "wpu_get_upcall_table");

  memset(&info, 0, sizeof info);
  info.ProtocolChain.ChainLen = BASE_PROTOCOL;
  check(wpu_catalog_add(&info, path, &id) == 0 && id >= 1001, "wpu_catalog_add: an entry id");

  s = up.lpWPUCreateSocketHandle(id, (DWORD_PTR)&state, &err);
  check(s != INVALID_SOCKET, "WPUCreateSocketHandle");
  check(up.lpWPUQuerySocketHandleContext(s, &context, &err) == 0 && context == (DWORD_PTR)&state,
        "WPUQuerySocketHandleContext gives the context back");

  event = up.lpWPUCreateEvent(&err);
  check(event != WSA_INVALID_EVENT, "WPUCreateEvent");
  check(WSAWaitForMultipleEvents(1, &event, FALSE, 0, FALSE) == WSA_WAIT_TIMEOUT,
        "a new event is not signalled");
  setter.up = &up;
  setter.event = event;
  setter.result = -1;
  if (pthread_create(&thread, NULL, set_from_thread, &setter) != 0) {
    printf("pthread_create failed\n");
    return 1;
  }
  check(WSAWaitForMultipleEvents(1, &event, FALSE, 5000, FALSE) == WSA_WAIT_EVENT_0,
        "WPUSetEvent on another thread wakes the wait");
  pthread_join(thread, NULL);
  check(setter.result == 0, "WPUSetEvent succeeded");
  check(up.lpWPUCloseEvent(event, &err), "WPUCloseEvent");

  check(up.lpWPUCloseSocketHandle(s, &err) == 0, "WPUCloseSocketHandle");
  check(up.lpWPUQuerySocketHandleContext(s, &context, &err) == SOCKET_ERROR && err == WSAENOTSOCK,
        "the closed handle is refused with WSAENOTSOCK");
  check(wpu_catalog_remove(id) == 0, "wpu_catalog_remove");

  printf("%s\n", failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
