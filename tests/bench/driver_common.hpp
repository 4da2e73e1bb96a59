// Shared by the bench drivers that measure wpu next to a peer program of
// their own (bench-events runs bench-events-winpr, bench-messages runs
// bench-messages-winpr): running the peer and reading its `key value` lines,
// the figures of one mechanism over the passes, and the report's rows and
// PASS/MISS target lines. Only the C++ standard library and POSIX here.
#ifndef WPU_TESTS_BENCH_DRIVER_COMMON_HPP
#define WPU_TESTS_BENCH_DRIVER_COMMON_HPP

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "events_common.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace bench {

[[noreturn]] inline void fail(const char* what) {
  std::printf("error: %s\n", what);
  std::fflush(stdout);
  std::_Exit(2);
}

// Runs `program section` and returns its `key value` lines; empty if it could
// not be run or did not exit with 0.
inline std::map<std::string, double> run_winpr(const char* program, const char* section) {
  std::map<std::string, double> values;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return values;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  char* argv[] = {const_cast<char*>(program), const_cast<char*>(section), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, program, &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  std::string text;
  if (rc == 0) {
    char buf[4096];
    for (;;) {
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      text.append(buf, std::size_t(n));
    }
  }
  close(fds[0]);
  if (rc != 0) return values;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return values;
  std::istringstream lines(text);
  std::string key;
  double value;
  while (lines >> key >> value) values[key] = value;
  return values;
}

// The WinPR program a driver was given (its only argument), or none: then
// every run gives no values and the targets against WinPR are skipped.
class winpr_program {
 public:
  explicit winpr_program(const char* path) : path_(path), have_(path && access(path, X_OK) == 0) {}

  bool available() const { return have_; }
  const char* path() const { return have_ ? path_ : "not available"; }
  // True once a run gave nothing back (the program failed).
  bool failed() const { return failed_; }

  std::map<std::string, double> run(const char* section) {
    std::map<std::string, double> values;
    if (have_) {
      values = run_winpr(path_, section);
      if (values.empty()) failed_ = true;
    }
    return values;
  }

  void report_failure() const {
    if (failed_) std::printf("\nWinPR: a run of %s failed; its figures are missing\n", path_);
  }

 private:
  const char* path_;
  bool have_;
  bool failed_ = false;
};

// The start of a driver's main. Providers run in multi-threaded processes:
// glibc skips the atomic operations of an uncontended mutex while a process
// has only ever had one thread, which would flatter the baselines built on
// mutexes (condition variables, Asio's queue), so one short-lived thread ends
// that first (the WinPR programs do the same). Returns the WinPR program named
// by the driver's only argument.
inline winpr_program start_driver(int argc, char** argv) {
  std::thread([] {}).join();
  return winpr_program(argc > 1 ? argv[1] : nullptr);
}

// The figures of one mechanism over the passes, or none.
struct series {
  std::vector<double> v;
  bool empty() const { return v.empty(); }
  double median() const { return bench::median(v); }
  double lo() const { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }
  double hi() const { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }
};

// Adds `key` of a WinPR run to `s`; false if the run gave no such value.
inline bool take(const std::map<std::string, double>& values, const char* key, series& s) {
  auto it = values.find(key);
  if (it == values.end()) return false;
  s.v.push_back(it->second);
  return true;
}

// False once a target line said MISS: the driver's exit status.
inline bool all_met = true;

// One target line: the figure, then PASS / MISS, or "skipped" when a peer is
// not available.
inline void target_line(const char* what, const char* figure, bool available, bool met) {
  const char* verdict = !available ? "skipped (WinPR not available)" : met ? "PASS" : "MISS";
  if (available && !met) all_met = false;
  std::printf("    %-46s %14s   %s\n", what, available ? figure : "-", verdict);
}

// `better / worse` >= at_least; a missing figure (0) of an available peer
// counts as missed.
inline void ratio_line(const char* what, double better, double worse, double at_least,
                       bool available) {
  char figure[32] = "no figure";
  bool measured = better > 0 && worse > 0;
  if (measured) std::snprintf(figure, sizeof figure, "%.2fx", better / worse);
  target_line(what, figure, available, measured && better / worse >= at_least);
}

// A rate over the passes: median [min - max].
inline void rate_row(const char* name, const char* what, const series& s) {
  if (s.empty()) {
    std::printf("    %-8s %-54s %12s\n", name, what, "not available");
    return;
  }
  std::printf("    %-8s %-54s %12.0f  [%.0f - %.0f]\n", name, what, s.median(), s.lo(), s.hi());
}

}  // namespace bench

#endif  // WPU_TESTS_BENCH_DRIVER_COMMON_HPP
