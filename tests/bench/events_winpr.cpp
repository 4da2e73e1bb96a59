// The WinPR side of the events/APC benchmark (B1-B3), in its own process:
// WinPR exports the plain Win32 names (SetEvent, SleepEx, QueueUserAPC, ...)
// that wpu's <wpu/winapi.h> maps onto wpu_* names, so the two never share a
// binary (design-notes.md "Symbols"). bench-events runs this program once per
// pass and section and reads its results, `key value` lines on stdout:
//
//   bench-events-winpr b1     b1_rt_per_s        event ping-pong round trips/s
//   bench-events-winpr b2     b2_set_ns          SetEvent on a set event
//                             b2_wait_ns         WaitForSingleObject(e, 0), signalled
//   bench-events-winpr b1sem  b1sem_rt_per_s     semaphore ping-pong round trips/s
//   bench-events-winpr b2sem  b2_sem_pair_ns     ReleaseSemaphore + WaitForSingleObject(s, 0)
//   bench-events-winpr b3     b3_apc_per_s       QueueUserAPC from another thread
//   bench-events-winpr b3lat  b3_wake_timeout_ms the SleepEx timeout used below
//                             b3_wake_timeout_median_us  latency with that timeout
//                             b3_wake_infinite_ran  1 if SleepEx(INFINITE, TRUE)
//                                                was woken by an APC within 200 ms
//
// WinPR 2.11.7 facts this relies on (toolchain.md §6): auto-reset events
// behave as manual-reset, so every event here is manual-reset and reset by its
// waiter; an APC queued to a thread already blocked in an alertable wait runs
// only when the thread next enters one, so the APC drain loop uses SleepEx(1).
#include <winpr/handle.h>
#include <winpr/synch.h>
#include <winpr/thread.h>

#include "events_common.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

using bench::clock_type;

volatile DWORD sink;

HANDLE make_event() {
  return CreateEventA(nullptr, TRUE, FALSE, nullptr);
}

int run_b1() {
  HANDLE e1 = make_event();
  HANDLE e2 = make_event();
  if (!e1 || !e2) return 2;
  std::atomic<bool> stop{false};
  double rt = bench::round_trips_per_s(
      [&] {
        SetEvent(e1);
        WaitForSingleObject(e2, INFINITE);
        ResetEvent(e2);
      },
      [&] {
        WaitForSingleObject(e1, INFINITE);
        ResetEvent(e1);
        if (stop.load(std::memory_order_acquire)) return false;
        SetEvent(e2);
        return true;
      },
      [&] {
        stop.store(true, std::memory_order_release);
        SetEvent(e1);
      });
  CloseHandle(e1);
  CloseHandle(e2);
  std::printf("b1_rt_per_s %.1f\n", rt);
  return 0;
}

int run_b2() {
  HANDLE e = make_event();
  if (!e || !SetEvent(e) || WaitForSingleObject(e, 0) != WAIT_OBJECT_0) return 2;
  double set_ns = bench::ns_per_call([&] { SetEvent(e); });
  double wait_ns = bench::ns_per_call([&] { sink = WaitForSingleObject(e, 0); });
  CloseHandle(e);
  std::printf("b2_set_ns %.2f\nb2_wait_ns %.2f\n", set_ns, wait_ns);
  return 0;
}

// Semaphores (which WinPR implements): the same ping-pong with two
// semaphores of maximum 1, released by the other side and taken by the wait.
int run_b1_semaphore() {
  HANDLE s1 = CreateSemaphoreA(nullptr, 0, 1, nullptr);
  HANDLE s2 = CreateSemaphoreA(nullptr, 0, 1, nullptr);
  if (!s1 || !s2) return 2;
  std::atomic<bool> stop{false};
  double rt = bench::round_trips_per_s(
      [&] {
        ReleaseSemaphore(s1, 1, nullptr);
        WaitForSingleObject(s2, INFINITE);
      },
      [&] {
        WaitForSingleObject(s1, INFINITE);
        if (stop.load(std::memory_order_acquire)) return false;
        ReleaseSemaphore(s2, 1, nullptr);
        return true;
      },
      [&] {
        stop.store(true, std::memory_order_release);
        ReleaseSemaphore(s1, 1, nullptr);
      });
  CloseHandle(s1);
  CloseHandle(s2);
  std::printf("b1sem_rt_per_s %.1f\n", rt);
  return 0;
}

int run_b2_semaphore() {
  HANDLE s = CreateSemaphoreA(nullptr, 0, 1, nullptr);
  if (!s) return 2;
  double pair_ns = bench::ns_per_call([&] {
    ReleaseSemaphore(s, 1, nullptr);
    sink = WaitForSingleObject(s, 0);
  });
  // Every wait took the count back: a semaphore that works ends at 0.
  if (sink != WAIT_OBJECT_0 || WaitForSingleObject(s, 0) != WAIT_TIMEOUT) return 2;
  CloseHandle(s);
  std::printf("b2_sem_pair_ns %.2f\n", pair_ns);
  return 0;
}

// B3 throughput: the target counts the APCs it runs; the last one stamps the
// time. Only the target thread touches `count`.
struct apc_target {
  std::atomic<bool> ready{false};
  int count = 0;
  std::atomic<clock_type::rep> last{0};
};

