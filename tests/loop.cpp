// wpu::message_loop on both backends: Asio handlers, timers and sockets and
// window messages in one thread and one queue. Also wpu_post_select_reply,
// the WSAAsyncSelect helper.
#include <wpu/message_loop.hpp>
#include <wpu/winapi.h>
#include <wpu/wpu.h>

#include <doctest/doctest.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

// What ran on the loop's thread, in order, and whether anything ran elsewhere.
struct trace {
  DWORD loop_thread = ::GetCurrentThreadId();
  std::vector<int> seen;
  int elsewhere = 0;
  void add(int v) {
    if (::GetCurrentThreadId() != loop_thread) ++elsewhere;
    seen.push_back(v);
  }
};

trace* window_trace = nullptr;

// A window procedure that records WM_USER's wParam + 1000.
LRESULT CALLBACK tracing_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
  if (msg == WM_USER) {
    window_trace->add(1000 + static_cast<int>(wparam));
    return 0;
  }
  return DefWindowProcW(hwnd, msg, wparam, lparam);
}

// A message-only window of the calling thread with tracing_proc.
struct tracing_window {
  HWND hwnd = nullptr;
  explicit tracing_window(trace& t) {
    window_trace = &t;
    static const WCHAR name[] = WPU_WTEXT("wpu-test-loop");
    static const bool registered = [] {
      WNDCLASSW wc{};
      wc.lpfnWndProc = tracing_proc;
      wc.lpszClassName = name;
      return RegisterClassW(&wc) != 0;
    }();
    REQUIRE(registered);
    hwnd =
        CreateWindowExW(0, name, nullptr, 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr, nullptr, nullptr);
    REQUIRE(hwnd != nullptr);
  }
  ~tracing_window() { DestroyWindow(hwnd); }
};

// Counts how many copies of it were destroyed, and whether it ran.
struct counted {
  std::shared_ptr<int> destroyed = std::make_shared<int>(0);
  std::shared_ptr<int> ran = std::make_shared<int>(0);
};

}  // namespace

TEST_CASE("message_loop: handlers and window messages share the thread's queue, FIFO") {
  trace t;
  wpu::message_loop loop;
  tracing_window w(t);
  boost::asio::any_io_executor ex = loop.get_executor();
  // Another thread posts handler, message, handler, ... in one order: the
  // loop's thread sees exactly that order.
  std::thread poster([&] {
    for (int i = 0; i < 100; ++i) {
      boost::asio::post(ex, [&t, i] { t.add(i); });
      PostMessageW(w.hwnd, WM_USER, static_cast<WPARAM>(i), 0);
    }
    boost::asio::post(ex, [] { PostQuitMessage(3); });
  });
  poster.join();
  CHECK(t.seen.empty());  // nothing runs before the loop does
  CHECK(loop.run() == 201);
  CHECK(loop.quit_code() == 3);
  REQUIRE(t.seen.size() == 200);
  for (int i = 0; i < 100; ++i) {
    CHECK(t.seen[2 * static_cast<std::size_t>(i)] == i);
    CHECK(t.seen[2 * static_cast<std::size_t>(i) + 1] == 1000 + i);
  }
  CHECK(t.elsewhere == 0);
}

TEST_CASE("message_loop: four posting threads, each in order, none lost or twice") {
  trace t;
  wpu::message_loop loop;
  auto ex = loop.get_executor();
  static constexpr int per_thread = 2000;
  std::vector<std::thread> posters;
  std::atomic<int> done{0};
  for (int p = 0; p < 4; ++p)
    posters.emplace_back([&, p] {
      for (int i = 0; i < per_thread; ++i)
        boost::asio::post(ex, [&t, p, i] { t.add(p * per_thread + i); });
      if (done.fetch_add(1) == 3) boost::asio::post(ex, [] { PostQuitMessage(0); });
    });
  loop.run();  // runs while they post
  for (auto& th : posters) th.join();
  REQUIRE(t.seen.size() == 4 * per_thread);
  std::vector<int> next(4, 0);
  for (int v : t.seen) {
    const int p = v / per_thread;
    CHECK(v % per_thread == next[static_cast<std::size_t>(p)]);
    ++next[static_cast<std::size_t>(p)];
  }
  CHECK(t.elsewhere == 0);
}

