// tests/kernel32/objects_backend.hpp - a backend's objects (WPUCreateEvent,
// WPUOpenCurrentThread) with the kernel32 functions, over each backend and
// through its C upcall table (tests/conformance's fixtures).
#ifndef WPU_TESTS_KERNEL32_OBJECTS_BACKEND_HPP
#define WPU_TESTS_KERNEL32_OBJECTS_BACKEND_HPP

#include "objects_common.hpp"

#include "../conformance/conformance.hpp"

namespace k32_test {

TEST_CASE_TEMPLATE_DEFINE("kernel32: WPUCreateEvent's events in the kernel32 waits", F,
                          k32_backend_events) {
  F f;
  wpu::upcalls& u = f.api();
  int err = 0;
  HANDLE w = u.create_event(&err);  // manual reset, non-signalled
  REQUIRE(w != nullptr);
  HANDLE a = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  HANDLE s = CreateSemaphoreW(nullptr, 0, 2, nullptr);
  REQUIRE(a != nullptr);
  REQUIRE(s != nullptr);
  HANDLE all[3] = {a, s, w};
  CHECK(WaitForMultipleObjects(3, all, FALSE, 0) == wait_timeout);
  CHECK(u.set_event(w, &err));
  CHECK(WaitForMultipleObjects(3, all, FALSE, 0) == wait_0 + 2);
  CHECK(WaitForSingleObject(w, 0) == wait_0);  // manual: still set
  CHECK(ResetEvent(w));
  CHECK(WaitForSingleObject(w, 0) == wait_timeout);
  CHECK(SetEvent(w));  // SetEvent on WPUCreateEvent's event
  CHECK(SetEvent(a));
  CHECK(ReleaseSemaphore(s, 1, nullptr));
  CHECK(WaitForMultipleObjects(3, all, TRUE, 0) == wait_0);
  CHECK(WaitForMultipleObjects(3, all, FALSE, 0) == wait_0 + 2);  // a and s were taken
  CHECK(u.reset_event(w, &err));

  // A wait blocked on the backend's event and a kernel32 event is released
  // by WPUSetEvent from another thread.
  std::atomic<DWORD> result{0xDEAD};
  HANDLE t = start_thread([&]() -> DWORD {
    HANDLE two[2] = {a, w};
    result = WaitForMultipleObjects(2, two, FALSE, 20000);
    return 0;
  });
  REQUIRE(t != nullptr);
  std::this_thread::sleep_for(milliseconds(20));
  CHECK(u.set_event(w, &err));
  join_or_die(t, "waiter on WPUCreateEvent's event");
  CHECK(result.load() == wait_0 + 1);
  CHECK(CloseHandle(a));
  CHECK(CloseHandle(s));
  CHECK(u.close_event(w, &err));
}

#if !defined(_WIN32)
// On Windows a socket is a file handle, which is waitable; a wpu socket
// handle is no kernel object here.
TEST_CASE_TEMPLATE_DEFINE("kernel32: a wpu socket handle is no waitable object", F,
                          k32_backend_sockets) {
  F f;
  wpu::upcalls& u = f.api();
  int err = 0;
  SOCKET s = u.create_socket_handle(wpu_test::id_a, 7, &err);
  REQUIRE(s != INVALID_SOCKET);
  HANDLE h = reinterpret_cast<HANDLE>(s);
  SetLastError(0);
  CHECK(WaitForSingleObject(h, 0) == wait_failed);
  CHECK(GetLastError() == e_invalid_handle);
  SetLastError(0);
  CHECK_FALSE(SetEvent(h));
  CHECK(GetLastError() == e_invalid_handle);
  SetLastError(0);
  CHECK(QueueUserAPC(count_apc, h, 0) == 0);
  CHECK(GetLastError() == e_invalid_handle);
  CHECK(u.close_socket_handle(s, &err) == 0);
}
#endif

TEST_CASE_TEMPLATE_DEFINE("kernel32: QueueUserAPC with WPUOpenCurrentThread's handle", F,
                          k32_backend_thread_ids) {
  F f;
  wpu::upcalls& u = f.api();
  HANDLE go = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  HANDLE never = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  REQUIRE(go != nullptr);
  REQUIRE(never != nullptr);
  std::atomic<int> apcs{0};
  std::atomic<bool> opened{false};
  std::atomic<DWORD> r{0xDEAD};
  WSATHREADID id{};
  HANDLE t = start_thread([&]() -> DWORD {
    int e = 0;
    if (u.open_current_thread(&id, &e) != 0) return 1;
    opened = true;
    WaitForSingleObject(go, 20000);  // not alertable: the APCs stay queued
    r = WaitForSingleObjectEx(never, 20000, TRUE);
    return 0;
  });
  REQUIRE(t != nullptr);
  REQUIRE(eventually([&] { return opened.load(); }));
  // QueueUserAPC on WPUOpenCurrentThread's handle, and WPUQueueApc on a
  // CreateThread thread: both run, in order, in its next alertable wait.
  CHECK(QueueUserAPC(count_apc, id.ThreadHandle, reinterpret_cast<ULONG_PTR>(&apcs)) != 0);
  int qerr = 0;
  CHECK(u.queue_apc(&id, count_apc, reinterpret_cast<DWORD_PTR>(&apcs), &qerr) == 0);
  CHECK(SetEvent(go));
  join_or_die(t, "thread with a WPUOpenCurrentThread handle");
  CHECK(r.load() == wait_io);
  CHECK(apcs.load() == 2);
  CHECK(CloseHandle(never));
  int err = 0;
  CHECK(u.close_thread(&id, &err) == 0);
  CHECK(CloseHandle(go));
}

}  // namespace k32_test

#endif  // WPU_TESTS_KERNEL32_OBJECTS_BACKEND_HPP
