// Shared by the two programs of the events/APC benchmark (B1-B3): bench-events
// (wpu and the raw baselines) and bench-events-winpr (WinPR). Only the C++
// standard library and POSIX here, so both programs measure with the same
// loops, the same clocks and the same sizes.
#ifndef WPU_TESTS_BENCH_EVENTS_COMMON_HPP
#define WPU_TESTS_BENCH_EVENTS_COMMON_HPP

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

namespace bench {

using clock_type = std::chrono::steady_clock;

// B1: each mechanism ping-pongs for this long per pass.
constexpr auto kPingPongTime = std::chrono::milliseconds(1000);
// B2: each pass makes this many calls, or fewer when they take longer than
// kCallTimeCap (the system-call peers: 10M writes would take seconds here).
constexpr std::uint64_t kCallsPerPass = 10000000;
constexpr auto kCallTimeCap = std::chrono::milliseconds(500);
// B3: APCs per pass.
constexpr int kApcs = 1000000;
// B3 wake latency: samples, and how long the target idles before each.
constexpr int kWakeSamples = 200;
constexpr auto kWakeIdle = std::chrono::milliseconds(5);

inline double seconds(clock_type::duration d) {
  return std::chrono::duration<double>(d).count();
}

inline double micros(clock_type::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

// B1: round trips per second. Thread A (the caller) runs `a` (one round trip)
// for kPingPongTime; thread B runs `b` (its half of one round trip) until it
// returns false; `stop`, called by A once it is done, makes B's next `b`
// return false.
template <class A, class B, class Stop>
double round_trips_per_s(A&& a, B&& b, Stop&& stop) {
  std::thread side_b([&] {
    while (b()) {
    }
  });
  std::uint64_t trips = 0;
  auto start = clock_type::now();
  auto elapsed = clock_type::duration::zero();
  do {
    a();
    ++trips;
    elapsed = clock_type::now() - start;
  } while (elapsed < kPingPongTime);
  stop();
  side_b.join();
  return double(trips) / seconds(elapsed);
}

// B2: ns per call of `f`, called in batches of 1000 until kCallsPerPass calls
// or kCallTimeCap, whichever comes first.
template <class F>
double ns_per_call(F&& f) {
  std::uint64_t calls = 0;
  auto start = clock_type::now();
  auto elapsed = clock_type::duration::zero();
  do {
    for (int i = 0; i < 1000; ++i) f();
    calls += 1000;
    elapsed = clock_type::now() - start;
  } while (calls < kCallsPerPass && elapsed < kCallTimeCap);
  return std::chrono::duration<double, std::nano>(elapsed).count() / double(calls);
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The p-th percentile (0 < p <= 100), nearest rank.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t rank = std::size_t(p / 100 * double(v.size()) + 0.999999);
  return v[std::min(v.size(), std::max<std::size_t>(rank, 1)) - 1];
}

// CPU time the calling thread has used.
inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// Waits until `flag` holds `value`, yielding: the waiting thread keeps its
// vCPU, so the thread it waits for runs (and is woken) on the other one.
template <class T>
void spin_until(const std::atomic<T>& flag, T value) {
  while (flag.load(std::memory_order_acquire) != value) std::this_thread::yield();
}

}  // namespace bench

#endif  // WPU_TESTS_BENCH_EVENTS_COMMON_HPP
