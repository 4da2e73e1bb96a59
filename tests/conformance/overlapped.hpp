// Conformance: overlapped completion for sockets made by WPUCreateSocketHandle
// (WPUCompleteOverlappedRequest, the backend's associate_port and
// get_overlapped_result, completion routines through WPUQueueApc), on both
// backends. The ports are the platform's: <wpu/winapi.h>'s on POSIX,
// kernel32's under Wine.
#ifndef WPU_TESTS_OVERLAPPED_HPP
#define WPU_TESTS_OVERLAPPED_HPP

#include "conformance.hpp"
#include "events.hpp"
#include "ports.hpp"
#include "threads_apcs.hpp"

#include <wpu/winapi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace wpu_test {

inline constexpr DWORD in_progress = WSS_OPERATION_IN_PROGRESS;
// Result flags a provider reports (msg_partial in winsock2.h).
inline constexpr DWORD msg_partial = 0x8000;

// An OVERLAPPED as a provider holds it while the operation runs: Internal in
// progress, the other fields recognisable.
inline WSAOVERLAPPED pending_overlapped(WSAEVENT event) {
  WSAOVERLAPPED ov{};
  ov.Internal = in_progress;
  ov.InternalHigh = 0x5A5A;
  ov.Offset = 0x1111;
  ov.OffsetHigh = 0x2222;
  ov.hEvent = event;
  return ov;
}

// hEvent with bit 0 set: "do not queue to the port".
inline WSAEVENT no_port(WSAEVENT event) {
  return reinterpret_cast<WSAEVENT>(reinterpret_cast<std::uintptr_t>(event) | 1);
}

// One packet's fields, as GetQueuedCompletionStatus reported them.
inline void check_packet(const packet& got, BOOL ok, ULONG_PTR key, const WSAOVERLAPPED* ov,
                         DWORD bytes) {
  CHECK(got.ok == ok);
  CHECK(got.key == key);
  CHECK(got.ov == ov);
  CHECK(got.bytes == bytes);
}

inline ULONG_PTR read_internal(const WSAOVERLAPPED& ov) {
  return __atomic_load_n(&ov.Internal, __ATOMIC_ACQUIRE);
}

// A provider's completion routine record, delivered by WPUQueueApc.
struct routine_call {
  DWORD error = 0, bytes = 0, flags = 0;
  WSAOVERLAPPED* overlapped = nullptr;
  std::thread::id thread;
  int calls = 0;
};

inline routine_call& last_routine_call() {
  static routine_call call;
  return call;
}

inline void CALLBACK record_completion_routine(DWORD error, DWORD bytes, LPWSAOVERLAPPED ov,
                                               DWORD flags) {
  routine_call& c = last_routine_call();
  c.error = error;
  c.bytes = bytes;
  c.overlapped = ov;
  c.flags = flags;
  c.thread = std::this_thread::get_id();
  ++c.calls;
}

// What the provider queues: the routine and its four arguments.
struct pending_routine {
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;
  DWORD error, bytes, flags;
  WSAOVERLAPPED* overlapped;
};

inline void CALLBACK deliver_routine(DWORD_PTR context) {
  std::unique_ptr<pending_routine> p(reinterpret_cast<pending_routine*>(context));
  p->routine(p->error, p->bytes, p->overlapped, p->flags);
}

}  // namespace wpu_test