TEST_CASE("message_loop: a timer's handler runs on the loop's thread") {
  trace t;
  wpu::message_loop loop;
  boost::asio::steady_timer timer(loop.get_executor(), 20ms);
  const auto start = std::chrono::steady_clock::now();
  timer.async_wait([&](boost::system::error_code ec) {
    t.add(ec ? -1 : 1);
    PostQuitMessage(0);
  });
  loop.run();
  CHECK(std::chrono::steady_clock::now() - start >= 20ms);
  CHECK(t.seen == std::vector<int>{1});
  CHECK(t.elsewhere == 0);
}

TEST_CASE("message_loop: TCP connect, accept, write and read complete on the loop's thread") {
  trace t;
  wpu::message_loop loop;
  using boost::asio::ip::tcp;
  tcp::acceptor acceptor(loop.get_executor(),
                         tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
  tcp::socket server(loop.get_executor());
  tcp::socket client(loop.get_executor());
  char buf[5] = {};
  acceptor.async_accept(server, [&](boost::system::error_code ec) {
    t.add(ec ? -1 : 1);
    boost::asio::async_read(server, boost::asio::buffer(buf),
                            [&](boost::system::error_code rec, std::size_t n) {
                              t.add(rec || n != 5 ? -3 : 3);
                              PostQuitMessage(0);
                            });
  });
  client.async_connect(acceptor.local_endpoint(), [&](boost::system::error_code ec) {
    t.add(ec ? -2 : 2);
    boost::asio::async_write(client, boost::asio::buffer("hello", 5),
                             [&](boost::system::error_code, std::size_t) {});
  });
  loop.run();
  CHECK(std::string(buf, 5) == "hello");
  REQUIRE(t.seen.size() == 3);
  CHECK(t.seen.back() == 3);
  CHECK(t.elsewhere == 0);
}

TEST_CASE("message_loop: dispatch on the loop's thread runs at once; post never does") {
  wpu::message_loop loop;
  int order = 0, dispatched = 0, posted = 0;
  boost::asio::dispatch(loop.get_executor(), [&] { dispatched = ++order; });
  CHECK(dispatched == 1);
  boost::asio::post(loop.get_executor(), [&] { posted = ++order; });
  CHECK(posted == 0);
  CHECK(loop.poll() == 1);
  CHECK(posted == 2);
  CHECK(loop.poll() == 0);  // nothing left: poll does not wait
}

TEST_CASE("message_loop: stop() from another thread ends run(); restart() resumes") {
  wpu::message_loop loop;
  std::atomic<bool> running{false};
  boost::asio::post(loop.get_executor(), [&] { running = true; });
  std::thread stopper([&] {
    while (!running) std::this_thread::yield();
    loop.stop();
  });
  loop.run();  // would wait for ever without stop()
  stopper.join();
  CHECK(loop.stopped());
  int after = 0;
  boost::asio::post(loop.get_executor(), [&] { after = 1; });
  CHECK(loop.run_one() == 0);  // stopped
  CHECK(after == 0);
  loop.restart();
  CHECK(loop.run_one() == 1);
  CHECK(after == 1);
}

TEST_CASE("message_loop: get_message runs handlers and returns the other messages") {
  trace t;
  wpu::message_loop loop;
  tracing_window w(t);
  boost::asio::post(loop.get_executor(), [&] { t.add(1); });
  PostMessageW(w.hwnd, WM_USER, 5, 0);
  boost::asio::post(loop.get_executor(), [&] { t.add(2); });
  PostQuitMessage(9);
  MSG m;
  CHECK(loop.get_message(&m) == TRUE);
  CHECK(m.hwnd == w.hwnd);
  CHECK(m.message == static_cast<UINT>(WM_USER));
  CHECK(m.wParam == 5);
  CHECK(t.seen == std::vector<int>{1});  // ran while get_message looked
  CHECK(loop.get_message(&m) == FALSE);  // handler 2 first, then WM_QUIT
  CHECK(m.message == static_cast<UINT>(WM_QUIT));
  CHECK(m.wParam == 9);
  CHECK(t.seen == std::vector<int>{1, 2});
}

TEST_CASE("message_loop: more handlers than the queue holds all run, in order") {
  // Windows refuses posts beyond 10,000 queued messages, wpu's POSIX queue
  // beyond 16,384 unseen ones: the rest wait in the loop's list.
#if defined(_WIN32)
  constexpr int n = 12000;  // Wine: every post is a server call
#else
  constexpr int n = 40000;
#endif
  wpu::message_loop loop;
  std::vector<int> seen;
  seen.reserve(n);
  for (int i = 0; i < n; ++i)
    boost::asio::post(loop.get_executor(), [&seen, i] { seen.push_back(i); });
  CHECK(loop.poll() == static_cast<std::size_t>(n));
  REQUIRE(seen.size() == static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) CHECK(seen[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("message_loop: destroying the loop destroys the handlers it did not run") {
  counted c;
  {
    wpu::message_loop loop;
    auto ex = loop.get_executor();
    for (int i = 0; i < 3; ++i) {
      auto ran = c.ran;
      auto guard = std::shared_ptr<int>(new int(0), [d = c.destroyed](int* p) {
        ++*d;
        delete p;
      });
      boost::asio::post(ex, [ran, guard] { ++*ran; });
    }
    std::thread other([&] {
      auto ran = c.ran;
      auto guard = std::shared_ptr<int>(new int(0), [d = c.destroyed](int* p) {
        ++*d;
        delete p;
      });
      boost::asio::post(ex, [ran, guard] { ++*ran; });
    });
    other.join();
    CHECK(*c.destroyed == 0);
  }
  CHECK(*c.ran == 0);
  CHECK(*c.destroyed == 4);
}

TEST_CASE("wpu_post_select_reply posts (s, WSAMAKESELECTREPLY(event, error)) for one FD_ event") {
  WSPUPCALLTABLE table{};
  REQUIRE(wpu_get_upcall_table(&table) == 0);
  trace t;
  tracing_window w(t);
  const SOCKET s = static_cast<SOCKET>(0x4242);
  CHECK(wpu_post_select_reply(&table, w.hwnd, WM_USER + 1, s, FD_READ, 0) == TRUE);
  CHECK(wpu_post_select_reply(&table, w.hwnd, WM_USER + 1, s, FD_CLOSE, WSAECONNRESET) == TRUE);
  MSG m;
  REQUIRE(PeekMessageW(&m, w.hwnd, 0, 0, PM_REMOVE) == TRUE);
  CHECK(m.message == static_cast<UINT>(WM_USER + 1));
  CHECK(m.wParam == static_cast<WPARAM>(s));
  CHECK(WSAGETSELECTEVENT(m.lParam) == FD_READ);
  CHECK(WSAGETSELECTERROR(m.lParam) == 0);
  REQUIRE(PeekMessageW(&m, w.hwnd, 0, 0, PM_REMOVE) == TRUE);
  CHECK(WSAGETSELECTEVENT(m.lParam) == FD_CLOSE);
  CHECK(WSAGETSELECTERROR(m.lParam) == WSAECONNRESET);
  // Refused without posting: no table, no event, several events, unknown bits.
  CHECK(wpu_post_select_reply(nullptr, w.hwnd, WM_USER, s, FD_READ, 0) == FALSE);
  CHECK(wpu_post_select_reply(&table, w.hwnd, WM_USER, s, 0, 0) == FALSE);
  CHECK(wpu_post_select_reply(&table, w.hwnd, WM_USER, s, FD_READ | FD_WRITE, 0) == FALSE);
  CHECK(wpu_post_select_reply(&table, w.hwnd, WM_USER, s, FD_ALL_EVENTS + 1, 0) == FALSE);
  CHECK(PeekMessageW(&m, w.hwnd, 0, 0, PM_REMOVE) == FALSE);
  // A dead window: WPUPostMessage's failure.
  HWND dead;
  {
    tracing_window gone(t);
    dead = gone.hwnd;
  }
  CHECK(wpu_post_select_reply(&table, dead, WM_USER, s, FD_READ, 0) == FALSE);
  CHECK(GetLastError() == static_cast<DWORD>(ERROR_INVALID_WINDOW_HANDLE));
}
