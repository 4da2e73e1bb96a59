// Conformance: several backend instances in one process, each with its own
// socket handles and its own C upcall table, and WPUCompleteOverlappedRequest
// racing WPUCloseSocketHandle (issue 12, items 2 and 6).
#ifndef WPU_TESTS_INSTANCES_HPP
#define WPU_TESTS_INSTANCES_HPP

#include "conformance.hpp"
#include "overlapped.hpp"
#include "ports.hpp"

#include <wpu/winapi.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <vector>

// Two fixtures of one kind (direct, or through each backend's own table),
// used in turn.
TEST_CASE_TEMPLATE_DEFINE("backend instances" * doctest::test_suite("conformance"), F,
                          wpu_instances) {
  using namespace wpu_test;
  F f1;
  F f2;  // through_table: its table is built after f1's
  wpu::upcalls& u1 = f1.api();
  wpu::upcalls& u2 = f2.api();
  int err = 0;
  std::vector<SOCKET> s1, s2;
  for (DWORD_PTR i = 0; i < 50; ++i) {  // interleaved
    s1.push_back(u1.create_socket_handle(id_a, 0x1000 + i, &err));
    s2.push_back(u2.create_socket_handle(id_a, 0x2000 + i, &err));
    REQUIRE(s1.back() != INVALID_SOCKET);
    REQUIRE(s2.back() != INVALID_SOCKET);
  }

  SUBCASE("socket values are unique in the process") {
    std::set<SOCKET> all(s1.begin(), s1.end());
    all.insert(s2.begin(), s2.end());
    CHECK(all.size() == s1.size() + s2.size());
  }

  SUBCASE("each backend answers for its own sockets and refuses the other's: WSAENOTSOCK") {
    for (std::size_t i = 0; i < s1.size(); ++i) {
      DWORD_PTR ctx = 0;
      CHECK(u1.query_socket_handle_context(s1[i], &ctx, &err) == 0);
      CHECK(ctx == 0x1000 + i);
      CHECK(u2.query_socket_handle_context(s2[i], &ctx, &err) == 0);
      CHECK(ctx == 0x2000 + i);
      ctx = 0x77;
      err = 0;
      CHECK(u2.query_socket_handle_context(s1[i], &ctx, &err) == SOCKET_ERROR);
      CHECK(err == WSAENOTSOCK);
      err = 0;
      CHECK(u1.query_socket_handle_context(s2[i], &ctx, &err) == SOCKET_ERROR);
      CHECK(err == WSAENOTSOCK);
      CHECK(ctx == 0x77);
      err = 0;
      CHECK(u2.close_socket_handle(s1[i], &err) == SOCKET_ERROR);
      CHECK(err == WSAENOTSOCK);
      err = 0;
      CHECK(u1.close_socket_handle(s2[i], &err) == SOCKET_ERROR);
      CHECK(err == WSAENOTSOCK);
      CHECK(f1.impl().is_live_socket(s1[i]));
      CHECK_FALSE(f1.impl().is_live_socket(s2[i]));
    }
    CHECK(f1.impl().handles().size() == s1.size());
    CHECK(f2.impl().handles().size() == s2.size());
  }

  SUBCASE("overlapped functions refuse the other backend's socket, touching nothing") {
    HANDLE port = new_port();
    REQUIRE(port != nullptr);
    DWORD e = 0;
    REQUIRE(f2.impl().associate_port(s2[0], port, 22, 0, &e) == port);
    // Association: ERROR_INVALID_HANDLE.
    HANDLE port1 = new_port();
    REQUIRE(port1 != nullptr);
    e = 0;
    CHECK(f1.impl().associate_port(s2[1], port1, 11, 0, &e) == nullptr);
    CHECK(e == error_invalid_handle);
    // WPUCompleteOverlappedRequest: WSAEINVAL, the OVERLAPPED untouched and
    // no packet on the socket's port (nor any other).
    const WSAEVENT event = u2.create_event(&err);
    REQUIRE(event != WSA_INVALID_EVENT);
    WSAOVERLAPPED ov = pending_overlapped(event);
    err = 0;
    CHECK(u1.complete_overlapped_request(s2[0], &ov, 0, 5, &err) == SOCKET_ERROR);
    CHECK(err == WSAEINVAL);
    CHECK(ov.Internal == in_progress);
    CHECK(ov.InternalHigh == 0x5A5A);
    CHECK(u2.set_event(event, &err) == TRUE);  // the event was not set: reset-set round trip
    CHECK(get_packet(port, 0).error == wait_timeout);
    // WSAGetOverlappedResult: WSAENOTSOCK.
    DWORD bytes = 0, flags = 0;
    err = 0;
    CHECK(f1.impl().get_overlapped_result(s2[0], &ov, &bytes, FALSE, &flags, &err) == FALSE);
    CHECK(err == WSAENOTSOCK);
    // The owner completes it: one packet, with its key.
    CHECK(u2.complete_overlapped_request(s2[0], &ov, 0, 5, &err) == 0);
    check_packet(get_packet(port, 1000), TRUE, 22, &ov, 5);
    CHECK(u2.close_event(event, &err) == TRUE);
    CHECK(CloseHandle(port) == TRUE);
    CHECK(CloseHandle(port1) == TRUE);
  }

  SUBCASE("closing one backend's sockets leaves the other's alone") {
    for (SOCKET s : s1) CHECK(u1.close_socket_handle(s, &err) == 0);
    s1.clear();
    for (std::size_t i = 0; i < s2.size(); ++i) {
      DWORD_PTR ctx = 0;
      CHECK(u2.query_socket_handle_context(s2[i], &ctx, &err) == 0);
      CHECK(ctx == 0x2000 + i);
    }
  }

  for (SOCKET s : s1) CHECK(u1.close_socket_handle(s, &err) == 0);
  for (SOCKET s : s2) CHECK(u2.close_socket_handle(s, &err) == 0);
}

