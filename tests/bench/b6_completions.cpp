// B6: overlapped completions, from a provider's WPUCompleteOverlappedRequest
// to a client's GetQueuedCompletionStatus(Ex), side by side with a raw Asio
// post loop, all measured in one run.
//
// Each pass moves N completions (1M; the only argument changes it) from the
// producer threads to the consumer threads; the figure is completions/s from
// the first completion posted to the last packet taken. The N WSAOVERLAPPEDs
// are one array, split into one contiguous range per producer; hEvent is NULL,
// so no event is set and the port packet is all a completion makes:
//
//   wpu    each producer has a socket handle of its own, made with
//          WPUCreateSocketHandle from the upcall table (a catalog entry added
//          with wpu_catalog_add) and associated with one port by
//          CreateIoCompletionPort((HANDLE)s, port, key, 0) (the first makes
//          the port; key: the producer's number); the producer calls
//          WPUCompleteOverlappedRequest(s, &ov[i], 0, bytes, &err) for each
//          overlapped of its range (not in the upcall table: as on Windows,
//          where ws2_32 exports it, a provider calls the function itself).
//          The consumers take packets with GetQueuedCompletionStatus (one a
//          call), or in the second row GetQueuedCompletionStatusEx (up to
//          kBatch a call, not alertable); INFINITE timeouts;
//   Asio   the consumers run one io_context (concurrency hint: their number,
//          held by a work guard); the producers call boost::asio::post with a
//          handler that carries the same three fields (key, overlapped,
//          bytes) and counts them on the consumer thread that runs it.
//
// Every consumer checks each completion's key, overlapped and byte count, and
// after the pass every overlapped must have been taken exactly once (and,
// for wpu, hold Internal 0 and InternalHigh = bytes, as the provider's
// completion wrote them). A pass ends when the last producer is done: it
// posts one stop packet per consumer (PostQueuedCompletionStatus; its key is
// no producer's) or releases Asio's work guard; a consumer stamps the time
// when it stops, and the latest stamp ends the pass.
//
// Configurations: 1 producer x 1 consumer (the targets, as B4 measures one
// producer and one consumer) and 2 producers x 2 consumers. Noise (2 vCPUs):
// the three mechanisms take turns within each pass (which goes first
// rotates) and the report gives the median of kPasses passes; the producers'
// ns per completion (each producer's time over its range, averaged over the
// producers) is printed too. Prints the table and one PASS/MISS line per
// target; exits 1 if a target is missed.
#include <wpu/winapi.h>
#include <wpu/wpu.h>
#include <wpu/ws2spi.h>  // WPUCompleteOverlappedRequest

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "driver_common.hpp"
#include "events_common.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

namespace {

using bench::clock_type;
using bench::fail;
using bench::series;

// A multiple of 3: each mechanism goes first, second and third equally often.
constexpr int kPasses = 6;
// Completions per pass unless the argument says otherwise.
constexpr std::uint64_t kDefaultCompletions = 1000000;
// GetQueuedCompletionStatusEx's entries per call.
constexpr ULONG kBatch = 64;
// Producer p's key is kKeyBase + p; kStopKey ends a consumer.
constexpr ULONG_PTR kKeyBase = 0xB600;
constexpr ULONG_PTR kStopKey = 0xB6FF;
constexpr int kMaxThreads = 2;

struct config {
  int producers;
  int consumers;
  const char* name;
};
constexpr config kConfigs[] = {{1, 1, "1P x 1C"}, {2, 2, "2P x 2C"}};
constexpr int kConfigCount = sizeof kConfigs / sizeof kConfigs[0];
constexpr int kTargetConfig = 0;  // 1P x 1C

// The overlapped structures of a pass and which producer completes which.
struct workload {
  std::vector<WSAOVERLAPPED> ov;
  int producers = 1;
  std::uint64_t begin[kMaxThreads + 1] = {};  // producer p: [begin[p], begin[p + 1])

  // Every overlapped not done yet, with no event; `producers` ranges.
  void reset(int producer_count) {
    producers = producer_count;
    for (int p = 0; p <= producers; ++p) begin[p] = ov.size() * std::uint64_t(p) / producers;
    for (WSAOVERLAPPED& o : ov) {
      o = WSAOVERLAPPED{};
      o.Internal = WSS_OPERATION_IN_PROGRESS;
    }
  }

