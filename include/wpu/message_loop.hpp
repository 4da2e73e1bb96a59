// wpu/message_loop.hpp - one thread, one loop: window messages and Boost.Asio
// handlers, timers and sockets.
//
//   wpu::message_loop loop;                        // on the loop's thread
//   boost::asio::steady_timer t(loop.get_executor(), 10ms);
//   t.async_wait([](auto) { PostQuitMessage(0); });  // runs on the loop's thread
//   HWND w = CreateWindowExW(0, cls, ..., HWND_MESSAGE, ...);  // its messages too
//   loop.run();                                    // until WM_QUIT or stop()
//
// (PostQuitMessage and CreateWindowExW by those names: include <wpu/winapi.h>
// too. This header, like every C++ header of wpu, defines no Windows-name
// macro, so it combines with Asio and system headers in any order.)
//
// Design: the loop is the calling thread's message queue. Its executor posts
// each handler as a window message to a hidden message-only window of the
// loop (PostMessageW: on POSIX one compare-and-swap, no lock, and one wake
// per batch when the thread sleeps), and that window's procedure runs it. So
// any GetMessageW/DispatchMessageW loop on the thread runs handlers, in the
// order they were posted, interleaved with the thread's window messages in
// queue order. Timers and sockets live in an internal io_context whose
// reactor (IOCP on Windows) runs on one internal thread; their completion
// handlers are posted through the executor, so they too run on the loop's
// thread. Nothing of a handler runs on the internal thread.
//
// When the queue is full (ERROR_NOT_ENOUGH_QUOTA), handlers wait in a list
// under a mutex (and later handlers behind them) until the loop thread has
// made room and queued a marker message behind everything posted before;
// each marker runs one waiting handler, in order, and queues the next.
//
// Threads: construct, run, run_one, poll, get_message, restart and destroy
// on the loop's thread (it owns the hidden window). get_executor, stop and
// the executor's functions: any thread. Destroying the loop destroys the
// handlers it has not run, without running them; destroy I/O objects made
// with its executor first, as with an io_context.
#ifndef WPU_MESSAGE_LOOP_HPP
#define WPU_MESSAGE_LOOP_HPP

// Asio's select code needs the C library's fd_set, which <wpu/ws2spi.h> maps
// onto Winsock's with macros (docs/porting.md): they are lifted around Asio's
// headers, whichever comes first in the translation unit, and the one Asio
// file that uses fd_set (socket_ops, in header-only Asio) is compiled here
// rather than by a later Asio include. The C library's own macros are gone by
// then (its header is include-guarded); FD_SET and friends name the functions
// <wpu/detail/ws2spi_decls.h> made from them instead.
#if defined(fd_set)
#  pragma push_macro("fd_set")
#  pragma push_macro("FD_SETSIZE")
#  pragma push_macro("FD_SET")
#  pragma push_macro("FD_CLR")
#  pragma push_macro("FD_ZERO")
#  pragma push_macro("FD_ISSET")
#  undef fd_set
#  undef FD_SETSIZE
#  undef FD_SET
#  undef FD_CLR
#  undef FD_ZERO
#  undef FD_ISSET
#  define FD_SETSIZE wpu_libc_fd_setsize
#  define FD_SET(fd, set) wpu_libc_fd_set(static_cast<int>(fd), set)
#  define FD_CLR(fd, set) wpu_libc_fd_clr(static_cast<int>(fd), set)
#  define FD_ZERO(set) wpu_libc_fd_zero(set)
#  define FD_ISSET(fd, set) wpu_libc_fd_isset(static_cast<int>(fd), set)
#  define WPU_MESSAGE_LOOP_LIFTED_FD_SET
#endif
#include <boost/asio/detail/socket_ops.hpp>  // its select() code, now, not later
#include <boost/asio/execution.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/system_error.hpp>
#if defined(WPU_MESSAGE_LOOP_LIFTED_FD_SET)
#  undef FD_SETSIZE
#  undef FD_SET
#  undef FD_CLR
#  undef FD_ZERO
#  undef FD_ISSET
#  pragma pop_macro("fd_set")
#  pragma pop_macro("FD_SETSIZE")
#  pragma pop_macro("FD_SET")
#  pragma pop_macro("FD_CLR")
#  pragma pop_macro("FD_ZERO")
#  pragma pop_macro("FD_ISSET")
#  undef WPU_MESSAGE_LOOP_LIFTED_FD_SET
#endif

#include <wpu/config.hpp>
#include <wpu/detail/winapi_decls.h>
#include <wpu/wpu.hpp>  // header-only mode: the functions of <wpu/winapi.h>

#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>

WPU_NAMESPACE_BEGIN

