// Events beyond the upcall table. Both backends: Asio integration, closing an
// event that a thread waits on, APCs left at thread exit, one set waking many
// waiters. POSIX only: the pollable fd, the "no fd per event" rule (1M events
// under RLIMIT_NOFILE 1024) and the no-syscall fast paths.
#include <wpu/asio.hpp>
#include <wpu/winapi.h>
#include <wpu/wpu.hpp>

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#if !defined(_WIN32)
#  include <dirent.h>
#  include <linux/audit.h>
#  include <linux/filter.h>
#  include <linux/seccomp.h>
#  include <poll.h>
#  include <sys/prctl.h>
#  include <sys/resource.h>
#  include <sys/syscall.h>
#  include <sys/wait.h>
#  include <unistd.h>

#  include <cstddef>

#  include <climits>
#  include <string>
#endif

using namespace std::chrono_literals;

namespace {

#if !defined(_WIN32)
bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

int open_fds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (::readdir(d) != nullptr) ++n;
  ::closedir(d);
  return n;
}

std::string fd_kind(int fd) {
  char buf[256];
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

// Lowers the soft RLIMIT_NOFILE for one scope.
struct fd_limit {
  rlimit saved{};
  explicit fd_limit(rlim_t soft) {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit lower = saved;
    lower.rlim_cur = soft;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lower) == 0);
  }
  ~fd_limit() { ::setrlimit(RLIMIT_NOFILE, &saved); }
};
#endif  // !defined(_WIN32)

std::atomic<int> apc_runs{0};
void CALLBACK count_apc(DWORD_PTR) {
  apc_runs.fetch_add(1);
}

}  // namespace

TEST_CASE("asio: event_waiter completes when the event is set") {
  boost::asio::io_context io;
  WSAEVENT e = WSACreateEvent();
  REQUIRE(e != WSA_INVALID_EVENT);
  {
    wpu::event_waiter w(io.get_executor(), e);
    int fired = 0;
    boost::system::error_code got = boost::asio::error::would_block;
    w.async_wait([&](boost::system::error_code ec) {
      ++fired;
      got = ec;
    });
    io.run_for(30ms);
    CHECK(fired == 0);  // not signalled: still pending

    std::thread setter([&] {
      std::this_thread::sleep_for(20ms);
      WSASetEvent(e);
    });
    io.restart();
    for (int i = 0; i < 200 && fired == 0; ++i) io.run_for(10ms);
    setter.join();
    CHECK(fired == 1);
    CHECK(!got);

    // Already signalled (manual reset): completes at once, again.
    io.restart();
    w.async_wait([&](boost::system::error_code ec) {
      ++fired;
      got = ec;
    });
    for (int i = 0; i < 200 && fired == 1; ++i) io.run_for(10ms);
    CHECK(fired == 2);

    // Reset, wait, cancel: operation_aborted.
    CHECK(WSAResetEvent(e));
    io.restart();
    w.async_wait([&](boost::system::error_code ec) {
      ++fired;
      got = ec;
    });
    io.run_for(20ms);
    CHECK(fired == 2);
    w.cancel();
    io.restart();
    for (int i = 0; i < 200 && fired == 2; ++i) io.run_for(10ms);
    CHECK(fired == 3);
    CHECK(got == boost::asio::error::operation_aborted);
  }
  CHECK(WSACloseEvent(e));
}

TEST_CASE("asio: event_waiter refuses a closed event") {
  boost::asio::io_context io;
  WSAEVENT e = WSACreateEvent();
  REQUIRE(WSACloseEvent(e));
  CHECK_THROWS_AS(wpu::event_waiter(io.get_executor(), e), boost::system::system_error);
}

TEST_CASE("closing an event a thread waits on: the wait goes on, as on Windows") {
  WSAEVENT e = WSACreateEvent();
  REQUIRE(e != WSA_INVALID_EVENT);
  std::atomic<DWORD> result{0xDEAD};
  std::thread waiter([&] { result = WSAWaitForMultipleEvents(1, &e, FALSE, 300, FALSE); });
  std::this_thread::sleep_for(50ms);
  CHECK(WSACloseEvent(e));
  waiter.join();
  CHECK(result.load() == WSA_WAIT_TIMEOUT);
  CHECK(WSASetEvent(e) == FALSE);
  CHECK(WSAGetLastError() == WSA_INVALID_HANDLE);
}