namespace wpu_test {

// A backend over its own catalog with the two test providers.
struct owned_backend {
  wpu::catalog cat;
  wpu::native_backend backend{cat};
  owned_backend() { add_test_providers(cat); }
};

}  // namespace wpu_test

TEST_CASE("upcall tables: each backend's own, and the earlier ones keep answering" *
          doctest::test_suite("conformance")) {
  using namespace wpu_test;
  int err = 0;
  auto b1 = std::make_unique<owned_backend>();
  const WSPUPCALLTABLE t1 = wpu::make_upcall_table(b1->backend);
  const LPWPUCOMPLETEOVERLAPPEDREQUEST c1 = wpu::make_complete_overlapped_request(b1->backend);
  const SOCKET s1 = t1.lpWPUCreateSocketHandle(id_a, 0x11, &err);
  REQUIRE(s1 != INVALID_SOCKET);
  CHECK(b1->backend.is_live_socket(s1));

  // A second backend and its table.
  auto b2 = std::make_unique<owned_backend>();
  const WSPUPCALLTABLE t2 = wpu::make_upcall_table(b2->backend);
  const LPWPUCOMPLETEOVERLAPPEDREQUEST c2 = wpu::make_complete_overlapped_request(b2->backend);
  CHECK((t1.lpWPUQuerySocketHandleContext != t2.lpWPUQuerySocketHandleContext));
  CHECK((c1 != c2));
  const SOCKET s2 = t2.lpWPUCreateSocketHandle(id_a, 0x22, &err);
  REQUIRE(s2 != INVALID_SOCKET);
  CHECK(b2->backend.is_live_socket(s2));
  CHECK(s1 != s2);

  // And the default backend's, from the C API.
  WSPUPCALLTABLE td{};
  REQUIRE(wpu_get_upcall_table(&td) == 0);
  CHECK((td.lpWPUQuerySocketHandleContext != t1.lpWPUQuerySocketHandleContext));
  CHECK((td.lpWPUQuerySocketHandleContext != t2.lpWPUQuerySocketHandleContext));
  WSPUPCALLTABLE td_again{};
  REQUIRE(wpu_get_upcall_table(&td_again) == 0);
  CHECK(std::memcmp(&td, &td_again, sizeof td) == 0);

  // Interleaved: each table answers for its own backend only.
  for (int round = 0; round < 3; ++round) {
    DWORD_PTR ctx = 0;
    CHECK(t1.lpWPUQuerySocketHandleContext(s1, &ctx, &err) == 0);
    CHECK(ctx == 0x11);
    CHECK(t2.lpWPUQuerySocketHandleContext(s2, &ctx, &err) == 0);
    CHECK(ctx == 0x22);
    for (const WSPUPCALLTABLE* other : {&t2, static_cast<const WSPUPCALLTABLE*>(&td)}) {
      err = 0;
      CHECK(other->lpWPUQuerySocketHandleContext(s1, &ctx, &err) == SOCKET_ERROR);
      CHECK(err == WSAENOTSOCK);
    }
    for (const WSPUPCALLTABLE* other : {&t1, static_cast<const WSPUPCALLTABLE*>(&td)}) {
      err = 0;
      CHECK(other->lpWPUQuerySocketHandleContext(s2, &ctx, &err) == SOCKET_ERROR);
      CHECK(err == WSAENOTSOCK);
    }
    WSAOVERLAPPED ov = pending_overlapped(nullptr);
    err = 0;
    CHECK(c1(s2, &ov, 0, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSAEINVAL);
    err = 0;
    CHECK(c2(s1, &ov, 0, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSAEINVAL);
    err = 0;
    CHECK(wpu_complete_overlapped_request(s1, &ov, 0, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSAEINVAL);
    CHECK(ov.Internal == in_progress);
    CHECK(c1(s1, &ov, 0, 1, &err) == 0);
    CHECK(ov.Internal == 0);
    // Building a table again changes nothing.
    const WSPUPCALLTABLE again = wpu::make_upcall_table(b1->backend);
    CHECK(std::memcmp(&again, &t1, sizeof again) == 0);
  }

  // A table whose backend is destroyed fails cleanly, and the others go on.
  b2.reset();
  DWORD_PTR ctx = 0x99;
  err = 0;
  CHECK(t2.lpWPUQuerySocketHandleContext(s2, &ctx, &err) == SOCKET_ERROR);
  CHECK(err == WSANOTINITIALISED);
  CHECK(ctx == 0x99);
  err = 0;
  CHECK(t2.lpWPUCreateSocketHandle(id_a, 0, &err) == INVALID_SOCKET);
  CHECK(err == WSANOTINITIALISED);
  err = 0;
  CHECK(t2.lpWPUCreateEvent(&err) == WSA_INVALID_EVENT);
  CHECK(err == WSANOTINITIALISED);
  WSAOVERLAPPED ov = pending_overlapped(nullptr);
  err = 0;
  CHECK(c2(s2, &ov, 0, 1, &err) == SOCKET_ERROR);
  CHECK(err == WSANOTINITIALISED);
  CHECK(ov.Internal == in_progress);
  CHECK(t1.lpWPUQuerySocketHandleContext(s1, &ctx, &err) == 0);
  CHECK(ctx == 0x11);
  CHECK(t1.lpWPUCloseSocketHandle(s1, &err) == 0);
}

// WPUCompleteOverlappedRequest on associated sockets while another thread
// closes them, makes new ones (reusing their slots) and associates those:
// every call that returns 0 queues exactly one packet, with the key of the
// socket it named; every other call fails with WSAEINVAL and leaves the
// OVERLAPPED alone. Bounded by the completers' iterations.
TEST_CASE_TEMPLATE_DEFINE("overlapped completion racing close and slot reuse" *
                              doctest::test_suite("conformance"),
                          F, wpu_completion_close_race) {
  using namespace wpu_test;
  F f;
  wpu::upcalls& u = f.api();
  constexpr int completers = 4;
  constexpr std::size_t published = 8;
  // Natively the old code (port looked up last) lost a few packets per run
  // at this count; sanitizers slow every call 20x, so they run fewer.
#if defined(_WIN32)
  constexpr std::size_t per_completer = 20000;
#elif defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr std::size_t per_completer = 100000;
#else
  constexpr std::size_t per_completer = 500000;
#endif
  HANDLE port = new_port();
  REQUIRE(port != nullptr);
  int err = 0;
  // More than 1024 freed slots waiting, so every new socket reuses a slot.
  for (int i = 0; i < 1100; ++i) {
    const SOCKET s = u.create_socket_handle(id_a, 0, &err);
    REQUIRE(s != INVALID_SOCKET);
    REQUIRE(u.close_socket_handle(s, &err) == 0);
  }
  // Each socket's key is its own value.
  auto make_associated = [&]() -> SOCKET {
    int e = 0;
    const SOCKET s = u.create_socket_handle(id_a, 0, &e);
    if (s == INVALID_SOCKET) return s;
    DWORD pe = 0;
    if (f.impl().associate_port(s, port, static_cast<ULONG_PTR>(s), 0, &pe) != port)
      return INVALID_SOCKET;
    return s;
  };
  std::atomic<SOCKET> live[published];
  for (auto& l : live) {
    const SOCKET s = make_associated();
    REQUIRE(s != INVALID_SOCKET);
    l.store(s);
  }
  // An event in every OVERLAPPED, which the drainer resets after each
  // packet: setting a reset event is a system call, which widens the window
  // between the liveness check and the port lookup (where the old code
  // lost packets).
  const WSAEVENT event = u.create_event(&err);
  REQUIRE(event != WSA_INVALID_EVENT);

  enum : unsigned char { returned_0 = 1, returned_einval = 2, returned_other = 3 };
  struct completer_state {
    std::vector<WSAOVERLAPPED> ovs;
    std::vector<SOCKET> named;
    std::vector<unsigned char> result;
    std::vector<unsigned char> packets;
  };
  std::vector<completer_state> cs(completers);
  for (auto& c : cs) {
    c.ovs.assign(per_completer, pending_overlapped(event));
    c.named.assign(per_completer, 0);
    c.result.assign(per_completer, 0);
    c.packets.assign(per_completer, 0);
  }

  std::atomic<bool> completing{true};
  std::atomic<long> closer_failures{0}, stray{0}, wrong_key{0};
  std::thread closer([&] {
    std::size_t k = 0;
    int e = 0;
    while (completing.load(std::memory_order_relaxed)) {
      const SOCKET old = live[k].load();
      if (u.close_socket_handle(old, &e) != 0) ++closer_failures;
      const SOCKET s = make_associated();
      if (s == INVALID_SOCKET) {
        ++closer_failures;
        break;
      }
      live[k].store(s);
      k = (k + 1) % published;
    }
  });
  std::thread drainer([&] {
    for (;;) {
      DWORD bytes = 0;
      ULONG_PTR key = 0;
      LPOVERLAPPED ov = nullptr;
      if (GetQueuedCompletionStatus(port, &bytes, &key, &ov, 60000) == FALSE) {
        ++stray;  // no packet for a minute: the stop packet was lost
        return;
      }
      if (key == stop_key) return;
      int e = 0;
      if (u.reset_event(event, &e) != TRUE) ++stray;
      bool found = false;
      for (auto& c : cs) {
        if (ov < c.ovs.data() || ov >= c.ovs.data() + per_completer) continue;
        const auto i = static_cast<std::size_t>(ov - c.ovs.data());
        found = true;
        ++c.packets[i];
        if (key != static_cast<ULONG_PTR>(c.named[i]) || bytes != static_cast<DWORD>(i))
          ++wrong_key;
      }
      if (!found) ++stray;
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < completers; ++t)
    threads.emplace_back([&, t] {
      completer_state& c = cs[t];
      int e = 0;
      for (std::size_t i = 0; i < per_completer; ++i) {
        const SOCKET s = live[(i * 7 + t) % published].load();
        c.named[i] = s;
        e = 0;
        const int rc = u.complete_overlapped_request(s, &c.ovs[i], 0, static_cast<DWORD>(i), &e);
        c.result[i] = rc == 0 ? returned_0 : e == WSAEINVAL ? returned_einval : returned_other;
      }
    });
  for (auto& t : threads) t.join();
  completing = false;
  closer.join();
  CHECK(PostQueuedCompletionStatus(port, 0, stop_key, nullptr) == TRUE);
  drainer.join();

  long zero_without_packet = 0, error_with_packet = 0, twice = 0, other = 0, touched = 0;
  std::size_t completed = 0, refused = 0;
  for (auto& c : cs)
    for (std::size_t i = 0; i < per_completer; ++i) {
      if (c.packets[i] > 1) ++twice;
      if (c.result[i] == returned_0) {
        ++completed;
        if (c.packets[i] == 0) ++zero_without_packet;
      } else {
        ++refused;
        if (c.result[i] == returned_other) ++other;
        if (c.packets[i] != 0) ++error_with_packet;
        if (c.ovs[i].Internal != in_progress) ++touched;
      }
    }
  MESSAGE("completed " << completed << ", refused (closed) " << refused);
  CHECK(zero_without_packet == 0);
  CHECK(error_with_packet == 0);
  CHECK(twice == 0);
  CHECK(other == 0);
  CHECK(touched == 0);
  CHECK(stray.load() == 0);
  CHECK(wrong_key.load() == 0);
  CHECK(closer_failures.load() == 0);
  for (auto& l : live) CHECK(u.close_socket_handle(l.load(), &err) == 0);
  CHECK(u.close_event(event, &err) == TRUE);
  CHECK(CloseHandle(port) == TRUE);
}

#endif  // WPU_TESTS_INSTANCES_HPP
