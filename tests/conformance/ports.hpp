// Conformance: I/O completion ports through <wpu/winapi.h>
// (CreateIoCompletionPort, GetQueuedCompletionStatus,
// GetQueuedCompletionStatusEx, PostQueuedCompletionStatus, CloseHandle). On
// Windows these are kernel32's own functions, so the Win32 build under Wine is
// the reference; on POSIX wpu's.
//
// Where Wine 8 differs from Windows, the Win32 build also accepts Wine's
// answer (marked "Wine:" below) and the POSIX build must give Windows' one.
#ifndef WPU_TESTS_PORTS_HPP
#define WPU_TESTS_PORTS_HPP

#include "conformance.hpp"
#include "events.hpp"
#include "threads_apcs.hpp"

#include <wpu/winapi.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace wpu_test {

// The error codes as DWORDs (Windows spells them as long).
inline constexpr DWORD port_abandoned = ERROR_ABANDONED_WAIT_0;

// The key of the packets that tell a consumer thread to stop.
inline constexpr ULONG_PTR stop_key = ~ULONG_PTR{0};

inline HANDLE new_port(DWORD concurrency = 0) {
  return CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, concurrency);
}

// An OVERLAPPED nobody posts: GetQueuedCompletionStatus must overwrite the
// pointer it is given with NULL when it fails without a packet.
inline OVERLAPPED* untouched_overlapped() {
  static OVERLAPPED ov{};
  return &ov;
}

// One GetQueuedCompletionStatus (or GetQueuedCompletionStatusEx for one
// entry) and everything it reported.
struct packet {
  BOOL ok = -1;
  DWORD bytes = 0xAAAAAAAAu;
  ULONG_PTR key = 0xAAAA;
  LPOVERLAPPED ov = untouched_overlapped();
  ULONG removed = 99;  // GetQueuedCompletionStatusEx only
  DWORD error = 0;     // GetLastError() after the call
};

inline packet get_packet(HANDLE port, DWORD ms) {
  packet p;
  SetLastError(0);
  p.ok = GetQueuedCompletionStatus(port, &p.bytes, &p.key, &p.ov, ms);
  p.error = GetLastError();
  return p;
}

inline packet get_packet_ex(HANDLE port, DWORD ms, BOOL alertable) {
  packet p;
  OVERLAPPED_ENTRY e{};
  e.lpCompletionKey = p.key;
  e.lpOverlapped = p.ov;
  e.dwNumberOfBytesTransferred = p.bytes;
  SetLastError(0);
  p.ok = GetQueuedCompletionStatusEx(port, &e, 1, &p.removed, ms, alertable);
  p.error = GetLastError();
  p.bytes = e.dwNumberOfBytesTransferred;
  p.key = e.lpCompletionKey;
  p.ov = e.lpOverlapped;
  return p;
}

