// tests/leaks.cpp - the leak report (wpu/leaks.hpp, <wpu/leaks.h>,
// docs/leaks.md): the exact text of reports, at an explicit report, at a
// hosted provider's WSPCleanup and at the last WSACleanup; closed objects
// are not reported; nothing is recorded or written when the report is off.
//
// `leaks child` (no doctest) is the program tests/leaks/exit_check.py runs
// with WPU_LEAKS=1 to check the report written at process exit.
#define DOCTEST_CONFIG_IMPLEMENT
#include "host/support.hpp"

#include <wpu/host.hpp>
#include <wpu/leaks.h>
#include <wpu/leaks.hpp>
#if !defined(_WIN32)
#  include <wpu/winapi.h>
#endif

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using wpu::leak_kind;

DWORD this_thread() {
#if defined(_WIN32)
  return ::GetCurrentThreadId();
#else
  return ::wpu_get_current_thread_id();  // GetCurrentThreadId (<wpu/winapi.h>)
#endif
}

std::string hex(unsigned long long v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

template <class T>
std::string hex_of(T* p) {
  return hex(reinterpret_cast<std::uintptr_t>(p));
}

// One report line, as docs/leaks.md specifies it.
std::string line(const std::string& where, const std::string& kind, const std::string& handle,
                 const std::string& api, DWORD entry, DWORD thread) {
  std::string s = "wpu leaks at " + where + ": " + kind + " " + handle + " (" + api + ") made by ";
  if (entry != 0) s += "catalog entry " + std::to_string(entry) + " on ";
  return s + "thread " + std::to_string(thread) + "\n";
}

std::string summary(const std::string& where, const std::string& text) {
  return "wpu leaks at " + where + ": " + text + "\n";
}

std::string read_file(const char* path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Reports written to a file for one test (the automatic reports go to the
// output; the test reads them back). The output returns to stderr after.
class captured {
 public:
  explicit captured(const char* path) : path_(path) {
    std::remove(path_);
    REQUIRE(wpu_leaks_set_output(path_) == 0);
  }
  ~captured() {
    wpu_leaks_set_output(nullptr);
    std::remove(path_);
  }
  captured(const captured&) = delete;
  captured& operator=(const captured&) = delete;
  std::string text() {
    wpu_leaks_set_output(nullptr);  // closes (flushes) the file
    std::string t = read_file(path_);
    REQUIRE(wpu_leaks_set_output(path_) == 0);
    return t;
  }

 private:
  const char* path_;
};

// Restores the switch at scope exit.
struct switched {
  int was;
  explicit switched(bool on) : was(wpu_leaks_enable(on ? 1 : 0)) {}
  ~switched() { wpu_leaks_enable(was); }
};

WSAPROTOCOL_INFOW entry_info(unsigned char n) {
  return host_test::protocol(host_test::provider_guid(n), AF_INET, SOCK_STREAM, IPPROTO_TCP);
}

}  // namespace

TEST_CASE_TEMPLATE("leak report: the decorator's objects, exactly" * doctest::test_suite("leaks"),
                   Backend, wpu::native_backend) {
  switched on(true);
  std::string scratch;
  wpu::leaks::report("earlier", &scratch);  // drop what earlier tests left
  wpu::catalog providers;
  const WSAPROTOCOL_INFOW info = entry_info(0x41);
  DWORD id = 0;
  REQUIRE(providers.add(info, wpu::wstring(WPU_WTEXT("leaks.dll")), &id) == 0);
  Backend backend(providers);
  wpu::leak_upcalls decorator(backend);
  const WSPUPCALLTABLE t = wpu::make_upcall_table(decorator);
  const DWORD me = this_thread();
  int e = 0;

  // Leaked: an event made while the host would be calling entry `id`, a
  // socket handle of entry `id`, a thread id with no current entry.
  WSAEVENT ev = WSA_INVALID_EVENT;
  {
    wpu::leak_entry_scope scope(id);
    CHECK(wpu::leaks::current_entry() == id);
    ev = t.lpWPUCreateEvent(&e);
  }
  CHECK(wpu::leaks::current_entry() == 0);
  REQUIRE(ev != WSA_INVALID_EVENT);
  const SOCKET s = t.lpWPUCreateSocketHandle(id, 7, &e);
  REQUIRE(s != INVALID_SOCKET);
  WSATHREADID tid{};
  REQUIRE(t.lpWPUOpenCurrentThread(&tid, &e) == 0);
  const HANDLE tid_handle = tid.ThreadHandle;

  // Closed: never reported.
  WSAEVENT ev2 = t.lpWPUCreateEvent(&e);
  REQUIRE(ev2 != WSA_INVALID_EVENT);
  CHECK(t.lpWPUCloseEvent(ev2, &e) == TRUE);
  const SOCKET s2 = t.lpWPUCreateSocketHandle(id, 8, &e);
  REQUIRE(s2 != INVALID_SOCKET);
  CHECK(t.lpWPUCloseSocketHandle(s2, &e) == 0);
  WSATHREADID tid2{};
  REQUIRE(t.lpWPUOpenCurrentThread(&tid2, &e) == 0);
  CHECK(t.lpWPUCloseThread(&tid2, &e) == 0);
  // A failed create records nothing: an unknown catalog entry.
  CHECK(t.lpWPUCreateSocketHandle(id + 1000, 9, &e) == INVALID_SOCKET);

  std::string expected =
      line("test", "event", hex_of(ev), "WPUCreateEvent", id, me) +
      line("test", "socket handle", hex(s), "WPUCreateSocketHandle", id, me) +
      line("test", "thread id", hex_of(tid_handle), "WPUOpenCurrentThread", 0, me);
  std::string counts = "socket handle 1, event 1, thread id 1";
  std::size_t n = 3;

#if !defined(_WIN32)
  // POSIX: windows and ports of wpu's C API (on Windows they are the system's).
  WNDCLASSW wc{};
  wc.lpfnWndProc = DefWindowProcW;
  wc.lpszClassName = u"wpu-leaks-test";
  RegisterClassW(&wc);
  HWND w = CreateWindowExW(0, u"wpu-leaks-test", u"", 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr, nullptr,
                           nullptr);
  REQUIRE(w != nullptr);
  HWND w2 = CreateWindowExW(0, u"wpu-leaks-test", u"", 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr,
                            nullptr, nullptr);
  REQUIRE(w2 != nullptr);
  CHECK(DestroyWindow(w2) == TRUE);
  HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 0);
  REQUIRE(port != nullptr);
  HANDLE port2 = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 0);
  REQUIRE(port2 != nullptr);
  CHECK(CloseHandle(port2) == TRUE);
  WSAEVENT app_ev = WSACreateEvent();
  REQUIRE(app_ev != WSA_INVALID_EVENT);
  WSAEVENT app_ev2 = WSACreateEvent();
  CHECK(WSACloseEvent(app_ev2) == TRUE);
  expected += line("test", "window", hex_of(w), "CreateWindowExW", 0, me) +
              line("test", "port", hex_of(port), "CreateIoCompletionPort", 0, me) +
              line("test", "event", hex_of(app_ev), "WSACreateEvent", 0, me);
  counts = "socket handle 1, event 2, thread id 1, window 1, port 1";
  n = 6;
#endif

  const std::vector<wpu::leak_record> held = wpu::leaks::snapshot();
  CHECK(held.size() == n);
  std::string text;
  CHECK(wpu::leaks::report("test", &text) == n);
  CHECK(text == expected + summary("test", std::to_string(n) + " still open (" + counts + ")"));
  // Reported objects are dropped: a second report says nothing.
  text.clear();
  CHECK(wpu::leaks::report("test", &text) == 0);
  CHECK(text.empty());

  // Closing them now is no error (they are no longer recorded).
  CHECK(t.lpWPUCloseEvent(ev, &e) == TRUE);
  CHECK(t.lpWPUCloseSocketHandle(s, &e) == 0);
  CHECK(t.lpWPUCloseThread(&tid, &e) == 0);
#if !defined(_WIN32)
  CHECK(DestroyWindow(w) == TRUE);
  CHECK(CloseHandle(port) == TRUE);
  CHECK(WSACloseEvent(app_ev) == TRUE);
#endif
  CHECK(wpu::leaks::snapshot().empty());
}

