// Conformance: WPUGetProviderPath, WPUQueryBlockingCallback, WPUFDIsSet,
// WPUModifyIFSHandle.
#ifndef WPU_TESTS_CATALOG_UPCALLS_HPP
#define WPU_TESTS_CATALOG_UPCALLS_HPP

#include "conformance.hpp"

#include <wpu/ws2spi.h>  // Winsock's fd_set and FD_SET

#include <cstring>
#include <thread>
#include <vector>

TEST_CASE_TEMPLATE_DEFINE("provider path" * doctest::test_suite("conformance"), F,
                          wpu_provider_path) {
  F f;
  wpu::upcalls& u = f.api();
  GUID g = wpu_test::guid_a;
  const int n = wpu_test::wlen(wpu_test::path_a);
  int err = 0;

  SUBCASE("success copies the path with its NUL and reports the length without it") {
    WCHAR buf[300];
    int len = 300;
    CHECK(u.get_provider_path(&g, buf, &len, &err) == 0);
    CHECK(len == n);
    CHECK(std::memcmp(buf, wpu_test::path_a, (n + 1) * sizeof(WCHAR)) == 0);
    GUID gb = wpu_test::guid_b;
    len = 300;
    CHECK(u.get_provider_path(&gb, buf, &len, &err) == 0);
    CHECK(len == wpu_test::wlen(wpu_test::path_b));
    CHECK(std::memcmp(buf, wpu_test::path_b, (len + 1) * sizeof(WCHAR)) == 0);
  }

  SUBCASE("a buffer of exactly length + 1 is enough") {
    std::vector<WCHAR> buf(n + 1, 0x55);
    int len = n + 1;
    CHECK(u.get_provider_path(&g, buf.data(), &len, &err) == 0);
    CHECK(len == n);
    CHECK(buf[n] == 0);
  }

  SUBCASE("NULL buffer: WSAEFAULT and the length needed, NUL included") {
    int len = 0;
    CHECK(u.get_provider_path(&g, nullptr, &len, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    CHECK(len == n + 1);
    len = 1000;  // a large length with a NULL buffer is still a NULL buffer
    err = 0;
    CHECK(u.get_provider_path(&g, nullptr, &len, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    CHECK(len == n + 1);
  }

  SUBCASE("a buffer one too small: WSAEFAULT, the length needed, nothing written") {
    std::vector<WCHAR> buf(n + 1, 0x55);
    for (int given : {n, 1, 0, -1, -100000}) {
      CAPTURE(given);
      int len = given;
      err = 0;
      CHECK(u.get_provider_path(&g, buf.data(), &len, &err) == SOCKET_ERROR);
      CHECK(err == WSAEFAULT);
      CHECK(len == n + 1);
      CHECK(buf[0] == 0x55);
    }
  }

  SUBCASE("an unknown GUID is WSAEINVAL, whatever the buffer") {
    GUID unknown = wpu_test::guid_unknown;
    WCHAR buf[300];
    int len = 300;
    CHECK(u.get_provider_path(&unknown, buf, &len, &err) == SOCKET_ERROR);
    CHECK(err == WSAEINVAL);
    CHECK(len == 300);
    err = 0;
    CHECK(u.get_provider_path(&unknown, nullptr, &len, &err) == SOCKET_ERROR);
    CHECK(err == WSAEINVAL);
  }

  SUBCASE("NULL GUID or NULL length is WSAEFAULT; NULL lpErrno survives") {
    WCHAR buf[300];
    int len = 300;
    CHECK(u.get_provider_path(nullptr, buf, &len, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    err = 0;
    CHECK(u.get_provider_path(&g, buf, nullptr, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    CHECK(u.get_provider_path(nullptr, buf, &len, nullptr) == SOCKET_ERROR);
    CHECK(u.get_provider_path(&g, nullptr, &len, nullptr) == SOCKET_ERROR);
    CHECK(len == n + 1);
    GUID unknown = wpu_test::guid_unknown;
    CHECK(u.get_provider_path(&unknown, buf, &len, nullptr) == SOCKET_ERROR);
  }
}

namespace wpu_test {
inline BOOL CALLBACK test_hook(DWORD_PTR context) {
  return context == 77 ? TRUE : FALSE;
}
}  // namespace wpu_test

TEST_CASE_TEMPLATE_DEFINE("blocking callback" * doctest::test_suite("conformance"), F,
                          wpu_blocking_callback) {
  F f;
  wpu::upcalls& u = f.api();
  int err = 0;
  wpu::this_thread_blocking_hook() = {};

  SUBCASE("no hook: success with a NULL callback and context 0") {
    LPBLOCKINGCALLBACK cb = &wpu_test::test_hook;
    DWORD_PTR ctx = 0xAB;
    CHECK(u.query_blocking_callback(wpu_test::id_a, &cb, &ctx, &err) == 0);
    CHECK((cb == nullptr));
    CHECK(ctx == 0);
  }

  SUBCASE("the calling thread's hook, and only that thread's") {
    wpu::this_thread_blocking_hook() = {&wpu_test::test_hook, 77};
    LPBLOCKINGCALLBACK cb = nullptr;
    DWORD_PTR ctx = 0;
    CHECK(u.query_blocking_callback(wpu_test::id_b, &cb, &ctx, &err) == 0);
    CHECK((cb == &wpu_test::test_hook));
    CHECK(ctx == 77);
    CHECK(cb(ctx) == TRUE);
    LPBLOCKINGCALLBACK other_cb = &wpu_test::test_hook;
    DWORD_PTR other_ctx = 1;
    int other_rc = -2;
    std::thread([&] {
      int e = 0;
      other_rc = u.query_blocking_callback(wpu_test::id_a, &other_cb, &other_ctx, &e);
    }).join();
    CHECK(other_rc == 0);
    CHECK((other_cb == nullptr));
    CHECK(other_ctx == 0);
    wpu::this_thread_blocking_hook() = {};
    CHECK(u.query_blocking_callback(wpu_test::id_b, &cb, &ctx, &err) == 0);
    CHECK((cb == nullptr));
  }

  SUBCASE("NULL outputs are WSAEFAULT; an unknown catalog id is WSAEINVAL") {
    LPBLOCKINGCALLBACK cb;
    DWORD_PTR ctx;
    CHECK(u.query_blocking_callback(wpu_test::id_a, nullptr, &ctx, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    err = 0;
    CHECK(u.query_blocking_callback(wpu_test::id_a, &cb, nullptr, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    err = 0;
    CHECK(u.query_blocking_callback(999, &cb, &ctx, &err) == SOCKET_ERROR);
    CHECK(err == WSAEINVAL);
    CHECK(u.query_blocking_callback(999, &cb, &ctx, nullptr) == SOCKET_ERROR);
    CHECK(u.query_blocking_callback(wpu_test::id_a, nullptr, nullptr, nullptr) == SOCKET_ERROR);
  }
  wpu::this_thread_blocking_hook() = {};
}

TEST_CASE_TEMPLATE_DEFINE("fd_set and WPUFDIsSet" * doctest::test_suite("conformance"), F,
                          wpu_fd_is_set) {
  F f;
  wpu::upcalls& u = f.api();
  fd_set set;
  FD_ZERO(&set);
  CHECK(set.fd_count == 0);

  SUBCASE("FD_SET adds once; WPUFDIsSet agrees with FD_ISSET") {
    FD_SET(SOCKET{40}, &set);
    FD_SET(SOCKET{40}, &set);
    FD_SET(SOCKET{8}, &set);
    CHECK(set.fd_count == 2);
    CHECK(FD_ISSET(SOCKET{40}, &set));
    CHECK(u.fd_is_set(40, &set) != 0);
    CHECK(u.fd_is_set(8, &set) != 0);
    CHECK(u.fd_is_set(12, &set) == 0);
    CHECK_FALSE(FD_ISSET(SOCKET{12}, &set));
  }

  SUBCASE("a handle from WPUCreateSocketHandle in a set") {
    int err = 0;
    SOCKET s = u.create_socket_handle(wpu_test::id_a, 0, &err);
    FD_SET(s, &set);
    CHECK(u.fd_is_set(s, &set) != 0);
    CHECK(u.fd_is_set(s + 4, &set) == 0);
    u.close_socket_handle(s, &err);
  }

  SUBCASE("FD_SET stops silently when full; FD_CLR shifts the rest down") {
    for (SOCKET s = 1; s <= FD_SETSIZE + 5; ++s) FD_SET(s * 4, &set);
    CHECK(set.fd_count == FD_SETSIZE);
    CHECK(u.fd_is_set(FD_SETSIZE * 4, &set) != 0);
    CHECK(u.fd_is_set((FD_SETSIZE + 1) * 4, &set) == 0);
    FD_CLR(SOCKET{8}, &set);
    CHECK(set.fd_count == FD_SETSIZE - 1);
    CHECK(set.fd_array[0] == 4);
    CHECK(set.fd_array[1] == 12);
    CHECK(u.fd_is_set(8, &set) == 0);
    FD_CLR(SOCKET{8}, &set);  // absent: no change
    CHECK(set.fd_count == FD_SETSIZE - 1);
  }

  SUBCASE("only the first fd_count entries count; a NULL set is empty") {
    set.fd_array[0] = 16;
    CHECK(u.fd_is_set(16, &set) == 0);
    set.fd_count = 1;
    CHECK(u.fd_is_set(16, &set) != 0);
    CHECK(u.fd_is_set(16, nullptr) == 0);
  }
}

TEST_CASE_TEMPLATE_DEFINE("IFS handles" * doctest::test_suite("conformance"), F, wpu_ifs_handles) {
  F f;
  wpu::upcalls& u = f.api();
  wpu_test::native_handle real;
  REQUIRE(real.value != INVALID_SOCKET);
  int err = 0;

  SUBCASE("a real handle comes back unchanged, registered with its catalog id") {
    CHECK(u.modify_ifs_handle(wpu_test::id_b, real.value, &err) == real.value);
    DWORD id = 0;
    CHECK(f.impl().ifs_catalog_id(real.value, &id));
    CHECK(id == wpu_test::id_b);
    // Registering again (a layered provider over the base) takes the new id.
    CHECK(u.modify_ifs_handle(wpu_test::id_a, real.value, &err) == real.value);
    CHECK(f.impl().ifs_catalog_id(real.value, &id));
    CHECK(id == wpu_test::id_a);
    CHECK(f.impl().forget_ifs_handle(real.value));
    CHECK_FALSE(f.impl().ifs_catalog_id(real.value, &id));
  }

  SUBCASE("IFS handles carry no context and are not WPU socket handles") {
    REQUIRE(u.modify_ifs_handle(wpu_test::id_a, real.value, &err) == real.value);
    DWORD_PTR ctx;
    err = 0;
    CHECK(u.query_socket_handle_context(real.value, &ctx, &err) == SOCKET_ERROR);
    CHECK(err == WSAENOTSOCK);
    err = 0;
    CHECK(u.close_socket_handle(real.value, &err) == SOCKET_ERROR);
    CHECK(err == WSAENOTSOCK);
  }

  SUBCASE("an unknown catalog id or a handle that is not open is WSAEINVAL") {
    err = 0;
    CHECK(u.modify_ifs_handle(4711, real.value, &err) == INVALID_SOCKET);
    CHECK(err == WSAEINVAL);
    SOCKET wpu_handle = u.create_socket_handle(wpu_test::id_a, 0, &err);
    SOCKET closed_value = real.value;
    real.close();
    const SOCKET bad[] = {INVALID_SOCKET, closed_value, wpu_handle, SOCKET{0x7FFFFFF0},
                          SOCKET{1} << 40};
    for (SOCKET h : bad) {
      CAPTURE(h);
      err = 0;
      CHECK(u.modify_ifs_handle(wpu_test::id_a, h, &err) == INVALID_SOCKET);
      CHECK(err == WSAEINVAL);
      CHECK(u.modify_ifs_handle(wpu_test::id_a, h, nullptr) == INVALID_SOCKET);
      CHECK_FALSE(f.impl().ifs_catalog_id(h, nullptr));
    }
    u.close_socket_handle(wpu_handle, &err);
  }
}

#endif  // WPU_TESTS_CATALOG_UPCALLS_HPP
