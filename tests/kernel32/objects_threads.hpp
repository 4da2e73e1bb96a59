// tests/kernel32/objects_threads.hpp - CreateThread, ExitThread,
// GetExitCodeThread, ResumeThread, QueueUserAPC and the alertable waits
// (WAIT_IO_COMPLETION) on CreateThread threads.
#ifndef WPU_TESTS_KERNEL32_OBJECTS_THREADS_HPP
#define WPU_TESTS_KERNEL32_OBJECTS_THREADS_HPP

#include "objects_common.hpp"

namespace k32_test {

inline DWORD WINAPI returns_42(LPVOID) {
  return 42;
}

inline DWORD WINAPI exits_7(LPVOID) {
  ExitThread(7);
}

TEST_CASE("kernel32: thread handles, ids and exit codes") {
  SUBCASE("the handle is signalled when the thread returns; its code") {
    DWORD tid = 0;
    HANDLE t = CreateThread(nullptr, 0, returns_42, nullptr, 0, &tid);
    REQUIRE(t != nullptr);
    CHECK(tid != 0);
    CHECK(tid != GetCurrentThreadId());
    CHECK(WaitForSingleObject(t, 10000) == wait_0);
    CHECK(WaitForSingleObject(t, 0) == wait_0);  // for good
    DWORD code = 0;
    CHECK(GetExitCodeThread(t, &code));
    CHECK(code == 42);
    CHECK(GetExitCodeThread(tagged(t, 2), &code));
    CHECK(CloseHandle(t));
    SetLastError(0);
    CHECK_FALSE(CloseHandle(t));
    CHECK(GetLastError() == e_invalid_handle);
  }
  SUBCASE("ExitThread's code") {
    HANDLE t = CreateThread(nullptr, 64 * 1024, exits_7, nullptr, 0, nullptr);
    REQUIRE(t != nullptr);
    CHECK(WaitForSingleObject(t, 10000) == wait_0);
    DWORD code = 0;
    CHECK(GetExitCodeThread(t, &code));
    CHECK(code == 7);
    CHECK(CloseHandle(t));
  }
  SUBCASE("STILL_ACTIVE while it runs; its id is GetCurrentThreadId there") {
    HANDLE go = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    REQUIRE(go != nullptr);
    std::atomic<DWORD> inside{0};
    DWORD tid = 0;
    HANDLE t = start_thread(
        [&]() -> DWORD {
          inside = GetCurrentThreadId();
          return WaitForSingleObject(go, 20000) == wait_0 ? 3 : 4;
        },
        0, &tid);
    REQUIRE(t != nullptr);
    DWORD code = 0;
    CHECK(GetExitCodeThread(t, &code));
    CHECK(code == still_active);
    CHECK(WaitForSingleObject(t, 20) == wait_timeout);
    CHECK(eventually([&] { return inside.load() != 0; }));
    CHECK(inside.load() == tid);
    CHECK(SetEvent(go));
    CHECK(WaitForSingleObject(t, 10000) == wait_0);
    CHECK(GetExitCodeThread(t, &code));
    CHECK(code == 3);
    CHECK(CloseHandle(t));
    CHECK(CloseHandle(go));
  }
  SUBCASE("closing the handle of a running thread does not stop it") {
    HANDLE go = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    REQUIRE(go != nullptr);
    std::atomic<bool> ran{false};
    HANDLE t = start_thread([&]() -> DWORD {
      if (WaitForSingleObject(go, 20000) == wait_0) ran = true;
      return 0;
    });
    REQUIRE(t != nullptr);
    CHECK(CloseHandle(t));
    CHECK(SetEvent(go));
    CHECK(eventually([&] { return ran.load(); }));
    std::this_thread::sleep_for(milliseconds(20));  // let it end before `ran` goes
    CHECK(CloseHandle(go));
  }
  SUBCASE("waiting on the calling thread's own handle times out") {
    HANDLE go = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    REQUIRE(go != nullptr);
    HANDLE self = nullptr;
    std::atomic<DWORD> result{0xDEAD};
    HANDLE t = start_thread([&]() -> DWORD {
      if (WaitForSingleObject(go, 20000) != wait_0) return 1;
      result = WaitForSingleObject(self, 50);
      return 0;
    });
    REQUIRE(t != nullptr);
    self = t;
    CHECK(SetEvent(go));
    join_or_die(t, "thread waiting on itself");
    CHECK(result.load() == wait_timeout);
    CHECK(CloseHandle(go));
  }
  SUBCASE("a wait on several threads, any and all") {
    HANDLE go = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    REQUIRE(go != nullptr);
    HANDLE t[2];
    t[0] = start_thread([&]() -> DWORD { return WaitForSingleObject(go, 20000); });
    t[1] = CreateThread(nullptr, 0, returns_42, nullptr, 0, nullptr);
    REQUIRE(t[0] != nullptr);
    REQUIRE(t[1] != nullptr);
    CHECK(WaitForMultipleObjects(2, t, FALSE, 10000) == wait_0 + 1);
    CHECK(WaitForMultipleObjects(2, t, TRUE, 20) == wait_timeout);
    CHECK(SetEvent(go));
    CHECK(WaitForMultipleObjects(2, t, TRUE, 10000) == wait_0);
    CHECK(CloseHandle(t[0]));
    CHECK(CloseHandle(t[1]));
    CHECK(CloseHandle(go));
  }
  SUBCASE("a thread handle is no event or semaphore") {
    HANDLE t = CreateThread(nullptr, 0, returns_42, nullptr, 0, nullptr);
    REQUIRE(t != nullptr);
    CHECK(WaitForSingleObject(t, 10000) == wait_0);
    SetLastError(0);
    CHECK_FALSE(SetEvent(t));
    CHECK(GetLastError() == e_invalid_handle);
    SetLastError(0);
    CHECK_FALSE(ReleaseSemaphore(t, 1, nullptr));
    CHECK(GetLastError() == e_invalid_handle);
    CHECK(CloseHandle(t));
  }
}

TEST_CASE("kernel32: CREATE_SUSPENDED and ResumeThread") {
  std::atomic<int> started{0};
  HANDLE t = start_thread(
      [&]() -> DWORD {
        ++started;
        return 5;
      },
      CREATE_SUSPENDED);
  REQUIRE(t != nullptr);
  std::this_thread::sleep_for(milliseconds(30));
  CHECK(started.load() == 0);
  CHECK(WaitForSingleObject(t, 0) == wait_timeout);
  CHECK(ResumeThread(t) == 1);
  CHECK(WaitForSingleObject(t, 10000) == wait_0);
  CHECK(started.load() == 1);
  DWORD code = 0;
  CHECK(GetExitCodeThread(t, &code));
  CHECK(code == 5);
  CHECK(ResumeThread(t) == 0);
  CHECK(CloseHandle(t));
  SetLastError(0);
  CHECK(ResumeThread(garbage_handle()) == static_cast<DWORD>(-1));
  CHECK(GetLastError() == e_invalid_handle);
}

TEST_CASE("kernel32: QueueUserAPC to CreateThread threads") {
  SUBCASE("into an alertable wait: WAIT_IO_COMPLETION") {
    HANDLE never = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    REQUIRE(never != nullptr);
    std::atomic<int> apcs{0};
    std::atomic<bool> waiting{false};
    std::atomic<DWORD> r1{0xDEAD}, r2{0xDEAD};
    HANDLE t = start_thread([&]() -> DWORD {
      waiting = true;
      r1 = WaitForSingleObjectEx(never, 20000, TRUE);
      HANDLE two[2] = {never, never};
      r2 = WaitForMultipleObjectsEx(2, two, FALSE, 20000, TRUE);
      return 0;
    });
    REQUIRE(t != nullptr);
    CHECK(eventually([&] { return waiting.load(); }));
    std::this_thread::sleep_for(milliseconds(20));  // into the wait
    CHECK(QueueUserAPC(count_apc, t, reinterpret_cast<ULONG_PTR>(&apcs)) != 0);
    CHECK(eventually([&] { return r1.load() != 0xDEAD; }));
    CHECK(r1.load() == wait_io);
    CHECK(apcs.load() == 1);
    CHECK(QueueUserAPC(count_apc, tagged(t, 1), reinterpret_cast<ULONG_PTR>(&apcs)) != 0);
    join_or_die(t, "alertable waiter");
    CHECK(r2.load() == wait_io);
    CHECK(apcs.load() == 2);
    CHECK(CloseHandle(never));
  }
  SUBCASE("before the thread waits: kept until its next alertable wait") {
    HANDLE go = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    REQUIRE(go != nullptr);
    std::atomic<int> apcs{0};
    std::atomic<int> seen_before{-1};
    std::atomic<DWORD> r_plain{0xDEAD}, r_alertable{0xDEAD};
    std::atomic<bool> running{false};
    HANDLE t = start_thread([&]() -> DWORD {
      running = true;  // past its start: an APC queued now waits for an alertable wait
      r_plain = WaitForSingleObject(go, 20000);  // not alertable: no APC runs
      seen_before = apcs.load();
      r_alertable = SleepEx(20000, TRUE);
      return 0;
    });
    REQUIRE(t != nullptr);
    CHECK(eventually([&] { return running.load(); }));
    CHECK(QueueUserAPC(count_apc, t, reinterpret_cast<ULONG_PTR>(&apcs)) != 0);
    std::this_thread::sleep_for(milliseconds(20));
    CHECK(SetEvent(go));
    join_or_die(t, "thread with an early APC");
    CHECK(r_plain.load() == wait_0);
    CHECK(seen_before.load() == 0);
    CHECK(r_alertable.load() == wait_io);
    CHECK(apcs.load() == 1);
    CHECK(CloseHandle(go));
  }
  SUBCASE("before the thread starts: run before its start routine") {
    std::atomic<int> apcs{0};
    std::atomic<int> at_start{-1};
    HANDLE t = start_thread(
        [&]() -> DWORD {
          at_start = apcs.load();
          return 0;
        },
        CREATE_SUSPENDED);
    REQUIRE(t != nullptr);
    CHECK(QueueUserAPC(count_apc, t, reinterpret_cast<ULONG_PTR>(&apcs)) != 0);
    CHECK(QueueUserAPC(count_apc, t, reinterpret_cast<ULONG_PTR>(&apcs)) != 0);
    CHECK(ResumeThread(t) == 1);
    join_or_die(t, "suspended thread with APCs");
    CHECK(at_start.load() == 2);
    CHECK(apcs.load() == 2);
  }
  SUBCASE("signalled objects win over APCs") {
    HANDLE set = CreateEventW(nullptr, TRUE, TRUE, nullptr);
    HANDLE go = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    REQUIRE(set != nullptr);
    REQUIRE(go != nullptr);
    std::atomic<int> apcs{0};
    std::atomic<DWORD> r1{0xDEAD}, r2{0xDEAD};
    std::atomic<bool> running{false};
    HANDLE t = start_thread([&]() -> DWORD {
      running = true;
      WaitForSingleObject(go, 20000);
      r1 = WaitForSingleObjectEx(set, 0, TRUE);
      r2 = WaitForSingleObjectEx(go, 0, TRUE);
      return 0;
    });
    REQUIRE(t != nullptr);
    CHECK(eventually([&] { return running.load(); }));
    CHECK(QueueUserAPC(count_apc, t, reinterpret_cast<ULONG_PTR>(&apcs)) != 0);
    CHECK(SetEvent(go));
    join_or_die(t, "thread with a signalled object and an APC");
    CHECK(r1.load() == wait_0);
    CHECK(r2.load() == wait_io);
    CHECK(apcs.load() == 1);
    CHECK(CloseHandle(set));
    CHECK(CloseHandle(go));
  }
  SUBCASE("bad handles") {
    std::atomic<int> apcs{0};
    HANDLE e = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    REQUIRE(e != nullptr);
    for (HANDLE bad : {garbage_handle(), static_cast<HANDLE>(nullptr), e}) {
      SetLastError(0);
      CHECK(QueueUserAPC(count_apc, bad, reinterpret_cast<ULONG_PTR>(&apcs)) == 0);
      CHECK(GetLastError() == e_invalid_handle);
    }
    CHECK(CloseHandle(e));
    CHECK(apcs.load() == 0);
  }
}

}  // namespace k32_test

#endif  // WPU_TESTS_KERNEL32_OBJECTS_THREADS_HPP
