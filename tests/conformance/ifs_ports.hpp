// Conformance: IFS handles (WPUModifyIFSHandle's) on completion ports.
//
// POSIX: an IFS handle is a file descriptor (here one end of a socketpair);
// the backend's associate_port and CreateIoCompletionPort accept it once it
// is registered, and WPUCompleteOverlappedRequest on it stores the result,
// sets the event and queues to its port, as for a wpu socket.
//
// Win32: an IFS handle is a system socket (here one end of a TCP loopback
// connection); associate_port hands it to the system's
// CreateIoCompletionPort, the kernel completes real overlapped I/O to that
// port, and WPUCompleteOverlappedRequest refuses it (WSAEINVAL), as Windows
// documents. The same checks run on both: "an operation on the handle
// completes" is WPUCompleteOverlappedRequest on POSIX and a real WSASend
// under Wine.
#ifndef WPU_TESTS_IFS_PORTS_HPP
#define WPU_TESTS_IFS_PORTS_HPP

#include "conformance.hpp"
#include "events.hpp"
#include "overlapped.hpp"
#include "ports.hpp"

#include <wpu/wpu.h>
#include <wpu/winapi.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#if defined(_WIN32)
#  include <winsock2.h>
#  include <ws2tcpip.h>
#else
#  include <sys/socket.h>
#  include <unistd.h>
#endif

namespace wpu_test {

// Two connected stream sockets that are real handles: a socketpair on POSIX,
// a TCP loopback connection made with the system's Winsock on Windows
// (overlapped sockets, so the kernel can complete to a port).
class native_socket_pair {
 public:
  native_socket_pair() {
#if defined(_WIN32)
    WSADATA data;
    started_ = ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
    if (!started_) return;
    // Overlapped, as the accepted end inherits the listener's attributes.
    SOCKET listener =
        ::WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_OVERLAPPED);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int len = sizeof addr;
    if (listener == INVALID_SOCKET ||
        ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener, 1) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      if (listener != INVALID_SOCKET) ::closesocket(listener);
      return;
    }
    ends_[0] = ::WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_OVERLAPPED);
    if (ends_[0] != INVALID_SOCKET &&
        ::connect(ends_[0], reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
      ends_[1] = ::accept(listener, nullptr, nullptr);
    ::closesocket(listener);
#else
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0) {
      ends_[0] = static_cast<SOCKET>(fds[0]);
      ends_[1] = static_cast<SOCKET>(fds[1]);
    }
#endif
  }
  ~native_socket_pair() {
    close(0);
    close(1);
#if defined(_WIN32)
    if (started_) ::WSACleanup();
#endif
  }
  native_socket_pair(const native_socket_pair&) = delete;
  native_socket_pair& operator=(const native_socket_pair&) = delete;

  bool ok() const {
    return ends_[0] != INVALID_SOCKET && ends_[1] != INVALID_SOCKET;
  }
  SOCKET operator[](int i) const {
    return ends_[i];
  }
  void close(int i) {
    if (ends_[i] == INVALID_SOCKET) return;
#if defined(_WIN32)
    ::closesocket(ends_[i]);
#else
    ::close(static_cast<int>(ends_[i]));
#endif
    ends_[i] = INVALID_SOCKET;
  }

 private:
  SOCKET ends_[2] = {INVALID_SOCKET, INVALID_SOCKET};
#if defined(_WIN32)
  bool started_ = false;
#endif
};

// Completes one overlapped operation of `bytes` bytes (1..64) on the IFS
// handle `s`, through the route the platform has: POSIX, the provider's
// WPUCompleteOverlappedRequest (0 expected); Win32, a real WSASend the
// kernel completes (0 or WSA_IO_PENDING). True when the operation was
// started or completed.
inline bool complete_on_ifs(wpu::upcalls& u, SOCKET s, WSAOVERLAPPED* ov, DWORD bytes) {
#if defined(_WIN32)
  (void)u;
  static char data[64] = {};
  WSABUF buf{bytes, data};
  DWORD sent = 0;
  return ::WSASend(s, &buf, 1, &sent, 0, ov, nullptr) == 0 || ::WSAGetLastError() == WSA_IO_PENDING;
#else
  int err = 0;
  return u.complete_overlapped_request(s, ov, 0, bytes, &err) == 0;
#endif
}