TEST_CASE_TEMPLATE("leak report: off, nothing is recorded or written" *
                       doctest::test_suite("leaks"),
                   Backend, wpu::native_backend) {
  switched off(false);
  CHECK(wpu_leaks_enabled() == 0);
  wpu::catalog providers;
  const WSAPROTOCOL_INFOW info = entry_info(0x42);
  DWORD id = 0;
  REQUIRE(providers.add(info, wpu::wstring(WPU_WTEXT("leaks.dll")), &id) == 0);
  Backend backend(providers);
  wpu::leak_upcalls decorator(backend);
  const WSPUPCALLTABLE t = wpu::make_upcall_table(decorator);
  int e = 0;
  WSAEVENT ev = t.lpWPUCreateEvent(&e);
  REQUIRE(ev != WSA_INVALID_EVENT);
  const SOCKET s = t.lpWPUCreateSocketHandle(id, 1, &e);
  REQUIRE(s != INVALID_SOCKET);
  CHECK(wpu::leaks::snapshot().empty());
  {
    captured out("wpu-leaks-test-off.txt");
    CHECK(wpu_leaks_report("off") == 0u);
    CHECK(out.text().empty());
  }
  CHECK(t.lpWPUCloseEvent(ev, &e) == TRUE);
  CHECK(t.lpWPUCloseSocketHandle(s, &e) == 0);
}

