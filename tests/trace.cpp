// WPU_TRACE (include/wpu/trace.hpp, docs/tracing.md): the exact lines of
// the upcall decorator over this build's backend (POSIX natively, Win32 under
// Wine), called directly and through a C upcall table; the lines of the
// application API; switching on and off; many threads at once.
//
// Each test enables tracing to its own file, checks that every line starts
// with "[wpu <seconds>.<6 digits> T<thread id>] " and compares the rest.
#include "conformance/conformance.hpp"

#include <wpu/host.hpp>
#include <wpu/trace.hpp>
#include <wpu/wpu.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string hex(std::uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}
std::string hex(const void* p) {
  return p == nullptr ? "NULL"
                      : hex(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p)));
}
std::string socket_text(SOCKET s) {
  return "socket:" + hex(static_cast<std::uint64_t>(s));
}
// Events and thread handles: wpu's on POSIX (tagged), kernel handles on Windows.
std::string event_text(WSAEVENT e) {
#if defined(_WIN32)
  return hex(e);
#else
  return "event:" + hex(e);
#endif
}
std::string thread_text(HANDLE h) {
#if defined(_WIN32)
  return hex(h);
#else
  return "thread:" + hex(h);
#endif
}

// Line by line, so a failure shows both texts.
void check_lines(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  CHECK(got.size() == want.size());
  for (std::size_t i = 0; i < got.size() && i < want.size(); ++i) {
    INFO("line " << i);
    CHECK(got[i] == want[i]);
  }
}

// A trace file of its own, enabled for the object's lifetime.
class trace_file {
 public:
  explicit trace_file(const char* name)
      : path_((std::filesystem::temp_directory_path() /
               ("wpu-trace-test-" + std::string(name) + "-" + std::to_string(counter()++)))
                  .string()) {
    std::remove(path_.c_str());
    REQUIRE(wpu_trace_enable(path_.c_str()) == 0);
  }
  ~trace_file() {
    wpu_trace_disable();
    std::remove(path_.c_str());
  }
  trace_file(const trace_file&) = delete;
  trace_file& operator=(const trace_file&) = delete;

  // Every line, its "[wpu time Ttid] " prefix checked and removed.
  std::vector<std::string> lines() const {
    std::ifstream in(path_, std::ios::binary);
    std::vector<std::string> out;
    std::string line;
    static const std::regex prefix(R"(^\[wpu [0-9]+\.[0-9]{6} T[0-9]+\] )");
    while (std::getline(in, line)) {
      std::smatch m;
      INFO("line: " << line);
      CHECK(std::regex_search(line, m, prefix));
      out.push_back(m.empty() ? line : line.substr(static_cast<std::size_t>(m.length(0))));
    }
    return out;
  }
  // The lines written since the last call of take().
  std::vector<std::string> take() {
    std::vector<std::string> all = lines();
    std::vector<std::string> fresh(all.begin() + static_cast<std::ptrdiff_t>(seen_), all.end());
    seen_ = all.size();
    return fresh;
  }
  const std::string& path() const { return path_; }

 private:
  static std::atomic<int>& counter() {
    static std::atomic<int> n{0};
    return n;
  }
  std::string path_;
  std::size_t seen_ = 0;
};

// The decorator over the backend, called directly.
template <class Backend>
struct traced_direct {
  wpu_test::direct<Backend> base;
  wpu::trace_upcalls tracer{base.backend};
  wpu::upcalls& api() { return tracer; }
};
// The C table a host would hand a provider, built over the decorator.
template <class Backend>
struct traced_table {
  wpu_test::direct<Backend> base;
  wpu::trace_upcalls tracer{base.backend};
  wpu::table_upcalls adapter{wpu::make_upcall_table(tracer),
                             wpu::make_complete_overlapped_request(tracer)};
  wpu::upcalls& api() { return adapter; }
};

using via_direct = traced_direct<wpu::native_backend>;
using via_table = traced_table<wpu::native_backend>;

}  // namespace