// The result an operation on the IFS handle left in its OVERLAPPED once its
// event is set: Internal 0 (success), InternalHigh the byte count.
inline void check_done(const WSAOVERLAPPED& ov, DWORD bytes) {
  CHECK(read_internal(ov) == 0);
  CHECK(ov.InternalHigh == bytes);
}

}  // namespace wpu_test

TEST_CASE_TEMPLATE_DEFINE("IFS handles on completion ports" * doctest::test_suite("conformance"), F,
                          wpu_ifs_ports) {
  using namespace wpu_test;
  F f;
  wpu::upcalls& u = f.api();
  int err = 0;
  native_socket_pair pair;
  REQUIRE(pair.ok());
  const SOCKET s = pair[0];
  REQUIRE(u.modify_ifs_handle(id_a, s, &err) == s);
  const WSAEVENT event = u.create_event(&err);
  REQUIRE(event != WSA_INVALID_EVENT);

  SUBCASE("associated once; a completion sets the event and queues a packet with the key") {
    HANDLE port = new_port();
    REQUIRE(port != nullptr);
    DWORD e = 0;
    CHECK(f.impl().associate_port(s, port, 0x1F5, 0, &e) == port);
    // A second association, to the same port or another: refused.
    HANDLE other = new_port();
    REQUIRE(other != nullptr);
    for (HANDLE p : {port, other}) {
      e = 0;
      CHECK(f.impl().associate_port(s, p, 0x1F6, 0, &e) == nullptr);
      CHECK(e == error_invalid_parameter);
    }

    WSAOVERLAPPED ov = pending_overlapped(event);
    ov.Offset = ov.OffsetHigh = 0;  // a file offset to the kernel
    REQUIRE(complete_on_ifs(u, s, &ov, 21));
    check_packet(get_packet(port, 5000), TRUE, 0x1F5, &ov, 21);
    CHECK(poll_event(event) == wait_0);
    check_done(ov, 21);
    CHECK(get_packet(other, 0).error == wait_timeout);  // nothing went to the other port

    // Bit 0 of hEvent: the event is set, no packet is queued.
    REQUIRE(u.reset_event(event, &err) == TRUE);
    WSAOVERLAPPED quiet = pending_overlapped(no_port(event));
    quiet.Offset = quiet.OffsetHigh = 0;
    REQUIRE(complete_on_ifs(u, s, &quiet, 5));
    CHECK(WSAWaitForMultipleEvents(1, &event, FALSE, 5000, FALSE) == wait_0);
    check_done(quiet, 5);
    const packet none = get_packet(port, 100);
    CHECK(none.ok == FALSE);
    CHECK(none.error == wait_timeout);

    CHECK(CloseHandle(other) == TRUE);
    CHECK(CloseHandle(port) == TRUE);
  }

  SUBCASE("NULL port: a new port, returned, that takes the handle's completions") {
    DWORD e = 0;
    HANDLE made = f.impl().associate_port(s, nullptr, 77, 1, &e);
    REQUIRE(made != nullptr);
    WSAOVERLAPPED ov = pending_overlapped(nullptr);
    ov.Offset = ov.OffsetHigh = 0;
    REQUIRE(complete_on_ifs(u, s, &ov, 9));
    check_packet(get_packet(made, 5000), TRUE, 77, &ov, 9);
    check_done(ov, 9);
    CHECK(CloseHandle(made) == TRUE);
  }

  SUBCASE("a handle that is not registered, or no longer, is ERROR_INVALID_HANDLE") {
    HANDLE port = new_port();
    REQUIRE(port != nullptr);
    DWORD e = 0;
    // The other end was never registered.
    CHECK(f.impl().associate_port(pair[1], port, 1, 0, &e) == nullptr);
    CHECK(e == error_invalid_handle);
    e = 0;
    CHECK(f.impl().associate_port(pair[1], nullptr, 1, 0, &e) == nullptr);
    CHECK(e == error_invalid_handle);
    // A bad port for a registered handle.
    HANDLE closed_port = new_port();
    REQUIRE(closed_port != nullptr);
    REQUIRE(CloseHandle(closed_port) == TRUE);
    for (HANDLE p : {garbage_event(), closed_port}) {
      e = 0;
      CHECK(f.impl().associate_port(s, p, 1, 0, &e) == nullptr);
      CHECK(e != 0);
    }
    // Forgotten: no longer associable, and nothing completes on it.
    CHECK(f.impl().forget_ifs_handle(s));
    e = 0;
    CHECK(f.impl().associate_port(s, port, 1, 0, &e) == nullptr);
    CHECK(e == error_invalid_handle);
    WSAOVERLAPPED ov = pending_overlapped(event);
    err = 0;
    CHECK(u.complete_overlapped_request(s, &ov, 0, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSAEINVAL);
    CHECK(ov.Internal == in_progress);
    CHECK(poll_event(event) == wait_timeout);
    CHECK(CloseHandle(port) == TRUE);
  }

  SUBCASE("WPUCompleteOverlappedRequest on an IFS handle: POSIX completes it, Windows refuses") {
    HANDLE port = new_port();
    REQUIRE(port != nullptr);
    DWORD e = 0;
    REQUIRE(f.impl().associate_port(s, port, 5, 0, &e) == port);
    WSAOVERLAPPED ov = pending_overlapped(event);
    err = 0;
    const int r = u.complete_overlapped_request(s, &ov, WSAECONNRESET, 3, &err);
#if defined(_WIN32)
    // Only sockets from WPUCreateSocketHandle (the kernel completes a system
    // socket's I/O): nothing written, set or queued.
    CHECK(r == SOCKET_ERROR);
    CHECK(err == WSAEINVAL);
    CHECK(ov.Internal == in_progress);
    CHECK(poll_event(event) == wait_timeout);
    CHECK(get_packet(port, 0).error == wait_timeout);
#else
    // A failed operation: Internal holds its error, the packet carries it.
    CHECK(r == 0);
    CHECK(ov.Internal == static_cast<ULONG_PTR>(WSAECONNRESET));
    CHECK(ov.InternalHigh == 3);
    CHECK(ov.Offset == 0x1111);
    CHECK(ov.OffsetHigh == 0x2222);
    CHECK(poll_event(event) == wait_0);
    const packet got = get_packet(port, 1000);
    check_packet(got, FALSE, 5, &ov, 3);
    CHECK(got.error == static_cast<DWORD>(WSAECONNRESET));
    // And the client's WSAGetOverlappedResult reads it back.
    DWORD bytes = 0, flags = 0;
    err = 0;
    CHECK(f.impl().get_overlapped_result(s, &ov, &bytes, FALSE, &flags, &err) == FALSE);
    CHECK(err == WSAECONNRESET);
    CHECK(bytes == 3);
    // Argument errors as for wpu sockets.
    err = 0;
    CHECK(u.complete_overlapped_request(s, nullptr, 0, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSA_INVALID_PARAMETER);
    err = 0;
    CHECK(u.complete_overlapped_request(s, &ov, in_progress, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSAEINVAL);
    // An fd that is open but not registered.
    err = 0;
    CHECK(u.complete_overlapped_request(pair[1], &ov, 0, 1, &err) == SOCKET_ERROR);
    CHECK(err == WSAEINVAL);
#endif
    CHECK(CloseHandle(port) == TRUE);
  }

#if !defined(_WIN32)
  // (Windows: the association belongs to the kernel's socket object, which a
  // reused handle value never is; there is nothing of wpu's to check.)
  SUBCASE("registered again (a new socket got the fd): the old association is dropped") {
    HANDLE old_port = new_port();
    HANDLE new_port_ = new_port();
    REQUIRE(old_port != nullptr);
    REQUIRE(new_port_ != nullptr);
    DWORD e = 0;
    REQUIRE(f.impl().associate_port(s, old_port, 1, 0, &e) == old_port);
    REQUIRE(u.modify_ifs_handle(id_b, s, &err) == s);
    // Not yet associated: a completion sets the event only.
    WSAOVERLAPPED ov = pending_overlapped(event);
    CHECK(u.complete_overlapped_request(s, &ov, 0, 4, &err) == 0);
    check_done(ov, 4);
    CHECK(poll_event(event) == wait_0);
    CHECK(get_packet(old_port, 0).error == wait_timeout);
    // Free to associate again, with the new port only.
    CHECK(f.impl().associate_port(s, new_port_, 2, 0, &e) == new_port_);
    ov = pending_overlapped(nullptr);
    CHECK(u.complete_overlapped_request(s, &ov, 0, 6, &err) == 0);
    check_packet(get_packet(new_port_, 1000), TRUE, 2, &ov, 6);
    CHECK(get_packet(old_port, 0).error == wait_timeout);
    CHECK(CloseHandle(new_port_) == TRUE);
    CHECK(CloseHandle(old_port) == TRUE);
  }

  SUBCASE("completions from several threads while other fds register and go: one packet each") {
    HANDLE port = new_port();
    REQUIRE(port != nullptr);
    DWORD e = 0;
    REQUIRE(f.impl().associate_port(s, port, 0x5EED, 0, &e) == port);
    constexpr int threads = 4;
    constexpr int per_thread = 5000;
    std::vector<WSAOVERLAPPED> ovs(static_cast<std::size_t>(threads) * per_thread);
    std::atomic<bool> stop{false};
    std::atomic<long> failed{0};
    // Churn: other fds registered, associated and forgotten, so the
    // registration table grows and shrinks under the completions.
    std::thread churn([&] {
      std::vector<native_handle> others(64);
      while (!stop.load()) {
        for (native_handle& h : others) {
          int e2 = 0;
          DWORD pe = 0;
          if (u.modify_ifs_handle(id_b, h.value, &e2) != h.value) ++failed;
          if (f.impl().associate_port(h.value, port, 1, 0, &pe) != port) ++failed;
        }
        for (native_handle& h : others)
          if (!f.impl().forget_ifs_handle(h.value)) ++failed;
      }
    });
    std::vector<std::thread> completers;
    for (int t = 0; t < threads; ++t) {
      completers.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) {
          WSAOVERLAPPED& ov = ovs[static_cast<std::size_t>(t) * per_thread + i];
          int e2 = 0;
          if (u.complete_overlapped_request(s, &ov, 0, static_cast<DWORD>(i), &e2) != 0) ++failed;
        }
      });
    }
    for (std::thread& t : completers) t.join();
    stop = true;
    churn.join();
    CHECK(failed.load() == 0);
    // Exactly one packet per completion, with this handle's key.
    long mine = 0, wrong = 0;
    for (packet got = get_packet(port, 0); got.ok == TRUE; got = get_packet(port, 0)) {
      if (got.key == 0x5EED)
        ++mine;
      else if (got.key != 1)
        ++wrong;
    }
    CHECK(mine == static_cast<long>(ovs.size()));
    CHECK(wrong == 0);
    CHECK(CloseHandle(port) == TRUE);
  }

  SUBCASE("forget by serial: a newer registration of the same fd is left alone") {
    const std::uint64_t first = f.impl().ifs_serial(s);
    CHECK(first != 0);
    CHECK(f.impl().ifs_serial(pair[1]) == 0);
    REQUIRE(u.modify_ifs_handle(id_a, s, &err) == s);
    const std::uint64_t second = f.impl().ifs_serial(s);
    CHECK(second != first);
    CHECK_FALSE(f.impl().forget_ifs_handle(s, first));
    CHECK(f.impl().ifs_catalog_id(s, nullptr));
    CHECK(f.impl().forget_ifs_handle(s, second));
    CHECK_FALSE(f.impl().ifs_catalog_id(s, nullptr));
    CHECK(f.impl().ifs_serial(s) == 0);
  }
#endif

  CHECK(u.close_event(event, &err) == TRUE);
  f.impl().forget_ifs_handle(s);
}