  ULONG_PTR key_of(std::uint64_t i) const {
    int p = 0;
    while (p + 1 < producers && i >= begin[p + 1]) ++p;
    return kKeyBase + ULONG_PTR(p);
  }
  static DWORD bytes_of(std::uint64_t i) { return DWORD(i) ^ 0xB6B6u; }
};

// One consumer's side: what it took, checked as it goes. Only its consumer
// thread writes it while the pass runs; the main thread reads it after
// joining that thread.
struct alignas(64) tally {
  const workload* w = nullptr;
  std::vector<std::uint8_t> seen;  // per overlapped: times this consumer took it
  std::uint64_t count = 0;
  bool wrong = false;
  clock_type::time_point stopped;

  void take(ULONG_PTR key, const WSAOVERLAPPED* ov, DWORD bytes) {
    const std::uintptr_t offset =
        reinterpret_cast<std::uintptr_t>(ov) - reinterpret_cast<std::uintptr_t>(w->ov.data());
    const std::uint64_t i = offset / sizeof(WSAOVERLAPPED);
    ++count;
    if (offset % sizeof(WSAOVERLAPPED) != 0 || i >= seen.size() || key != w->key_of(i) ||
        bytes != workload::bytes_of(i)) {
      wrong = true;
      return;
    }
    ++seen[i];
  }
};

// The figures of one mechanism in one configuration: completions/s and the
// producers' ns per completion.
struct figures {
  series rate;
  series post_ns;
};

// One pass of `cfg` over `w`: `consume(t)` is a consumer's loop, which
// returns once it is told to stop; `produce(p, i)` completes overlapped i as
// producer p; `finish()`, called by the last producer to be done, tells every
// consumer to stop. Checks what the consumers took and adds the figures to
// `f`.
template <class Consume, class Produce, class Finish>
void run_pass(const config& cfg, workload& w, Consume&& consume, Produce&& produce, Finish&& finish,
              figures& f) {
  const std::uint64_t n = w.ov.size();
  std::unique_ptr<tally[]> tallies(new tally[std::size_t(cfg.consumers)]);
  for (int c = 0; c < cfg.consumers; ++c) {
    tallies[c].w = &w;
    tallies[c].seen.assign(n, 0);
  }
  clock_type::time_point producer_end[kMaxThreads];
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<int> producers_done{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < cfg.consumers; ++c)
    threads.emplace_back([&, c] {
      ready.fetch_add(1, std::memory_order_acq_rel);
      consume(tallies[c]);
      tallies[c].stopped = clock_type::now();
    });
  for (int p = 0; p < cfg.producers; ++p)
    threads.emplace_back([&, p] {
      ready.fetch_add(1, std::memory_order_acq_rel);
      bench::spin_until(go, true);
      for (std::uint64_t i = w.begin[p]; i < w.begin[p + 1]; ++i) produce(p, i);
      producer_end[p] = clock_type::now();
      if (producers_done.fetch_add(1, std::memory_order_acq_rel) + 1 == cfg.producers) finish();
    });
  bench::spin_until(ready, cfg.consumers + cfg.producers);
  std::this_thread::sleep_for(bench::kWakeIdle);  // the consumers are asleep
  const auto start = clock_type::now();
  go.store(true, std::memory_order_release);
  for (std::thread& t : threads) t.join();

  clock_type::time_point end = start;
  std::uint64_t taken = 0;
  for (int c = 0; c < cfg.consumers; ++c) {
    if (tallies[c].wrong) fail("B6: a completion with the wrong key, overlapped or byte count");
    taken += tallies[c].count;
    end = std::max(end, tallies[c].stopped);
  }
  if (taken != n) fail("B6: the consumers took more or fewer completions than were posted");
  for (std::uint64_t i = 0; i < n; ++i) {
    unsigned times = 0;
    for (int c = 0; c < cfg.consumers; ++c) times += tallies[c].seen[i];
    if (times != 1) fail("B6: an overlapped was not taken exactly once");
  }
  f.rate.v.push_back(double(n) / bench::seconds(end - start));
  double ns = 0;
  for (int p = 0; p < cfg.producers; ++p)
    ns += std::chrono::duration<double, std::nano>(producer_end[p] - start).count() /
          double(w.begin[p + 1] - w.begin[p]);
  f.post_ns.v.push_back(ns / cfg.producers);
}

// ---- wpu: WPUCompleteOverlappedRequest -> a completion port ---------------------

// The consumer loops. GetQueuedCompletionStatus: one packet a call.
void consume_one(HANDLE port, tally& t) {
  for (;;) {
    DWORD bytes = 0;
    ULONG_PTR key = 0;
    LPOVERLAPPED ov = nullptr;
    if (!GetQueuedCompletionStatus(port, &bytes, &key, &ov, INFINITE))
      fail("B6: GetQueuedCompletionStatus failed");
    if (key == kStopKey) return;
    t.take(key, ov, bytes);
  }
}

// GetQueuedCompletionStatusEx: up to kBatch packets a call. A batch may hold
// more than one stop packet; the others go back to the port for the other
// consumers.
void consume_batch(HANDLE port, tally& t) {
  OVERLAPPED_ENTRY entries[kBatch];
  for (;;) {
    ULONG removed = 0;
    if (!GetQueuedCompletionStatusEx(port, entries, kBatch, &removed, INFINITE, FALSE))
      fail("B6: GetQueuedCompletionStatusEx failed");
    int stops = 0;
    for (ULONG k = 0; k < removed; ++k) {
      const OVERLAPPED_ENTRY& e = entries[k];
      if (e.lpCompletionKey == kStopKey) {
        ++stops;
        continue;
      }
      if (e.Internal != 0) t.wrong = true;
      t.take(e.lpCompletionKey, e.lpOverlapped, e.dwNumberOfBytesTransferred);
    }
    if (stops == 0) continue;
    for (int extra = 1; extra < stops; ++extra)
      if (!PostQueuedCompletionStatus(port, 0, kStopKey, nullptr))
        fail("B6: PostQueuedCompletionStatus failed");
    return;
  }
}

void b6_wpu(const WSPUPCALLTABLE& table, DWORD catalog_id, const config& cfg, workload& w,
            bool batch, figures& f) {
  SOCKET sockets[kMaxThreads];
  HANDLE port = nullptr;
  for (int p = 0; p < cfg.producers; ++p) {
    int err = 0;
    sockets[p] = table.lpWPUCreateSocketHandle(catalog_id, DWORD_PTR(p), &err);
    if (sockets[p] == INVALID_SOCKET) fail("B6: WPUCreateSocketHandle");
    // The first association makes the port (concurrency 0: one per CPU).
    HANDLE h = CreateIoCompletionPort(reinterpret_cast<HANDLE>(sockets[p]), port,
                                      kKeyBase + ULONG_PTR(p), 0);
    if (h == nullptr || (port != nullptr && h != port))
      fail("B6: CreateIoCompletionPort with a wpu socket");
    port = h;
  }
  run_pass(
      cfg, w, [&](tally& t) { batch ? consume_batch(port, t) : consume_one(port, t); },
      [&](int p, std::uint64_t i) {
        int err = 0;
        if (WPUCompleteOverlappedRequest(sockets[p], &w.ov[i], 0, workload::bytes_of(i), &err) != 0)
          fail("B6: WPUCompleteOverlappedRequest failed");  // the consumers would wait for ever
      },
      [&] {
        for (int c = 0; c < cfg.consumers; ++c)
          if (!PostQueuedCompletionStatus(port, 0, kStopKey, nullptr))
            fail("B6: PostQueuedCompletionStatus failed");
      },
      f);
  // What the provider's completions wrote into the overlapped structures.
  for (std::uint64_t i = 0; i < w.ov.size(); ++i)
    if (w.ov[i].Internal != 0 || w.ov[i].InternalHigh != workload::bytes_of(i))
      fail("B6: an overlapped without Internal 0 and InternalHigh = the bytes transferred");
  if (!CloseHandle(port)) fail("B6: CloseHandle(port)");
  for (int p = 0; p < cfg.producers; ++p) {
    int err = 0;
    if (table.lpWPUCloseSocketHandle(sockets[p], &err) != 0) fail("B6: WPUCloseSocketHandle");
  }
}

// ---- Raw Asio -------------------------------------------------------------------

// The tally of the consumer thread running the handler.
thread_local tally* current_tally = nullptr;

// A completion as an Asio handler: the fields of a port packet.
struct completion_handler {
  ULONG_PTR key;
  WSAOVERLAPPED* ov;
  DWORD bytes;

