/*
 * tests/leaks/provider.c - a base provider that leaks: the recording
 * provider (tests/providers/recording.c, built here with its WSPStartup
 * renamed) whose WSPStartup also makes an event, a socket handle for its
 * catalog entry and a thread id through the upcall table and never closes
 * them, so the host's leak report at this provider's WSPCleanup names them
 * (tests/leaks.cpp). leak_get returns the three handle values.
 *
 * Threads: WSPStartup runs under the host's mutex; leak_get may be called
 * from any thread after it.
 */
#define REC_TAG 3
#define WSPStartup rec_inner_startup
#include "../providers/recording.c"
#undef WSPStartup

static SOCKET leaked_socket_ = INVALID_SOCKET;
static WSAEVENT leaked_event_ = NULL;
static WSATHREADID leaked_thread_;

__declspec(dllexport) int WSPAPI WSPStartup(WORD version, LPWSPDATA data, LPWSAPROTOCOL_INFOW info,
                                            WSPUPCALLTABLE upcalls, LPWSPPROC_TABLE procs) {
  int e = 0;
  int rc = rec_inner_startup(version, data, info, upcalls, procs);
  if (rc != 0) return rc;
  leaked_event_ = upcalls.lpWPUCreateEvent(&e);
  leaked_socket_ = upcalls.lpWPUCreateSocketHandle(info->dwCatalogEntryId, 0, &e);
  if (upcalls.lpWPUOpenCurrentThread(&leaked_thread_, &e) != 0) leaked_thread_.ThreadHandle = NULL;
  return 0;
}

/* The handles WSPStartup leaked (as unsigned integers). */
__declspec(dllexport) void leak_get(unsigned long long* event, unsigned long long* socket,
                                    unsigned long long* thread) {
  *event = (unsigned long long)(ULONG_PTR)leaked_event_;
  *socket = (unsigned long long)leaked_socket_;
  *thread = (unsigned long long)(ULONG_PTR)leaked_thread_.ThreadHandle;
}
