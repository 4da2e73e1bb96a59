// Shared by the two programs of the message benchmark (B4): bench-messages
// (wpu and raw Asio) and bench-messages-winpr (WinPR's MessageQueue). Every
// mechanism's consumer counts with the same counter, so all measure the same
// thing: kMessages posted by one thread, taken and handled one by one by
// another, from the first post to the last message handled.
#ifndef WPU_TESTS_BENCH_MESSAGES_COMMON_HPP
#define WPU_TESTS_BENCH_MESSAGES_COMMON_HPP

#include "events_common.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>

namespace bench {

// Messages per pass.
constexpr std::uint64_t kMessages = 1000000;

// The consumer's side. The producer posts wParam = 0, 1, 2, ...; the consumer
// hands each message's wParam to count(), which checks the order and stamps
// the time at the last one. Only the consumer thread writes `count` and
// `out_of_order`; the producer reads them after joining it.
struct message_counter {
  std::atomic<bool> ready{false};
  alignas(64) std::uint64_t count = 0;  // written per message: a line of its own
  bool out_of_order = false;
  std::atomic<clock_type::rep> last{0};

  // True for the last message of the pass.
  bool count_one(std::uint64_t wparam) {
    if (wparam != count) out_of_order = true;
    if (++count != kMessages) return false;
    last.store(clock_type::now().time_since_epoch().count(), std::memory_order_release);
    return true;
  }

  // Messages per second from `start` (just before the first post) to the last
  // message counted.
  double rate_since(clock_type::time_point start) const {
    clock_type::time_point end(clock_type::duration(last.load(std::memory_order_acquire)));
    return double(kMessages) / seconds(end - start);
  }
};

// The producer's cost: ns per post over the whole posting loop.
inline double ns_per_post(clock_type::duration posting) {
  return std::chrono::duration<double, std::nano>(posting).count() / double(kMessages);
}

}  // namespace bench

#endif  // WPU_TESTS_BENCH_MESSAGES_COMMON_HPP
