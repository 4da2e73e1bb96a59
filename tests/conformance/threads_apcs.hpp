// Conformance: WPUOpenCurrentThread, WPUCloseThread, WPUQueueApc, and the
// alertable waits that run APCs (SleepEx, WSAWaitForMultipleEvents) through
// <wpu/winapi.h>.
#ifndef WPU_TESTS_THREADS_APCS_HPP
#define WPU_TESTS_THREADS_APCS_HPP

#include "conformance.hpp"
#include "events.hpp"

#include <atomic>
#include <mutex>
#include <ostream>  // doctest prints std::thread::id
#include <thread>
#include <vector>

namespace wpu_test {

// What record_apc saw: each APC's context and the thread it ran on.
struct apc_log {
  std::mutex m;
  std::vector<DWORD_PTR> contexts;
  std::vector<std::thread::id> threads;

  void clear() {
    std::lock_guard<std::mutex> lock(m);
    contexts.clear();
    threads.clear();
  }
  std::size_t size() {
    std::lock_guard<std::mutex> lock(m);
    return contexts.size();
  }
};

inline apc_log& apcs() {
  static apc_log log;
  return log;
}

inline void CALLBACK record_apc(DWORD_PTR context) {
  apc_log& log = apcs();
  std::lock_guard<std::mutex> lock(log.m);
  log.contexts.push_back(context);
  log.threads.push_back(std::this_thread::get_id());
}

// Runs whatever an earlier failed test left queued to this thread, then
// empties the log.
inline void fresh_apc_log() {
  while (SleepEx(0, TRUE) != 0) {
  }
  apcs().clear();
}

// An APC that sets the std::atomic<bool> its context points to.
inline void CALLBACK set_flag_apc(DWORD_PTR context) {
  reinterpret_cast<std::atomic<bool>*>(context)->store(true);
}

// One APC of the many-producers test: the target thread appends `seq` to its
// producer's list (only the target writes the lists).
struct ordered_apc {
  std::vector<std::vector<int>>* seen;
  int producer;
  int seq;
};

inline void CALLBACK ordered_apc_routine(DWORD_PTR context) {
  const ordered_apc* a = reinterpret_cast<const ordered_apc*>(context);
  (*a->seen)[a->producer].push_back(a->seq);
}

// An APC that waits alertably itself: it logs `context`, runs SleepEx(0, TRUE)
// (which delivers the APCs queued behind it, as on Windows), then logs
// 1000 + the SleepEx result.
inline void CALLBACK nesting_apc(DWORD_PTR context) {
  record_apc(context);
  const DWORD r = SleepEx(0, TRUE);
  record_apc(1000 + r);
}

inline DWORD_PTR as_context(const void* p) {
  return reinterpret_cast<DWORD_PTR>(p);
}

// A thread opens its WSATHREADID and blocks in `block` (an INFINITE alertable
// wait); one WPUQueueApc from the calling thread must run `context` on it and
// end the wait with `expected`. The log must be empty when it starts.
template <class Block>
void check_apc_wakes_blocked_thread(wpu::upcalls& u, DWORD_PTR context, DWORD expected,
                                    const char* what, Block block) {
  apc_log& log = apcs();
  int err = 0;
  WSATHREADID target{};
  std::thread::id target_id;
  std::atomic<bool> published{false}, finished{false};
  int opened = -1;
  DWORD result = 0;
  std::thread t([&] {
    int e = 0;
    target_id = std::this_thread::get_id();
    opened = u.open_current_thread(&target, &e);
    published = true;
    result = block();
    finished = true;
  });
  REQUIRE(wait_for_flag(published));
  REQUIRE(opened == 0);
  std::this_thread::sleep_for(milliseconds(100));  // surely blocked by now
  CHECK_FALSE(finished.load());
  CHECK(log.size() == 0);
  CHECK(u.queue_apc(&target, record_apc, context, &err) == 0);
  join_or_die(t, finished, what);
  CHECK(result == expected);
  REQUIRE(log.size() == 1);
  CHECK(log.contexts[0] == context);
  CHECK(log.threads[0] == target_id);
  CHECK(u.close_thread(&target, &err) == 0);
}

}  // namespace wpu_test