void count_apc(ULONG_PTR context) {
  auto* t = reinterpret_cast<apc_target*>(context);
  if (++t->count == bench::kApcs)
    t->last.store(clock_type::now().time_since_epoch().count(), std::memory_order_release);
}

DWORD WINAPI drain_apcs(LPVOID param) {
  auto* t = static_cast<apc_target*>(param);
  t->ready.store(true, std::memory_order_release);
  while (t->count < bench::kApcs) SleepEx(1, TRUE);
  return 0;
}

int run_b3() {
  apc_target target;
  HANDLE thread = CreateThread(nullptr, 0, drain_apcs, &target, 0, nullptr);
  if (!thread) return 2;
  bench::spin_until(target.ready, true);
  std::this_thread::sleep_for(bench::kWakeIdle);
  auto start = clock_type::now();
  for (int i = 0; i < bench::kApcs; ++i)
    if (!QueueUserAPC(count_apc, thread, reinterpret_cast<ULONG_PTR>(&target))) return 2;
  WaitForSingleObject(thread, INFINITE);
  CloseHandle(thread);
  clock_type::time_point last(clock_type::duration(target.last.load(std::memory_order_acquire)));
  std::printf("b3_apc_per_s %.1f\n", bench::kApcs / bench::seconds(last - start));
  return 0;
}

// B3 wake latency. The target loops in SleepEx(timeout, TRUE) and bumps
// `entering` just before each call; the APC stamps the time it ran.
struct wake_target {
  DWORD timeout = 0;
  std::atomic<int> entering{0};
  std::atomic<bool> done{false};
  std::atomic<bool> ran{false};
  std::atomic<bool> returned{false};
  clock_type::time_point ran_at;
};

void stamp_apc(ULONG_PTR context) {
  auto* t = reinterpret_cast<wake_target*>(context);
  t->ran_at = clock_type::now();
  t->ran.store(true, std::memory_order_release);
}

DWORD WINAPI sleep_loop(LPVOID param) {
  auto* t = static_cast<wake_target*>(param);
  while (!t->done.load(std::memory_order_acquire)) {
    t->entering.fetch_add(1, std::memory_order_release);
    SleepEx(t->timeout, TRUE);
  }
  t->returned.store(true, std::memory_order_release);
  return 0;
}

int run_b3_latency() {
  // With a finite timeout: the APC runs only once the sleep has run out (and
  // the next SleepEx starts), so three samples of a short timeout say enough.
  constexpr DWORD kTimeout = 100;
  wake_target t;
  t.timeout = kTimeout;
  HANDLE thread = CreateThread(nullptr, 0, sleep_loop, &t, 0, nullptr);
  if (!thread) return 2;
  std::vector<double> us;
  for (int i = 0; i < 3; ++i) {
    int seen = t.entering.load(std::memory_order_acquire);
    while (t.entering.load(std::memory_order_acquire) == seen) std::this_thread::yield();
    std::this_thread::sleep_for(bench::kWakeIdle);  // now inside a fresh SleepEx
    t.ran.store(false, std::memory_order_relaxed);
    auto start = clock_type::now();
    if (!QueueUserAPC(stamp_apc, thread, reinterpret_cast<ULONG_PTR>(&t))) return 2;
    bench::spin_until(t.ran, true);
    us.push_back(bench::micros(t.ran_at - start));
  }
  t.done.store(true, std::memory_order_release);
  WaitForSingleObject(thread, INFINITE);
  CloseHandle(thread);
  std::printf("b3_wake_timeout_ms %u\nb3_wake_timeout_median_us %.1f\n", unsigned(kTimeout),
              bench::median(us));

  // With INFINITE: is the APC run within 200 ms? If not, the thread stays
  // asleep for good; it is left behind and ends with the process.
  auto* inf = new wake_target;
  inf->timeout = INFINITE;
  thread = CreateThread(nullptr, 0, sleep_loop, inf, 0, nullptr);
  if (!thread) return 2;
  bench::spin_until(inf->entering, 1);
  std::this_thread::sleep_for(bench::kWakeIdle);
  inf->done.store(true, std::memory_order_release);  // leave the loop once woken
  if (!QueueUserAPC(stamp_apc, thread, reinterpret_cast<ULONG_PTR>(inf))) return 2;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::printf("b3_wake_infinite_ran %d\n", inf->ran.load(std::memory_order_acquire) ? 1 : 0);
  std::fflush(stdout);
  if (inf->returned.load(std::memory_order_acquire)) {
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
    delete inf;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // As in bench-events: a multi-threaded process from the start (glibc skips
  // the atomics of uncontended mutexes until a second thread has existed).
  std::thread([] {}).join();
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s b1|b1sem|b2|b2sem|b3|b3lat\n", argv[0]);
    return 2;
  }
  int rc = 2;
  if (std::strcmp(argv[1], "b1") == 0) rc = run_b1();
  if (std::strcmp(argv[1], "b2") == 0) rc = run_b2();
  if (std::strcmp(argv[1], "b1sem") == 0) rc = run_b1_semaphore();
  if (std::strcmp(argv[1], "b2sem") == 0) rc = run_b2_semaphore();
  if (std::strcmp(argv[1], "b3") == 0) rc = run_b3();
  if (std::strcmp(argv[1], "b3lat") == 0) rc = run_b3_latency();
  std::fflush(stdout);
  // A thread left asleep in SleepEx(INFINITE) must not hold the exit up.
  std::_Exit(rc);
}
