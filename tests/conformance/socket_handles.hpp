// Conformance: WPUCreateSocketHandle, WPUQuerySocketHandleContext,
// WPUCloseSocketHandle.
#ifndef WPU_TESTS_SOCKET_HANDLES_HPP
#define WPU_TESTS_SOCKET_HANDLES_HPP

#include "conformance.hpp"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

TEST_CASE_TEMPLATE_DEFINE("socket handles" * doctest::test_suite("conformance"), F,
                          wpu_socket_handles) {
  F f;
  wpu::upcalls& u = f.api();
  int err = 0;

  SUBCASE("a new handle is a multiple of 4 above every fd and kernel handle") {
    SOCKET s = u.create_socket_handle(wpu_test::id_a, 0x1234, &err);
    REQUIRE(s != INVALID_SOCKET);
    CHECK(s % 4 == 0);
    CHECK(s > SOCKET{0xFFFFFFFFu});
    DWORD_PTR ctx = 0;
    CHECK(u.query_socket_handle_context(s, &ctx, &err) == 0);
    CHECK(ctx == 0x1234);
    CHECK(u.close_socket_handle(s, &err) == 0);
  }

  SUBCASE("the context round-trips any DWORD_PTR") {
    int local = 0;
    const DWORD_PTR values[] = {0, 1, ~DWORD_PTR{0}, reinterpret_cast<DWORD_PTR>(&local),
                                DWORD_PTR{0x8000000000000000ull}};
    for (DWORD_PTR v : values) {
      SOCKET s = u.create_socket_handle(wpu_test::id_b, v, &err);
      REQUIRE(s != INVALID_SOCKET);
      DWORD_PTR ctx = 0xAAAA;
      CHECK(u.query_socket_handle_context(s, &ctx, &err) == 0);
      CHECK(ctx == v);
      CHECK(u.close_socket_handle(s, &err) == 0);
    }
  }

  SUBCASE("each handle keeps its own context") {
    std::vector<SOCKET> hs;
    for (DWORD_PTR i = 0; i < 1000; ++i) {
      hs.push_back(u.create_socket_handle(wpu_test::id_a, i * 7, &err));
      REQUIRE(hs.back() != INVALID_SOCKET);
    }
    CHECK(std::set<SOCKET>(hs.begin(), hs.end()).size() == hs.size());
    for (DWORD_PTR i = 0; i < hs.size(); ++i) {
      DWORD_PTR ctx = 0;
      REQUIRE(u.query_socket_handle_context(hs[i], &ctx, &err) == 0);
      CHECK(ctx == i * 7);
    }
    for (SOCKET s : hs) CHECK(u.close_socket_handle(s, &err) == 0);
  }

  SUBCASE("a closed handle is stale: WSAENOTSOCK from query and from a second close") {
    SOCKET s = u.create_socket_handle(wpu_test::id_a, 99, &err);
    REQUIRE(u.close_socket_handle(s, &err) == 0);
    DWORD_PTR ctx = 0x77;
    err = 0;
    CHECK(u.query_socket_handle_context(s, &ctx, &err) == SOCKET_ERROR);
    CHECK(err == WSAENOTSOCK);
    CHECK(ctx == 0x77);
    err = 0;
    CHECK(u.close_socket_handle(s, &err) == SOCKET_ERROR);
    CHECK(err == WSAENOTSOCK);
  }

  SUBCASE("reusing a slot changes the handle; old handles stay dead") {
    std::set<SOCKET> seen;
    std::vector<SOCKET> closed;
    for (int i = 0; i < 5000; ++i) {
      SOCKET s = u.create_socket_handle(wpu_test::id_a, DWORD_PTR(i), &err);
      REQUIRE(s != INVALID_SOCKET);
      CHECK(seen.insert(s).second);
      REQUIRE(u.close_socket_handle(s, &err) == 0);
      closed.push_back(s);
    }
    SOCKET live = u.create_socket_handle(wpu_test::id_a, 5, &err);
    for (SOCKET s : closed) {
      DWORD_PTR ctx;
      err = 0;
      REQUIRE(u.query_socket_handle_context(s, &ctx, &err) == SOCKET_ERROR);
      REQUIRE(err == WSAENOTSOCK);
    }
    CHECK(u.close_socket_handle(live, &err) == 0);
  }

  SUBCASE("garbage handles get WSAENOTSOCK, never a crash") {
    SOCKET s = u.create_socket_handle(wpu_test::id_a, 1, &err);
    wpu_test::native_handle real;
    const SOCKET garbage[] = {
        0,
        1,
        3,
        4,
        0x100,
        INVALID_SOCKET,
        INVALID_SOCKET - 3,
        real.value,
        s + 4,
        s - 4,
        s | 1,
        s | 2,
        s ^ (SOCKET{1} << 28),  // other slot, bits, generation
        s ^ (SOCKET{3} << 24),  // another kind
        s ^ (SOCKET{1} << 61),
        s & ~(SOCKET{1} << 60),  // outside the range
        SOCKET{1} << 60,
        (SOCKET{1} << 60) | (SOCKET{0x3FFFFF} << 2),  // unallocated slots
    };
    for (SOCKET g : garbage) {
      CAPTURE(g);
      DWORD_PTR ctx = 0;
      err = 0;
      CHECK(u.query_socket_handle_context(g, &ctx, &err) == SOCKET_ERROR);
      CHECK(err == WSAENOTSOCK);
      err = 0;
      CHECK(u.close_socket_handle(g, &err) == SOCKET_ERROR);
      CHECK(err == WSAENOTSOCK);
    }
    DWORD_PTR ctx = 0;
    CHECK(u.query_socket_handle_context(s, &ctx, &err) == 0);  // untouched by the above
    CHECK(ctx == 1);
    CHECK(u.close_socket_handle(s, &err) == 0);
  }

  SUBCASE("NULL lpErrno survives every failure") {
    CHECK(u.create_socket_handle(4242, 0, nullptr) == INVALID_SOCKET);
    DWORD_PTR ctx;
    CHECK(u.query_socket_handle_context(12345, &ctx, nullptr) == SOCKET_ERROR);
    CHECK(u.close_socket_handle(12345, nullptr) == SOCKET_ERROR);
    SOCKET s = u.create_socket_handle(wpu_test::id_a, 0, nullptr);
    CHECK(u.query_socket_handle_context(s, nullptr, nullptr) == SOCKET_ERROR);
    CHECK(u.close_socket_handle(s, nullptr) == 0);
  }

  SUBCASE("a NULL context pointer is WSAEFAULT") {
    SOCKET s = u.create_socket_handle(wpu_test::id_a, 0, &err);
    err = 0;
    CHECK(u.query_socket_handle_context(s, nullptr, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    CHECK(u.close_socket_handle(s, &err) == 0);
  }

  SUBCASE("an unknown catalog id is WSAEINVAL") {
    for (DWORD id : {DWORD{0}, DWORD{1000}, DWORD{1003}, DWORD{0xFFFFFFFF}}) {
      err = 0;
      CHECK(u.create_socket_handle(id, 0, &err) == INVALID_SOCKET);
      CHECK(err == WSAEINVAL);
    }
  }

  SUBCASE("a removed catalog entry makes no new handles") {
    REQUIRE(f.cat.remove(wpu_test::id_b) == 0);
    err = 0;
    CHECK(u.create_socket_handle(wpu_test::id_b, 0, &err) == INVALID_SOCKET);
    CHECK(err == WSAEINVAL);
  }

  SUBCASE("1M live handles") {
    constexpr std::size_t n = std::size_t{1} << 20;
    std::vector<SOCKET> hs(n);
    for (std::size_t i = 0; i < n; ++i) {
      hs[i] = u.create_socket_handle(wpu_test::id_a, DWORD_PTR(i) ^ 0x5a5a, &err);
      if (hs[i] == INVALID_SOCKET) REQUIRE(hs[i] != INVALID_SOCKET);
    }
    CHECK(f.impl().handles().size() == n);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) {
      DWORD_PTR ctx = 0;
      if (u.query_socket_handle_context(hs[i], &ctx, &err) != 0 || ctx != (DWORD_PTR(i) ^ 0x5a5a))
        ++bad;
    }
    CHECK(bad == 0);
    for (SOCKET s : hs)
      if (u.close_socket_handle(s, &err) != 0) ++bad;
    CHECK(bad == 0);
    CHECK(f.impl().handles().size() == 0);
  }

  SUBCASE("two threads closing the same handles: each handle closes exactly once") {
    std::vector<SOCKET> hs;
    for (int i = 0; i < 20000; ++i) hs.push_back(u.create_socket_handle(wpu_test::id_a, 0, &err));
    std::atomic<int> wins{0}, losses{0};
    auto closer = [&] {
      int e = 0;
      for (SOCKET s : hs) (u.close_socket_handle(s, &e) == 0 ? wins : losses).fetch_add(1);
    };
    std::thread t1(closer), t2(closer);
    t1.join();
    t2.join();
    CHECK(wins.load() == 20000);
    CHECK(losses.load() == 20000);
  }

  SUBCASE("lookups from other threads while handles come and go") {
    std::vector<SOCKET> stable;
    for (int i = 0; i < 64; ++i)
      stable.push_back(u.create_socket_handle(wpu_test::id_a, DWORD_PTR(i), &err));
    std::atomic<bool> stop{false};
    std::atomic<long> wrong{0};
    std::thread reader([&] {
      int e = 0;
      while (!stop.load()) {
        for (std::size_t i = 0; i < stable.size(); ++i) {
          DWORD_PTR ctx = 0;
          if (u.query_socket_handle_context(stable[i], &ctx, &e) != 0 || ctx != i) ++wrong;
        }
      }
    });
    int e = 0;
    for (int i = 0; i < 20000; ++i) {
      SOCKET s = u.create_socket_handle(wpu_test::id_b, 1, &e);
      DWORD_PTR ctx = 0;
      if (u.query_socket_handle_context(s, &ctx, &e) != 0 || ctx != 1) ++wrong;
      u.close_socket_handle(s, &e);
    }
    stop = true;
    reader.join();
    CHECK(wrong.load() == 0);
    for (SOCKET s : stable) CHECK(u.close_socket_handle(s, &err) == 0);
  }
}

#endif  // WPU_TESTS_SOCKET_HANDLES_HPP