TEST_CASE("leak report: C API switch and output" * doctest::test_suite("leaks")) {
  switched on(true);
  CHECK(wpu_leaks_enabled() == 1);
  CHECK(wpu_leaks_enable(1) == 1);
  CHECK(wpu_leaks_set_output("/nonexistent-dir/wpu/leaks.txt") == WSAEINVAL);
  // A record made by the C++ call, reported by the C call into a file.
  const DWORD me = this_thread();
  wpu::leaks::created(leak_kind::port, 0x1234, "test", 0);
  wpu::leaks::created(leak_kind::port, 0, "test", 0);  // no object: not recorded
  captured out("wpu-leaks-test-c.txt");
  CHECK(wpu_leaks_report(nullptr) == 1u);
  CHECK(out.text() == line("wpu_leaks_report", "port", "0x1234", "test", 0, me) +
                          summary("wpu_leaks_report", "1 still open (port 1)"));
  CHECK(wpu_leaks_report("again") == 0u);
  CHECK(out.text() == line("wpu_leaks_report", "port", "0x1234", "test", 0, me) +
                          summary("wpu_leaks_report", "1 still open (port 1)"));
}

// The process host's table is made over the decorator when the report is on
// at its construction: this test is the first to use the host.
TEST_CASE("leak report: a hosted provider leaks at WSPCleanup" * doctest::test_suite("leaks")) {
  switched on(true);
  std::string scratch;
  wpu::leaks::report("earlier", &scratch);  // drop what earlier tests left
  const std::string path = host_test::module_path("WPU_TEST_LEAKY");
  host_test::module leaky(path);  // the test reads its exports; the host shares it
  host_test::entries entries;
  const DWORD id = entries.add(entry_info(0x43), path);
  const DWORD me = this_thread();
  unsigned long long ev = 0, sock = 0, thr = 0;
  std::string app_socket;
  captured out("wpu-leaks-test-host.txt");
  {
    host_test::session session;
    const SOCKET kept = wpu_wsa_socket_w(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, 0);
    REQUIRE(kept != INVALID_SOCKET);
    const SOCKET closed = wpu_wsa_socket_w(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, 0);
    REQUIRE(closed != INVALID_SOCKET);
    CHECK(wpu_closesocket(closed) == 0);
    using leak_get_fn = void (*)(unsigned long long*, unsigned long long*, unsigned long long*);
    leaky.sym<leak_get_fn>("leak_get")(&ev, &sock, &thr);
    REQUIRE(ev != 0);
    REQUIRE(sock != 0);
    REQUIRE(thr != 0);
    app_socket = hex(static_cast<unsigned long long>(kept));
    CHECK(out.text().empty());  // nothing before the cleanup
  }                             // the last WSACleanup: the host closes `kept`, then WSPCleanup
  const std::string at_cleanup = "WSPCleanup of catalog entry " + std::to_string(id);
  const std::string report = out.text();
  std::fputs(report.c_str(), stdout);  // in the test log: README.md, "Leak report" shows it
  CHECK(report ==
        line(at_cleanup, "event", hex(ev), "WPUCreateEvent", id, me) +
            line(at_cleanup, "socket handle", hex(sock), "WPUCreateSocketHandle", id, me) +
            line(at_cleanup, "thread id", hex(thr), "WPUOpenCurrentThread", id, me) +
            summary(at_cleanup, "3 still open (socket handle 1, event 1, thread id 1)") +
            line("WSACleanup", "socket", app_socket, "WSASocketW", id, me) +
            summary("WSACleanup", "1 still open (socket 1)"));
  CHECK(wpu::leaks::snapshot().empty());
}