// Waits until `pred()` holds, for at most `limit` (as wait_for_flag).
template <class Pred>
bool wait_until(Pred pred, milliseconds limit = milliseconds(10000)) {
  const auto deadline = steady::now() + limit;
  while (!pred()) {
    if (steady::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

// A thread that makes one call, `get` (a wait on a port with a finite
// timeout, so the thread always ends), and keeps what it returned. `order`,
// when given, numbers the waiters in the order they return (1, 2, ...).
class port_waiter {
 public:
  explicit port_waiter(std::function<packet()> get, std::atomic<int>* order = nullptr)
      : thread_([this, get, order] {
          started_ = true;
          result_ = get();
          if (order != nullptr) rank_ = ++*order;
          finished_ = true;
        }) {
    REQUIRE(wait_for_flag(started_));
  }
  ~port_waiter() {
    if (thread_.joinable()) thread_.join();  // ends by its timeout
  }
  port_waiter(const port_waiter&) = delete;
  port_waiter& operator=(const port_waiter&) = delete;

  bool finished() const { return finished_.load(); }
  // The rank in `order`, once finished (0 before).
  int rank() const { return finished_.load() ? rank_ : 0; }
  // The call's results, once it has returned (join_or_die's rules).
  const packet& join(const char* what) {
    join_or_die(thread_, finished_, what);
    return result_;
  }

 private:
  std::atomic<bool> started_{false}, finished_{false};
  packet result_;
  int rank_ = 0;
  std::thread thread_;  // last: started once the rest exists
};

// The wait a thread blocked on a port sees when the port is closed under it.
// Windows: FALSE with ERROR_ABANDONED_WAIT_0, as Microsoft documents. Wine 8:
// the wait holds a reference to the port, so closing the handle wakes nobody
// and the thread waits out its timeout (WAIT_TIMEOUT).
inline bool is_closed_under_wait_error(DWORD e) {
#if defined(_WIN32)
  if (e == wait_timeout) return true;
#endif
  return e == port_abandoned;
}

// GetQueuedCompletionStatusEx for 0 entries. Windows: FALSE with
// ERROR_INVALID_PARAMETER (NtRemoveIoCompletionEx refuses a count of 0; Wine
// 9 does the same). Wine 8: TRUE, nothing removed, but *ulNumEntriesRemoved
// says 1.
inline bool is_zero_count_refused(BOOL r, DWORD error, ULONG removed) {
#if defined(_WIN32)
  if (r == TRUE && removed == 1) return true;
#else
  (void)removed;
#endif
  return r == FALSE && error == error_invalid_parameter;
}

// Which waiter a packet goes to, given the order (1, 2, 3) in which three
// waiters that started waiting one after the other returned. Windows: the
// most recent waiter first (LIFO), as Microsoft documents. Wine 8: the
// waiter that has waited longest first (FIFO).
inline bool is_lifo_release(const int (&ranks)[3]) {
#if defined(_WIN32)
  if (ranks[0] == 1 && ranks[1] == 2 && ranks[2] == 3) return true;
#endif
  return ranks[0] == 3 && ranks[1] == 2 && ranks[2] == 1;
}

// How long a thread waits on a port that is closed under it: INFINITE, so
// only the close can end the wait; under Wine, which does not end it (see
// is_closed_under_wait_error), a finite time, so the test ends.
#if defined(_WIN32)
inline constexpr DWORD closed_under_wait_ms = 300;
#else
inline constexpr DWORD closed_under_wait_ms = INFINITE;
#endif

// A packet posted while a thread waits on the port: Windows hands it to
// that thread at once, so a caller that comes after the post gets nothing
// (FALSE, WAIT_TIMEOUT) and the waiter gets the packet. Wine 8 only wakes
// the waiter, and a caller that comes first takes the packet; the waiter
// then waits out its time. So under Wine the waiters wait a short time,
// and whoever took a packet counts (each packet exactly once).
#if defined(_WIN32)
inline constexpr DWORD hand_off_wait_ms = 300;
#else
inline constexpr DWORD hand_off_wait_ms = 10000;
#endif
inline bool is_handed_off(const packet& later_caller, const packet& waiter, ULONG_PTR key) {
#if defined(_WIN32)
  if (later_caller.ok == TRUE && later_caller.key == key && waiter.ok == FALSE &&
      waiter.error == WAIT_TIMEOUT)
    return true;
#endif
  return later_caller.ok == FALSE && later_caller.error == WAIT_TIMEOUT &&
         later_caller.ov == nullptr && waiter.ok == TRUE && waiter.key == key;
}

// Two threads waiting on a port, the second having started after the first;
// two packets (keys 1 and 2) posted at once: Windows hands the first to the
// most recent waiter (LIFO). (Wine 8 hands nothing over: is_handed_off.)
inline bool is_lifo_hand_off(ULONG_PTR first_waiter_key, ULONG_PTR second_waiter_key) {
  return first_waiter_key == 2 && second_waiter_key == 1;
}

// The ways a thread running a port's packet can block elsewhere (see the
// "gives its place back" case).
enum class block_kind { event_wait, sleep_ex, msg_wait, other_port };

inline const char* block_kind_name(block_kind k) {
  switch (k) {
    case block_kind::event_wait:
      return "WSAWaitForMultipleEvents";
    case block_kind::sleep_ex:
      return "SleepEx";
    case block_kind::msg_wait:
      return "MsgWaitForMultipleObjectsEx";
    case block_kind::other_port:
      return "GetQueuedCompletionStatus on another port";
  }
  return "?";
}

}  // namespace wpu_test

TEST_CASE_TEMPLATE_DEFINE("completion ports" * doctest::test_suite("conformance"), F, wpu_ports) {
  using namespace wpu_test;
  F f;
  wpu::upcalls& u = f.api();
  int err = 0;

  SUBCASE("a new port; a packet round-trips bytes, key and the OVERLAPPED pointer") {
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    CHECK(p != INVALID_HANDLE_VALUE);
    HANDLE q = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 77, 3);  // key ignored
    REQUIRE(q != nullptr);
    CHECK(q != INVALID_HANDLE_VALUE);
    CHECK(q != p);

    OVERLAPPED ov{};
    CHECK(PostQueuedCompletionStatus(p, 123, 0xABCDEF, &ov) == TRUE);
    packet got = get_packet(p, 0);
    CHECK(got.ok == TRUE);
    CHECK(got.bytes == 123);
    CHECK(got.key == 0xABCDEF);
    CHECK(got.ov == &ov);

    // A NULL OVERLAPPED is a packet like any other: TRUE, *overlapped NULL.
    CHECK(PostQueuedCompletionStatus(p, 0, 0, nullptr) == TRUE);
    got = get_packet(p, 0);
    CHECK(got.ok == TRUE);
    CHECK(got.bytes == 0);
    CHECK(got.key == 0);
    CHECK(got.ov == nullptr);

    // Extreme values, and an OVERLAPPED pointer that points nowhere: a posted
    // packet's pointer is only carried, never read or written.
    LPOVERLAPPED tag = reinterpret_cast<LPOVERLAPPED>(std::uintptr_t{0x10});
    CHECK(PostQueuedCompletionStatus(q, 0xFFFFFFFFu, ~ULONG_PTR{0}, tag) == TRUE);
    CHECK(get_packet(p, 0).ok == FALSE);  // not on the other port
    got = get_packet(q, 1000);
    CHECK(got.ok == TRUE);
    CHECK(got.bytes == 0xFFFFFFFFu);
    CHECK(got.key == ~ULONG_PTR{0});
    CHECK(got.ov == tag);

    CHECK(CloseHandle(q) == TRUE);
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("one consumer takes the packets first in, first out") {
    HANDLE p = new_port(1);
    REQUIRE(p != nullptr);
    std::vector<OVERLAPPED> ovs(100);
    for (std::size_t i = 0; i < ovs.size(); ++i)
      CHECK(PostQueuedCompletionStatus(p, static_cast<DWORD>(i * 3), 1000 + i, &ovs[i]) == TRUE);
    std::vector<std::size_t> order;
    long wrong = 0;
    for (std::size_t i = 0; i < ovs.size(); ++i) {
      const packet got = get_packet(p, 0);
      if (got.ok != TRUE) break;
      order.push_back(got.key - 1000);
      if (got.key - 1000 >= ovs.size() || got.ov != &ovs[got.key - 1000] ||
          got.bytes != (got.key - 1000) * 3)
        ++wrong;
    }
    std::vector<std::size_t> expected(ovs.size());
    for (std::size_t i = 0; i < ovs.size(); ++i) expected[i] = i;
    CHECK(order == expected);
    CHECK(wrong == 0);
    const packet empty = get_packet(p, 0);
    CHECK(empty.ok == FALSE);
    CHECK(empty.error == wait_timeout);
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("an empty port: FALSE, *overlapped NULL, WAIT_TIMEOUT after the time") {
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    packet got = get_packet(p, 0);
    CHECK(got.ok == FALSE);
    CHECK(got.ov == nullptr);
    CHECK(got.error == wait_timeout);

    const auto start = steady::now();
    got = get_packet(p, 50);
    const long long took = ms_since(start);
    CHECK(got.ok == FALSE);
    CHECK(got.ov == nullptr);
    CHECK(got.error == wait_timeout);
    CHECK(took >= 45);
    CHECK(took < 2000);

    // A packet that was taken is gone.
    CHECK(PostQueuedCompletionStatus(p, 1, 2, nullptr) == TRUE);
    CHECK(get_packet(p, 0).ok == TRUE);
    got = get_packet(p, 0);
    CHECK(got.ok == FALSE);
    CHECK(got.error == wait_timeout);
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("a thread blocked on an empty port takes a packet posted by another") {
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    OVERLAPPED ov{};
    port_waiter waiter([&] { return get_packet(p, 10000); });
    port_waiter waiter_ex([&] { return get_packet_ex(p, 10000, FALSE); });
    std::this_thread::sleep_for(milliseconds(100));  // surely both blocked by now
    CHECK_FALSE(waiter.finished());
    CHECK_FALSE(waiter_ex.finished());
    CHECK(PostQueuedCompletionStatus(p, 5, 6, &ov) == TRUE);
    CHECK(PostQueuedCompletionStatus(p, 5, 6, &ov) == TRUE);
    const packet& a = waiter.join("GetQueuedCompletionStatus after a post");
    const packet& b = waiter_ex.join("GetQueuedCompletionStatusEx after a post");
    for (const packet* got : {&a, &b}) {
      CHECK(got->ok == TRUE);
      CHECK(got->bytes == 5);
      CHECK(got->key == 6);
      CHECK(got->ov == &ov);
    }
    CHECK(b.removed == 1);
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("GetQueuedCompletionStatusEx removes up to the count, in order") {
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    OVERLAPPED ovs[5] = {};
    for (int i = 0; i < 5; ++i)
      CHECK(PostQueuedCompletionStatus(p, static_cast<DWORD>(10 * i), 100 + i, &ovs[i]) == TRUE);

    OVERLAPPED_ENTRY es[8];
    for (OVERLAPPED_ENTRY& e : es) {
      e.lpCompletionKey = 0xAAAA;
      e.lpOverlapped = untouched_overlapped();
      e.Internal = 0xAAAA;
      e.dwNumberOfBytesTransferred = 0xAAAA;
    }
    ULONG removed = 99;
    CHECK(GetQueuedCompletionStatusEx(p, es, 3, &removed, 0, FALSE) == TRUE);
    CHECK(removed == 3);
    for (int i = 0; i < 3; ++i) {
      CAPTURE(i);
      CHECK(es[i].lpCompletionKey == ULONG_PTR(100 + i));
      CHECK(es[i].lpOverlapped == &ovs[i]);
      CHECK(es[i].dwNumberOfBytesTransferred == DWORD(10 * i));
      CHECK(es[i].Internal == 0);  // the status of a posted packet: success
    }
    CHECK(es[3].lpCompletionKey == 0xAAAA);  // beyond the count: untouched
    CHECK(es[3].lpOverlapped == untouched_overlapped());

    removed = 99;
    CHECK(GetQueuedCompletionStatusEx(p, es, 8, &removed, 1000, FALSE) == TRUE);  // fewer left
    CHECK(removed == 2);
    for (int i = 0; i < 2; ++i) {
      CAPTURE(i);
      CHECK(es[i].lpCompletionKey == ULONG_PTR(103 + i));
      CHECK(es[i].lpOverlapped == &ovs[3 + i]);
      CHECK(es[i].dwNumberOfBytesTransferred == DWORD(10 * (3 + i)));
      CHECK(es[i].Internal == 0);
    }

    SetLastError(0);
    CHECK(GetQueuedCompletionStatusEx(p, es, 8, &removed, 0, FALSE) == FALSE);  // empty
    CHECK(GetLastError() == wait_timeout);
    const auto start = steady::now();
    SetLastError(0);
    CHECK(GetQueuedCompletionStatusEx(p, es, 8, &removed, 50, TRUE) == FALSE);
    CHECK(GetLastError() == wait_timeout);
    CHECK(ms_since(start) >= 45);

    // Packets from both kinds of call come from the one queue.
    CHECK(PostQueuedCompletionStatus(p, 1, 1, nullptr) == TRUE);
    CHECK(PostQueuedCompletionStatus(p, 2, 2, nullptr) == TRUE);
    const packet first = get_packet(p, 0);
    CHECK(first.ok == TRUE);
    CHECK(first.key == 1);
    removed = 99;
    CHECK(GetQueuedCompletionStatusEx(p, es, 8, &removed, 0, FALSE) == TRUE);
    CHECK(removed == 1);
    CHECK(es[0].lpCompletionKey == 2);
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("GetQueuedCompletionStatusEx, alertable: an APC ends it with WAIT_IO_COMPLETION") {
    fresh_apc_log();
    apc_log& alog = apcs();
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    WSATHREADID self{};
    REQUIRE(u.open_current_thread(&self, &err) == 0);
    CHECK(u.queue_apc(&self, record_apc, 7, &err) == 0);

    packet got = get_packet_ex(p, 10, FALSE);  // not alertable: the APC waits
    CHECK(got.ok == FALSE);
    CHECK(got.error == wait_timeout);
    got = get_packet(p, 10);  // GetQueuedCompletionStatus is never alertable
    CHECK(got.ok == FALSE);
    CHECK(got.error == wait_timeout);
    CHECK(alog.size() == 0);

    const auto start = steady::now();
    got = get_packet_ex(p, 5000, TRUE);
    CHECK(ms_since(start) < 4000);
    CHECK(got.ok == FALSE);
    CHECK(got.error == wait_io_completion);
    REQUIRE(alog.size() == 1);
    CHECK(alog.contexts[0] == 7);
    CHECK(alog.threads[0] == std::this_thread::get_id());
    got = get_packet_ex(p, 0, TRUE);  // the APC ran once; nothing is left
    CHECK(got.ok == FALSE);
    CHECK(got.error == wait_timeout);
    CHECK(alog.size() == 1);
    CHECK(u.close_thread(&self, &err) == 0);

    alog.clear();
    check_apc_wakes_blocked_thread(
        u, 78, wait_io_completion, "GetQueuedCompletionStatusEx(alertable) after WPUQueueApc", [&] {
          OVERLAPPED_ENTRY e{};
          ULONG removed = 0;
          if (GetQueuedCompletionStatusEx(p, &e, 1, &removed, INFINITE, TRUE)) return DWORD{0};
          return GetLastError();
        });
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("4 producers, 2 consumers: every packet delivered exactly once") {
#if defined(_WIN32)
    constexpr int per_producer = 1000;  // every post and every take is a Wine server call
#else
    constexpr int per_producer = 2000;
#endif
    constexpr int producers = 4, consumers = 2;
    constexpr std::size_t total = std::size_t{producers} * per_producer;
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    std::vector<OVERLAPPED> ovs(total);
    // Packet k (key k + 1) carries &ovs[k] and k as its byte count.
    std::vector<std::vector<ULONG_PTR>> got(consumers);
    std::atomic<long> mismatched{0}, timed_out{0};
    std::vector<std::thread> cs;
    for (int c = 0; c < consumers; ++c) {
      cs.emplace_back([&, c] {
        for (;;) {
          const packet r = get_packet(p, 10000);
          if (r.ok != TRUE) {
            ++timed_out;  // a packet was lost (or the port failed)
            return;
          }
          if (r.key == stop_key) return;
          const ULONG_PTR k = r.key - 1;
          if (k >= total || r.ov != &ovs[k] || r.bytes != k) ++mismatched;
          got[static_cast<std::size_t>(c)].push_back(k);
        }
      });
    }
    std::atomic<int> failed_posts{0};
    std::vector<std::thread> ps;
    for (int pr = 0; pr < producers; ++pr) {
      ps.emplace_back([&, pr] {
        for (int i = 0; i < per_producer; ++i) {
          const std::size_t k = std::size_t(pr) * per_producer + i;
          if (!PostQueuedCompletionStatus(p, static_cast<DWORD>(k), k + 1, &ovs[k])) ++failed_posts;
        }
      });
    }
    for (std::thread& t : ps) t.join();
    for (int c = 0; c < consumers; ++c)
      CHECK(PostQueuedCompletionStatus(p, 0, stop_key, nullptr) == TRUE);
    for (std::thread& t : cs) t.join();  // each ends at a stop packet or a 10 s timeout

    CHECK(failed_posts.load() == 0);
    CHECK(timed_out.load() == 0);
    CHECK(mismatched.load() == 0);
    std::vector<int> times(total, 0);
    std::size_t received = 0;
    for (const std::vector<ULONG_PTR>& keys : got) {
      received += keys.size();
      for (ULONG_PTR k : keys)
        if (k < total) ++times[k];
    }
    CHECK(received == total);
    long not_once = 0;
    for (int t : times)
      if (t != 1) ++not_once;
    CHECK(not_once == 0);
    INFO("first consumer: " << got[0].size() << ", second: " << got[1].size());
    CHECK(get_packet(p, 0).ok == FALSE);  // nothing left
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("a packet goes to the thread that started waiting last (LIFO)") {
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    std::atomic<int> order{0};
    std::vector<std::unique_ptr<port_waiter>> ws;
    for (int i = 0; i < 3; ++i) {
      ws.push_back(std::make_unique<port_waiter>([&] { return get_packet(p, 10000); }, &order));
      // The next waiter must start waiting after this one: a thread that has
      // started surely blocks in GetQueuedCompletionStatus within 100 ms.
      std::this_thread::sleep_for(milliseconds(100));
    }
    for (const auto& w : ws) CHECK_FALSE(w->finished());
    // Each packet wakes one thread; on Windows the most recent waiter: 2, 1, 0.
    for (int n = 1; n <= 3; ++n) {
      CAPTURE(n);
      CHECK(PostQueuedCompletionStatus(p, 0, static_cast<ULONG_PTR>(n), nullptr) == TRUE);
      CHECK(wait_until([&] { return order.load() >= n; }));
      std::this_thread::sleep_for(milliseconds(20));  // a second wake-up would show here
      CHECK(order.load() == n);
    }
    const int ranks[3] = {ws[0]->rank(), ws[1]->rank(), ws[2]->rank()};
    INFO("waiters returned in the order " << ranks[0] << ranks[1] << ranks[2]);
    CHECK(is_lifo_release(ranks));
    for (int i = 0; i < 3; ++i) {
      CAPTURE(i);
      const packet& got = ws[static_cast<std::size_t>(i)]->join("a LIFO waiter");
      CHECK(got.ok == TRUE);
      CHECK(got.key == static_cast<ULONG_PTR>(ranks[i]));  // the packet that woke it
    }
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("concurrency 1: no second packet while the thread that took one runs") {
    HANDLE p = new_port(1);
    REQUIRE(p != nullptr);
    std::atomic<bool> release{false};
    std::atomic<int> taken{0}, first_taker{-1}, second_taker{-1};
    std::atomic<long> failures{0};
    std::vector<std::thread> ts;
    for (int me = 0; me < 2; ++me) {
      ts.emplace_back([&, me] {
        for (;;) {
          const packet r = get_packet(p, 10000);
          if (r.ok != TRUE) {
            ++failures;
            return;
          }
          if (r.key == stop_key) return;
          ++taken;
          if (r.key == 1) {
            first_taker = me;
            // Keeps running without blocking (a thread that blocks elsewhere
            // would stop counting against the limit on Windows).
            const auto deadline = steady::now() + std::chrono::seconds(20);
            while (!release.load() && steady::now() < deadline) {
            }
          } else {
            second_taker = me;
          }
        }
      });
    }
    std::this_thread::sleep_for(milliseconds(100));  // surely both blocked by now
    CHECK(PostQueuedCompletionStatus(p, 0, 1, nullptr) == TRUE);
    CHECK(wait_until([&] { return taken.load() >= 1; }));
    CHECK(PostQueuedCompletionStatus(p, 0, 2, nullptr) == TRUE);
    std::this_thread::sleep_for(milliseconds(200));
    const int while_running = taken.load();
    INFO("packets taken while the first thread ran: " << while_running);
#if defined(_WIN32)
    // Wine: the concurrency value is not enforced; the other waiting thread
    // takes the second packet at once.
    CHECK((while_running == 1 || while_running == 2));
#else
    CHECK(while_running == 1);
#endif
    release = true;  // the first thread calls GetQueuedCompletionStatus again
    CHECK(wait_until([&] { return taken.load() >= 2; }));
    CHECK(taken.load() == 2);
    CHECK(first_taker.load() >= 0);
    CHECK(second_taker.load() >= 0);
    for (int i = 0; i < 2; ++i) CHECK(PostQueuedCompletionStatus(p, 0, stop_key, nullptr) == TRUE);
    for (std::thread& t : ts) t.join();
    CHECK(failures.load() == 0);
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("concurrency 1: a thread that exits while running a packet frees its place") {
    HANDLE p = new_port(1);
    REQUIRE(p != nullptr);
    CHECK(PostQueuedCompletionStatus(p, 0, 1, nullptr) == TRUE);
    packet first{};
    std::thread runner([&] { first = get_packet(p, 0); });  // takes it, then exits
    runner.join();
    CHECK(first.ok == TRUE);
    CHECK(first.key == 1);
    // Had the exited thread kept its place, this thread could not take one.
    CHECK(PostQueuedCompletionStatus(p, 0, 2, nullptr) == TRUE);
    const packet second = get_packet(p, 1000);
    CHECK(second.ok == TRUE);
    CHECK(second.key == 2);
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("CloseHandle with threads waiting on the port: ERROR_ABANDONED_WAIT_0") {
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    CHECK(PostQueuedCompletionStatus(p, 1, 1, nullptr) == TRUE);
    CHECK(get_packet(p, 0).ok == TRUE);
    port_waiter waiter([&] { return get_packet(p, closed_under_wait_ms); });
    port_waiter waiter_ex([&] { return get_packet_ex(p, closed_under_wait_ms, FALSE); });
    std::this_thread::sleep_for(milliseconds(100));  // surely both blocked by now
    CHECK_FALSE(waiter.finished());
    CHECK_FALSE(waiter_ex.finished());
    CHECK(CloseHandle(p) == TRUE);
    const packet& a = waiter.join("GetQueuedCompletionStatus on a closed port");
    const packet& b = waiter_ex.join("GetQueuedCompletionStatusEx on a closed port");
    CHECK(a.ok == FALSE);
    CHECK(a.ov == nullptr);
    CHECK(is_closed_under_wait_error(a.error));
    CHECK(b.ok == FALSE);
    CHECK(is_closed_under_wait_error(b.error));
  }

  SUBCASE("CloseHandle drops queued packets; the handle is dead") {
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    for (int i = 0; i < 3; ++i) CHECK(PostQueuedCompletionStatus(p, 1, 1, nullptr) == TRUE);
    CHECK(CloseHandle(p) == TRUE);
    const packet got = get_packet(p, 0);
    CHECK(got.ok == FALSE);
    CHECK(got.ov == nullptr);
    CHECK(got.error == error_invalid_handle);
  }

  SUBCASE("a handle that is no live port: ERROR_INVALID_HANDLE") {
    // The event first: a handle value freed by the port's close may be
    // reused by the next handle made.
    WSAEVENT event = WSACreateEvent();
    REQUIRE(event != WSA_INVALID_EVENT);
    HANDLE closed = new_port();
    REQUIRE(closed != nullptr);
    REQUIRE(CloseHandle(closed) == TRUE);
    const HANDLE bad[] = {closed, garbage_event(), HANDLE{nullptr},
                          reinterpret_cast<HANDLE>(std::uintptr_t{0x1234}), event};
    OVERLAPPED ov{};
    for (HANDLE h : bad) {
      CAPTURE(reinterpret_cast<std::uintptr_t>(h));
      packet got = get_packet(h, 0);
      CHECK(got.ok == FALSE);
      CHECK(got.ov == nullptr);
      CHECK(got.error == error_invalid_handle);
      got = get_packet_ex(h, 0, FALSE);
      CHECK(got.ok == FALSE);
      CHECK(got.error == error_invalid_handle);
      SetLastError(0);
      CHECK(PostQueuedCompletionStatus(h, 1, 2, &ov) == FALSE);
      CHECK(GetLastError() == error_invalid_handle);
    }
    for (HANDLE h : {closed, garbage_event(), HANDLE{nullptr},
                     reinterpret_cast<HANDLE>(std::uintptr_t{0x1234})}) {
      CAPTURE(reinterpret_cast<std::uintptr_t>(h));
      SetLastError(0);
      CHECK(CloseHandle(h) == FALSE);
      CHECK(GetLastError() == error_invalid_handle);
    }
    // CloseHandle closes an event too; it is then dead for WSACloseEvent.
    CHECK(CloseHandle(event) == TRUE);
    CHECK(WSACloseEvent(event) == FALSE);
    CHECK(WSAGetLastError() == invalid_handle);
  }

  SUBCASE("CreateIoCompletionPort: bad file and port handles") {
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    WSAEVENT event = WSACreateEvent();
    REQUIRE(event != WSA_INVALID_EVENT);
    // No file with an existing port: ERROR_INVALID_PARAMETER, whatever the
    // port (kernel32 checks this before it looks at the port).
    for (HANDLE port : {p, garbage_event()}) {
      SetLastError(0);
      CHECK(CreateIoCompletionPort(INVALID_HANDLE_VALUE, port, 1, 0) == nullptr);
      CHECK(GetLastError() == error_invalid_parameter);
    }
    // Something that is no file (or, on POSIX, no wpu socket): a new port or
    // an existing one, ERROR_INVALID_HANDLE either way.
    for (HANDLE file : {garbage_event(), HANDLE(event), p}) {
      CAPTURE(reinterpret_cast<std::uintptr_t>(file));
      SetLastError(0);
      CHECK(CreateIoCompletionPort(file, nullptr, 1, 0) == nullptr);
      CHECK(GetLastError() == error_invalid_handle);
      SetLastError(0);
      CHECK(CreateIoCompletionPort(file, p, 1, 0) == nullptr);
      CHECK(GetLastError() == error_invalid_handle);
    }
    // The port is unharmed.
    CHECK(PostQueuedCompletionStatus(p, 3, 4, nullptr) == TRUE);
    const packet got = get_packet(p, 0);
    CHECK(got.ok == TRUE);
    CHECK(got.key == 4);
    CHECK(WSACloseEvent(event) == TRUE);
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("tag bits: port|1, |2 and |3 name the port, for every port function") {
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    OVERLAPPED ov{};
    for (unsigned bits = 1; bits <= 3; ++bits) {
      CAPTURE(bits);
      HANDLE t = with_tag(p, bits);
      CHECK(PostQueuedCompletionStatus(t, bits, 10 + bits, &ov) == TRUE);
      packet got = get_packet(p, 0);
      CHECK(got.ok == TRUE);
      CHECK(got.bytes == bits);
      CHECK(got.key == 10 + bits);
      CHECK(got.ov == &ov);
      CHECK(PostQueuedCompletionStatus(p, bits, 20 + bits, &ov) == TRUE);
      got = get_packet(t, 0);
      CHECK(got.ok == TRUE);
      CHECK(got.key == 20 + bits);
      CHECK(PostQueuedCompletionStatus(t, bits, 30 + bits, nullptr) == TRUE);
      got = get_packet_ex(t, 0, FALSE);
      CHECK(got.ok == TRUE);
      CHECK(got.removed == 1);
      CHECK(got.key == 30 + bits);
      got = get_packet(t, 0);
      CHECK(got.ok == FALSE);
      CHECK(got.error == wait_timeout);
    }

    // A thread blocked on port|1 takes a packet posted to port|3; one blocked
    // on the port takes a packet posted to port|2.
    port_waiter on_tagged([&] { return get_packet(with_tag(p, 1), 10000); });
    std::this_thread::sleep_for(milliseconds(100));  // surely blocked by now
    CHECK(PostQueuedCompletionStatus(with_tag(p, 3), 1, 41, nullptr) == TRUE);
    const packet& a = on_tagged.join("a wait on port|1 after a post to port|3");
    CHECK(a.ok == TRUE);
    CHECK(a.key == 41);
    port_waiter on_plain([&] { return get_packet(p, 10000); });
    std::this_thread::sleep_for(milliseconds(100));
    CHECK(PostQueuedCompletionStatus(with_tag(p, 2), 1, 42, nullptr) == TRUE);
    const packet& b = on_plain.join("a wait on the port after a post to port|2");
    CHECK(b.ok == TRUE);
    CHECK(b.key == 42);

    // A socket associated through port|1 completes to the port. The hEvent
    // rule keeps its meaning: bit 0 says "no packet", the event is hEvent & ~1
    // (here e|2: e itself).
    int err2 = 0;
    const SOCKET s = u.create_socket_handle(id_a, 1, &err2);
    REQUIRE(s != INVALID_SOCKET);
    DWORD e = 0;
    CHECK(f.impl().associate_port(s, with_tag(p, 1), 51, 0, &e) != nullptr);
    WSAEVENT ev = u.create_event(&err);
    REQUIRE(ev != WSA_INVALID_EVENT);
    WSAOVERLAPPED queued{};
    queued.Internal = WSS_OPERATION_IN_PROGRESS;
    queued.hEvent = with_tag(ev, 2);
    CHECK(u.complete_overlapped_request(s, &queued, 0, 7, &err) == 0);
    CHECK(poll_event(ev) == wait_0);
    packet got = get_packet(p, 1000);
    CHECK(got.ok == TRUE);
    CHECK(got.key == 51);
    CHECK(got.ov == &queued);
    CHECK(got.bytes == 7);
    CHECK(u.reset_event(ev, &err) == TRUE);
    WSAOVERLAPPED unqueued{};
    unqueued.Internal = WSS_OPERATION_IN_PROGRESS;
    unqueued.hEvent = with_tag(ev, 3);
    CHECK(u.complete_overlapped_request(s, &unqueued, 0, 8, &err) == 0);
    CHECK(poll_event(ev) == wait_0);
    CHECK(get_packet(p, 0).error == wait_timeout);  // bit 0: no packet
    CHECK(u.close_socket_handle(s, &err) == 0);
    CHECK(u.close_event(ev, &err) == TRUE);

    // Closed through port|2: the port is dead under every name.
    CHECK(CloseHandle(with_tag(p, 2)) == TRUE);
    SetLastError(0);
    CHECK(PostQueuedCompletionStatus(p, 1, 1, nullptr) == FALSE);
    CHECK(GetLastError() == error_invalid_handle);
    CHECK(get_packet(with_tag(p, 1), 0).error == error_invalid_handle);
    SetLastError(0);
    CHECK(CloseHandle(p) == FALSE);
    CHECK(GetLastError() == error_invalid_handle);
  }

  SUBCASE("a socket handle with tag bits is still no socket") {
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    const SOCKET s = u.create_socket_handle(id_a, 1, &err);
    REQUIRE(s != INVALID_SOCKET);
    for (SOCKET bits = 1; bits <= 3; ++bits) {
      CAPTURE(bits);
      DWORD e = 0;
      CHECK(f.impl().associate_port(s | bits, p, 1, 0, &e) == nullptr);
      CHECK(e == error_invalid_handle);
      DWORD_PTR ctx = 0;
      err = 0;
      CHECK(u.query_socket_handle_context(s | bits, &ctx, &err) == SOCKET_ERROR);
      CHECK(err == WSAENOTSOCK);
      WSAOVERLAPPED ov{};
      ov.Internal = WSS_OPERATION_IN_PROGRESS;
      err = 0;
      CHECK(u.complete_overlapped_request(s | bits, &ov, 0, 1, &err) == SOCKET_ERROR);
      CHECK(err == WSAEINVAL);
      CHECK(ov.Internal == WSS_OPERATION_IN_PROGRESS);  // untouched
    }
    CHECK(get_packet(p, 0).error == wait_timeout);
    CHECK(u.close_socket_handle(s, &err) == 0);
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("GetQueuedCompletionStatusEx with a count of 0: ERROR_INVALID_PARAMETER") {
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    CHECK(PostQueuedCompletionStatus(p, 1, 1, nullptr) == TRUE);
    OVERLAPPED_ENTRY e{};
    ULONG removed = 99;
    SetLastError(0);
    const BOOL r = GetQueuedCompletionStatusEx(p, &e, 0, &removed, 0, FALSE);
    const DWORD error = GetLastError();
    CHECK(is_zero_count_refused(r, error, removed));
    CHECK(get_packet(p, 0).ok == TRUE);  // the packet stayed queued
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("a packet posted while a thread waits is handed to it, not to a later caller") {
    HANDLE p = new_port();
    REQUIRE(p != nullptr);
    for (const bool ex : {false, true}) {
      CAPTURE(ex);
      port_waiter waiter([&] {
        return ex ? get_packet_ex(p, hand_off_wait_ms, FALSE) : get_packet(p, hand_off_wait_ms);
      });
      std::this_thread::sleep_for(milliseconds(100));  // surely blocked by now
      CHECK_FALSE(waiter.finished());
      OVERLAPPED ov{};
      CHECK(PostQueuedCompletionStatus(p, 3, 7, &ov) == TRUE);
      // At once, before the waiter has had time to wake: the packet is no
      // longer queued, it belongs to the waiter.
      const packet mine = get_packet(p, 0);
      const packet& theirs = waiter.join("a waiter handed a packet");
      INFO("the later caller: " << mine.ok << "/" << mine.error << ", the waiter: " << theirs.ok
                                << "/" << theirs.error);
      CHECK(is_handed_off(mine, theirs, 7));
      if (theirs.ok == TRUE) {
        CHECK(theirs.bytes == 3);
        CHECK(theirs.ov == &ov);
        if (ex) CHECK(theirs.removed == 1);
      }
    }
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("two packets posted while two threads wait: the later waiter gets the first") {
    HANDLE p = new_port(2);
    REQUIRE(p != nullptr);
    port_waiter first([&] { return get_packet(p, hand_off_wait_ms); });
    std::this_thread::sleep_for(milliseconds(100));  // surely blocked by now
    port_waiter second([&] { return get_packet_ex(p, hand_off_wait_ms, FALSE); });
    std::this_thread::sleep_for(milliseconds(100));
    CHECK_FALSE(first.finished());
    CHECK_FALSE(second.finished());
    CHECK(PostQueuedCompletionStatus(p, 0, 1, nullptr) == TRUE);
    CHECK(PostQueuedCompletionStatus(p, 0, 2, nullptr) == TRUE);
    const packet mine = get_packet(p, 0);  // both were handed over already
    const packet& a = first.join("the first waiter");
    const packet& b = second.join("the second waiter");
    INFO("the first waiter got " << a.ok << "/" << a.key << ", the second " << b.ok << "/" << b.key
                                 << ", the later caller " << mine.ok << "/" << mine.key);
#if defined(_WIN32)
    // Wine 8 (see is_handed_off): every packet taken exactly once, by anyone.
    std::vector<ULONG_PTR> keys;
    for (const packet* got : {&a, &b, &mine})
      if (got->ok == TRUE) keys.push_back(got->key);
    for (packet got = get_packet(p, 0); got.ok == TRUE; got = get_packet(p, 0))
      keys.push_back(got.key);
    std::sort(keys.begin(), keys.end());
    CHECK(keys == std::vector<ULONG_PTR>{1, 2});
#else
    CHECK(mine.ok == FALSE);
    CHECK(mine.error == wait_timeout);
    CHECK(a.ok == TRUE);
    CHECK(b.ok == TRUE);
    CHECK(b.removed == 1);
    CHECK(is_lifo_hand_off(a.key, b.key));
#endif
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("concurrency 1: a thread that blocks in another wait gives its place back") {
    for (const block_kind kind : {block_kind::event_wait, block_kind::sleep_ex,
                                  block_kind::msg_wait, block_kind::other_port}) {
      const std::string kind_name = block_kind_name(kind);
      CAPTURE(kind_name);
      HANDLE p = new_port(1);
      HANDLE other = new_port();
      WSAEVENT e = WSACreateEvent();
      REQUIRE(p != nullptr);
      REQUIRE(other != nullptr);
      REQUIRE(e != WSA_INVALID_EVENT);
      CHECK(PostQueuedCompletionStatus(p, 0, 1, nullptr) == TRUE);
      std::atomic<bool> took{false}, go_block{false}, published{false}, done{false};
      std::atomic<ULONG_PTR> first_key{0};
      std::atomic<DWORD> result{0xFFFFFFFFu};
      WSATHREADID self{};
      int opened = -1;
      std::thread runner([&] {
        int e2 = 0;
        opened = u.open_current_thread(&self, &e2);
        published = true;
        first_key = get_packet(p, 10000).key;
        took = true;
        // Runs without blocking until told to block (a thread that blocks
        // stops counting against the limit).
        const auto deadline = steady::now() + std::chrono::seconds(20);
        while (!go_block.load() && steady::now() < deadline) {
        }
        switch (kind) {
          case block_kind::event_wait:
            result = WSAWaitForMultipleEvents(1, &e, FALSE, 20000, FALSE);
            break;
          case block_kind::sleep_ex:
            result = SleepEx(20000, TRUE);
            break;
          case block_kind::msg_wait: {
            HANDLE h = e;
            result = MsgWaitForMultipleObjectsEx(1, &h, 20000, 0, 0);
            break;
          }
          case block_kind::other_port: {
            const packet o = get_packet(other, 20000);
            result = o.ok == TRUE ? static_cast<DWORD>(o.key) : o.error;
            break;
          }
        }
        done = true;
      });
      REQUIRE(wait_for_flag(published));
      REQUIRE(opened == 0);
      REQUIRE(wait_for_flag(took));
      CHECK(first_key.load() == 1);
      port_waiter waiter([&] { return get_packet(p, 10000); });
      std::this_thread::sleep_for(milliseconds(100));  // surely blocked by now
      CHECK(PostQueuedCompletionStatus(p, 0, 2, nullptr) == TRUE);
      std::this_thread::sleep_for(milliseconds(100));
#if !defined(_WIN32)
      // Wine: the concurrency value is not enforced (see the case above);
      // the waiter takes the packet at once.
      CHECK_FALSE(waiter.finished());
#endif
      go_block = true;
      const packet& second = waiter.join("a waiter while the running thread blocks elsewhere");
      CHECK(second.ok == TRUE);
      CHECK(second.key == 2);
      CHECK_FALSE(done.load());  // still blocked: only its wait's end wakes it
      DWORD expected = 0;
      switch (kind) {
        case block_kind::event_wait:
        case block_kind::msg_wait:
          CHECK(WSASetEvent(e) == TRUE);
          expected = wait_0;
          break;
        case block_kind::sleep_ex: {
          static std::atomic<bool> ran{false};
          ran = false;
          CHECK(u.queue_apc(&self, set_flag_apc, as_context(&ran), &err) == 0);
          expected = sleep_io_completion;
          break;
        }
        case block_kind::other_port:
          CHECK(PostQueuedCompletionStatus(other, 0, 9, nullptr) == TRUE);
          expected = 9;
          break;
      }
      join_or_die(runner, done, block_kind_name(kind));
      CHECK(result.load() == expected);
      CHECK(u.close_thread(&self, &err) == 0);
      CHECK(WSACloseEvent(e) == TRUE);
      CHECK(CloseHandle(other) == TRUE);
      CHECK(CloseHandle(p) == TRUE);
    }
  }

  SUBCASE("concurrency 1: queued packets go to a GetQueuedCompletionStatusEx waiter together") {
    HANDLE p = new_port(1);
    REQUIRE(p != nullptr);
    CHECK(PostQueuedCompletionStatus(p, 0, 1, nullptr) == TRUE);
    packet got = get_packet(p, 0);  // this thread now runs the port's packet
    CHECK(got.ok == TRUE);
    CHECK(got.key == 1);
    std::atomic<bool> started{false}, finished{false};
    OVERLAPPED_ENTRY es[8] = {};
    ULONG removed = 0;
    BOOL ok = FALSE;
    std::thread waiter([&] {
      started = true;
      ok = GetQueuedCompletionStatusEx(p, es, 8, &removed, 10000, FALSE);
      finished = true;
    });
    REQUIRE(wait_for_flag(started));
    std::this_thread::sleep_for(milliseconds(100));  // surely blocked by now
    for (ULONG_PTR k = 2; k <= 4; ++k) CHECK(PostQueuedCompletionStatus(p, 0, k, nullptr) == TRUE);
    std::this_thread::sleep_for(milliseconds(50));
#if !defined(_WIN32)
    CHECK_FALSE(finished.load());  // Wine: the limit is not enforced
#endif
    // This thread blocks (a plain sleep): its place goes to the waiter,
    // which takes everything queued.
    SleepEx(100, FALSE);
    join_or_die(waiter, finished, "GetQueuedCompletionStatusEx handed queued packets");
    CHECK(ok == TRUE);
    std::vector<ULONG_PTR> keys;
    for (ULONG i = 0; i < removed && i < 8; ++i) keys.push_back(es[i].lpCompletionKey);
#if defined(_WIN32)
    // Wine: the waiter may have woken at the first post, with fewer.
    for (got = get_packet(p, 0); got.ok == TRUE; got = get_packet(p, 0)) keys.push_back(got.key);
#endif
    CHECK(keys == std::vector<ULONG_PTR>{2, 3, 4});
    CHECK(get_packet(p, 0).ok == FALSE);
    CHECK(CloseHandle(p) == TRUE);
  }

  SUBCASE("a closed port's record reused while other threads still use the old handle") {
    // Threads call GetQueuedCompletionStatus(Ex) with each port handle while
    // this thread closes it and makes another port (on POSIX the same
    // record), posts one packet to it and takes it back. A call made after
    // the close returned gets ERROR_INVALID_HANDLE; none returns a packet;
    // the new port's packet is never lost to them. On Windows the new port
    // may get the old handle's value: then the stale callers are really
    // callers of the new port, and may take its packet (counted).
#if defined(_WIN32)
    constexpr int rounds = 200;
#else
    constexpr int rounds = 500;
#endif
    constexpr int racers = 2;
    std::vector<HANDLE> olds(rounds, nullptr);  // written before `published`
    std::unique_ptr<std::atomic<HANDLE>[]> news(new std::atomic<HANDLE>[rounds]());
    std::atomic<int> published{-1}, closed{-1};
    std::atomic<bool> stop{false};
    std::atomic<long> stale_packets{0}, not_invalid_after_close{0}, bad_errors{0}, calls{0};
    std::vector<std::vector<ULONG_PTR>> racer_keys(racers);
    std::vector<std::thread> ts;
    for (int r = 0; r < racers; ++r) {
      ts.emplace_back([&, r] {
        while (!stop.load()) {
          const int i = published.load();
          if (i < 0) continue;
          const int closed_before = closed.load();
          const HANDLE h = olds[static_cast<std::size_t>(i)];
          const packet got =
              (calls.fetch_add(1) & 1) != 0 ? get_packet_ex(h, 0, FALSE) : get_packet(h, 0);
          // Whether a port made since has the old handle's value (Windows).
          bool reused = false;
          const int last = published.load();
          for (int j = i; j <= last; ++j)
            if (news[j].load() == h || (j > i && olds[static_cast<std::size_t>(j)] == h))
              reused = true;
          if (got.ok == TRUE) {
            racer_keys[static_cast<std::size_t>(r)].push_back(got.key);
            if (!reused) ++stale_packets;
            continue;
          }
#if !defined(_WIN32)
          // (Windows may give the value to any new object at once, so there
          // a call after the close can reach another port; wpu handle values
          // are never reused that soon.)
          if (closed_before >= i && got.error != error_invalid_handle) ++not_invalid_after_close;
#else
          (void)closed_before;
#endif
          if (got.error != error_invalid_handle && got.error != wait_timeout) ++bad_errors;
        }
      });
    }
    long lost = 0;
    for (int i = 0; i < rounds; ++i) {
      HANDLE old = new_port();
      REQUIRE(old != nullptr);
      olds[static_cast<std::size_t>(i)] = old;
      published = i;
      const long before = calls.load();
      while (calls.load() < before + 1) std::this_thread::yield();  // let them call it
      CHECK(CloseHandle(old) == TRUE);
      closed = i;
      HANDLE fresh = new_port();
      REQUIRE(fresh != nullptr);
      news[i] = fresh;
      const ULONG_PTR key = 1000 + static_cast<ULONG_PTR>(i);
      CHECK(PostQueuedCompletionStatus(fresh, 1, key, nullptr) == TRUE);
      const packet got = get_packet(fresh, 0);
      if (got.ok != TRUE || got.key != key) ++lost;  // taken by a racer, or dropped
      CHECK(CloseHandle(fresh) == TRUE);
    }
    stop = true;
    for (std::thread& t : ts) t.join();
    std::size_t racer_taken = 0;
    for (const auto& keys : racer_keys) racer_taken += keys.size();
    INFO(calls.load() << " calls with old handles; racers took " << racer_taken);
    CHECK(stale_packets.load() == 0);
    CHECK(not_invalid_after_close.load() == 0);
    CHECK(bad_errors.load() == 0);
#if defined(_WIN32)
    CHECK(static_cast<std::size_t>(lost) == racer_taken);  // only through a reused value
#else
    CHECK(lost == 0);
    CHECK(racer_taken == 0);
#endif
  }

  // Associating a wpu socket handle with a port: overlapped.hpp.
}

#endif  // WPU_TESTS_PORTS_HPP