#if defined(_WIN32)
TYPE_TO_STRING_AS("win32", via_direct);
TYPE_TO_STRING_AS("win32-table", via_table);
#else
TYPE_TO_STRING_AS("posix", via_direct);
TYPE_TO_STRING_AS("posix-table", via_table);
#endif

TEST_CASE_TEMPLATE("trace: one line per upcall, arguments and errors decoded", F, via_direct,
                   via_table) {
  F f;
  wpu::upcalls& u = f.api();
  trace_file file("upcalls");
  int err = 0;

  SUBCASE("socket handles: kinds, contexts, WSAENOTSOCK for garbage") {
    const SOCKET s = u.create_socket_handle(wpu_test::id_a, 0x2a, &err);
    REQUIRE(s != INVALID_SOCKET);
    DWORD_PTR ctx = 0;
    REQUIRE(u.query_socket_handle_context(s, &ctx, &err) == 0);
    const SOCKET garbage = static_cast<SOCKET>(0x5000000000000000ull);
    CHECK(u.query_socket_handle_context(garbage, &ctx, &err) == SOCKET_ERROR);
    CHECK(err == WSAENOTSOCK);
    CHECK(u.create_socket_handle(4242, 0, &err) == INVALID_SOCKET);
    REQUIRE(u.close_socket_handle(s, &err) == 0);
    CHECK(u.close_socket_handle(s, nullptr) == SOCKET_ERROR);  // no lpErrno: still decoded

    const std::vector<std::string> want = {
        "WPUCreateSocketHandle(1001, 0x2a) = " + socket_text(s),
        "WPUQuerySocketHandleContext(" + socket_text(s) + ", " + hex(&ctx) + ") = 0 [context 0x2a]",
        "WPUQuerySocketHandleContext(0x5000000000000000, " + hex(&ctx) +
            ") = SOCKET_ERROR (WSAENOTSOCK)",
        "WPUCreateSocketHandle(4242, 0x0) = INVALID_SOCKET (WSAEINVAL)",
        "WPUCloseSocketHandle(" + socket_text(s) + ") = 0",
        "WPUCloseSocketHandle(" + socket_text(s) + ") = SOCKET_ERROR (WSAENOTSOCK)",
    };
    check_lines(file.take(), want);
  }

  SUBCASE("events: create, set, reset, close; a closed event is WSA_INVALID_HANDLE") {
    const WSAEVENT e = u.create_event(&err);
    REQUIRE(e != WSA_INVALID_EVENT);
    CHECK(u.set_event(e, &err) == TRUE);
    CHECK(u.reset_event(e, &err) == TRUE);
    CHECK(u.close_event(e, &err) == TRUE);
    CHECK(u.set_event(e, nullptr) == FALSE);
    CHECK(u.close_event(nullptr, &err) == FALSE);
    const std::vector<std::string> want = {
        "WPUCreateEvent() = " + event_text(e),
        "WPUSetEvent(" + event_text(e) + ") = TRUE",
        "WPUResetEvent(" + event_text(e) + ") = TRUE",
        "WPUCloseEvent(" + event_text(e) + ") = TRUE",
        "WPUSetEvent(" + event_text(e) + ") = FALSE (WSA_INVALID_HANDLE)",
        "WPUCloseEvent(NULL) = FALSE (WSA_INVALID_HANDLE)",
    };
    check_lines(file.take(), want);
  }

  SUBCASE("thread ids and messages") {
    WSATHREADID t{};
    REQUIRE(u.open_current_thread(&t, &err) == 0);
    const WSATHREADID copy = t;
    REQUIRE(u.close_thread(&t, &err) == 0);
    CHECK(u.open_current_thread(nullptr, &err) == SOCKET_ERROR);
    // No such window: FALSE. The message is a WSAAsyncSelect reply: the
    // socket and FD_ bit are decoded.
    const HWND no_window = reinterpret_cast<HWND>(std::uintptr_t{0x7FFFFFF0});
    const SOCKET s = static_cast<SOCKET>(0x5000000000000000ull);
    CHECK(u.post_message(no_window, 0x0400 + 1 /* WM_USER + 1 */, static_cast<WPARAM>(s),
                         WSAMAKESELECTREPLY(FD_CLOSE, WSAECONNRESET)) == FALSE);
    CHECK(u.post_message(no_window, 0x0012 /* WM_QUIT */, 7, 0) == FALSE);
    const std::string id =
        "{" + thread_text(copy.ThreadHandle) + ", " + hex(std::uint64_t{copy.Reserved}) + "}";
    const std::vector<std::string> want = {
        "WPUOpenCurrentThread(" + hex(&t) + ") = 0 [" + id + "]",
        "WPUCloseThread(" + id + ") = 0",
        "WPUOpenCurrentThread(NULL) = SOCKET_ERROR (WSAEFAULT)",
        "WPUPostMessage(0x7ffffff0, WM_USER+1, 0x5000000000000000, 0x27460020 "
        "[FD_CLOSE, WSAECONNRESET]) = FALSE",
        "WPUPostMessage(0x7ffffff0, WM_QUIT, 0x7, 0x0) = FALSE",
    };
    check_lines(file.take(), want);
  }

  SUBCASE("provider path, FD sets, IFS handles, APCs") {
    WCHAR path[260];
    int len = 260;
    GUID id = wpu_test::guid_a;
    REQUIRE(u.get_provider_path(&id, path, &len, &err) == 0);
    CHECK(len == wpu_test::wlen(wpu_test::path_a));
    const SOCKET s = u.create_socket_handle(wpu_test::id_a, 0, &err);
    REQUIRE(s != INVALID_SOCKET);
    wpu::spi_fd_set set{};
    CHECK(u.fd_is_set(s, &set) == 0);
    wpu_test::native_handle native;
    REQUIRE(native.value != INVALID_SOCKET);
    CHECK(u.modify_ifs_handle(wpu_test::id_a, native.value, &err) == native.value);
    CHECK(u.queue_apc(nullptr, nullptr, 7, &err) == SOCKET_ERROR);
    REQUIRE(u.close_socket_handle(s, &err) == 0);
#if defined(_WIN32)
    const std::string ifs = hex(static_cast<std::uint64_t>(native.value));
#else
    const std::string ifs = "fd:" + std::to_string(native.value);
#endif
    const std::vector<std::string> want = {
        "WPUGetProviderPath({5d3f1a01-7c1e-4b2a-9a10-001122334455}, " + hex(path) +
            ", 260) = 0 [len " + std::to_string(len) + "]",
        "WPUCreateSocketHandle(1001, 0x0) = " + socket_text(s),
        "WPUFDIsSet(" + socket_text(s) + ", " + hex(&set) + ") = 0",
        "WPUModifyIFSHandle(1001, " + ifs + ") = " + ifs,
        "WPUQueueApc(NULL, NULL, 0x7) = SOCKET_ERROR (WSAEFAULT)",
        "WPUCloseSocketHandle(" + socket_text(s) + ") = 0",
    };
    check_lines(file.take(), want);
  }

  SUBCASE("catalog upcalls and completions") {
    DWORD_PTR ctx = 0;
    LPBLOCKINGCALLBACK cb = nullptr;
    CHECK(u.query_blocking_callback(wpu_test::id_b, &cb, &ctx, &err) == 0);
    CHECK(u.query_blocking_callback(9999, &cb, &ctx, &err) == SOCKET_ERROR);
    WSAOVERLAPPED ov{};
    CHECK(u.complete_overlapped_request(static_cast<SOCKET>(0x5000000000000000ull), &ov,
                                        WSAECONNRESET, 3, &err) == SOCKET_ERROR);
    const std::vector<std::string> want = {
        "WPUQueryBlockingCallback(1002, " + hex(&cb) + ", " + hex(&ctx) + ") = 0 [callback NULL]",
        "WPUQueryBlockingCallback(9999, " + hex(&cb) + ", " + hex(&ctx) +
            ") = SOCKET_ERROR (WSAEINVAL)",
        "WPUCompleteOverlappedRequest(0x5000000000000000, " + hex(&ov) +
            ", WSAECONNRESET, 3) = SOCKET_ERROR (WSAEINVAL)",
    };
    check_lines(file.take(), want);
  }
}