// CreateIoCompletionPort and wpu_associate_socket act on the default backend,
// whose upcall table a provider gets from the host (wpu_get_upcall_table).
TEST_CASE("IFS handles of the default backend: CreateIoCompletionPort, wpu_associate_socket" *
          doctest::test_suite("conformance")) {
  using namespace wpu_test;
  WSAPROTOCOL_INFOW info{};
  info.ProviderId = guid_a;
  info.iAddressFamily = 2;
  info.iSocketType = 1;
  info.iProtocol = 6;
  DWORD id = 0;
  REQUIRE(wpu_catalog_add(&info, path_a, &id) == 0);
  WSPUPCALLTABLE table{};
  REQUIRE(wpu_get_upcall_table(&table) == 0);
  wpu::table_upcalls u(table, &wpu_complete_overlapped_request);
  native_socket_pair pair;
  REQUIRE(pair.ok());
  int err = 0;
  for (int i = 0; i < 2; ++i) REQUIRE(table.lpWPUModifyIFSHandle(id, pair[i], &err) == pair[i]);

  HANDLE port = new_port();
  REQUIRE(port != nullptr);
  // Windows' spelling, with the handle as a HANDLE; and wpu's.
  CHECK(CreateIoCompletionPort(reinterpret_cast<HANDLE>(static_cast<std::intptr_t>(pair[0])), port,
                               10, 0) == port);
  SetLastError(0);
  CHECK(wpu_associate_socket(pair[1], port, 11, 0) == port);
  CHECK(GetLastError() == 0);
  SetLastError(0);
  CHECK(wpu_associate_socket(pair[1], port, 12, 0) == nullptr);
  CHECK(GetLastError() == error_invalid_parameter);

  WSAOVERLAPPED ovs[2] = {};
  for (int i = 0; i < 2; ++i) REQUIRE(complete_on_ifs(u, pair[i], &ovs[i], DWORD(30 + i)));
  bool seen[2] = {false, false};
  for (int n = 0; n < 2; ++n) {
    const packet got = get_packet(port, 5000);
    CHECK(got.ok == TRUE);
    const int i = got.key == 10 ? 0 : got.key == 11 ? 1 : -1;
    REQUIRE(i >= 0);
    CHECK(got.ov == &ovs[i]);
    CHECK(got.bytes == DWORD(30 + i));
    seen[i] = true;
  }
  CHECK(seen[0]);
  CHECK(seen[1]);

#if !defined(_WIN32)
  // An fd nobody registered: ERROR_INVALID_HANDLE, as before.
  int spare[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, spare) == 0);
  SetLastError(0);
  CHECK(CreateIoCompletionPort(reinterpret_cast<HANDLE>(static_cast<std::intptr_t>(spare[0])), port,
                               1, 0) == nullptr);
  CHECK(GetLastError() == error_invalid_handle);
  SetLastError(0);
  CHECK(wpu_associate_socket(static_cast<SOCKET>(spare[1]), nullptr, 1, 0) == nullptr);
  CHECK(GetLastError() == error_invalid_handle);
  ::close(spare[0]);
  ::close(spare[1]);
#endif

  for (int i = 0; i < 2; ++i) CHECK(wpu::default_backend().forget_ifs_handle(pair[i]));
  SetLastError(0);
  CHECK(wpu_associate_socket(pair[0], nullptr, 1, 0) == nullptr);
  CHECK(GetLastError() == error_invalid_handle);
  CHECK(CloseHandle(port) == TRUE);
  CHECK(wpu_catalog_remove(id) == 0);
}

#endif  // WPU_TESTS_IFS_PORTS_HPP