  void operator()() const { current_tally->take(key, ov, bytes); }
};

void b6_asio(const config& cfg, workload& w, figures& f) {
  boost::asio::io_context io(cfg.consumers);
  auto work = boost::asio::make_work_guard(io);
  run_pass(
      cfg, w,
      [&](tally& t) {
        current_tally = &t;
        io.run();  // returns once the work guard is gone and every handler ran
      },
      [&](int p, std::uint64_t i) {
        boost::asio::post(
            io, completion_handler{kKeyBase + ULONG_PTR(p), &w.ov[i], workload::bytes_of(i)});
      },
      [&] { work.reset(); }, f);
}

void post_row(const char* name, const char* what, const series& s) {
  std::printf("    %-8s %-54s %9.1f ns  [%.1f - %.1f]\n", name, what, s.median(), s.lo(), s.hi());
}

// The absolute target: at least `at_least` completions/s.
void rate_line(const char* what, double rate, double at_least) {
  char figure[32];
  std::snprintf(figure, sizeof figure, "%.2f M/s", rate / 1e6);
  bench::target_line(what, figure, true, rate >= at_least);
}

}  // namespace

int main(int argc, char** argv) {
  // Only the start of every driver (a short-lived thread first); B6 has no
  // WinPR peer (WinPR has no completion ports), and its argument is N.
  (void)bench::start_driver(1, argv);
  std::uint64_t n = kDefaultCompletions;
  if (argc > 1) {
    n = std::strtoull(argv[1], nullptr, 10);
    if (n < std::uint64_t(kMaxThreads)) fail("usage: bench-b6-completions [completions per pass]");
  }
  WSPUPCALLTABLE table;
  if (wpu_get_upcall_table(&table) != 0) fail("wpu_get_upcall_table");
  WSAPROTOCOL_INFOW info{};
  info.ProviderId.Data1 = 0xB6;
  DWORD catalog_id = 0;
  if (wpu_catalog_add(&info, WPU_WTEXT("/usr/lib/wpu/bench.so"), &catalog_id) != 0)
    fail("wpu_catalog_add");

  workload w;
  w.ov.resize(n);
  figures one[kConfigCount], batch[kConfigCount], asio[kConfigCount];
  for (int pass = 0; pass < kPasses; ++pass) {
    for (int k = 0; k < kConfigCount; ++k) {
      const config& cfg = kConfigs[k];
      for (int turn = 0; turn < 3; ++turn) {
        w.reset(cfg.producers);
        switch ((pass + turn) % 3) {
          case 0:
            b6_wpu(table, catalog_id, cfg, w, false, one[k]);
            break;
          case 1:
            b6_wpu(table, catalog_id, cfg, w, true, batch[k]);
            break;
          default:
            b6_asio(cfg, w, asio[k]);
        }
      }
    }
  }

  std::printf(
      "B6  overlapped completions: WPUCompleteOverlappedRequest -> GetQueuedCompletionStatus(Ex)\n"
      "    (GQCS, GQCSEx) vs a raw Asio post loop; %llu completions a pass\n"
      "    (threads not pinned; every figure from this run)\n",
      static_cast<unsigned long long>(n));
  char batch_what[64], asio_what[64];
  std::snprintf(batch_what, sizeof batch_what, "WPUCompleteOverlappedRequest -> GQCSEx, %lu a call",
                static_cast<unsigned long>(kBatch));
  for (int k = 0; k < kConfigCount; ++k) {
    const config& cfg = kConfigs[k];
    std::printf(
        "\nB6  %s: %d producer thread(s), %d consumer thread(s), completions/s from the first\n"
        "    completion posted to the last packet taken (%d passes, mechanisms in turn;\n"
        "    median [min - max])\n",
        cfg.name, cfg.producers, cfg.consumers, kPasses);
    std::snprintf(asio_what, sizeof asio_what, "boost::asio::post -> io_context::run, %d thread(s)",
                  cfg.consumers);
    bench::rate_row("wpu", "WPUCompleteOverlappedRequest -> GQCS", one[k].rate);
    bench::rate_row("wpu", batch_what, batch[k].rate);
    bench::rate_row("Asio", asio_what, asio[k].rate);
    std::printf("    the producers' time per completion (median [min - max])\n");
    post_row("wpu", "WPUCompleteOverlappedRequest (GQCS consumers)", one[k].post_ns);
    post_row("wpu", "WPUCompleteOverlappedRequest (GQCSEx consumers)", batch[k].post_ns);
    post_row("Asio", "boost::asio::post", asio[k].post_ns);
    const double base = asio[k].rate.median();
    std::printf("    against Asio: GQCS %.2fx, GQCSEx %.2fx\n", one[k].rate.median() / base,
                batch[k].rate.median() / base);
  }

  std::printf("\nTargets (%s)\n", kConfigs[kTargetConfig].name);
  const double gqcs = one[kTargetConfig].rate.median();
  const double gqcs_ex = batch[kTargetConfig].rate.median();
  const double raw = asio[kTargetConfig].rate.median();
  rate_line("B6  WPUCOR -> GQCS >= 2 M completions/s", gqcs, 2e6);
  bench::ratio_line("B6  WPUCOR -> GQCS >= 1x raw Asio post", gqcs, raw, 1.0, true);
  rate_line("B6  WPUCOR -> GQCSEx >= 2 M completions/s", gqcs_ex, 2e6);
  bench::ratio_line("B6  WPUCOR -> GQCSEx >= 1x raw Asio post", gqcs_ex, raw, 1.0, true);
  return bench::all_met ? 0 : 1;
}
