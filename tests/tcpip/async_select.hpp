// tests/tcpip/async_select.hpp - WSAAsyncSelect: one message per network
// event to a window of this thread (wParam the socket, lParam
// WSAMAKESELECTREPLY(event, error)), with the same re-enabling rules as
// WSAEventSelect; accept's socket inherits the listener's selection.
using namespace tcpip_test;

namespace tcpip_test {

constexpr UINT wm_socket = WM_USER + 0x51;

struct select_message {
  SOCKET s;
  LONG event;
  int error;
};

// The window procedure's record; only the test's thread touches it.
inline std::vector<select_message>& messages() {
  static std::vector<select_message> m;
  return m;
}

inline LRESULT CALLBACK record_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
  if (msg != wm_socket) return DefWindowProcW(hwnd, msg, wparam, lparam);
  messages().push_back(select_message{static_cast<SOCKET>(wparam),
                                      static_cast<LONG>(WSAGETSELECTEVENT(lparam)),
                                      static_cast<int>(WSAGETSELECTERROR(lparam))});
  return 0;
}

// A message-only window of the calling thread that records wm_socket.
class message_window {
 public:
  message_window() {
    static const WCHAR name[] = {'w', 'p', 'u', 't', 'c', 'p', 'i', 'p', 0};
    WNDCLASSW wc{};
    wc.lpfnWndProc = record_proc;
    wc.lpszClassName = name;
    class_ = RegisterClassW(&wc) != 0;
    hwnd_ =
        CreateWindowExW(0, name, nullptr, 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr, nullptr, nullptr);
    REQUIRE(hwnd_ != nullptr);
    messages().clear();
  }
  ~message_window() {
    DestroyWindow(hwnd_);
    static const WCHAR name[] = {'w', 'p', 'u', 't', 'c', 'p', 'i', 'p', 0};
    if (class_) UnregisterClassW(name, nullptr);
  }
  message_window(const message_window&) = delete;
  message_window& operator=(const message_window&) = delete;
  HWND get() const { return hwnd_; }