TEST_CASE("APCs still queued when their thread exits are dropped, not run") {
  auto& u = wpu::default_backend();
  int err = 0;
  WSATHREADID tid{};
  std::atomic<bool> opened{false}, go{false};
  std::atomic<int> open_result{-2};
  // Assertions stay on the main thread (doctest's REQUIRE throws), and the
  // thread is joined before any of them can end the test case.
  std::thread t([&] {
    open_result = u.open_current_thread(&tid, &err);
    opened = true;
    while (!go) std::this_thread::sleep_for(1ms);
    // Exits without an alertable wait.
  });
  while (!opened) std::this_thread::sleep_for(1ms);
  apc_runs = 0;
  int queued = 0;
  if (open_result.load() == 0)
    for (int i = 0; i < 1000; ++i) queued += u.queue_apc(&tid, count_apc, 0, &err) == 0 ? 1 : 0;
  go = true;
  t.join();
  REQUIRE(open_result.load() == 0);
  REQUIRE(queued == 1000);
  CHECK(apc_runs.load() == 0);
  CHECK(u.queue_apc(&tid, count_apc, 0, &err) == SOCKET_ERROR);
  CHECK(err == WSAEFAULT);
  CHECK(u.close_thread(&tid, &err) == 0);  // POSIX: the last reference frees the queue
  CHECK(apc_runs.load() == 0);
}

TEST_CASE("a set event wakes every one of many waiters") {
  WSAEVENT e = WSACreateEvent();
  std::atomic<int> woke{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i)
    ts.emplace_back([&] {
      if (WSAWaitForMultipleEvents(1, &e, FALSE, 5000, FALSE) == WSA_WAIT_EVENT_0) ++woke;
    });
  std::this_thread::sleep_for(50ms);
  CHECK(WSASetEvent(e));
  for (auto& t : ts) t.join();
  CHECK(woke.load() == 8);
  CHECK(WSACloseEvent(e));
}

#if !defined(_WIN32)

#  if !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
// Runs `body` in a child process where any system call but exit_group kills
// the process (seccomp), and says whether the child got through it.
template <class Body>
bool runs_without_syscalls(Body body) {
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    };
    sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(3);
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) ::_exit(3);
    int code = body() ? 0 : 1;
    ::syscall(SYS_exit_group, code);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return false;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
    MESSAGE("seccomp is not available here; the check did not run");
    return true;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST_CASE("posix: set on set, reset on reset and a wait on a signalled event make no syscall") {
  auto& u = wpu::default_backend();
  int err = 0;
  WSAEVENT set = u.create_event(&err);
  WSAEVENT reset = u.create_event(&err);
  REQUIRE(u.set_event(set, &err));
  WSAEVENT several[3] = {reset, reset, set};
  CHECK(runs_without_syscalls([&] {
    bool ok = true;
    for (int i = 0; i < 1000; ++i) {
      ok = ok && u.set_event(set, &err) == TRUE;
      ok = ok && u.reset_event(reset, &err) == TRUE;
      ok = ok && WSASetEvent(set) == TRUE && WSAResetEvent(reset) == TRUE;
      ok = ok && WSAWaitForMultipleEvents(1, &set, FALSE, 0, FALSE) == WSA_WAIT_EVENT_0;
      ok = ok && WSAWaitForMultipleEvents(1, &set, FALSE, WSA_INFINITE, FALSE) == WSA_WAIT_EVENT_0;
      ok = ok && WSAWaitForMultipleEvents(3, several, FALSE, 100, TRUE) == WSA_WAIT_EVENT_0 + 2;
    }
    return ok;
  }));
  // The check bites: a set that has to change the state of an event with an
  // fd writes to the fd.
  REQUIRE(wpu_event_fd(reset) >= 0);
  CHECK_FALSE(runs_without_syscalls([&] { return u.set_event(reset, &err) == TRUE; }));
  CHECK(u.close_event(set, &err));
  CHECK(u.close_event(reset, &err));
}
#  endif  // !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)