namespace detail {

// The functions of <wpu/winapi.h> the loop calls, by their real names:
// Windows' own on Windows, wpu's prefixed ones on POSIX (where this header,
// like every C++ header of wpu, defines none of <wpu/winapi.h>'s name macros).
namespace os {
#if defined(WPU_WINDOWS)
#  define WPU_LOOP_OS_FN(windows_name, wpu_name) ::windows_name
#else  // !defined(WPU_WINDOWS)
#  define WPU_LOOP_OS_FN(windows_name, wpu_name) ::wpu_name
#endif  // defined(WPU_WINDOWS)
inline HWND create_window_ex(LPCWSTR class_name, LPCWSTR window_name) {
  return WPU_LOOP_OS_FN(CreateWindowExW, wpu_create_window_ex_w)(
      0, class_name, window_name, 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr, nullptr, nullptr);
}
inline BOOL destroy_window(HWND hwnd) {
  return WPU_LOOP_OS_FN(DestroyWindow, wpu_destroy_window)(hwnd);
}
inline ATOM register_class(const WNDCLASSW* wc) {
  return WPU_LOOP_OS_FN(RegisterClassW, wpu_register_class_w)(wc);
}
inline LONG_PTR get_window_long_ptr(HWND hwnd, int index) {
  return WPU_LOOP_OS_FN(GetWindowLongPtrW, wpu_get_window_long_ptr_w)(hwnd, index);
}
inline LONG_PTR set_window_long_ptr(HWND hwnd, int index, LONG_PTR value) {
  return WPU_LOOP_OS_FN(SetWindowLongPtrW, wpu_set_window_long_ptr_w)(hwnd, index, value);
}
inline LRESULT def_window_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
  return WPU_LOOP_OS_FN(DefWindowProcW, wpu_def_window_proc_w)(hwnd, msg, wparam, lparam);
}
inline BOOL get_message(MSG* msg, HWND hwnd, UINT min, UINT max) {
  return WPU_LOOP_OS_FN(GetMessageW, wpu_get_message_w)(msg, hwnd, min, max);
}
inline BOOL peek_message(MSG* msg, HWND hwnd, UINT min, UINT max, UINT remove) {
  return WPU_LOOP_OS_FN(PeekMessageW, wpu_peek_message_w)(msg, hwnd, min, max, remove);
}
inline LRESULT dispatch_message(const MSG* msg) {
  return WPU_LOOP_OS_FN(DispatchMessageW, wpu_dispatch_message_w)(msg);
}
inline BOOL post_message(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
  return WPU_LOOP_OS_FN(PostMessageW, wpu_post_message_w)(hwnd, msg, wparam, lparam);
}
inline DWORD current_thread_id() {
  return WPU_LOOP_OS_FN(GetCurrentThreadId, wpu_get_current_thread_id)();
}
inline DWORD last_error() {
  return WPU_LOOP_OS_FN(GetLastError, wpu_get_last_error)();
}
#undef WPU_LOOP_OS_FN
}  // namespace os

// A handler posted to a loop, type-erased; `call(run)` runs it (if run) and
// frees it.
struct loop_handler {
  void (*call)(loop_handler* self, bool run);
};

template <class F>
struct loop_handler_of : loop_handler {
  explicit loop_handler_of(F&& fn) : loop_handler{&invoke}, f(std::move(fn)) {}
  static void invoke(loop_handler* self, bool run) {
    std::unique_ptr<loop_handler_of> h(static_cast<loop_handler_of*>(self));
    if (run) h->f();
  }
  F f;
};

}  // namespace detail

class message_loop {
  struct state;

 public:
  /// An Asio executor (the standard executor model of Boost 1.81): execute()
  /// queues the function to the loop's thread, or runs it at once when the
  /// executor is blocking.possibly and the caller is that thread. Its
  /// context is the internal io_context, so timers and sockets can be made
  /// with it.
  template <class Blocking>
  class basic_executor {
   public:
    explicit basic_executor(state* s) noexcept : s_(s) {}

    template <class F>
    void execute(F&& f) const {
      if (std::is_same<Blocking, boost::asio::execution::blocking_t::possibly_t>::value &&
          s_->on_loop_thread()) {
        typename std::decay<F>::type fn(std::forward<F>(f));
        fn();
        return;
      }
      using node = detail::loop_handler_of<typename std::decay<F>::type>;
      s_->post(new node(typename std::decay<F>::type(std::forward<F>(f))));
    }