TEST_CASE_TEMPLATE("trace: off writes nothing; a file that cannot be opened keeps the state", F,
                   via_direct, via_table) {
  F f;
  wpu::upcalls& u = f.api();
  int err = 0;
  trace_file file("switch");
  const WSAEVENT e = u.create_event(&err);
  REQUIRE(e != WSA_INVALID_EVENT);
  wpu_trace_disable();
  CHECK(u.set_event(e, &err) == TRUE);  // not traced
  const std::string missing =
      (std::filesystem::temp_directory_path() / "wpu-no-such-dir" / "trace").string();
  CHECK(wpu_trace_enable(missing.c_str()) != 0);
  CHECK(u.reset_event(e, &err) == TRUE);  // still off
  REQUIRE(wpu_trace_enable(file.path().c_str()) == 0);
  CHECK(wpu_trace_enable(missing.c_str()) != 0);  // on, to the same file
  CHECK(u.close_event(e, &err) == TRUE);
  const std::vector<std::string> want = {
      "WPUCreateEvent() = " + event_text(e),
      "WPUCloseEvent(" + event_text(e) + ") = TRUE",
  };
  check_lines(file.take(), want);
}

// Lines of many threads: each whole, none lost (one write per line).
TEST_CASE_TEMPLATE("trace: concurrent threads never mix lines", F, via_direct, via_table) {
  F f;
  wpu::upcalls& u = f.api();
  trace_file file("threads");
  int err = 0;
  const WSAEVENT e = u.create_event(&err);
  REQUIRE(e != WSA_INVALID_EVENT);
  constexpr int threads = 4, calls = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&u, e, &failures] {
      for (int i = 0; i < calls; ++i) {
        int e2 = 0;
        if (u.set_event(e, &e2) != TRUE) failures.fetch_add(1);
      }
    });
  for (std::thread& t : pool) t.join();
  CHECK(failures.load() == 0);
  CHECK(u.close_event(e, &err) == TRUE);
  const std::vector<std::string> got = file.take();
  REQUIRE(got.size() == std::size_t{1 + threads * calls + 1});
  const std::string set = "WPUSetEvent(" + event_text(e) + ") = TRUE";
  for (std::size_t i = 1; i + 1 < got.size(); ++i) CHECK(got[i] == set);
}

