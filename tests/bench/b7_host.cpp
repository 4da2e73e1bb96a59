// B7: what the provider host adds to a call. WSASend (wpu_wsa_send) through
// the process host to a provider whose WSPSend returns at once, against a
// call of that provider's WSPSend through its proc table, the way a layered
// provider calls the provider below it. Both send one 64-byte WSABUF on one
// socket, non-overlapped. Target: the host adds <= 20 ns per call.
//
// Usage: bench-b7-host <path of the null provider module>
#include <wpu/host.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace {

using clock_type = std::chrono::steady_clock;

// Best ns/call over `passes` runs of at least 100 ms each.
template <class F>
double best_ns_per_call(int passes, F&& f) {
  double best = 1e30;
  for (int p = 0; p < passes; ++p) {
    std::size_t calls = 0;
    const auto start = clock_type::now();
    auto elapsed = clock_type::duration::zero();
    do {
      for (int i = 0; i < 10000; ++i) f();
      calls += 10000;
      elapsed = clock_type::now() - start;
    } while (elapsed < std::chrono::milliseconds(100));
    best = std::min(best, std::chrono::duration<double, std::nano>(elapsed).count() / calls);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <null provider module>\n", argv[0]);
    return 2;
  }
  wpu::wstring path;
  if (!wpu::utf8_to_utf16(argv[1], &path)) return 2;
  WSAPROTOCOL_INFOW info{};
  info.ProviderId.Data1 = 0xB7;
  info.ProtocolChain.ChainLen = BASE_PROTOCOL;
  info.iAddressFamily = 2;
  info.iSocketType = 1;
  info.iProtocol = 6;
  DWORD id = 0;
  if (wpu_catalog_add(&info, path.c_str(), &id) != 0) return 2;
  WSADATA data;
  if (wpu_wsa_startup(MAKEWORD(2, 2), &data) != 0) return 2;
  SOCKET s = wpu_wsa_socket_w(2, 1, 6, nullptr, 0, 0);
  if (s == INVALID_SOCKET) {
    std::fprintf(stderr, "socket: %d %s\n", wpu_wsa_get_last_error(), wpu_host_failure_text());
    return 2;
  }
  int err = 0;
  const wpu::host::route* r = wpu::process_host().find(s, &err);
  if (r == nullptr) return 2;
  const LPWSPSEND wsp_send = r->procs->lpWSPSend;
  WSATHREADID* thread = wpu::host::caller_thread();

  char payload[64] = {};
  WSABUF buf{sizeof payload, payload};
  DWORD sent = 0;
  volatile DWORD sink = 0;
  double routed = 0, direct = 0;
  // Interleaved passes, so both see the same machine.
  for (int round = 0; round < 3; ++round) {
    const double r_ns = best_ns_per_call(3, [&] {
      wpu_wsa_send(s, &buf, 1, &sent, 0, nullptr, nullptr);
      sink = sink + sent;
    });
    const double d_ns = best_ns_per_call(3, [&] {
      int e = 0;
      wsp_send(s, &buf, 1, &sent, 0, nullptr, nullptr, thread, &e);
      sink = sink + sent;
    });
    routed = round == 0 ? r_ns : std::min(routed, r_ns);
    direct = round == 0 ? d_ns : std::min(direct, d_ns);
  }
  const double added = routed - direct;
  std::printf(
      "B7  host routing, ns per call (best of 9 passes of >= 100 ms, interleaved)\n"
      "    WSASend through the host -> WSPSend     %8.2f\n"
      "    WSPSend through the proc table          %8.2f\n"
      "    added by the host                       %8.2f   target <= 20 ns: %s\n",
      routed, direct, added, added <= 20.0 ? "met" : "MISSED");
  wpu_closesocket(s);
  wpu_wsa_cleanup();
  return added <= 20.0 ? 0 : 1;
}