    boost::asio::io_context& query(boost::asio::execution::context_t) const noexcept {
      return s_->io;
    }
    static constexpr Blocking query(boost::asio::execution::blocking_t) noexcept {
      return Blocking();
    }
    basic_executor<boost::asio::execution::blocking_t::never_t> require(
        boost::asio::execution::blocking_t::never_t) const noexcept {
      return basic_executor<boost::asio::execution::blocking_t::never_t>(s_);
    }
    basic_executor<boost::asio::execution::blocking_t::possibly_t> require(
        boost::asio::execution::blocking_t::possibly_t) const noexcept {
      return basic_executor<boost::asio::execution::blocking_t::possibly_t>(s_);
    }

    /// True on the loop's thread.
    bool running_in_this_thread() const noexcept { return s_->on_loop_thread(); }

    friend bool operator==(const basic_executor& a, const basic_executor& b) noexcept {
      return a.s_ == b.s_;
    }
    friend bool operator!=(const basic_executor& a, const basic_executor& b) noexcept {
      return a.s_ != b.s_;
    }

   private:
    template <class>
    friend class basic_executor;
    state* s_;
  };
  /// blocking.possibly, as io_context's: dispatch() on the loop's thread runs
  /// the function at once; post() and defer() (which require
  /// blocking.never) always queue it.
  using executor_type = basic_executor<boost::asio::execution::blocking_t::possibly_t>;

  /// Makes the calling thread's loop: a hidden message-only window and the
  /// internal I/O thread. Throws boost::system::system_error (the Win32
  /// error) if the window cannot be made.
  message_loop() : s_(new state) {
    s_->hwnd = detail::os::create_window_ex(window_class(), WPU_WTEXT("wpu message loop"));
    if (s_->hwnd == nullptr)
      throw boost::system::system_error(static_cast<int>(detail::os::last_error()),
                                        boost::system::system_category(), "wpu::message_loop");
    detail::os::set_window_long_ptr(s_->hwnd, GWLP_USERDATA, reinterpret_cast<LONG_PTR>(s_.get()));
    s_->io_thread = std::thread([s = s_.get()] { s->io.run(); });
  }

  message_loop(const message_loop&) = delete;
  message_loop& operator=(const message_loop&) = delete;

  /// Loop thread. Stops the I/O thread, then destroys (without running) the
  /// handlers still queued.
  ~message_loop() {
    s_->work.reset();
    s_->io.stop();
    s_->io_thread.join();
    MSG m;
    while (detail::os::peek_message(&m, s_->hwnd, handler_message, handler_message, PM_REMOVE))
      reinterpret_cast<detail::loop_handler*>(m.lParam)->call(
          reinterpret_cast<detail::loop_handler*>(m.lParam), false);
    while (detail::os::peek_message(&m, s_->hwnd, marker_message, stop_message, PM_REMOVE)) {
    }
    detail::os::destroy_window(s_->hwnd);  // anything posted to it from now on is refused
    std::lock_guard<std::mutex> lock(s_->waiting_mutex);
    for (detail::loop_handler* h : s_->waiting) h->call(h, false);
    s_->waiting.clear();
  }

  executor_type get_executor() noexcept { return executor_type(s_.get()); }

  /// The io_context that serves I/O objects made with get_executor(); it
  /// runs on the internal thread, and runs none of their handlers.
  boost::asio::io_context& io_context() noexcept { return s_->io; }

  /// Runs window messages (DispatchMessageW) and handlers until WM_QUIT
  /// (its code: quit_code()) or stop(). Returns how many it ran.
  std::size_t run() {
    std::size_t n = 0;
    while (run_one() != 0) ++n;
    return n;
  }

  /// Waits for one message or handler and runs it: 1, or 0 after WM_QUIT,
  /// stop() or a GetMessageW failure.
  std::size_t run_one() {
    for (;;) {
      if (s_->stopped.load(std::memory_order_acquire)) return 0;
      MSG m;
      const BOOL r = detail::os::get_message(&m, nullptr, 0, 0);
      if (r <= 0) {
        if (r == 0) s_->quit_code = static_cast<int>(m.wParam);
        return 0;
      }
      if (m.hwnd == s_->hwnd && m.message == stop_message) continue;  // a wake-up only
      detail::os::dispatch_message(&m);
      s_->after_message();
      return 1;
    }
  }

  /// Runs every message and handler already queued, without waiting.
  std::size_t poll() {
    std::size_t n = 0;
    MSG m;
    while (!s_->stopped.load(std::memory_order_acquire) &&
           detail::os::peek_message(&m, nullptr, 0, 0, PM_REMOVE)) {
      if (m.message == WM_QUIT) {
        s_->quit_code = static_cast<int>(m.wParam);
        break;
      }
      detail::os::dispatch_message(&m);
      s_->after_message();
      ++n;
    }
    return n;
  }