  // Dispatches this thread's messages until a wm_socket message for (s,
  // event) was recorded or `ms` elapse; true when it was.
  bool wait_for(SOCKET s, LONG event, DWORD ms = soon_ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    for (;;) {
      pump();
      if (count(s, event) > 0) return true;
      if (std::chrono::steady_clock::now() >= end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  // Dispatches for `ms` without a goal.
  void pump_for(DWORD ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) {
      pump();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    pump();
  }
  static int count(SOCKET s, LONG event) {
    int n = 0;
    for (const select_message& m : messages())
      if (m.s == s && m.event == event) ++n;
    return n;
  }
  static int error_of(SOCKET s, LONG event) {
    for (const select_message& m : messages())
      if (m.s == s && m.event == event) return m.error;
    return -1;
  }

 private:
  static void pump() {
    MSG msg;
    while (PeekMessageW(&msg, nullptr, 0, 0, PM_REMOVE)) DispatchMessageW(&msg);
  }
  HWND hwnd_ = nullptr;
  bool class_ = false;
};

}  // namespace tcpip_test

TEST_CASE_TEMPLATE("tcpip: WSAAsyncSelect on TCP", F, ipv4, ipv6) {
  session app;
  message_window win;
  listening l = make_listener(F::af);
  REQUIRE(wpu_wsa_async_select(l.s, win.get(), wm_socket,
                               FD_ACCEPT | FD_READ | FD_WRITE | FD_CLOSE) == 0);
  sock c = make_socket(F::af, SOCK_STREAM);
  REQUIRE(wpu_wsa_async_select(c, win.get(), wm_socket,
                               FD_CONNECT | FD_READ | FD_WRITE | FD_CLOSE) == 0);
  const int rc = wpu_connect(c, l.at.sa(), l.at.len);
  if (rc == SOCKET_ERROR) CHECK(WSAGetLastError() == WSAEWOULDBLOCK);
  CHECK(win.wait_for(c.get(), FD_CONNECT));
  CHECK(win.error_of(c.get(), FD_CONNECT) == 0);
  CHECK(win.wait_for(c.get(), FD_WRITE));
  CHECK(win.wait_for(l.s.get(), FD_ACCEPT));
  // FD_CONNECT comes before the first FD_WRITE.
  int connect_at = -1, write_at = -1;
  for (std::size_t i = 0; i < messages().size(); ++i) {
    if (messages()[i].s != c.get()) continue;
    if (messages()[i].event == FD_CONNECT && connect_at < 0) connect_at = static_cast<int>(i);
    if (messages()[i].event == FD_WRITE && write_at < 0) write_at = static_cast<int>(i);
  }
  CHECK(connect_at < write_at);

  // The accepted socket has the listener's selection: FD_WRITE, then FD_READ.
  sock s(wpu_accept(l.s, nullptr, nullptr));
  REQUIRE(s.valid());
  CHECK(win.wait_for(s.get(), FD_WRITE));
  send_all(c, "hello");
  CHECK(win.wait_for(s.get(), FD_READ));
  send_all(c, "again");
  win.pump_for(quiet_ms);
  CHECK(message_window::count(s.get(), FD_READ) == 1);
  char b[32];
  CHECK(wpu_recv(s, b, 3, 0) == 3);  // data left: FD_READ is posted again
  win.pump_for(quiet_ms);
  CHECK(message_window::count(s.get(), FD_READ) == 2);
  CHECK(wpu_recv(s, b, sizeof b, 0) == 7);
  win.pump_for(quiet_ms);
  CHECK(message_window::count(s.get(), FD_READ) == 2);
  CHECK(message_window::count(l.s.get(), FD_ACCEPT) == 1);

  // The peer closes: FD_CLOSE once, error 0.
  CHECK(c.close() == 0);
  CHECK(win.wait_for(s.get(), FD_CLOSE));
  CHECK(win.error_of(s.get(), FD_CLOSE) == 0);
  CHECK(wpu_recv(s, b, sizeof b, 0) == 0);
  win.pump_for(quiet_ms);
  CHECK(message_window::count(s.get(), FD_CLOSE) == 1);
  // The socket is non-blocking while selected.
  ULONG off = 0;
  TCPIP_FAILS_WITH(wpu_ioctlsocket(s, FIONBIO, &off), SOCKET_ERROR, WSAEINVAL);
}

TEST_CASE_TEMPLATE("tcpip: WSAAsyncSelect on UDP", F, ipv4, ipv6) {
  session app;
  message_window win;
  udp_pair p = make_udp_pair(F::af);
  REQUIRE(wpu_wsa_async_select(p.b, win.get(), wm_socket, FD_READ | FD_WRITE) == 0);
  CHECK(win.wait_for(p.b.get(), FD_WRITE));
  CHECK(wpu_sendto(p.a, "dg", 2, 0, p.b_at.sa(), p.b_at.len) == 2);
  CHECK(win.wait_for(p.b.get(), FD_READ));
  char b[8];
  CHECK(wpu_recvfrom(p.b, b, sizeof b, 0, nullptr, nullptr) == 2);
  TCPIP_FAILS_WITH(wpu_recvfrom(p.b, b, sizeof b, 0, nullptr, nullptr), SOCKET_ERROR,
                   WSAEWOULDBLOCK);
  win.pump_for(quiet_ms);
  CHECK(message_window::count(p.b.get(), FD_READ) == 1);
  // lEvent 0 stops the messages.
  REQUIRE(wpu_wsa_async_select(p.b, win.get(), 0, 0) == 0);
  CHECK(wpu_sendto(p.a, "dg", 2, 0, p.b_at.sa(), p.b_at.len) == 2);
  win.pump_for(quiet_ms);
  CHECK(message_window::count(p.b.get(), FD_READ) == 1);
}

TEST_CASE_TEMPLATE("tcpip: WSAAsyncSelect: FD_CONNECT carries WSAECONNREFUSED", F, ipv4, ipv6) {
  session app;
  message_window win;
  endpoint dead;
  {
    listening l = make_listener(F::af);
    dead = l.at;
  }
  sock c = make_socket(F::af, SOCK_STREAM);
  REQUIRE(wpu_wsa_async_select(c, win.get(), wm_socket, FD_CONNECT | FD_WRITE | FD_CLOSE) == 0);
  TCPIP_FAILS_WITH(wpu_connect(c, dead.sa(), dead.len), SOCKET_ERROR, WSAEWOULDBLOCK);
  CHECK(win.wait_for(c.get(), FD_CONNECT, 10000));
  CHECK(message_window::error_of(c.get(), FD_CONNECT) == WSAECONNREFUSED);
  win.pump_for(quiet_ms);
  CHECK(message_window::count(c.get(), FD_CONNECT) == 1);
  CHECK(message_window::count(c.get(), FD_WRITE) == 0);
}

TEST_CASE("tcpip: WSAAsyncSelect with a window that does not exist: WSAEINVAL") {
  session app;
  sock s = make_socket(AF_INET, SOCK_STREAM);
  HWND gone = nullptr;
  {
    message_window win;
    gone = win.get();
  }  // destroyed
  // Wine 8 accepts any window handle; Windows documents WSAEINVAL
  // (WSAAsyncSelect: "the window handle not referring to an existing window").
  if (!under_wine())
    TCPIP_FAILS_WITH(wpu_wsa_async_select(s, gone, wm_socket, FD_READ), SOCKET_ERROR, WSAEINVAL);
}
