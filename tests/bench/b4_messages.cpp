// B4: window messages posted from another thread, side by side with WinPR
// 2.11.7's MessageQueue and a raw Asio post loop, all measured in one run.
//
// Each mechanism moves kMessages (1M) messages from a producer (the main
// thread) to a consumer thread, which takes and handles them one by one; the
// figure is messages/s from the first post to the last message handled:
//
//   wpu    the consumer registers a window class, creates a message-only
//          window (parent HWND_MESSAGE) and runs
//          `while (GetMessageW(..) > 0) DispatchMessageW(..)`; the window
//          procedure counts, and the last message calls PostQuitMessage.
//          The producer posts through WPUPostMessage from the upcall table
//          (as a provider does), and in a second row through PostMessageW;
//          a post refused with ERROR_NOT_ENOUGH_QUOTA (the queue is full, as
//          on Windows) is tried again after a yield;
//   Asio   the consumer runs an io_context (concurrency hint 1, held by a
//          work guard); the producer calls boost::asio::post with a handler
//          that carries the four message fields and counts;
//   WinPR  bench-messages-winpr (messages_winpr.cpp), whose path is the only
//          argument: MessageQueue_Post, drained with MessageQueue_Wait and
//          MessageQueue_Peek. WinPR exports the plain Win32 names that
//          <wpu/winapi.h> maps onto wpu_*, so it runs in a process of its own,
//          once per pass; without the argument its row reads "not available"
//          and the target against it is skipped.
//
// Every consumer checks that the messages arrive in order with their fields.
// Noise (2 vCPUs): the mechanisms take turns within each pass (the three in
// this process rotate which goes first) and the report gives the median of
// kPasses passes; the producer's ns per post is printed too. Prints the table
// and one PASS/MISS line per target; exits 1 if a target is missed.
#include <wpu/winapi.h>
#include <wpu/wpu.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "driver_common.hpp"
#include "events_common.hpp"
#include "messages_common.hpp"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <thread>

namespace {

using bench::clock_type;
using bench::fail;
using bench::series;

// A multiple of 3: each in-process mechanism goes first, second and third
// equally often.
constexpr int kPasses = 6;

// The figures of one mechanism: messages/s and the producer's ns per post.
struct figures {
  series rate;
  series post_ns;
};

// Posts kMessages messages (wParam 0, 1, ...) with `post`, once `counter`'s
// consumer is ready and idle, and waits for the consumer to end; adds the
// figures to `f`.
template <class Post>
void produce(bench::message_counter& counter, std::thread& consumer, Post&& post, figures& f) {
  bench::spin_until(counter.ready, true);
  std::this_thread::sleep_for(bench::kWakeIdle);  // the consumer is asleep
  auto start = clock_type::now();
  for (std::uint64_t i = 0; i < bench::kMessages; ++i)
    if (!post(WPARAM(i))) fail("B4: a post failed");  // the consumer would wait for ever
  auto posted = clock_type::now();
  consumer.join();
  if (counter.out_of_order) fail("B4: messages out of order or with the wrong fields");
  f.rate.v.push_back(counter.rate_since(start));
  f.post_ns.v.push_back(bench::ns_per_post(posted - start));
}

// ---- wpu: a message-only window ----------------------------------------------

const WCHAR* const kClassName = WPU_WTEXT("wpu-bench-b4");
// The counter of the pass running; only the window's thread uses it.
bench::message_counter* window_counter = nullptr;

LRESULT CALLBACK counting_window_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
  if (msg != WM_USER) return DefWindowProcW(hwnd, msg, wparam, lparam);
  if (lparam != 0) window_counter->out_of_order = true;
  if (window_counter->count_one(wparam)) PostQuitMessage(0);
  return 0;
}

// `post(hwnd, WM_USER, wparam, 0)` posts one message.
template <class Post>
void b4_wpu(Post&& post, figures& f) {
  bench::message_counter counter;
  window_counter = &counter;
  HWND hwnd = nullptr;  // written before counter.ready, read after it
  std::thread consumer([&] {
    WNDCLASSW wc{};
    wc.lpfnWndProc = counting_window_proc;
    wc.lpszClassName = kClassName;
    if (!RegisterClassW(&wc)) fail("B4: RegisterClassW");
    hwnd = CreateWindowExW(0, kClassName, WPU_WTEXT("b4"), 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr,
                           nullptr, nullptr);
    if (!hwnd) fail("B4: CreateWindowExW(HWND_MESSAGE)");
    counter.ready.store(true, std::memory_order_release);
    MSG m;
    BOOL r;
    while ((r = GetMessageW(&m, nullptr, 0, 0)) > 0) DispatchMessageW(&m);
    if (r < 0) fail("B4: GetMessageW failed");
    if (!DestroyWindow(hwnd) || !UnregisterClassW(kClassName, nullptr))
      fail("B4: DestroyWindow/UnregisterClassW");
  });
  bench::spin_until(counter.ready, true);
  HWND target = hwnd;
  // A queue holds a bounded number of messages (Windows: 10,000); a post
  // beyond it fails with ERROR_NOT_ENOUGH_QUOTA, and the producer, as a
  // Windows program must, tries again once the consumer has made room.
  auto post_one = [&](WPARAM i) {
    while (!post(target, WM_USER, i, 0)) {
      if (GetLastError() != ERROR_NOT_ENOUGH_QUOTA) return false;
      std::this_thread::yield();
    }
    return true;
  };
  produce(counter, consumer, post_one, f);
}

