/*
 * tests/headers/compat_provider.c - provider code as it is written for
 * Windows (annotations, SAL, __declspec, WINAPI, __try, a LIST_ENTRY list
 * with the wdm.h helper names under a critical section, HeapAlloc, HRESULT,
 * TCHAR, strsafe), compiled unchanged through the compatibility folder.
 * compat_provider_run() returns the number of failures.
 */
#define WPU_LIST_HELPERS /* the wdm.h names (not in user-mode <windows.h>) */
#include <winsock2.h>
#include <ws2spi.h>
#include <windows.h>
#include <strsafe.h>
#include <tchar.h>

#include <stdio.h>

typedef struct _SOCK_INFO {
  LIST_ENTRY Link;
  SOCKET Socket;
  DWORD_PTR Context;
} SOCK_INFO, *PSOCK_INFO;

static LIST_ENTRY g_SocketList;
static CRITICAL_SECTION g_ListLock;
static int g_Failures = 0;

#define CHECK_THAT(cond)                                                 \
  do {                                                                   \
    if (!(cond)) {                                                       \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
      ++g_Failures;                                                      \
    }                                                                    \
  } while (0)

__declspec(dllexport) int WINAPI
    CompatAddSocket(IN SOCKET s, IN DWORD_PTR context, OUT PSOCK_INFO* info OPTIONAL) {
  PSOCK_INFO p = (PSOCK_INFO)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(SOCK_INFO));
  if (p == NULL) return WSAENOBUFS;
  p->Socket = s;
  p->Context = context;
  EnterCriticalSection(&g_ListLock);
  InsertTailList(&g_SocketList, &p->Link);
  LeaveCriticalSection(&g_ListLock);
  if (info != NULL) *info = p;
  return NO_ERROR;
}

static PSOCK_INFO CALLBACK FindSocket(_In_ SOCKET s) {
  PLIST_ENTRY e;
  for (e = g_SocketList.Flink; e != &g_SocketList; e = e->Flink) {
    PSOCK_INFO p = CONTAINING_RECORD(e, SOCK_INFO, Link);
    if (p->Socket == s) return p;
  }
  return NULL;
}

_Must_inspect_result_ _Success_(return == 0) static int APIENTRY
    RemoveSocket(_In_ SOCKET s, _Out_opt_ DWORD_PTR* context, __in_opt LPVOID reserved) {
  PSOCK_INFO p;
  UNREFERENCED_PARAMETER(reserved);
  p = FindSocket(s);
  if (p == NULL) return WSAENOTSOCK;
  EnterCriticalSection(&g_ListLock);
  __try {
    if (context != NULL) *context = p->Context;
  } __finally {
    RemoveEntryList(&p->Link);
    LeaveCriticalSection(&g_ListLock);
    HeapFree(GetProcessHeap(), 0, p);
  }
  return 0;
}

static HRESULT PASCAL Describe(__out_ecount(cch) LPTSTR buffer, _In_ size_t cch,
                               _In_reads_(n) CONST SOCKET* sockets, _In_ int n) {
  int i;
  size_t used = 0;
  if (buffer == NULL || cch == 0) return E_INVALIDARG;
  buffer[0] = 0;
  for (i = 0; i < n; ++i) {
    if (used + 2 > cch) return HRESULT_FROM_WIN32(122) /* ERROR_INSUFFICIENT_BUFFER */;
    buffer[used++] = FindSocket(sockets[i]) != NULL ? _T('+') : _T('-');
    buffer[used] = 0;
  }
  return S_OK;
}

int compat_provider_run(void) {
  SOCKET socks[3] = {7, 8, 9};
  PSOCK_INFO info = NULL;
  DWORD_PTR ctx = 0;
  TCHAR text[8];
  u_long nonblocking = 1;

  InitializeCriticalSection(&g_ListLock);
  InitializeListHead(&g_SocketList);
  CHECK_THAT(IsListEmpty(&g_SocketList));
  CHECK_THAT(CompatAddSocket(7, 70, &info) == NO_ERROR && info != NULL && info->Context == 70);
  CHECK_THAT(CompatAddSocket(9, 90, NULL) == NO_ERROR);
  CHECK_THAT(SUCCEEDED(Describe(text, ARRAYSIZE(text), socks, 3)));
  CHECK_THAT(_tcscmp(text, _T("+-+")) == 0);
  CHECK_THAT(Describe(text, 2, socks, 3) == HRESULT_FROM_WIN32(122));
  CHECK_THAT(Describe(NULL, 2, socks, 3) == E_INVALIDARG);
  CHECK_THAT(RemoveSocket(7, &ctx, NULL) == 0 && ctx == 70);
  CHECK_THAT(RemoveSocket(7, &ctx, NULL) == WSAENOTSOCK);
  CHECK_THAT(!IsListEmpty(&g_SocketList));
  CHECK_THAT(RemoveSocket(9, NULL, NULL) == 0);
  CHECK_THAT(IsListEmpty(&g_SocketList));
  CHECK_THAT(sizeof nonblocking == 4);
  /* strsafe through <strsafe.h>: TCHAR-generic, truncation reported. */
  CHECK_THAT(StringCchCopy(text, ARRAYSIZE(text), TEXT("abc")) == S_OK);
  CHECK_THAT(_tcscmp(text, _T("abc")) == 0);
  CHECK_THAT(StringCchCopy(text, 3, TEXT("abcdef")) == STRSAFE_E_INSUFFICIENT_BUFFER);
  CHECK_THAT(_tcscmp(text, _T("ab")) == 0);
  DeleteCriticalSection(&g_ListLock);
  return g_Failures;
}