TEST_CASE_TEMPLATE_DEFINE("threads" * doctest::test_suite("conformance"), F, wpu_threads) {
  using namespace wpu_test;
  F f;
  wpu::upcalls& u = f.api();
  int err = 0;

  SUBCASE("WPUOpenCurrentThread and WPUCloseThread on the main thread") {
    WSATHREADID me{};
    CHECK(u.open_current_thread(&me, &err) == 0);
    CHECK(me.ThreadHandle != nullptr);
#if defined(_WIN32)
    CHECK(me.Reserved == GetCurrentThreadId());
#endif
    CHECK(u.close_thread(&me, &err) == 0);
    CHECK(me.ThreadHandle == nullptr);  // zeroed
    CHECK(me.Reserved == 0);
    err = 0;
    CHECK(u.close_thread(&me, &err) == SOCKET_ERROR);  // a second close
    CHECK(err == WSAEFAULT);
  }

  SUBCASE("WPUOpenCurrentThread on another thread; closed anywhere") {
    WSATHREADID mine{}, theirs{}, theirs_for_main{};
    REQUIRE(u.open_current_thread(&mine, &err) == 0);
    int opened = -1, reopened = -1, closed = -1;
    std::thread t([&] {
      int e = 0;
      opened = u.open_current_thread(&theirs, &e);
      reopened = u.open_current_thread(&theirs_for_main, &e);
      closed = u.close_thread(&theirs, &e);  // on its own thread
    });
    t.join();
    CHECK(opened == 0);
    CHECK(reopened == 0);
    CHECK(closed == 0);
    CHECK(theirs.ThreadHandle == nullptr);
    CHECK(theirs_for_main.ThreadHandle != nullptr);
    CHECK(theirs_for_main.ThreadHandle != mine.ThreadHandle);
#if defined(_WIN32)
    CHECK(theirs_for_main.Reserved != mine.Reserved);
#endif
    CHECK(u.close_thread(&theirs_for_main, &err) == 0);  // on another thread, after the exit
    CHECK(u.close_thread(&mine, &err) == 0);
  }

  SUBCASE("two opens on one thread are independent") {
    WSATHREADID a{}, b{};
    REQUIRE(u.open_current_thread(&a, &err) == 0);
    REQUIRE(u.open_current_thread(&b, &err) == 0);
    CHECK(a.ThreadHandle != b.ThreadHandle);
    CHECK(u.close_thread(&a, &err) == 0);
    fresh_apc_log();
    CHECK(u.queue_apc(&b, record_apc, 5, &err) == 0);  // b still names this thread
    CHECK(SleepEx(0, TRUE) == sleep_io_completion);
    CHECK(apcs().size() == 1);
    CHECK(u.close_thread(&b, &err) == 0);
  }

  SUBCASE("NULL pointers are WSAEFAULT") {
    err = 0;
    CHECK(u.open_current_thread(nullptr, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    err = 0;
    CHECK(u.close_thread(nullptr, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    WSATHREADID zero{};
    err = 0;
    CHECK(u.close_thread(&zero, &err) == SOCKET_ERROR);  // NULL ThreadHandle
    CHECK(err == WSAEFAULT);
    CHECK(u.open_current_thread(nullptr, nullptr) == SOCKET_ERROR);  // NULL lpErrno too
    CHECK(u.close_thread(nullptr, nullptr) == SOCKET_ERROR);
    CHECK(u.close_thread(&zero, nullptr) == SOCKET_ERROR);
  }
}

TEST_CASE_TEMPLATE_DEFINE("APCs" * doctest::test_suite("conformance"), F, wpu_apcs) {
  using namespace wpu_test;
  F f;
  wpu::upcalls& u = f.api();
  int err = 0;
  fresh_apc_log();
  apc_log& log = apcs();

  SUBCASE("an APC to the calling thread waits for an alertable wait") {
    WSATHREADID me{};
    REQUIRE(u.open_current_thread(&me, &err) == 0);
    WSAEVENT e = u.create_event(&err);
    REQUIRE(e != WSA_INVALID_EVENT);

    CHECK(u.queue_apc(&me, record_apc, 1, &err) == 0);
    CHECK(log.size() == 0);  // not during the queueing
    CHECK(SleepEx(0, FALSE) == 0);
    CHECK(SleepEx(1, FALSE) == 0);
    CHECK(WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE) == wait_timeout);
    CHECK(WSAWaitForMultipleEvents(1, &e, FALSE, 10, FALSE) == wait_timeout);
    CHECK(log.size() == 0);
    CHECK(SleepEx(0, TRUE) == sleep_io_completion);
    CHECK(log.size() == 1);
    CHECK(SleepEx(0, TRUE) == 0);  // nothing left

    CHECK(u.queue_apc(&me, record_apc, 2, &err) == 0);
    const auto start = steady::now();
    CHECK(WSAWaitForMultipleEvents(1, &e, FALSE, 1000, TRUE) == wait_io_completion);
    CHECK(ms_since(start) < 900);
    CHECK(log.size() == 2);

    CHECK(u.queue_apc(&me, record_apc, 3, &err) == 0);
    CHECK(WSAWaitForMultipleEvents(1, &e, TRUE, 0, TRUE) == wait_io_completion);  // wait-all too
    REQUIRE(log.size() == 3);
    CHECK(log.contexts == std::vector<DWORD_PTR>{1, 2, 3});
    for (std::thread::id id : log.threads) CHECK(id == std::this_thread::get_id());

    CHECK(u.close_event(e, &err) == TRUE);
    CHECK(u.close_thread(&me, &err) == 0);
  }

  SUBCASE("queued APCs run first in, first out, all in one alertable wait") {
    WSATHREADID me{};
    REQUIRE(u.open_current_thread(&me, &err) == 0);
    std::vector<DWORD_PTR> queued;
    for (DWORD_PTR i = 0; i < 20; ++i) {
      queued.push_back(100 + i * 3);
      CHECK(u.queue_apc(&me, record_apc, queued.back(), &err) == 0);
    }
    CHECK(SleepEx(0, TRUE) == sleep_io_completion);
    CHECK(log.contexts == queued);
    for (std::thread::id id : log.threads) CHECK(id == std::this_thread::get_id());
    CHECK(SleepEx(0, TRUE) == 0);
    CHECK(u.close_thread(&me, &err) == 0);
  }

  SUBCASE("thousands of queued APCs run first in, first out, in one alertable wait") {
#if defined(_WIN32)
    constexpr DWORD_PTR count = 2000;  // every APC is a Wine server call
#else
    constexpr DWORD_PTR count = 20000;  // many batches and queue segments
#endif
    WSATHREADID me{};
    REQUIRE(u.open_current_thread(&me, &err) == 0);
    std::vector<DWORD_PTR> queued;
    queued.reserve(count);
    int failed = 0;
    for (DWORD_PTR i = 0; i < count; ++i) {
      queued.push_back(i * 7 + 1);
      if (u.queue_apc(&me, record_apc, queued.back(), &err) != 0) ++failed;
    }
    CHECK(failed == 0);
    CHECK(SleepEx(0, TRUE) == sleep_io_completion);
    CHECK(log.size() == count);
    CHECK(log.contexts == queued);
    CHECK(SleepEx(0, TRUE) == 0);
    // The queue is reusable after a burst (its segments were recycled).
    CHECK(u.queue_apc(&me, record_apc, 5, &err) == 0);
    CHECK(SleepEx(0, TRUE) == sleep_io_completion);
    CHECK(log.size() == count + 1);
    CHECK(u.close_thread(&me, &err) == 0);
  }

  SUBCASE("an APC that waits alertably itself runs the APCs queued behind it") {
    WSATHREADID me{};
    REQUIRE(u.open_current_thread(&me, &err) == 0);
    CHECK(u.queue_apc(&me, nesting_apc, 1, &err) == 0);
    CHECK(u.queue_apc(&me, record_apc, 2, &err) == 0);
    CHECK(u.queue_apc(&me, record_apc, 3, &err) == 0);
    CHECK(SleepEx(0, TRUE) == sleep_io_completion);
    // 1 starts, its SleepEx runs 2 and 3 and returns WAIT_IO_COMPLETION, 1 ends.
    CHECK(log.contexts == std::vector<DWORD_PTR>{1, 2, 3, 1000 + sleep_io_completion});
    CHECK(SleepEx(0, TRUE) == 0);
    CHECK(u.close_thread(&me, &err) == 0);
  }

  SUBCASE("the context arrives as the exact DWORD_PTR") {
    WSATHREADID me{};
    REQUIRE(u.open_current_thread(&me, &err) == 0);
    int local = 0;
    const std::vector<DWORD_PTR> values = {
        0, 1, ~DWORD_PTR{0}, as_context(&local), DWORD_PTR{0x8000000000000000ull}, 0xFFFFFFFFu};
    for (DWORD_PTR v : values) CHECK(u.queue_apc(&me, record_apc, v, &err) == 0);
    CHECK(SleepEx(0, TRUE) == sleep_io_completion);
    CHECK(log.contexts == values);
    CHECK(u.close_thread(&me, &err) == 0);
  }

  SUBCASE("an APC wakes a thread blocked in SleepEx(INFINITE, TRUE)") {
    check_apc_wakes_blocked_thread(u, 42, sleep_io_completion,
                                   "SleepEx(INFINITE, TRUE) after WPUQueueApc",
                                   [] { return SleepEx(INFINITE, TRUE); });
  }

  SUBCASE("an APC wakes a thread in an alertable WSA_INFINITE WSAWaitForMultipleEvents") {
    WSAEVENT never_set = u.create_event(&err);
    REQUIRE(never_set != WSA_INVALID_EVENT);
    check_apc_wakes_blocked_thread(
        u, 43, wait_io_completion, "WSAWaitForMultipleEvents(alertable) after WPUQueueApc",
        [&] { return WSAWaitForMultipleEvents(1, &never_set, FALSE, WSA_INFINITE, TRUE); });
    CHECK(u.close_event(never_set, &err) == TRUE);
  }

  SUBCASE("an APC to a thread in a non-alertable wait waits for its next alertable one") {
    WSAEVENT e = u.create_event(&err);
    REQUIRE(e != WSA_INVALID_EVENT);
    WSATHREADID target{};
    std::atomic<bool> published{false}, finished{false};
    int opened = -1;
    DWORD waited = 0, slept = 0;
    std::size_t ran_before_alertable = 99;
    std::thread t([&] {
      int er = 0;
      opened = u.open_current_thread(&target, &er);
      published = true;
      waited = WSAWaitForMultipleEvents(1, &e, FALSE, WSA_INFINITE, FALSE);
      ran_before_alertable = apcs().size();
      slept = SleepEx(0, TRUE);
      finished = true;
    });
    REQUIRE(wait_for_flag(published));
    REQUIRE(opened == 0);
    std::this_thread::sleep_for(milliseconds(50));
    CHECK(u.queue_apc(&target, record_apc, 44, &err) == 0);
    std::this_thread::sleep_for(milliseconds(50));
    CHECK_FALSE(finished.load());  // the APC did not end the wait
    CHECK(log.size() == 0);
    CHECK(u.set_event(e, &err) == TRUE);
    join_or_die(t, finished, "a non-alertable wait after WPUSetEvent");
    CHECK(waited == wait_0);
    CHECK(ran_before_alertable == 0);
    CHECK(slept == sleep_io_completion);
    CHECK(log.contexts == std::vector<DWORD_PTR>{44});
    CHECK(u.close_thread(&target, &err) == 0);
    CHECK(u.close_event(e, &err) == TRUE);
  }

  SUBCASE("APCs from 4 producers: each runs once, each producer's in its order") {
#if defined(_WIN32)
    constexpr int per_producer = 100;  // every APC is a Wine server call
#else
    constexpr int per_producer = 1000;
#endif
    constexpr int producers = 4;
    WSAEVENT never_set = u.create_event(&err);
    REQUIRE(never_set != WSA_INVALID_EVENT);
    std::vector<std::vector<int>> seen(producers);
    std::vector<ordered_apc> items;
    items.reserve(producers * per_producer);
    for (int p = 0; p < producers; ++p)
      for (int i = 0; i < per_producer; ++i) items.push_back({&seen, p, i});

    WSATHREADID target{};
    std::atomic<bool> published{false}, stop{false}, finished{false};
    int opened = -1;
    long wakes = 0, odd_results = 0;
    std::thread t([&] {
      int e = 0;
      opened = u.open_current_thread(&target, &e);
      published = true;
      // Alternately both kinds of alertable wait, until the stop APC.
      while (!stop.load()) {
        DWORD r = (wakes % 2 == 0)
                      ? SleepEx(INFINITE, TRUE)
                      : WSAWaitForMultipleEvents(1, &never_set, FALSE, WSA_INFINITE, TRUE);
        if (r != ((wakes % 2 == 0) ? sleep_io_completion : wait_io_completion)) ++odd_results;
        ++wakes;
      }
      finished = true;
    });
    REQUIRE(wait_for_flag(published));
    REQUIRE(opened == 0);

    std::atomic<int> failed_queues{0};
    std::vector<std::thread> ps;
    for (int p = 0; p < producers; ++p) {
      ps.emplace_back([&, p] {
        WSATHREADID to = target;  // each producer its own copy of the id
        int e = 0;
        for (int i = 0; i < per_producer; ++i) {
          const ordered_apc& a = items[static_cast<std::size_t>(p * per_producer + i)];
          if (u.queue_apc(&to, ordered_apc_routine, as_context(&a), &e) != 0) ++failed_queues;
          if (i % 8 == 7) std::this_thread::yield();  // interleave with the target's waits
        }
      });
    }
    for (std::thread& p : ps) p.join();
    // Queued after every producer's APC, so it runs after all of them.
    CHECK(u.queue_apc(&target, set_flag_apc, as_context(&stop), &err) == 0);
    join_or_die(t, finished, "the APC target thread");

    INFO("alertable waits that ran APCs: " << wakes);
    CHECK(failed_queues.load() == 0);
    CHECK(odd_results == 0);
    CHECK(wakes >= 1);
    for (int p = 0; p < producers; ++p) {
      CAPTURE(p);
      std::vector<int> expected(per_producer);
      for (int i = 0; i < per_producer; ++i) expected[static_cast<std::size_t>(i)] = i;
      CHECK(seen[static_cast<std::size_t>(p)] == expected);
    }
    CHECK(u.close_thread(&target, &err) == 0);
    CHECK(u.close_event(never_set, &err) == TRUE);
  }

  SUBCASE("NULL thread id, ThreadHandle or routine is WSAEFAULT") {
    WSATHREADID me{};
    REQUIRE(u.open_current_thread(&me, &err) == 0);
    err = 0;
    CHECK(u.queue_apc(nullptr, record_apc, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    err = 0;
    CHECK(u.queue_apc(&me, nullptr, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    WSATHREADID no_handle = me;
    no_handle.ThreadHandle = nullptr;
    err = 0;
    CHECK(u.queue_apc(&no_handle, record_apc, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    CHECK(u.queue_apc(nullptr, record_apc, 1, nullptr) == SOCKET_ERROR);  // NULL lpErrno
    CHECK(u.queue_apc(&me, nullptr, 1, nullptr) == SOCKET_ERROR);
    CHECK(SleepEx(0, TRUE) == 0);  // nothing was queued
    CHECK(log.size() == 0);
    CHECK(u.close_thread(&me, &err) == 0);
  }

  SUBCASE("a closed WSATHREADID is WSAEFAULT: the zeroed original and a copy") {
    WSATHREADID me{};
    REQUIRE(u.open_current_thread(&me, &err) == 0);
    WSATHREADID copy = me;
    REQUIRE(u.close_thread(&me, &err) == 0);
    err = 0;
    CHECK(u.queue_apc(&copy, record_apc, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    err = 0;
    CHECK(u.queue_apc(&me, record_apc, 2, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    err = 0;
    CHECK(u.close_thread(&copy, &err) == SOCKET_ERROR);  // and it does not close twice
    CHECK(err == WSAEFAULT);
    CHECK(SleepEx(0, TRUE) == 0);
    CHECK(log.size() == 0);
  }

  SUBCASE("tag bits: ThreadHandle|1, |2 and |3 name the thread, for queueing and closing") {
    WSATHREADID me{};
    REQUIRE(u.open_current_thread(&me, &err) == 0);
    for (unsigned bits = 1; bits <= 3; ++bits) {
      WSATHREADID tagged = me;
      tagged.ThreadHandle = with_tag(me.ThreadHandle, bits);
      CHECK(u.queue_apc(&tagged, record_apc, bits, &err) == 0);
    }
    CHECK(SleepEx(0, TRUE) == sleep_io_completion);
    CHECK(log.contexts == std::vector<DWORD_PTR>{1, 2, 3});

    // From another thread, to a thread blocked in an alertable wait.
    std::atomic<bool> ran{false};
    std::thread producer([&] {
      std::this_thread::sleep_for(milliseconds(50));
      WSATHREADID tagged = me;
      tagged.ThreadHandle = with_tag(me.ThreadHandle, 1);
      int e = 0;
      u.queue_apc(&tagged, set_flag_apc, as_context(&ran), &e);
    });
    CHECK(SleepEx(10000, TRUE) == sleep_io_completion);
    producer.join();
    CHECK(ran.load());

    // Closed through ThreadHandle|2: the plain handle is dead.
    WSATHREADID tagged = me;
    tagged.ThreadHandle = with_tag(me.ThreadHandle, 2);
    CHECK(u.close_thread(&tagged, &err) == 0);
    CHECK(tagged.ThreadHandle == nullptr);
    err = 0;
    CHECK(u.queue_apc(&me, record_apc, 4, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    CHECK(SleepEx(0, TRUE) == 0);
    CHECK(log.size() == 3);
  }

  SUBCASE("the WSATHREADID of a thread that has exited is WSAEFAULT") {
    WSATHREADID gone{};
    int opened = -1;
    std::thread t([&] {
      int e = 0;
      opened = u.open_current_thread(&gone, &e);
    });
    t.join();
    REQUIRE(opened == 0);
    err = 0;
    CHECK(u.queue_apc(&gone, record_apc, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    CHECK(u.close_thread(&gone, &err) == 0);  // the id itself is still open until closed
    CHECK(log.size() == 0);
  }
}

#endif  // WPU_TESTS_THREADS_APCS_HPP