// The application API of the process host (no provider: the catalog is
// empty, WPU_CATALOG=tests/data/empty.catalog).
TEST_CASE("trace: the application API, one line per call") {
  trace_file file("app");
  WSADATA data{};
  REQUIRE(wpu_wsa_startup(MAKEWORD(2, 2), &data) == 0);
  CHECK(wpu_wsa_startup(0, &data) == WSAVERNOTSUPPORTED);
  const SOCKET garbage = static_cast<SOCKET>(0x5000000000000000ull);
  CHECK(wpu_wsa_event_select(garbage, nullptr, FD_READ | FD_WRITE) == SOCKET_ERROR);
  CHECK(wpu_wsa_async_select(garbage, nullptr, 0x0400 + 5 /* WM_USER + 5 */,
                             FD_ACCEPT | FD_CLOSE | 0x4000) == SOCKET_ERROR);
  CHECK(wpu_closesocket(garbage) == SOCKET_ERROR);
  // socket() is WSASocketW inside: one line, for socket.
  CHECK(wpu_socket(2, 1, 6) == INVALID_SOCKET);
  // sockaddr_in for 127.0.0.1:5000 (AF_INET is 2 on both platforms).
  alignas(8) const unsigned char to[16] = {2, 0, 0x13, 0x88, 127, 0, 0, 1};
  CHECK(wpu_connect(garbage, reinterpret_cast<const sockaddr*>(to), sizeof to) == SOCKET_ERROR);
  CHECK(wpu_wsa_cleanup() == 0);
  CHECK(wpu_wsa_cleanup() == SOCKET_ERROR);
  const std::vector<std::string> want = {
      "WSAStartup(2.2, " + hex(&data) + ") = 0",
      "WSAStartup(0.0, " + hex(&data) + ") = WSAVERNOTSUPPORTED",
      "WSAEventSelect(0x5000000000000000, NULL, FD_READ|FD_WRITE) = SOCKET_ERROR (WSAENOTSOCK)",
      "WSAAsyncSelect(0x5000000000000000, NULL, WM_USER+5, FD_ACCEPT|FD_CLOSE|0x4000) = "
      "SOCKET_ERROR (WSAENOTSOCK)",
      "closesocket(0x5000000000000000) = SOCKET_ERROR (WSAENOTSOCK)",
      "socket(2, 1, 6) = INVALID_SOCKET (WSAEAFNOSUPPORT)",
      "connect(0x5000000000000000, 127.0.0.1:5000, 16) = SOCKET_ERROR (WSAENOTSOCK)",
      "WSACleanup() = 0",
      "WSACleanup() = SOCKET_ERROR (WSANOTINITIALISED)",
  };
  check_lines(file.take(), want);
}

