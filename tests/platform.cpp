// The POSIX platform layer's contract (posix/wpu/posix/platform.hpp), for the
// layer this executable was built with: tests/meson.build builds it twice,
// header-only, as platform-native (the layer Meson chose for the host) and
// platform-portable (WPU_POSIX_PLATFORM_PORTABLE), so the portable layer a
// macOS or FreeBSD user could fall back to runs on every change.
// WPU_TEST_PLATFORM_NAME is the layer the build expects.
#include <wpu/posix/platform.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace platform = wpu::posix::platform;
using namespace std::chrono_literals;
using word_t = std::atomic<std::uint32_t>;

namespace {

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

bool nonblocking_cloexec(int fd) {
  const int fl = ::fcntl(fd, F_GETFL);
  const int fdfl = ::fcntl(fd, F_GETFD);
  return fl >= 0 && fdfl >= 0 && (fl & O_NONBLOCK) != 0 && (fdfl & FD_CLOEXEC) != 0;
}

// Waits until `word` differs from `seen`, parking with no deadline.
std::uint32_t await_change(word_t& word, std::uint32_t seen) {
  std::uint32_t v;
  while ((v = word.load(std::memory_order_acquire)) == seen) platform::park(&word, seen, nullptr);
  return v;
}

// Ends the process with a message if `done` is not signalled within `limit`:
// a lost wake-up shows as a hang, which this turns into a failure.
class watchdog {
 public:
  watchdog(const char* what, std::chrono::seconds limit)
      : thread_([this, what, limit] {
          std::unique_lock<std::mutex> hold(lock_);
          if (!cv_.wait_for(hold, limit, [this] { return done_; })) {
            std::fprintf(stderr, "platform test: %s did not finish within %lld s (lost wake-up)\n",
                         what, static_cast<long long>(limit.count()));
            std::_Exit(3);
          }
        }) {}
  ~watchdog() {
    {
      std::lock_guard<std::mutex> hold(lock_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

 private:
  std::mutex lock_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

TEST_CASE("platform: the layer compiled in is the one the build chose") {
  CHECK(std::strcmp(platform::name, WPU_TEST_PLATFORM_NAME) == 0);
}

TEST_CASE("platform: park returns at its deadline, not before") {
  word_t word{0};
  for (auto wait : {20ms, 60ms}) {
    const auto start = platform::clock::now();
    const auto until = start + wait;
    platform::park(&word, 0, &until);
    const auto end = platform::clock::now();
    CHECK(end >= until);
    CHECK(end - start < wait + 2s);  // a loaded machine, not a missed deadline
  }
  // A deadline that has passed: at once.
  const auto past = platform::clock::now() - 1s;
  const auto start = platform::clock::now();
  platform::park(&word, 0, &past);
  CHECK(platform::clock::now() - start < 1s);
}

TEST_CASE("platform: park returns at once when the word differs") {
  word_t word{1};
  const auto start = platform::clock::now();
  const auto until = start + 10s;
  platform::park(&word, 0, &until);
  CHECK(platform::clock::now() - start < 5s);
  platform::park(&word, 2, nullptr);  // no deadline: returns, or the test hangs
}

TEST_CASE("platform: unpark_one wakes a parked thread") {
  word_t word{0};
  std::atomic<bool> returned{false};
  platform::clock::duration took{};
  std::thread t([&] {
    const auto start = platform::clock::now();
    const auto until = start + 20s;
    platform::park(&word, 0, &until);  // the store below, or the unpark
    took = platform::clock::now() - start;
    returned = true;
  });
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(returned.load());
  // A thread not yet parked sees 1 and returns; a parked one needs the wake.
  word.store(1, std::memory_order_release);
  platform::unpark_one(&word);
  t.join();
  CHECK(took < 10s);
}

TEST_CASE("platform: unpark_all wakes every thread parked on the word") {
  constexpr int n = 8;
  word_t word{0};
  word_t other{0};  // a bystander parks on it
  std::atomic<int> entered{0};
  std::vector<platform::clock::duration> took(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      ++entered;
      const auto start = platform::clock::now();
      const auto until = start + 20s;
      platform::park(&word, 0, &until);
      took[static_cast<std::size_t>(i)] = platform::clock::now() - start;
    });
  }
  std::atomic<bool> other_returned{false};
  std::thread bystander([&] {
    await_change(other, 0);
    other_returned = true;
  });
  while (entered.load() < n) std::this_thread::yield();
  std::this_thread::sleep_for(100ms);
  word.store(1, std::memory_order_release);
  platform::unpark_all(&word);
  for (auto& t : threads) t.join();
  for (const auto& d : took) CHECK(d < 10s);
  // Waking `word` did not end the bystander's wait on `other`.
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(other_returned.load());
  other.store(1, std::memory_order_release);
  platform::unpark_all(&other);
  bystander.join();
  CHECK(other_returned.load());
}

TEST_CASE("platform: store then unpark racing park loses no wake-up (10k round trips)") {
  constexpr std::uint32_t rounds = 10000;
  word_t ping{0};
  word_t pong{0};
  watchdog dog("the ping-pong", 120s);
  std::thread partner([&] {
    std::uint32_t seen = 0;
    while (seen < rounds) {
      seen = await_change(ping, seen);
      pong.store(seen, std::memory_order_release);
      platform::unpark_one(&pong);
    }
  });
  std::uint32_t got = 0;
  for (std::uint32_t i = 1; i <= rounds; ++i) {
    ping.store(i, std::memory_order_release);
    platform::unpark_one(&ping);
    while (got != i) got = await_change(pong, got);
  }
  partner.join();
  CHECK(got == rounds);
}

TEST_CASE("platform: unpark_all with many threads on one word and its bucket neighbours") {
  // Several words (likely sharing buckets in the portable layer), each with
  // parked threads; each word is woken on its own, rounds times.
  constexpr int words = 6;
  constexpr int per_word = 3;
  constexpr std::uint32_t rounds = 300;
  std::vector<word_t> w(words);
  for (auto& x : w) x = 0;
  watchdog dog("the many-waiter rounds", 120s);
  std::vector<std::thread> threads;
  for (int i = 0; i < words * per_word; ++i) {
    threads.emplace_back([&, i] {
      word_t& mine = w[static_cast<std::size_t>(i % words)];
      std::uint32_t seen = 0;
      while (seen < rounds) seen = await_change(mine, seen);
    });
  }
  for (std::uint32_t r = 1; r <= rounds; ++r) {
    for (auto& x : w) {
      x.store(r, std::memory_order_release);
      platform::unpark_all(&x);
    }
  }
  for (auto& t : threads) t.join();
}

TEST_CASE("platform: thread_id is nonzero, fixed for a thread and distinct across threads") {
  const std::uint32_t mine = platform::thread_id();
  CHECK(mine != 0);
  CHECK(platform::thread_id() == mine);

  constexpr int n = 8;
  std::vector<std::uint32_t> ids(n);
  std::atomic<int> stored{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      const std::uint32_t id = platform::thread_id();
      ids[static_cast<std::size_t>(i)] = platform::thread_id() == id ? id : 0;
      ++stored;
      while (stored.load() < n) std::this_thread::yield();  // all alive at once
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::uint32_t> distinct(ids.begin(), ids.end());
  distinct.insert(mine);
  CHECK(distinct.count(0) == 0);
  CHECK(distinct.size() == static_cast<std::size_t>(n + 1));
}

TEST_CASE("platform: the clocks are monotonic and agree") {
  const std::uint64_t up0 = platform::uptime_ms();
  const std::uint32_t coarse0 = platform::coarse_ms();
  const std::uint64_t hns0 = platform::monotonic_100ns();
  std::this_thread::sleep_for(100ms);
  const std::uint64_t up1 = platform::uptime_ms();
  const std::uint32_t coarse1 = platform::coarse_ms();
  const std::uint64_t hns1 = platform::monotonic_100ns();
  CHECK(up1 - up0 >= 90);
  CHECK(up1 - up0 < 5000);
  CHECK(static_cast<std::uint32_t>(coarse1 - coarse0) >= 80);  // coarse: a tick early
  CHECK(static_cast<std::uint32_t>(coarse1 - coarse0) < 5000);
  CHECK(hns1 - hns0 >= 1000000);  // 100 ms
  CHECK(hns1 - hns0 < 50000000);
}

TEST_CASE("platform: a pollable is readable exactly while set") {
  platform::pollable p;
  REQUIRE(platform::pollable_open(&p, false) == 0);
  REQUIRE(p.read_fd >= 0);
  REQUIRE(p.write_fd >= 0);
  CHECK(nonblocking_cloexec(p.read_fd));
  CHECK(nonblocking_cloexec(p.write_fd));
  CHECK_FALSE(readable(p.read_fd));
  platform::pollable_set(p);
  CHECK(readable(p.read_fd));
  platform::pollable_clear(p);
  CHECK_FALSE(readable(p.read_fd));
  platform::pollable_clear(p);  // clearing a clear one: still clear
  CHECK_FALSE(readable(p.read_fd));

  // Set twice, cleared once: clear.
  platform::pollable_set(p);
  platform::pollable_set(p);
  CHECK(readable(p.read_fd));
  platform::pollable_clear(p);
  CHECK_FALSE(readable(p.read_fd));

  for (int i = 0; i < 1000; ++i) {
    platform::pollable_set(p);
    if (i % 3 == 0) platform::pollable_set(p);
    CHECK(readable(p.read_fd));
    platform::pollable_clear(p);
    CHECK_FALSE(readable(p.read_fd));
  }
  platform::pollable_close(&p);
  CHECK(p.read_fd == -1);
  CHECK(p.write_fd == -1);

  // Opened set: readable at once.
  platform::pollable s;
  REQUIRE(platform::pollable_open(&s, true) == 0);
  CHECK(readable(s.read_fd));
  platform::pollable_clear(s);
  CHECK_FALSE(readable(s.read_fd));
  platform::pollable_close(&s);
}

TEST_CASE("platform: pollable_open reports EMFILE when no fd is left, and leaks none") {
  // In a child, under a low RLIMIT_NOFILE: open until it fails. Exit codes:
  // 0 ok, 1 never failed, 2 wrong errno, 4 a failure left a half-open
  // pollable or no fd came back after a close, 5 setrlimit.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    rlimit lim{64, 64};
    rlimit cur{};
    if (::getrlimit(RLIMIT_NOFILE, &cur) == 0 && cur.rlim_max < lim.rlim_max)
      lim.rlim_cur = lim.rlim_max = cur.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(5);
    std::vector<platform::pollable> open;
    int err = 0;
    for (int i = 0; i < 200 && err == 0; ++i) {
      platform::pollable p;
      err = platform::pollable_open(&p, i % 2 == 0);
      if (err == 0) {
        open.push_back(p);
      } else if (p.read_fd != -1 || p.write_fd != -1) {
        ::_exit(4);
      }
    }
    if (err == 0) ::_exit(1);
    if (err != EMFILE) ::_exit(2);
    // One closed: one opens again (the failed attempt kept no fd).
    platform::pollable_close(&open.back());
    open.pop_back();
    platform::pollable again;
    if (platform::pollable_open(&again, false) != 0) ::_exit(4);
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