// Threads: records made and closed from several threads at once; the
// registry ends empty and a report of concurrent leaks lists each once.
TEST_CASE("leak report: concurrent records" * doctest::test_suite("leaks")) {
  switched on(true);
  std::string scratch;
  wpu::leaks::report("earlier", &scratch);
  constexpr int threads = 4, per_thread = 200;
  std::vector<std::thread> pool;
  for (int k = 0; k < threads; ++k)
    pool.emplace_back([k] {
      for (int i = 0; i < per_thread; ++i) {
        const std::uintptr_t h = 0x10000u * (k + 1) + static_cast<std::uintptr_t>(i);
        wpu::leaks::created(leak_kind::event, h, "test");
        if (i % 2 == 0) wpu::leaks::closed(leak_kind::event, h);
      }
    });
  for (std::thread& t : pool) t.join();
  std::string text;
  CHECK(wpu::leaks::report("threads", &text) == threads * per_thread / 2);
  CHECK(text.find("wpu leaks at threads: " + std::to_string(threads * per_thread / 2) +
                  " still open (event " + std::to_string(threads * per_thread / 2) + ")\n") !=
        std::string::npos);
}

// The exit report (tests/leaks/exit_check.py runs this with WPU_LEAKS=1 and
// without): through wpu_get_upcall_table's table, an event and a socket
// handle of a process catalog entry left open, one event closed. Prints the
// values the report must name on stdout for the checker.
static int child() {
  DWORD id = 0;
  const WSAPROTOCOL_INFOW info = entry_info(0x44);
  if (wpu_catalog_add(&info, WPU_WTEXT("leaks.dll"), &id) != 0) return 2;
  WSPUPCALLTABLE t{};
  if (wpu_get_upcall_table(&t) != 0) return 2;
  int e = 0;
  WSAEVENT ev = t.lpWPUCreateEvent(&e);
  WSAEVENT closed = t.lpWPUCreateEvent(&e);
  if (ev == WSA_INVALID_EVENT || closed == WSA_INVALID_EVENT) return 2;
  t.lpWPUCloseEvent(closed, &e);
  const SOCKET s = t.lpWPUCreateSocketHandle(id, 0, &e);
  if (s == INVALID_SOCKET) return 2;
  std::printf("event %s socket %s thread %lu entry %lu\n", hex_of(ev).c_str(),
              hex(static_cast<unsigned long long>(s)).c_str(),
              static_cast<unsigned long>(this_thread()), static_cast<unsigned long>(id));
  std::fflush(stdout);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "child") return child();
  doctest::Context context;
  context.setOption("no-colors", true);
  context.applyCommandLine(argc, argv);
  return context.run();
}