#if !defined(_WIN32)
TEST_CASE("trace: the WSA event functions (POSIX)") {
  trace_file file("events");
  const WSAEVENT e = wpu_wsa_create_event();
  REQUIRE(e != WSA_INVALID_EVENT);
  CHECK(wpu_wsa_set_event(e) == TRUE);
  CHECK(wpu_wsa_wait_for_multiple_events(1, &e, FALSE, 0, FALSE) == WSA_WAIT_EVENT_0);
  CHECK(wpu_wsa_reset_event(e) == TRUE);
  CHECK(wpu_wsa_wait_for_multiple_events(1, &e, FALSE, 0, FALSE) == WSA_WAIT_TIMEOUT);
  CHECK(wpu_wsa_close_event(e) == TRUE);
  CHECK(wpu_wsa_close_event(e) == FALSE);
  CHECK(wpu_wsa_wait_for_multiple_events(0, nullptr, FALSE, 0, FALSE) == WSA_WAIT_FAILED);
  const std::string ev = event_text(e), arr = hex(&e);
  const std::vector<std::string> want = {
      "WSACreateEvent() = " + ev,
      "WSASetEvent(" + ev + ") = TRUE",
      "WSAWaitForMultipleEvents(1, " + arr + ", 0, 0, 0) = WSA_WAIT_EVENT_0+0",
      "WSAResetEvent(" + ev + ") = TRUE",
      "WSAWaitForMultipleEvents(1, " + arr + ", 0, 0, 0) = WSA_WAIT_TIMEOUT",
      "WSACloseEvent(" + ev + ") = TRUE",
      "WSACloseEvent(" + ev + ") = FALSE (WSA_INVALID_HANDLE)",
      "WSAWaitForMultipleEvents(0, NULL, 0, 0, 0) = WSA_WAIT_FAILED (WSA_INVALID_PARAMETER)",
  };
  check_lines(file.take(), want);
}
#endif

// A host built while tracing is on hands its providers the traced table;
// wpu_get_upcall_table too.
TEST_CASE("trace: tables built while tracing is on are traced, earlier ones not") {
  WSPUPCALLTABLE before{};
  REQUIRE(wpu_get_upcall_table(&before) == 0);
  trace_file file("tables");
  WSPUPCALLTABLE after{};
  REQUIRE(wpu_get_upcall_table(&after) == 0);
  int err = 0;
  WSAEVENT e = before.lpWPUCreateEvent(&err);
  REQUIRE(e != WSA_INVALID_EVENT);
  CHECK(after.lpWPUSetEvent(e, &err) == TRUE);
  CHECK(before.lpWPUCloseEvent(e, &err) == TRUE);
  const std::vector<std::string> want = {"WPUSetEvent(" + event_text(e) + ") = TRUE"};
  check_lines(file.take(), want);
}