TEST_CASE("posix: wpu_event_fd is readable exactly while the event is signalled") {
  auto& u = wpu::default_backend();
  int err = 0;
  WSAEVENT e = u.create_event(&err);
  REQUIRE(e != WSA_INVALID_EVENT);
  int before = open_fds();
  int fd = wpu_event_fd(e);
  REQUIRE(fd >= 0);
  CHECK(open_fds() == before + (fd_kind(fd).rfind("pipe:", 0) == 0 ? 2 : 1));
  CHECK(wpu_event_fd(e) == fd);  // one fd per event, made once
  // An eventfd or a pipe, as the platform layer makes them (tests/platform.cpp).
  CHECK((fd_kind(fd) == "anon_inode:[eventfd]" || fd_kind(fd).rfind("pipe:", 0) == 0));
  CHECK_FALSE(readable(fd));
  CHECK(u.set_event(e, &err));
  CHECK(readable(fd));
  CHECK(u.set_event(e, &err));  // set twice: still one signal
  CHECK(u.reset_event(e, &err));
  CHECK_FALSE(readable(fd));
  CHECK(u.reset_event(e, &err));
  CHECK_FALSE(readable(fd));
  for (int i = 0; i < 100; ++i) {
    CHECK(WSASetEvent(e));
    CHECK(readable(fd));
    CHECK(WSAResetEvent(e));
    CHECK_FALSE(readable(fd));
  }
  CHECK(u.close_event(e, &err));
  CHECK(open_fds() == before);  // the event's fd went with it

  // Asked for while already signalled: readable at once.
  WSAEVENT s = WSACreateEvent();
  REQUIRE(WSASetEvent(s));
  int sfd = wpu_event_fd(s);
  REQUIRE(sfd >= 0);
  CHECK(readable(sfd));
  CHECK(WSACloseEvent(s));

  CHECK(wpu_event_fd(e) == -1);  // closed
  CHECK(WSAGetLastError() == WSA_INVALID_HANDLE);
  CHECK(wpu_event_fd(WSA_INVALID_EVENT) == -1);
  CHECK(WSAGetLastError() == WSA_INVALID_HANDLE);
}

TEST_CASE("posix: wpu_event_fd reports WSAEMFILE when no fd is left") {
  std::vector<WSAEVENT> events(8);
  for (auto& e : events) REQUIRE((e = WSACreateEvent()) != WSA_INVALID_EVENT);
  int failed_at = -1;
  {
    // The lowest free fd numbers are what is left: allow only a few more.
    fd_limit limit(static_cast<rlim_t>(open_fds() + 2));
    for (int i = 0; i < 8; ++i) {
      if (wpu_event_fd(events[static_cast<std::size_t>(i)]) < 0) {
        failed_at = i;
        CHECK(WSAGetLastError() == WSAEMFILE);
        break;
      }
    }
    // Events themselves still work without an fd.
    CHECK(WSASetEvent(events[7]));
    CHECK(WSAWaitForMultipleEvents(1, &events[7], FALSE, 0, FALSE) == WSA_WAIT_EVENT_0);
  }
  CHECK(failed_at >= 0);
  for (auto e : events) CHECK(WSACloseEvent(e));
}

TEST_CASE("posix: 1M live events under RLIMIT_NOFILE 1024 cost no fd") {
  constexpr std::size_t n = 1000000;
  fd_limit limit(1024);
  int before = open_fds();
  std::vector<WSAEVENT> events(n);
  for (std::size_t i = 0; i < n; ++i) {
    events[i] = WSACreateEvent();
    if (events[i] == WSA_INVALID_EVENT) FAIL("WSACreateEvent failed at " << i);
  }
  CHECK(open_fds() == before);
  // Every 1000th is set; waits see exactly those.
  for (std::size_t i = 0; i < n; i += 1000) REQUIRE(WSASetEvent(events[i]));
  std::size_t signalled = 0;
  for (std::size_t i = 0; i < n; i += 500) {
    DWORD r = WSAWaitForMultipleEvents(1, &events[i], FALSE, 0, FALSE);
    if (r == WSA_WAIT_EVENT_0)
      ++signalled;
    else
      REQUIRE(r == WSA_WAIT_TIMEOUT);
  }
  CHECK(signalled == n / 1000);
  CHECK(open_fds() == before);
  for (WSAEVENT e : events)
    if (!WSACloseEvent(e)) FAIL("WSACloseEvent failed");
  CHECK(open_fds() == before);
}

#endif  // !defined(_WIN32)
