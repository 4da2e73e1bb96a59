/*
 * tests/providers/failing.c - a provider that fails its start in one way,
 * chosen when it is built (-DFAIL_MODE=<one of enum fail_mode>):
 *   FAIL_NO_STARTUP   exports no WSPStartup (built with
 *                     -DWSPStartup=<another name> as well);
 *   FAIL_VERSION      WSPStartup returns WSAVERNOTSUPPORTED;
 *   FAIL_NEGOTIATE    WSPStartup succeeds with wVersion 1.1;
 *   FAIL_NULL_SLOT    WSPStartup leaves lpWSPShutdown NULL;
 *   FAIL_DLLMAIN      DllMain(DLL_PROCESS_ATTACH) returns FALSE.
 * It counts its entry points for the test (fail_get_state), which keeps the
 * module loaded itself to read them after the host has given up on it.
 */
#include <winsock2.h>
#include <ws2spi.h>
#include <windows.h>

#include "providers.h"

#define UNUSED(x) ((void)(x))

enum fail_mode { FAIL_NO_STARTUP = 1, FAIL_VERSION, FAIL_NEGOTIATE, FAIL_NULL_SLOT, FAIL_DLLMAIN };

static rec_state state_;

static int WSPAPI fail_cleanup(LPINT err) {
  UNUSED(err);
  ++state_.cleanups;
  return 0;
}

/* Every other slot: one function of the right type per signature family
   would need 29 definitions; the host never calls them (it fails the start
   first), so they share one body through casts of a generic pointer. */
static int WSPAPI fail_never(void) {
  return SOCKET_ERROR;
}

__declspec(dllexport) int WSPAPI WSPStartup(WORD version, LPWSPDATA data, LPWSAPROTOCOL_INFOW info,
                                            WSPUPCALLTABLE upcalls, LPWSPPROC_TABLE procs) {
  void (**slot)(void) = (void (**)(void))(void*)procs;
  size_t i;
  UNUSED(info);
  UNUSED(upcalls);
  ++state_.startups;
  state_.startup_version = version;
  if (FAIL_MODE == FAIL_VERSION) return WSAVERNOTSUPPORTED;
  data->wVersion = MAKEWORD(2, 2);
  data->wHighVersion = MAKEWORD(2, 2);
  if (FAIL_MODE == FAIL_NEGOTIATE) {
    data->wVersion = MAKEWORD(1, 1);
    data->wHighVersion = MAKEWORD(1, 1);
  }
  for (i = 0; i < sizeof *procs / sizeof *slot; ++i) slot[i] = (void (*)(void))fail_never;
  procs->lpWSPCleanup = fail_cleanup;
  if (FAIL_MODE == FAIL_NULL_SLOT) procs->lpWSPShutdown = NULL;
  return 0;
}

__declspec(dllexport) BOOL WINAPI DllMain(HINSTANCE module, DWORD reason, LPVOID reserved) {
  UNUSED(module);
  UNUSED(reserved);
  if (reason == DLL_PROCESS_ATTACH) ++state_.attaches;
  if (reason == DLL_PROCESS_DETACH) ++state_.detaches;
  if (FAIL_MODE == FAIL_DLLMAIN && reason == DLL_PROCESS_ATTACH) return FALSE;
  return TRUE;
}

__declspec(dllexport) void fail_get_state(rec_state* out) {
  *out = state_;
}
