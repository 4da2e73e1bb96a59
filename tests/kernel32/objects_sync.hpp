// tests/kernel32/objects_sync.hpp - CreateEvent, SetEvent, ResetEvent,
// CreateSemaphore, ReleaseSemaphore, WaitForSingleObject(Ex),
// WaitForMultipleObjects(Ex), CloseHandle: states, wake counts, wait-all
// atomicity across kinds, timeouts and every error.
#ifndef WPU_TESTS_KERNEL32_OBJECTS_SYNC_HPP
#define WPU_TESTS_KERNEL32_OBJECTS_SYNC_HPP

#include "objects_common.hpp"

#include <vector>

namespace k32_test {

TEST_CASE("kernel32: events, manual and auto-reset") {
  SUBCASE("manual-reset stays signalled until ResetEvent") {
    HANDLE e = CreateEventW(nullptr, TRUE, TRUE, nullptr);
    REQUIRE(e != nullptr);
    CHECK(WaitForSingleObject(e, 0) == wait_0);
    CHECK(WaitForSingleObject(e, 0) == wait_0);
    CHECK(ResetEvent(e));
    CHECK(ResetEvent(e));
    CHECK(WaitForSingleObject(e, 0) == wait_timeout);
    CHECK(SetEvent(e));
    CHECK(SetEvent(e));
    CHECK(WaitForSingleObject(e, 0) == wait_0);
    CHECK(CloseHandle(e));
  }
  SUBCASE("auto-reset: a satisfied wait takes the signal") {
    HANDLE e = CreateEventA(nullptr, FALSE, TRUE, nullptr);
    REQUIRE(e != nullptr);
    CHECK(WaitForSingleObject(e, 0) == wait_0);
    CHECK(WaitForSingleObject(e, 0) == wait_timeout);
    CHECK(SetEvent(e));
    CHECK(SetEvent(e));  // still one signal
    CHECK(WaitForSingleObjectEx(e, 0, TRUE) == wait_0);
    CHECK(WaitForSingleObject(e, 0) == wait_timeout);
    CHECK(SetEvent(e));
    CHECK(ResetEvent(e));
    CHECK(WaitForSingleObject(e, 0) == wait_timeout);
    CHECK(CloseHandle(e));
  }
  SUBCASE("initially non-signalled; the empty name is no name") {
    HANDLE e = CreateEventW(nullptr, FALSE, FALSE, K32_W(""));
    REQUIRE(e != nullptr);
    CHECK(WaitForSingleObject(e, 0) == wait_timeout);
    CHECK(CloseHandle(e));
  }
  SUBCASE("wait-any on two auto-reset events takes the lowest index only") {
    HANDLE e[2] = {CreateEventW(nullptr, FALSE, TRUE, nullptr),
                   CreateEventW(nullptr, FALSE, TRUE, nullptr)};
    REQUIRE(e[0] != nullptr);
    REQUIRE(e[1] != nullptr);
    CHECK(WaitForMultipleObjects(2, e, FALSE, 0) == wait_0);
    CHECK(WaitForMultipleObjects(2, e, FALSE, 0) == wait_0 + 1);
    CHECK(WaitForMultipleObjects(2, e, FALSE, 0) == wait_timeout);
    CHECK(CloseHandle(e[0]));
    CHECK(CloseHandle(e[1]));
  }
}

TEST_CASE("kernel32: SetEvent on an auto-reset event releases exactly one of N waiters") {
  constexpr int n = 4;
  HANDLE e = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  REQUIRE(e != nullptr);
  std::atomic<int> woken{0};
  std::atomic<int> failed{0};
  HANDLE threads[n];
  for (auto& t : threads) {
    t = start_thread([&]() -> DWORD {
      if (WaitForSingleObject(e, 20000) != wait_0) ++failed;
      ++woken;
      return 0;
    });
    REQUIRE(t != nullptr);
  }
  std::this_thread::sleep_for(milliseconds(50));  // let them block
  CHECK(woken.load() == 0);
  for (int k = 1; k <= n; ++k) {
    CHECK(SetEvent(e));
    CHECK(eventually([&] { return woken.load() >= k; }));
    std::this_thread::sleep_for(milliseconds(30));  // a second release would show now
    CHECK(woken.load() == k);
    CHECK(WaitForSingleObject(e, 0) == wait_timeout);  // the signal was taken
  }
  for (HANDLE t : threads) join_or_die(t, "auto-reset waiter");
  CHECK(failed.load() == 0);
  CHECK(CloseHandle(e));
}

TEST_CASE("kernel32: SetEvent on a manual-reset event releases every waiter") {
  constexpr int n = 4;
  HANDLE e = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  REQUIRE(e != nullptr);
  std::atomic<int> woken{0};
  HANDLE threads[n];
  for (auto& t : threads) {
    t = start_thread([&]() -> DWORD {
      if (WaitForSingleObject(e, 20000) == wait_0) ++woken;
      return 0;
    });
    REQUIRE(t != nullptr);
  }
  std::this_thread::sleep_for(milliseconds(30));
  CHECK(SetEvent(e));
  CHECK(WaitForMultipleObjects(n, threads, TRUE, 10000) == wait_0);
  CHECK(woken.load() == n);
  CHECK(WaitForSingleObject(e, 0) == wait_0);
  for (HANDLE t : threads) CHECK(CloseHandle(t));
  CHECK(CloseHandle(e));
}

TEST_CASE("kernel32: semaphores") {
  SUBCASE("bad counts") {
    SetLastError(0);
    CHECK(CreateSemaphoreW(nullptr, 0, 0, nullptr) == nullptr);
    CHECK(GetLastError() == e_invalid_parameter);
    SetLastError(0);
    CHECK(CreateSemaphoreW(nullptr, -1, 3, nullptr) == nullptr);
    CHECK(GetLastError() == e_invalid_parameter);
    SetLastError(0);
    CHECK(CreateSemaphoreA(nullptr, 4, 3, nullptr) == nullptr);
    CHECK(GetLastError() == e_invalid_parameter);
    SetLastError(0);
    CHECK(CreateSemaphoreA(nullptr, 0, -5, nullptr) == nullptr);
    CHECK(GetLastError() == e_invalid_parameter);
  }
  SUBCASE("counts, maximum, previous count, ERROR_TOO_MANY_POSTS") {
    HANDLE s = CreateSemaphoreW(nullptr, 2, 3, nullptr);
    REQUIRE(s != nullptr);
    CHECK(WaitForSingleObject(s, 0) == wait_0);
    CHECK(WaitForSingleObject(s, 0) == wait_0);
    CHECK(WaitForSingleObject(s, 0) == wait_timeout);
    LONG prev = -1;
    CHECK(ReleaseSemaphore(s, 1, &prev));
    CHECK(prev == 0);
    SetLastError(0);
    CHECK_FALSE(ReleaseSemaphore(s, 3, &prev));  // 1 + 3 > 3
    CHECK(GetLastError() == e_too_many_posts);
    CHECK(ReleaseSemaphore(s, 2, &prev));  // unchanged by the failure: 1 -> 3
    CHECK(prev == 1);
    SetLastError(0);
    CHECK_FALSE(ReleaseSemaphore(s, 1, nullptr));
    CHECK(GetLastError() == e_too_many_posts);
    int taken = 0;
    while (WaitForSingleObject(s, 0) == wait_0) ++taken;
    CHECK(taken == 3);
    CHECK(ReleaseSemaphore(s, 1, nullptr));
    CHECK(WaitForSingleObjectEx(s, 0, FALSE) == wait_0);
#if !defined(_WIN32)
    // Windows refuses a release count <= 0 with ERROR_INVALID_PARAMETER
    // (.NET's PAL tests check this on Windows too); Wine 8 accepts 0 and
    // gives ERROR_TOO_MANY_POSTS for -1, so this is checked on POSIX only.
    SetLastError(0);
    CHECK_FALSE(ReleaseSemaphore(s, 0, &prev));
    CHECK(GetLastError() == e_invalid_parameter);
    SetLastError(0);
    CHECK_FALSE(ReleaseSemaphore(s, -1, &prev));
    CHECK(GetLastError() == e_invalid_parameter);
#endif
    CHECK(CloseHandle(s));
  }
  SUBCASE("a release of n wakes n waiters") {
    HANDLE s = CreateSemaphoreW(nullptr, 0, 10, nullptr);
    REQUIRE(s != nullptr);
    std::atomic<int> woken{0};
    HANDLE threads[3];
    for (auto& t : threads) {
      t = start_thread([&]() -> DWORD {
        if (WaitForSingleObject(s, 20000) == wait_0) ++woken;
        return 0;
      });
      REQUIRE(t != nullptr);
    }
    std::this_thread::sleep_for(milliseconds(30));
    CHECK(ReleaseSemaphore(s, 2, nullptr));
    CHECK(eventually([&] { return woken.load() == 2; }));
    std::this_thread::sleep_for(milliseconds(30));
    CHECK(woken.load() == 2);
    CHECK(ReleaseSemaphore(s, 1, nullptr));
    CHECK(WaitForMultipleObjects(3, threads, TRUE, 10000) == wait_0);
    CHECK(woken.load() == 3);
    CHECK(WaitForSingleObject(s, 0) == wait_timeout);
    for (HANDLE t : threads) CHECK(CloseHandle(t));
    CHECK(CloseHandle(s));
  }
}

TEST_CASE("kernel32: wait-all takes every signal at once or none") {
  SUBCASE("not all signalled: nothing is taken") {
    HANDLE a = CreateEventW(nullptr, FALSE, TRUE, nullptr);
    HANDLE s = CreateSemaphoreW(nullptr, 1, 5, nullptr);
    HANDLE m = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    REQUIRE(a != nullptr);
    REQUIRE(s != nullptr);
    REQUIRE(m != nullptr);
    HANDLE all[3] = {a, s, m};
    CHECK(WaitForMultipleObjects(3, all, TRUE, 20) == wait_timeout);
    CHECK(WaitForSingleObject(a, 0) == wait_0);  // still there
    CHECK(WaitForSingleObject(s, 0) == wait_0);
    CHECK(SetEvent(a));
    CHECK(ReleaseSemaphore(s, 2, nullptr));
    CHECK(SetEvent(m));
    CHECK(WaitForMultipleObjects(3, all, TRUE, 0) == wait_0);
    CHECK(WaitForSingleObject(a, 0) == wait_timeout);  // taken
    LONG prev = -1;
    CHECK(ReleaseSemaphore(s, 1, &prev));
    CHECK(prev == 1);                            // one of two taken
    CHECK(WaitForSingleObject(m, 0) == wait_0);  // manual: still set
    for (HANDLE h : all) CHECK(CloseHandle(h));
  }
  SUBCASE("against a wait-any on the same auto-reset event") {
    // Each round sets A and adds one count to S; the wait-all on {A, S} and
    // a wait-any on A race for A. Every round exactly one of them takes A,
    // and S loses a count only with A: at the end the counts left in S are
    // the rounds the wait-any won.
    constexpr int rounds = 300;
    HANDLE a = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    HANDLE s = CreateSemaphoreW(nullptr, 0, rounds, nullptr);
    REQUIRE(a != nullptr);
    REQUIRE(s != nullptr);
    std::atomic<bool> stop{false};
    std::atomic<int> by_all{0}, by_any{0}, odd{0};
    HANDLE both[2] = {a, s};
    HANDLE t_all = start_thread([&]() -> DWORD {
      while (!stop.load()) {
        DWORD r = WaitForMultipleObjects(2, both, TRUE, 20);
        if (r == wait_0)
          ++by_all;
        else if (r != wait_timeout)
          ++odd;
      }
      return 0;
    });
    HANDLE t_any = start_thread([&]() -> DWORD {
      while (!stop.load()) {
        DWORD r = WaitForSingleObject(a, 20);
        if (r == wait_0)
          ++by_any;
        else if (r != wait_timeout)
          ++odd;
      }
      return 0;
    });
    REQUIRE(t_all != nullptr);
    REQUIRE(t_any != nullptr);
    bool ok = true;
    for (int i = 1; i <= rounds && ok; ++i) {
      ok = ReleaseSemaphore(s, 1, nullptr) && SetEvent(a) &&
           eventually([&] { return by_all.load() + by_any.load() == i; });
    }
    CHECK(ok);
    stop = true;
    join_or_die(t_all, "wait-all thread");
    join_or_die(t_any, "wait-any thread");
    CHECK(odd.load() == 0);
    CHECK(by_all.load() + by_any.load() == rounds);
    int left = 0;
    while (WaitForSingleObject(s, 0) == wait_0) ++left;
    CHECK(left == rounds - by_all.load());
    CHECK(WaitForSingleObject(a, 0) == wait_timeout);
    CHECK(CloseHandle(a));
    CHECK(CloseHandle(s));
  }
}

TEST_CASE("kernel32: the other waits take the new objects too") {
  HANDLE a = CreateEventW(nullptr, FALSE, TRUE, nullptr);
  HANDLE s = CreateSemaphoreW(nullptr, 1, 2, nullptr);
  REQUIRE(a != nullptr);
  REQUIRE(s != nullptr);
  HANDLE both[2] = {a, s};
  SUBCASE("WSAWaitForMultipleEvents") {
    CHECK(WSAWaitForMultipleEvents(2, both, FALSE, 0, FALSE) == wait_0);
    CHECK(WSAWaitForMultipleEvents(2, both, FALSE, 0, TRUE) == wait_0 + 1);
    CHECK(WSAWaitForMultipleEvents(2, both, FALSE, 0, FALSE) == wait_timeout);
    CHECK(SetEvent(a));
    CHECK(ReleaseSemaphore(s, 1, nullptr));
    CHECK(WSAWaitForMultipleEvents(2, both, TRUE, 0, FALSE) == wait_0);
    CHECK(WaitForMultipleObjects(2, both, FALSE, 0) == wait_timeout);
  }
  SUBCASE("MsgWaitForMultipleObjectsEx") {
    CHECK(MsgWaitForMultipleObjectsEx(2, both, 0, QS_POSTMESSAGE, 0) == wait_0);
    CHECK(MsgWaitForMultipleObjectsEx(2, both, 0, QS_POSTMESSAGE, 0) == wait_0 + 1);
    CHECK(MsgWaitForMultipleObjectsEx(2, both, 0, QS_POSTMESSAGE, 0) == wait_timeout);
    CHECK(ReleaseSemaphore(s, 1, nullptr));
    CHECK(MsgWaitForMultipleObjectsEx(2, both, 0, QS_POSTMESSAGE, MWMO_WAITALL) == wait_timeout);
    LONG prev = -1;
    CHECK(ReleaseSemaphore(s, 1, &prev));
    CHECK(prev == 1);  // not taken by the failed wait-all
  }
  CHECK(CloseHandle(a));
  CHECK(CloseHandle(s));
}

TEST_CASE("kernel32: timeouts") {
  HANDLE e = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  HANDLE s = CreateSemaphoreW(nullptr, 0, 1, nullptr);
  REQUIRE(e != nullptr);
  REQUIRE(s != nullptr);
  HANDLE both[2] = {e, s};
  DWORD r = 0;
  long long ms = elapsed_ms([&] { r = WaitForSingleObject(s, 60); });
  CHECK(r == wait_timeout);
  CHECK(ms >= 50);
  ms = elapsed_ms([&] { r = WaitForMultipleObjectsEx(2, both, FALSE, 60, TRUE); });
  CHECK(r == wait_timeout);
  CHECK(ms >= 50);
  CHECK(SetEvent(e));
  ms = elapsed_ms([&] { r = WaitForMultipleObjects(2, both, TRUE, 60); });
  CHECK(r == wait_timeout);
  CHECK(ms >= 50);
  CHECK(CloseHandle(e));
  CHECK(CloseHandle(s));
}

TEST_CASE("kernel32: bad handles and parameters") {
  HANDLE e = CreateEventW(nullptr, TRUE, TRUE, nullptr);
  HANDLE s = CreateSemaphoreW(nullptr, 1, 1, nullptr);
  REQUIRE(e != nullptr);
  REQUIRE(s != nullptr);
  auto fails_with = [](DWORD result, DWORD error) {
    const DWORD got = GetLastError();
    CHECK(result == wait_failed);
    CHECK(got == error);
  };
  SUBCASE("garbage, NULL and closed handles") {
    HANDLE closed = CreateEventW(nullptr, TRUE, TRUE, nullptr);
    REQUIRE(closed != nullptr);
    CHECK(CloseHandle(closed));
    for (HANDLE bad : {garbage_handle(), static_cast<HANDLE>(nullptr), closed}) {
      SetLastError(0);
      fails_with(WaitForSingleObject(bad, 0), e_invalid_handle);
      SetLastError(0);
      fails_with(WaitForSingleObjectEx(bad, 0, TRUE), e_invalid_handle);
      HANDLE mix[2] = {e, bad};
      SetLastError(0);
      fails_with(WaitForMultipleObjects(2, mix, FALSE, 0), e_invalid_handle);
      SetLastError(0);
      fails_with(WaitForMultipleObjectsEx(2, mix, TRUE, 0, FALSE), e_invalid_handle);
      SetLastError(0);
      CHECK_FALSE(SetEvent(bad));
      CHECK(GetLastError() == e_invalid_handle);
      SetLastError(0);
      CHECK_FALSE(ResetEvent(bad));
      CHECK(GetLastError() == e_invalid_handle);
      SetLastError(0);
      CHECK_FALSE(ReleaseSemaphore(bad, 1, nullptr));
      CHECK(GetLastError() == e_invalid_handle);
      DWORD code = 0;
      SetLastError(0);
      CHECK_FALSE(GetExitCodeThread(bad, &code));
      CHECK(GetLastError() == e_invalid_handle);
      SetLastError(0);
      CHECK_FALSE(CloseHandle(bad));
      CHECK(GetLastError() == e_invalid_handle);
    }
  }
  SUBCASE("an object of the wrong kind") {
    SetLastError(0);
    CHECK_FALSE(SetEvent(s));
    CHECK(GetLastError() == e_invalid_handle);
    SetLastError(0);
    CHECK_FALSE(ResetEvent(s));
    CHECK(GetLastError() == e_invalid_handle);
    SetLastError(0);
    CHECK_FALSE(ReleaseSemaphore(e, 1, nullptr));
    CHECK(GetLastError() == e_invalid_handle);
    DWORD code = 0;
    SetLastError(0);
    CHECK_FALSE(GetExitCodeThread(e, &code));
    CHECK(GetLastError() == e_invalid_handle);
    CHECK(WaitForSingleObject(s, 0) == wait_0);  // the semaphore is untouched
  }
  SUBCASE("a window handle is no waitable object") {
    WNDCLASSW wc{};
    wc.lpfnWndProc = DefWindowProcW;
    wc.lpszClassName = K32_W("k32-objects");
    RegisterClassW(&wc);  // or already registered by an earlier subcase
    HWND w = CreateWindowExW(0, K32_W("k32-objects"), K32_W(""), 0, 0, 0, 0, 0, HWND_MESSAGE,
                             nullptr, nullptr, nullptr);
    REQUIRE(w != nullptr);
    SetLastError(0);
    fails_with(WaitForSingleObject(reinterpret_cast<HANDLE>(w), 0), e_invalid_handle);
    CHECK(DestroyWindow(w));
  }
  SUBCASE("tag bits: h|1, h|2, h|3 name h") {
    CHECK(WaitForSingleObject(tagged(e, 1), 0) == wait_0);
    CHECK(ResetEvent(tagged(e, 2)));
    CHECK(WaitForSingleObject(e, 0) == wait_timeout);
    CHECK(SetEvent(tagged(e, 3)));
    CHECK(WaitForSingleObject(tagged(s, 3), 0) == wait_0);
    CHECK(ReleaseSemaphore(tagged(s, 2), 1, nullptr));
    HANDLE mix[2] = {tagged(s, 1), tagged(e, 2)};
    CHECK(WaitForMultipleObjects(2, mix, TRUE, 0) == wait_0);
#if !defined(_WIN32)
    // The same object twice in a wait-all, once tagged: refused (Windows:
    // STATUS_INVALID_PARAMETER_MIX, ERROR_INVALID_PARAMETER). Wine 8 does not
    // check and waits normally, so this is checked on POSIX only.
    HANDLE twice[2] = {e, tagged(e, 1)};
    SetLastError(0);
    fails_with(WaitForMultipleObjects(2, twice, TRUE, 0), e_invalid_parameter);
#endif
    HANDLE h = CreateSemaphoreW(nullptr, 0, 1, nullptr);
    REQUIRE(h != nullptr);
    CHECK(CloseHandle(tagged(h, 3)));
    SetLastError(0);
    fails_with(WaitForSingleObject(h, 0), e_invalid_handle);
  }
  SUBCASE("counts and duplicates") {
    HANDLE many[MAXIMUM_WAIT_OBJECTS + 1];
    for (auto& h : many) h = e;
    SetLastError(0);
    fails_with(WaitForMultipleObjects(0, many, FALSE, 0), e_invalid_parameter);
    SetLastError(0);
    fails_with(WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS + 1, many, FALSE, 0),
               e_invalid_parameter);
    SetLastError(0);
    fails_with(WaitForMultipleObjectsEx(MAXIMUM_WAIT_OBJECTS + 1, many, TRUE, 0, TRUE),
               e_invalid_parameter);
    // An object twice is fine in a wait-any, refused in a wait-all (POSIX
    // only: see the tag bits above).
    CHECK(WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, many, FALSE, 0) == wait_0);
#if !defined(_WIN32)
    SetLastError(0);
    fails_with(WaitForMultipleObjects(2, many, TRUE, 0), e_invalid_parameter);
    // Windows reads the array before it checks it (a NULL array faults).
    SetLastError(0);
    fails_with(WaitForMultipleObjects(1, nullptr, FALSE, 0), e_invalid_parameter);
#endif
  }
  SUBCASE("CloseHandle twice") {
    HANDLE h = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    REQUIRE(h != nullptr);
    CHECK(CloseHandle(h));
    SetLastError(0);
    CHECK_FALSE(CloseHandle(h));
    CHECK(GetLastError() == e_invalid_handle);
    h = CreateSemaphoreW(nullptr, 0, 1, nullptr);
    REQUIRE(h != nullptr);
    CHECK(CloseHandle(h));
    SetLastError(0);
    CHECK_FALSE(CloseHandle(h));
    CHECK(GetLastError() == e_invalid_handle);
  }
  CHECK(CloseHandle(e));
  CHECK(CloseHandle(s));
}

TEST_CASE("kernel32: a thread waiting on an object whose handle is closed keeps waiting") {
  HANDLE s = CreateSemaphoreW(nullptr, 0, 1, nullptr);
  REQUIRE(s != nullptr);
  std::atomic<DWORD> result{0xDEAD};
  std::atomic<bool> calling{false};
  HANDLE t = start_thread([&]() -> DWORD {
    calling = true;
    result = WaitForSingleObject(s, 1000);
    return 0;
  });
  REQUIRE(t != nullptr);
  CHECK(eventually([&] { return calling.load(); }));
  std::this_thread::sleep_for(milliseconds(200));  // well inside its wait
  CHECK(CloseHandle(s));
  join_or_die(t, "waiter on a closed semaphore");
  CHECK(result.load() == wait_timeout);
}

}  // namespace k32_test

#endif  // WPU_TESTS_KERNEL32_OBJECTS_SYNC_HPP
