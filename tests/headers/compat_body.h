/*
 * tests/headers/compat_body.h - the checks shared by the compatibility
 * folder's tests (compat_c.c, compat_cpp.cpp), included after the unit's
 * own include order: the Windows names resolve, with Win64 sizes and
 * Windows' values, in C and C++, ANSI and UNICODE. compat_checks() returns
 * the number of failures (each printed).
 */
#include <stdio.h>

#define COMPAT_EXPECT(cond)                                              \
  do {                                                                   \
    if (!(cond)) {                                                       \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                        \
    }                                                                    \
  } while (0)

/* Win64 sizes (the abi-layout test compares the same ones with mingw-w64). */
WPU_STATIC_ASSERT(sizeof(WSAPROTOCOL_INFOA) == 372, "WSAPROTOCOL_INFOA");
WPU_STATIC_ASSERT(sizeof(WSAPROTOCOL_INFOW) == 628, "WSAPROTOCOL_INFOW");
WPU_STATIC_ASSERT(sizeof(SOCKADDR_STORAGE) == 128, "SOCKADDR_STORAGE");
WPU_STATIC_ASSERT(sizeof(u_long) == 4, "u_long is Windows' 32-bit type");
WPU_STATIC_ASSERT(sizeof(LIST_ENTRY) == 16, "LIST_ENTRY");
WPU_STATIC_ASSERT(sizeof(WSAMSG) == 56, "WSAMSG");
WPU_STATIC_ASSERT(sizeof(WSAPOLLFD) == 16, "WSAPOLLFD");
WPU_STATIC_ASSERT(sizeof(LARGE_INTEGER) == 8 && sizeof(ULONG64) == 8, "64-bit types");
WPU_STATIC_ASSERT(sizeof(HRESULT) == 4 && sizeof(BOOLEAN) == 1 && sizeof(USHORT) == 2, "scalars");
WPU_STATIC_ASSERT(sizeof(struct tcp_keepalive) == 12, "tcp_keepalive");
#ifdef UNICODE
WPU_STATIC_ASSERT(sizeof(TCHAR) == 2 && sizeof(WSAPROTOCOL_INFO) == 628, "UNICODE: W");
#else
WPU_STATIC_ASSERT(sizeof(TCHAR) == 1 && sizeof(WSAPROTOCOL_INFO) == 372, "ANSI: A");
#endif

/* The generic names are the A or W functions, by UNICODE (a wrong pick does
   not compile: the pointer types differ). */
#ifdef UNICODE
static SOCKET (*const compat_socket_fn)(int, int, int, LPWSAPROTOCOL_INFOW, GROUP,
                                        DWORD) = WSASocket;
static int (*const compat_enum_fn)(LPINT, LPWSAPROTOCOL_INFOW, LPDWORD) = WSAEnumProtocols;
static int (*const compat_dup_fn)(SOCKET, DWORD, LPWSAPROTOCOL_INFOW) = WSADuplicateSocket;
#else
static SOCKET (*const compat_socket_fn)(int, int, int, LPWSAPROTOCOL_INFOA, GROUP,
                                        DWORD) = WSASocket;
static int (*const compat_enum_fn)(LPINT, LPWSAPROTOCOL_INFOA, LPDWORD) = WSAEnumProtocols;
static int (*const compat_dup_fn)(SOCKET, DWORD, LPWSAPROTOCOL_INFOA) = WSADuplicateSocket;
#endif

typedef struct compat_item {
  int value;
  LIST_ENTRY link;
} compat_item;

/* The list helpers, through wpu's names (the Windows names need
   WPU_LIST_HELPERS; compat_provider.c uses those). */
static int compat_list_checks(void) {
  int failures = 0;
  LIST_ENTRY head;
  compat_item a, b, c;
  a.value = 1;
  b.value = 2;
  c.value = 3;
  wpu_initialize_list_head(&head);
  COMPAT_EXPECT(wpu_is_list_empty(&head));
  COMPAT_EXPECT(wpu_remove_head_list(&head) == &head); /* empty: the head itself */
  wpu_insert_tail_list(&head, &b.link);
  wpu_insert_head_list(&head, &a.link);
  wpu_insert_tail_list(&head, &c.link);
  COMPAT_EXPECT(!wpu_is_list_empty(&head));
  COMPAT_EXPECT(CONTAINING_RECORD(head.Flink, compat_item, link)->value == 1);
  COMPAT_EXPECT(CONTAINING_RECORD(head.Blink, compat_item, link)->value == 3);
  COMPAT_EXPECT(CONTAINING_RECORD(a.link.Flink, compat_item, link)->value == 2);
  COMPAT_EXPECT(wpu_remove_entry_list(&b.link) == FALSE); /* a and c remain */
  COMPAT_EXPECT(a.link.Flink == &c.link && c.link.Blink == &a.link);
  COMPAT_EXPECT(wpu_remove_tail_list(&head) == &c.link);
  COMPAT_EXPECT(wpu_remove_entry_list(&a.link) == TRUE); /* now empty */
  COMPAT_EXPECT(wpu_is_list_empty(&head) && head.Blink == &head);
  return failures;
}