  /// GetMessageW over the same queue: runs handlers while it waits, and
  /// returns the next other message (TRUE), WM_QUIT (FALSE) or -1 (with
  /// GetLastError()). It does not look at stop().
  BOOL get_message(MSG* msg) {
    for (;;) {
      const BOOL r = detail::os::get_message(msg, nullptr, 0, 0);
      if (r <= 0 || msg->hwnd != s_->hwnd) return r;
      detail::os::dispatch_message(msg);
      s_->after_message();
    }
  }

  /// Any thread: run(), run_one() and poll() return as soon as the handler
  /// running (if any) returns.
  void stop() {
    s_->stopped.store(true, std::memory_order_release);
    detail::os::post_message(s_->hwnd, stop_message, 0, 0);
  }
  bool stopped() const noexcept { return s_->stopped.load(std::memory_order_acquire); }
  /// Loop thread: after stop(), before running again.
  void restart() noexcept { s_->stopped.store(false, std::memory_order_release); }

  /// WM_QUIT's code, once run() or run_one() has seen it.
  int quit_code() const noexcept { return s_->quit_code; }

  /// The loop's hidden window (its messages are the loop's own).
  HWND window() const noexcept { return s_->hwnd; }

 private:
  // Private messages of the hidden window.
  static constexpr UINT handler_message = WM_APP + 0x3F0;  // lParam: a loop_handler*
  static constexpr UINT marker_message = WM_APP + 0x3F1;   // run the waiting list
  static constexpr UINT stop_message = WM_APP + 0x3F2;     // wakes a loop for stop()

  struct state {
    state() : work(boost::asio::make_work_guard(io)) {}

    bool on_loop_thread() const noexcept { return detail::os::current_thread_id() == loop_thread; }

    // Any thread.
    void post(detail::loop_handler* h) {
      if (!waiting_flag.load(std::memory_order_acquire)) {
        if (detail::os::post_message(hwnd, handler_message, 0, reinterpret_cast<LPARAM>(h))) return;
        if (detail::os::last_error() != ERROR_NOT_ENOUGH_QUOTA) {  // the loop is gone
          h->call(h, false);
          return;
        }
      }
      std::lock_guard<std::mutex> lock(waiting_mutex);
      waiting.push_back(h);  // behind earlier waiting handlers, ahead of later posts
      waiting_flag.store(true, std::memory_order_release);
    }

    // Loop thread, after each message: if handlers are waiting, queue the
    // marker (once) behind everything already posted.
    void after_message() noexcept {
      if (!waiting_flag.load(std::memory_order_acquire) || marker_queued) return;
      if (detail::os::post_message(hwnd, marker_message, 0, 0)) marker_queued = true;
    }

    // Loop thread, on the marker: runs the first waiting handler, and sends
    // the marker round again if more wait (so each counts as one handler,
    // and window messages posted meanwhile are not held up behind them).
    void run_waiting() {
      detail::loop_handler* h;
      bool more;
      {
        std::lock_guard<std::mutex> lock(waiting_mutex);
        h = waiting.front();
        waiting.pop_front();
        more = !waiting.empty();
        if (!more) waiting_flag.store(false, std::memory_order_release);
      }
      marker_queued = more && detail::os::post_message(hwnd, marker_message, 0, 0);
      h->call(h, true);
    }

    boost::asio::io_context io{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
    std::thread io_thread;
    HWND hwnd = nullptr;
    DWORD loop_thread = detail::os::current_thread_id();
    std::atomic<bool> stopped{false};
    int quit_code = 0;
    bool marker_queued = false;  // loop thread
    std::atomic<bool> waiting_flag{false};
    std::mutex waiting_mutex;
    std::deque<detail::loop_handler*> waiting;  // guarded by waiting_mutex
  };

  static LRESULT CALLBACK window_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
    if (msg == handler_message) {
      auto* h = reinterpret_cast<detail::loop_handler*>(lparam);
      h->call(h, true);
      return 0;
    }
    if (msg == marker_message) {
      reinterpret_cast<state*>(detail::os::get_window_long_ptr(hwnd, GWLP_USERDATA))->run_waiting();
      return 0;
    }
    if (msg == stop_message) return 0;
    return detail::os::def_window_proc(hwnd, msg, wparam, lparam);
  }

  // The hidden windows' class, registered once per process.
  static const WCHAR* window_class() {
    static const WCHAR* const name = [] {
      static const WCHAR n[] = WPU_WTEXT("wpu.message_loop");
      WNDCLASSW wc{};
      wc.lpfnWndProc = &window_proc;
      wc.lpszClassName = n;
      detail::os::register_class(&wc);  // a second module's registration may win: same procedure
      return n;
    }();
    return name;
  }

  std::unique_ptr<state> s_;
};

WPU_NAMESPACE_END

#endif  // WPU_MESSAGE_LOOP_HPP