// ---- Raw Asio -------------------------------------------------------------------

// A message as an Asio handler: the four fields and the consumer's counter.
struct message_handler {
  bench::message_counter* counter;
  HWND hwnd;
  UINT msg;
  WPARAM wparam;
  LPARAM lparam;

  void operator()() const {
    if (msg != WM_USER || lparam != 0 || !hwnd) counter->out_of_order = true;
    counter->count_one(wparam);
  }
};

void b4_asio(figures& f) {
  boost::asio::io_context io(1);
  auto work = boost::asio::make_work_guard(io);
  bench::message_counter counter;
  std::thread consumer([&] {
    counter.ready.store(true, std::memory_order_release);
    io.run();
  });
  HWND hwnd = reinterpret_cast<HWND>(&counter);  // any non-null value
  produce(
      counter, consumer,
      [&](WPARAM i) {
        boost::asio::post(io, message_handler{&counter, hwnd, WM_USER, i, 0});
        if (i + 1 == bench::kMessages) work.reset();  // run() returns once all ran
        return true;
      },
      f);
}

void post_row(const char* name, const char* what, const series& s) {
  std::printf("    %-8s %-54s %9.1f ns  [%.1f - %.1f]\n", name, what, s.median(), s.lo(), s.hi());
}

}  // namespace

int main(int argc, char** argv) {
  bench::winpr_program winpr = bench::start_driver(argc, argv);
  WSPUPCALLTABLE table;
  if (wpu_get_upcall_table(&table) != 0) fail("wpu_get_upcall_table");
  LPWPUPOSTMESSAGE post_message = table.lpWPUPostMessage;

  // Each pass runs every mechanism once, in turn; the three in this process
  // take turns at going first (right after the previous pass's WinPR child).
  figures upcall, post_w, asio, peer;
  for (int pass = 0; pass < kPasses; ++pass) {
    for (int turn = 0; turn < 3; ++turn) {
      switch ((pass + turn) % 3) {
        case 0:
          b4_wpu(post_message, upcall);
          break;
        case 1:
          b4_wpu(PostMessageW, post_w);
          break;
        default:
          b4_asio(asio);
      }
    }
    auto values = winpr.run("b4");
    bench::take(values, "b4_msg_per_s", peer.rate);
    bench::take(values, "b4_post_ns", peer.post_ns);
  }

  std::printf(
      "B4  wpu window messages vs a raw Asio post loop and WinPR 2.11.7's MessageQueue\n"
      "    WinPR: %s\n"
      "    (threads not pinned; every figure from this run)\n\n",
      winpr.path());
  std::printf(
      "B4  1M messages posted from another thread, messages/s from the first post to the last\n"
      "    handled (%d passes, mechanisms in turn; median [min - max])\n",
      kPasses);
  bench::rate_row("wpu", "WPUPostMessage -> GetMessageW / DispatchMessageW", upcall.rate);
  bench::rate_row("wpu", "PostMessageW -> GetMessageW / DispatchMessageW", post_w.rate);
  bench::rate_row("Asio", "boost::asio::post -> io_context::run, 1 thread", asio.rate);
  bench::rate_row("WinPR", "MessageQueue_Post -> MessageQueue_Wait / _Peek", peer.rate);
  std::printf("    the producer's time per post (median [min - max])\n");
  post_row("wpu", "WPUPostMessage", upcall.post_ns);
  post_row("wpu", "PostMessageW", post_w.post_ns);
  post_row("Asio", "boost::asio::post", asio.post_ns);
  if (peer.post_ns.empty())
    std::printf("    %-8s %-54s not available\n", "WinPR", "MessageQueue_Post");
  else
    post_row("WinPR", "MessageQueue_Post", peer.post_ns);
  winpr.report_failure();

  std::printf("\nTargets\n");
  double wpu = upcall.rate.median();
  bench::ratio_line("B4  wpu >= 3x WinPR MessageQueue", wpu, peer.rate.median(), 3.0,
                    winpr.available());
  bench::ratio_line("B4  wpu >= 1x raw Asio post", wpu, asio.rate.median(), 1.0, true);
  return bench::all_met ? 0 : 1;
}