static int compat_checks(void) {
  int failures = compat_list_checks();
  int i = 0;

  /* Winsock's values, replacing the C library's. */
  COMPAT_EXPECT(SOL_SOCKET == 0xffff && AF_INET6 == 23 && SO_REUSEADDR == 4);
  COMPAT_EXPECT(POLLRDNORM == 0x0100 && POLLIN == 0x0300 && POLLOUT == 0x0010);
  COMPAT_EXPECT(POLLERR == 1 && POLLHUP == 2 && POLLNVAL == 4 && POLLPRI == 0x0400);
  COMPAT_EXPECT(SIO_LOOPBACK_FAST_PATH == 0x98000010u && SIO_KEEPALIVE_VALS == 0x98000004u);
  COMPAT_EXPECT(SIO_UDP_CONNRESET == 0x9800000Cu && SIO_BASE_HANDLE == 0x48000022u);
  COMPAT_EXPECT(SO_UPDATE_ACCEPT_CONTEXT == 0x700B && WSA_FLAG_OVERLAPPED == 1);
  COMPAT_EXPECT(SO_PROTOCOL_INFOA == 0x2004 && SO_PROTOCOL_INFOW == 0x2005);
#ifdef UNICODE
  COMPAT_EXPECT(SO_PROTOCOL_INFO == SO_PROTOCOL_INFOW);
#else
  COMPAT_EXPECT(SO_PROTOCOL_INFO == SO_PROTOCOL_INFOA);
#endif

  /* HRESULT. */
  COMPAT_EXPECT(HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER) == E_INVALIDARG);
  COMPAT_EXPECT(HRESULT_FROM_WIN32(ERROR_NOT_ENOUGH_MEMORY) == (HRESULT)0x80070008L);
  COMPAT_EXPECT(HRESULT_FROM_WIN32(ERROR_SUCCESS) == S_OK);
  COMPAT_EXPECT(HRESULT_FROM_WIN32(E_FAIL) == E_FAIL); /* negative: unchanged */
  COMPAT_EXPECT(SUCCEEDED(S_OK) && SUCCEEDED(S_FALSE) && FAILED(E_FAIL));
  COMPAT_EXPECT(FAILED(E_OUTOFMEMORY) && HRESULT_CODE(E_OUTOFMEMORY) == 14);
  COMPAT_EXPECT(HRESULT_FACILITY(E_INVALIDARG) == FACILITY_WIN32);

  /* Helpers. */
  {
    char buf[MAX_PATH];
    COMPAT_EXPECT(ARRAYSIZE(buf) == 260 && _countof(buf) == 260);
    COMPAT_EXPECT(FIELD_OFFSET(WSAPROTOCOL_INFOA, szProtocol) == 116);
    COMPAT_EXPECT(FIELD_OFFSET(compat_item, link) == 8);
  }

  /* TCHAR. */
  {
    const TCHAR* t = TEXT("wpu");
    TCHAR copy[8];
    COMPAT_EXPECT(t[0] == 'w' && t[2] == 'u' && t[3] == 0);
    COMPAT_EXPECT(_tcslen(_T("abc")) == 3);
    COMPAT_EXPECT(_tcscmp(_T("abc"), _T("abd")) < 0 && _tcscmp(_T("b"), _T("a")) > 0);
    COMPAT_EXPECT(_tcscmp(_tcscpy(copy, _T("xy")), _T("xy")) == 0);
    _tcsncpy(copy, _T("ab"), 5); /* pads with NULs */
    COMPAT_EXPECT(copy[0] == 'a' && copy[2] == 0 && copy[4] == 0);
    _tcscat(copy, _T("cd"));
    COMPAT_EXPECT(_tcscmp(copy, _T("abcd")) == 0 && _tcschr(copy, 'c') == copy + 2);
    COMPAT_EXPECT(_tcschr(copy, 'z') == NULL && _tcsncmp(copy, _T("abX"), 2) == 0);
  }

  /* __try/__except: the body runs, the handler never; __finally runs after
     the body. */
  __try {
    i += 1;
  } __except (EXCEPTION_EXECUTE_HANDLER) {
    i += 100;
  }
  __try {
    i += 10;
  } __finally {
    i += 1000;
  }
  COMPAT_EXPECT(i == 1011);

  /* The host's functions through Windows' names (and u_long as their type):
     before WSAStartup each fails with WSANOTINITIALISED. */
  {
    u_long arg = 1;
    DWORD len = 0;
    COMPAT_EXPECT(ioctlsocket(INVALID_SOCKET, FIONBIO, &arg) == SOCKET_ERROR);
    COMPAT_EXPECT(WSAGetLastError() == WSANOTINITIALISED);
    COMPAT_EXPECT(compat_enum_fn(NULL, NULL, &len) == SOCKET_ERROR);
    COMPAT_EXPECT(WSAGetLastError() == WSANOTINITIALISED);
    COMPAT_EXPECT(compat_socket_fn(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED) ==
                  INVALID_SOCKET);
    COMPAT_EXPECT(WSAGetLastError() == WSANOTINITIALISED);
    COMPAT_EXPECT(compat_dup_fn(INVALID_SOCKET, 1, NULL) == SOCKET_ERROR);
    COMPAT_EXPECT(WSAGetLastError() == WSANOTINITIALISED);
  }
  return failures;
}
