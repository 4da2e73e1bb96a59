/* async_select - WSAAsyncSelect notifications the way a provider posts them.
 *
 * A client asked for (FD_READ | FD_CLOSE) on one socket with WSAAsyncSelect,
 * naming a window and a message. The provider (here: a worker thread that
 * plays the network) must then post one message per event with
 * WPUPostMessage: wParam = the socket the client knows, lParam =
 * WSAMAKESELECTREPLY(event, error). wpu_post_select_reply does that post.
 * What it leaves to the provider is the bookkeeping Winsock specifies: after
 * posting FD_READ, post no further FD_READ until the client calls the
 * "re-enabling function" (recv), even if more data arrives; FD_CLOSE is posted
 * once. Here `armed` holds the enabled events, the client's recv re-arms
 * FD_READ, and every datagram is received exactly once. The client's window
 * procedure runs on the client's thread, inside DispatchMessageW.
 * The same source builds on Windows (real user32) and on POSIX.
 */
#include <wpu/winapi.h>
#include <wpu/wpu.h>

#include <stdio.h>

#if defined(_WIN32)
#  include <windows.h>
#else
#  include <pthread.h>
#endif

#define WM_SOCKET (WM_USER + 1)
#define DATAGRAMS 5

static WSPUPCALLTABLE upcalls;
static HWND client_window;
static SOCKET client_socket;

/* The provider's state for the socket (a real provider keeps it in the
   socket's context). Events still enabled, datagrams waiting, whether the
   peer closed. One lock guards it all: the network thread and the client's
   recv both change it. */
static struct {
#if defined(_WIN32)
  CRITICAL_SECTION lock;
#else
  pthread_mutex_t lock;
#endif
  LONG armed;
  int queued;
  int next_payload;
  int closed;
} sock;

static void lock(void) {
#if defined(_WIN32)
  EnterCriticalSection(&sock.lock);
#else
  pthread_mutex_lock(&sock.lock);
#endif
}

static void unlock(void) {
#if defined(_WIN32)
  LeaveCriticalSection(&sock.lock);
#else
  pthread_mutex_unlock(&sock.lock);
#endif
}

/* Lock held: post `event` if it is enabled, and disable it until re-enabled. */
static void notify(LONG event) {
  if ((sock.armed & event) == 0) return;
  if (wpu_post_select_reply(&upcalls, client_window, WM_SOCKET, client_socket, event, 0))
    sock.armed &= ~event;
}

/* The provider's WSPRecv, reduced to what matters here: it is FD_READ's
   re-enabling function, and re-posts FD_READ at once if data is still there. */
static int provider_recv(void) {
  int payload = -1;
  lock();
  if (sock.queued > 0) {
    --sock.queued;
    payload = sock.next_payload++;
  }
  sock.armed |= FD_READ;
  if (sock.queued > 0) notify(FD_READ);
  unlock();
  return payload;
}

/* The network: datagrams arrive in a burst (one FD_READ covers them until
   the client reads), then the peer closes. */
#if defined(_WIN32)
static DWORD WINAPI network(LPVOID unused)
#else
static void* network(void* unused)
#endif
{
  int i;
  (void)unused;
  for (i = 0; i < DATAGRAMS; ++i) {
    lock();
    ++sock.queued;
    notify(FD_READ);
    unlock();
  }
  lock();
  sock.closed = 1;
  notify(FD_CLOSE);
  unlock();
  return 0;
}

static int received;

/* "client" in UTF-16 (C99 has no u"" literals). */
static const WCHAR class_name[] = {'c', 'l', 'i', 'e', 'n', 't', 0};

static LRESULT CALLBACK client_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
  if (msg != WM_SOCKET) return DefWindowProcW(hwnd, msg, wparam, lparam);
  if ((SOCKET)wparam != client_socket) return 0;
  switch (WSAGETSELECTEVENT(lparam)) {
    case FD_READ: {
      int payload = provider_recv(); /* recv: re-enables FD_READ */
      if (payload >= 0) {
        printf("client: FD_READ, received datagram %d\n", payload);
        ++received;
      }
      break;
    }
    case FD_CLOSE:
      /* Windows posts FD_CLOSE once the data is read; drain the rest. */
      while (provider_recv() >= 0) ++received;
      printf("client: FD_CLOSE (error %d), %d datagrams in all\n", WSAGETSELECTERROR(lparam),
             received);
      PostQuitMessage(received == DATAGRAMS ? 0 : 1);
      break;
  }
  return 0;
}

int main(void) {
  WNDCLASSW wc = {0};
  MSG msg;
  int rc;
#if defined(_WIN32)
  HANDLE thread;
  InitializeCriticalSection(&sock.lock);
#else
  pthread_t thread;
  pthread_mutex_init(&sock.lock, NULL);
#endif
  if (wpu_get_upcall_table(&upcalls) != 0) return 1;

  wc.lpfnWndProc = client_proc;
  wc.lpszClassName = class_name;
  if (!RegisterClassW(&wc)) return 1;
  client_window =
      CreateWindowExW(0, wc.lpszClassName, NULL, 0, 0, 0, 0, 0, HWND_MESSAGE, NULL, NULL, NULL);
  if (client_window == NULL) return 1;
  /* The handle the client knows: what the provider's WSPSocket returned
     (for a layered provider, WPUCreateSocketHandle's result). */
  client_socket = (SOCKET)0x1234;

  /* WSAAsyncSelect(s, client_window, WM_SOCKET, FD_READ | FD_CLOSE) reached
     the provider: both events enabled. */
  sock.armed = FD_READ | FD_CLOSE;
#if defined(_WIN32)
  thread = CreateThread(NULL, 0, network, NULL, 0, NULL);
  if (thread == NULL) return 1;
#else
  if (pthread_create(&thread, NULL, network, NULL) != 0) return 1;
#endif

  while ((rc = GetMessageW(&msg, NULL, 0, 0)) > 0) DispatchMessageW(&msg);

#if defined(_WIN32)
  WaitForSingleObject(thread, INFINITE);
  CloseHandle(thread);
#else
  pthread_join(thread, NULL);
#endif
  DestroyWindow(client_window);
  UnregisterClassW(wc.lpszClassName, NULL);
  printf("async_select: %s\n", rc == 0 && msg.wParam == 0 ? "ok" : "FAILED");
  return rc == 0 && msg.wParam == 0 ? 0 : 1;
}