TEST_CASE_TEMPLATE_DEFINE("overlapped completion" * doctest::test_suite("conformance"), F,
                          wpu_overlapped) {
  using namespace wpu_test;
  F f;
  wpu::upcalls& u = f.api();
  int err = 0;
  const SOCKET s = u.create_socket_handle(id_a, 7, &err);
  REQUIRE(s != INVALID_SOCKET);

  SUBCASE("association: once per socket, to a live port") {
    HANDLE port = new_port();
    REQUIRE(port != nullptr);
    DWORD e = 0;
    CHECK(f.impl().associate_port(s, port, 11, 0, &e) == port);
    // A second association, to the same port or another: ERROR_INVALID_PARAMETER.
    HANDLE other = new_port();
    REQUIRE(other != nullptr);
    for (HANDLE p : {port, other}) {
      e = 0;
      CHECK(f.impl().associate_port(s, p, 12, 0, &e) == nullptr);
      CHECK(e == error_invalid_parameter);
    }
    e = 0;
    CHECK(f.impl().associate_port(s, nullptr, 12, 0, &e) == nullptr);
    CHECK(e == error_invalid_parameter);

    // NULL port: a new port, returned, that takes the socket's completions.
    const SOCKET s2 = u.create_socket_handle(id_b, 8, &err);
    REQUIRE(s2 != INVALID_SOCKET);
    HANDLE made = f.impl().associate_port(s2, nullptr, 21, 1, &e);
    REQUIRE(made != nullptr);
    CHECK(made != port);
    CHECK(made != other);
    WSAOVERLAPPED ov = pending_overlapped(nullptr);
    CHECK(u.complete_overlapped_request(s2, &ov, 0, 5, &err) == 0);
    check_packet(get_packet(made, 1000), TRUE, 21, &ov, 5);
    CHECK(get_packet(port, 0).error == wait_timeout);  // nothing went to the other port

    // Bad handles: ERROR_INVALID_HANDLE, and nothing is associated.
    const SOCKET s3 = u.create_socket_handle(id_a, 9, &err);
    REQUIRE(s3 != INVALID_SOCKET);
    HANDLE closed_port = new_port();
    REQUIRE(closed_port != nullptr);
    REQUIRE(CloseHandle(closed_port) == TRUE);
    const WSAEVENT event = u.create_event(&err);
    REQUIRE(event != WSA_INVALID_EVENT);
    const HANDLE bad_ports[] = {garbage_event(), closed_port, reinterpret_cast<HANDLE>(s2), event};
    for (HANDLE p : bad_ports) {
      CAPTURE(reinterpret_cast<std::uintptr_t>(p));
      e = 0;
      CHECK(f.impl().associate_port(s3, p, 31, 0, &e) == nullptr);
      CHECK(e == error_invalid_handle);
    }
    const SOCKET bad_sockets[] = {0, INVALID_SOCKET, s3 + 4, reinterpret_cast<SOCKET>(port)};
    for (SOCKET b : bad_sockets) {
      CAPTURE(b);
      e = 0;
      CHECK(f.impl().associate_port(b, port, 31, 0, &e) == nullptr);
      CHECK(e == error_invalid_handle);
      e = 0;
      CHECK(f.impl().associate_port(b, nullptr, 31, 0, &e) == nullptr);
      CHECK(e == error_invalid_handle);
    }
    // s3 is still free to associate.
    CHECK(f.impl().associate_port(s3, port, 31, 0, &e) == port);
    CHECK(u.close_socket_handle(s3, &err) == 0);
    e = 0;
    CHECK(f.impl().associate_port(s3, other, 32, 0, &e) == nullptr);  // closed socket
    CHECK(e == error_invalid_handle);

    CHECK(u.close_socket_handle(s2, &err) == 0);
    CHECK(u.close_event(event, &err) == TRUE);
    CHECK(CloseHandle(made) == TRUE);
    CHECK(CloseHandle(other) == TRUE);
    CHECK(CloseHandle(port) == TRUE);
  }

  SUBCASE("WPUCompleteOverlappedRequest: argument errors leave the OVERLAPPED alone") {
    const WSAEVENT event = u.create_event(&err);
    REQUIRE(event != WSA_INVALID_EVENT);
    WSAOVERLAPPED ov = pending_overlapped(event);
    err = 0;
    CHECK(u.complete_overlapped_request(s, nullptr, 0, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSA_INVALID_PARAMETER);
    CHECK(u.complete_overlapped_request(s, nullptr, 0, 1, nullptr) == SOCKET_ERROR);

    // Only sockets from WPUCreateSocketHandle: WSAEINVAL for anything else,
    // an unregistered native handle included (a registered IFS handle:
    // ifs_ports.hpp).
    native_handle native;
    REQUIRE(native.value != INVALID_SOCKET);
    const SOCKET closed = u.create_socket_handle(id_a, 1, &err);
    REQUIRE(closed != INVALID_SOCKET);
    REQUIRE(u.close_socket_handle(closed, &err) == 0);
    const SOCKET others[] = {
        0, INVALID_SOCKET, s + 4, native.value, closed, reinterpret_cast<SOCKET>(event)};
    for (SOCKET b : others) {
      CAPTURE(b);
      err = 0;
      CHECK(u.complete_overlapped_request(b, &ov, 0, 1, &err) == SOCKET_ERROR);
      CHECK(err == WSAEINVAL);
    }
    // An error Internal cannot carry: "still in progress", or no error code.
    for (DWORD bad : {in_progress, DWORD{0x10000}, DWORD{0xC0000005u}}) {
      CAPTURE(bad);
      err = 0;
      CHECK(u.complete_overlapped_request(s, &ov, bad, 1, &err) == SOCKET_ERROR);
      CHECK(err == WSAEINVAL);
    }
    CHECK(u.complete_overlapped_request(INVALID_SOCKET, &ov, 0, 1, nullptr) == SOCKET_ERROR);
    CHECK(ov.Internal == in_progress);
    CHECK(ov.InternalHigh == 0x5A5A);
    CHECK(poll_event(event) == wait_timeout);
    CHECK(u.close_event(event, &err) == TRUE);
  }

  SUBCASE("fields and event: InternalHigh, Internal, hEvent & ~1; Offset untouched") {
    const WSAEVENT event = u.create_event(&err);
    REQUIRE(event != WSA_INVALID_EVENT);
    for (bool low_bit : {false, true}) {
      CAPTURE(low_bit);
      REQUIRE(u.reset_event(event, &err) == TRUE);
      WSAOVERLAPPED ov = pending_overlapped(low_bit ? no_port(event) : event);
      const WSAEVENT given = ov.hEvent;
      CHECK(u.complete_overlapped_request(s, &ov, 0, 1234, &err) == 0);
      CHECK(ov.Internal == 0);
      CHECK(ov.InternalHigh == 1234);
      CHECK(ov.Offset == 0x1111);
      CHECK(ov.OffsetHigh == 0x2222);
      CHECK(ov.hEvent == given);
      CHECK(poll_event(event) == wait_0);

      // A failed operation: Internal holds its error.
      REQUIRE(u.reset_event(event, &err) == TRUE);
      ov = pending_overlapped(given);
      CHECK(u.complete_overlapped_request(s, &ov, WSAECONNRESET, 17, nullptr) == 0);
      CHECK(ov.Internal == static_cast<ULONG_PTR>(WSAECONNRESET));
      CHECK(ov.InternalHigh == 17);
      CHECK(ov.OffsetHigh == 0x2222);
      CHECK(poll_event(event) == wait_0);
    }
    // No event, and a dead one: the request still completes.
    WSAOVERLAPPED none = pending_overlapped(nullptr);
    CHECK(u.complete_overlapped_request(s, &none, 0, 3, &err) == 0);
    CHECK(none.Internal == 0);
    CHECK(none.InternalHigh == 3);
    REQUIRE(u.close_event(event, &err) == TRUE);
    WSAOVERLAPPED dead = pending_overlapped(event);
    CHECK(u.complete_overlapped_request(s, &dead, 0, 4, &err) == 0);
    CHECK(dead.Internal == 0);
    CHECK(dead.InternalHigh == 4);
  }

  SUBCASE("the port: a packet per completion unless hEvent's bit 0 is set") {
    HANDLE port = new_port();
    REQUIRE(port != nullptr);
    DWORD e = 0;
    REQUIRE(f.impl().associate_port(s, port, 0xC0FFEE, 0, &e) == port);
    const WSAEVENT event = u.create_event(&err);
    REQUIRE(event != WSA_INVALID_EVENT);

    WSAOVERLAPPED ok_ov = pending_overlapped(event);
    CHECK(u.complete_overlapped_request(s, &ok_ov, 0, 100, &err) == 0);
    check_packet(get_packet(port, 1000), TRUE, 0xC0FFEE, &ok_ov, 100);
    CHECK(poll_event(event) == wait_0);  // the event too

    // A failed operation: FALSE with its error, and the packet's fields.
    WSAOVERLAPPED failed = pending_overlapped(nullptr);
    CHECK(u.complete_overlapped_request(s, &failed, WSAECONNABORTED, 9, &err) == 0);
    packet got = get_packet(port, 1000);
    check_packet(got, FALSE, 0xC0FFEE, &failed, 9);
    CHECK(got.error == static_cast<DWORD>(WSAECONNABORTED));

    // GetQueuedCompletionStatusEx: both, in order, with a status for the failure.
    CHECK(u.complete_overlapped_request(s, &ok_ov, 0, 1, &err) == 0);
    CHECK(u.complete_overlapped_request(s, &failed, WSAETIMEDOUT, 2, &err) == 0);
    OVERLAPPED_ENTRY entries[4]{};
    ULONG removed = 0;
    REQUIRE(GetQueuedCompletionStatusEx(port, entries, 4, &removed, 1000, FALSE) == TRUE);
    REQUIRE(removed == 2);
    CHECK(entries[0].lpOverlapped == &ok_ov);
    CHECK(entries[0].Internal == 0);
    CHECK(entries[0].dwNumberOfBytesTransferred == 1);
    CHECK(entries[1].lpOverlapped == &failed);
    CHECK(entries[1].lpCompletionKey == 0xC0FFEE);
    CHECK(entries[1].Internal != 0);
    CHECK((entries[1].Internal & 0xFFFF) == static_cast<ULONG_PTR>(WSAETIMEDOUT));

    // Bit 0 set: the event is set, no packet is queued.
    REQUIRE(u.reset_event(event, &err) == TRUE);
    WSAOVERLAPPED quiet = pending_overlapped(no_port(event));
    CHECK(u.complete_overlapped_request(s, &quiet, 0, 8, &err) == 0);
    CHECK(quiet.Internal == 0);
    CHECK(poll_event(event) == wait_0);
    WSAOVERLAPPED quiet_null = pending_overlapped(no_port(nullptr));  // hEvent == 1
    CHECK(u.complete_overlapped_request(s, &quiet_null, 0, 8, &err) == 0);
    const auto start = steady::now();
    got = get_packet(port, 100);
    CHECK(got.ok == FALSE);
    CHECK(got.error == wait_timeout);
    CHECK(got.ov == nullptr);
    CHECK(ms_since(start) >= 90);

    // A socket with no port: nothing queued anywhere.
    const SOCKET lone = u.create_socket_handle(id_a, 1, &err);
    REQUIRE(lone != INVALID_SOCKET);
    WSAOVERLAPPED lone_ov = pending_overlapped(nullptr);
    CHECK(u.complete_overlapped_request(lone, &lone_ov, 0, 8, &err) == 0);
    CHECK(lone_ov.Internal == 0);
    CHECK(get_packet(port, 0).error == wait_timeout);

    // Two sockets on one port, told apart by their keys.
    REQUIRE(f.impl().associate_port(lone, port, 0xBEEF, 0, &e) == port);
    CHECK(u.complete_overlapped_request(lone, &lone_ov, 0, 1, &err) == 0);
    CHECK(u.complete_overlapped_request(s, &ok_ov, 0, 2, &err) == 0);
    check_packet(get_packet(port, 1000), TRUE, 0xBEEF, &lone_ov, 1);
    check_packet(get_packet(port, 1000), TRUE, 0xC0FFEE, &ok_ov, 2);

    // A closed socket completes nothing.
    CHECK(u.close_socket_handle(lone, &err) == 0);
    err = 0;
    CHECK(u.complete_overlapped_request(lone, &lone_ov, 0, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSAEINVAL);
    CHECK(get_packet(port, 0).error == wait_timeout);

    CHECK(u.close_event(event, &err) == TRUE);
    CHECK(CloseHandle(port) == TRUE);
  }

  SUBCASE("another thread that sees Internal done sees InternalHigh") {
#if defined(_WIN32)
    constexpr DWORD count = 20000;  // Wine's thread switches are slow
#else
    constexpr DWORD count = 200000;
#endif
    std::vector<WSAOVERLAPPED> ovs(count, pending_overlapped(nullptr));
    std::atomic<bool> started{false}, finished{false};
    DWORD wrong = 0;
    std::thread reader([&] {
      started = true;
      for (DWORD i = 0; i < count; ++i) {
        while (read_internal(ovs[i]) == in_progress) {
        }
        if (ovs[i].InternalHigh != i + 1) ++wrong;
      }
      finished = true;
    });
    REQUIRE(wait_for_flag(started));
    for (DWORD i = 0; i < count; ++i) u.complete_overlapped_request(s, &ovs[i], 0, i + 1, nullptr);
    join_or_die(reader, finished, "reader of Internal");
    CHECK(wrong == 0);
  }

  SUBCASE("4 producers and 2 consumers: every completion exactly once") {
    constexpr int producers = 4;
    constexpr int consumers = 2;
#if defined(_WIN32)
    constexpr int per_producer = 5000;
#else
    constexpr int per_producer = 50000;
#endif
    HANDLE port = new_port();
    REQUIRE(port != nullptr);
    std::vector<SOCKET> sockets;
    DWORD e = 0;
    for (int p = 0; p < producers; ++p) {
      const SOCKET ps = u.create_socket_handle(id_a, static_cast<DWORD_PTR>(p), &err);
      REQUIRE(ps != INVALID_SOCKET);
      REQUIRE(f.impl().associate_port(ps, port, static_cast<ULONG_PTR>(p), 0, &e) == port);
      sockets.push_back(ps);
    }
    std::vector<std::vector<WSAOVERLAPPED>> ovs(
        producers, std::vector<WSAOVERLAPPED>(per_producer, pending_overlapped(nullptr)));
    std::vector<std::vector<int>> seen(producers, std::vector<int>(per_producer, 0));
    std::atomic<int> bad{0};
    std::atomic<int> done{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < consumers; ++c)
      threads.emplace_back([&] {
        for (;;) {
          DWORD bytes = 0;
          ULONG_PTR key = 0;
          LPOVERLAPPED ov = nullptr;
          if (GetQueuedCompletionStatus(port, &bytes, &key, &ov, 10000) == FALSE) {
            ++bad;  // a timeout: a packet was lost
            break;
          }
          if (key == stop_key) break;
          const int p = static_cast<int>(key);
          if (p < 0 || p >= producers) {
            ++bad;
            continue;
          }
          const auto i = static_cast<std::ptrdiff_t>(ov - &ovs[p][0]);
          if (i < 0 || i >= per_producer || bytes != static_cast<DWORD>(i)) {
            ++bad;
            continue;
          }
          ++seen[p][i];  // each (p, i) is reached by one consumer only if delivered once
        }
        ++done;
      });
    for (int p = 0; p < producers; ++p)
      threads.emplace_back([&, p] {
        for (int i = 0; i < per_producer; ++i)
          if (u.complete_overlapped_request(sockets[p], &ovs[p][i], 0, static_cast<DWORD>(i),
                                            nullptr) != 0)
            ++bad;
      });
    for (int p = 0; p < producers; ++p) threads[consumers + p].join();
    for (int c = 0; c < consumers; ++c)
      CHECK(PostQueuedCompletionStatus(port, 0, stop_key, nullptr) == TRUE);
    for (int c = 0; c < consumers; ++c) threads[c].join();
    CHECK(bad.load() == 0);
    CHECK(done.load() == consumers);
    int once = 0;
    for (const auto& v : seen)
      for (int n : v) once += n == 1;
    CHECK(once == producers * per_producer);
    for (SOCKET ps : sockets) CHECK(u.close_socket_handle(ps, &err) == 0);
    CHECK(CloseHandle(port) == TRUE);
  }

  SUBCASE("closing the port: its waiters end, later completions still succeed") {
    HANDLE port = new_port();
    REQUIRE(port != nullptr);
    DWORD e = 0;
    REQUIRE(f.impl().associate_port(s, port, 5, 0, &e) == port);
    port_waiter waiter([port] { return get_packet(port, 300); });
    std::this_thread::sleep_for(milliseconds(50));
    CHECK(CloseHandle(port) == TRUE);
    const packet got = waiter.join("waiter on a closed port");
    CHECK(got.ok == FALSE);
    CHECK(got.ov == nullptr);
    CHECK(is_closed_under_wait_error(got.error));
    // The socket keeps its (dead) association: the request completes, no
    // packet goes anywhere, and it cannot be associated again.
    const WSAEVENT event = u.create_event(&err);
    REQUIRE(event != WSA_INVALID_EVENT);
    WSAOVERLAPPED ov = pending_overlapped(event);
    CHECK(u.complete_overlapped_request(s, &ov, 0, 6, &err) == 0);
    CHECK(ov.Internal == 0);
    CHECK(poll_event(event) == wait_0);
    HANDLE other = new_port();
    REQUIRE(other != nullptr);
    e = 0;
    CHECK(f.impl().associate_port(s, other, 5, 0, &e) == nullptr);
    CHECK(e == error_invalid_parameter);
    CHECK(CloseHandle(other) == TRUE);
    CHECK(u.close_event(event, &err) == TRUE);
  }

  SUBCASE("WSAGetOverlappedResult: in progress, waited for, succeeded, failed") {
    const WSAEVENT event = u.create_event(&err);
    REQUIRE(event != WSA_INVALID_EVENT);
    WSAOVERLAPPED ov = pending_overlapped(event);
    ov.Offset = msg_partial;  // the result flags a provider keeps there
    DWORD bytes = 99, flags = 99;
    err = 0;
    CHECK(f.impl().get_overlapped_result(s, &ov, &bytes, FALSE, &flags, &err) == FALSE);
    CHECK(err == WSA_IO_INCOMPLETE);

    // fWait: blocks until the provider completes it on another thread.
    std::atomic<bool> started{false}, finished{false};
    BOOL waited = -1;
    int wait_err = 0;
    std::thread client([&] {
      started = true;
      waited = f.impl().get_overlapped_result(s, &ov, &bytes, TRUE, &flags, &wait_err);
      finished = true;
    });
    REQUIRE(wait_for_flag(started));
    std::this_thread::sleep_for(milliseconds(50));
    CHECK_FALSE(finished.load());
    CHECK(u.complete_overlapped_request(s, &ov, 0, 321, &err) == 0);
    join_or_die(client, finished, "WSAGetOverlappedResult(fWait)");
    CHECK(waited == TRUE);
    CHECK(bytes == 321);
    CHECK(flags == msg_partial);
    // Done already: no wait, even without an event.
    ov.hEvent = nullptr;
    CHECK(f.impl().get_overlapped_result(s, &ov, &bytes, TRUE, &flags, &err) == TRUE);

    // A failed operation: FALSE with its error, and its byte count.
    WSAOVERLAPPED failed = pending_overlapped(no_port(event));
    CHECK(u.complete_overlapped_request(s, &failed, WSAENETRESET, 12, &err) == 0);
    err = 0;
    CHECK(f.impl().get_overlapped_result(s, &failed, &bytes, FALSE, &flags, &err) == FALSE);
    CHECK(err == WSAENETRESET);
    CHECK(bytes == 12);

    // Errors.
    WSAOVERLAPPED running = pending_overlapped(nullptr);
    err = 0;
    CHECK(f.impl().get_overlapped_result(s, &running, &bytes, TRUE, &flags, &err) == FALSE);
    CHECK(err == WSA_INVALID_PARAMETER);  // fWait with no event to wait on
    running.hEvent = garbage_event();
    err = 0;
    CHECK(f.impl().get_overlapped_result(s, &running, &bytes, TRUE, &flags, &err) == FALSE);
    CHECK(err == WSA_INVALID_HANDLE);
    err = 0;
    CHECK(f.impl().get_overlapped_result(s, nullptr, &bytes, FALSE, &flags, &err) == FALSE);
    CHECK(err == WSAEFAULT);
    err = 0;
    CHECK(f.impl().get_overlapped_result(s, &ov, nullptr, FALSE, &flags, &err) == FALSE);
    CHECK(err == WSAEFAULT);
    err = 0;
    CHECK(f.impl().get_overlapped_result(s, &ov, &bytes, FALSE, nullptr, &err) == FALSE);
    CHECK(err == WSAEFAULT);
    err = 0;
    CHECK(f.impl().get_overlapped_result(INVALID_SOCKET, &ov, &bytes, FALSE, &flags, &err) ==
          FALSE);
    CHECK(err == WSAENOTSOCK);
    CHECK(u.close_event(event, &err) == TRUE);
  }

  SUBCASE("a completion routine through WPUQueueApc runs in the initiator's alertable wait") {
    fresh_apc_log();
    last_routine_call() = routine_call{};
    // The client thread starts the operation (the provider keeps its
    // WSATHREADID) and waits alertably; the provider completes on its own thread.
    WSAOVERLAPPED ov = pending_overlapped(nullptr);
    WSATHREADID initiator{};
    std::atomic<bool> started{false}, finished{false};
    std::thread::id client_id;
    DWORD wait_result = 0;
    const WSAEVENT never = u.create_event(&err);
    REQUIRE(never != WSA_INVALID_EVENT);
    std::thread client([&] {
      int e = 0;
      client_id = std::this_thread::get_id();
      if (u.open_current_thread(&initiator, &e) == 0) {
        started = true;
        wait_result = WSAWaitForMultipleEvents(1, &never, FALSE, 10000, TRUE);
      }
      finished = true;
    });
    REQUIRE(wait_for_flag(started));
    std::this_thread::sleep_for(milliseconds(20));
    std::thread provider([&] {
      ov.InternalHigh = 77;
      ov.Internal = 0;
      auto* p =
          new pending_routine{&record_completion_routine, WSAECONNRESET, 77, msg_partial, &ov};
      int e = 0;
      if (u.queue_apc(&initiator, &deliver_routine, as_context(p), &e) != 0) delete p;
    });
    provider.join();
    join_or_die(client, finished, "alertable client");
    CHECK(wait_result == wait_io_completion);
    const routine_call& c = last_routine_call();
    CHECK(c.calls == 1);
    CHECK(c.thread == client_id);
    CHECK(c.error == static_cast<DWORD>(WSAECONNRESET));
    CHECK(c.bytes == 77);
    CHECK(c.overlapped == &ov);
    CHECK(c.flags == msg_partial);
    CHECK(u.close_thread(&initiator, &err) == 0);
    CHECK(u.close_event(never, &err) == TRUE);
  }

  CHECK(u.close_socket_handle(s, &err) == 0);
}

#endif  // WPU_TESTS_OVERLAPPED_HPP
