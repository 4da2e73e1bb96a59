// B8: a loopback TCP echo through the provider host and wpu's base provider
// (wpu-tcpip), side by side with raw Asio TCP, all measured in one run.
//
// Two figures, each on one connection whose both ends use the same stack:
//   throughput   the client writes a 64 KiB message and reads it back; the
//                server echoes whatever it reads. MB/s of payload each way.
//   round trips  the client writes 64 bytes and reads 64 bytes back; round
//                trips per second. TCP_NODELAY on every socket.
// Stacks:
//   asio   boost::asio::ip::tcp sockets, blocking read/write;
//   wpu    wpu_socket/wpu_send/wpu_recv (WSASocket, send, recv through the
//          process host) on the default catalog's TCP/IPv4 base entry, so
//          each call is routed to wpu-tcpip's WSPSend/WSPRecv: blocking;
//   lsp    the same calls on a chain [layered provider, TCP/IPv4 base]: the
//          flagship example LSP (examples/lsp.c) over wpu-tcpip. Measured
//          only when its module path is given.
// Noise (2 vCPUs, shared): the stacks take turns within each round, and the
// report gives the best of kRounds rounds of >= 300 ms each. Targets: wpu
// >= 0.9x Asio throughput, >= 0.8x Asio round trips; the LSP costs <= 10%
// more time per operation than the base provider alone.
//
// Usage: bench-b8-echo [<lsp module>]   (WPU_TCPIP_PROVIDER names wpu-tcpip)
// Exits 1 if a target is missed, 2 if the setup fails.
#include <wpu/host.hpp>
#include <wpu/wpu.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

// The LSP's installation lives in a C file of its own (b8_lsp.c): its header
// brings <wpu/winsock.h>, whose Winsock names would rename Asio's.
extern "C" int b8_install_lsp(const char* module, const WSAPROTOCOL_INFOW* base,
                              WSAPROTOCOL_INFOW* chain);

namespace {

using clock_type = std::chrono::steady_clock;
constexpr int kRounds = 5;
constexpr std::size_t kBig = 64 * 1024;
constexpr std::size_t kSmall = 64;
constexpr auto kMinPass = std::chrono::milliseconds(300);

// One connected client/server pair of a stack. exchange(n) sends n bytes and
// reads n bytes back; the server thread echoes until the client closes.
struct stack {
  virtual ~stack() = default;
  virtual bool exchange(char* buf, std::size_t n) = 0;
};

// Operations per second of `op` over one pass of at least kMinPass.
double rate(const std::function<bool()>& op, bool* ok) {
  std::size_t n = 0;
  const auto start = clock_type::now();
  auto elapsed = clock_type::duration::zero();
  do {
    for (int i = 0; i < 16; ++i)
      if (!op()) {
        *ok = false;
        return 0;
      }
    n += 16;
    elapsed = clock_type::now() - start;
  } while (elapsed < kMinPass);
  return n / std::chrono::duration<double>(elapsed).count();
}

// ---- raw Asio --------------------------------------------------------------

namespace asio = boost::asio;
using asio::ip::tcp;

struct asio_stack final : stack {
  asio::io_context io;
  tcp::socket client{io};
  std::thread server;

  asio_stack() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    const auto at = acceptor.local_endpoint();
    server = std::thread([this, acc = std::move(acceptor)]() mutable {
      tcp::socket peer = acc.accept();
      peer.set_option(tcp::no_delay(true));
      std::vector<char> b(kBig);
      boost::system::error_code ec;
      for (;;) {
        const std::size_t got = peer.read_some(asio::buffer(b), ec);
        if (ec) break;
        asio::write(peer, asio::buffer(b.data(), got), ec);
        if (ec) break;
      }
    });
    client.connect(at);
    client.set_option(tcp::no_delay(true));
  }
  ~asio_stack() override {
    boost::system::error_code ec;
    client.shutdown(tcp::socket::shutdown_both, ec);
    client.close(ec);
    server.join();
  }
  bool exchange(char* buf, std::size_t n) override {
    boost::system::error_code ec;
    asio::write(client, asio::buffer(buf, n), ec);
    if (ec) return false;
    asio::read(client, asio::buffer(buf, n), ec);
    return !ec;
  }
};

// ---- wpu: the host's application API --------------------------------------

bool send_all(SOCKET s, const char* p, std::size_t n) {
  while (n > 0) {
    const int r = wpu_send(s, p, static_cast<int>(n), 0);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool recv_all(SOCKET s, char* p, std::size_t n) {
  while (n > 0) {
    const int r = wpu_recv(s, p, static_cast<int>(n), 0);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

SOCKET make_socket(const WSAPROTOCOL_INFOW* info) {
  SOCKET s = info != nullptr ? wpu_wsa_socket_w(0, 0, 0, const_cast<WSAPROTOCOL_INFOW*>(info), 0, 0)
                             : wpu_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return s;
  int one = 1;
  wpu_setsockopt(s, IPPROTO_TCP, 1 /* TCP_NODELAY, Windows and Linux */,
                 reinterpret_cast<const char*>(&one), sizeof one);
  return s;
}

struct wpu_stack final : stack {
  SOCKET client = INVALID_SOCKET;
  std::thread server;
  bool ok = false;

  explicit wpu_stack(const WSAPROTOCOL_INFOW* info) {
    SOCKET listener = make_socket(info);
    if (listener == INVALID_SOCKET) return;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int len = sizeof a;
    if (wpu_bind(listener, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
        wpu_listen(listener, 1) != 0 ||
        wpu_getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      wpu_closesocket(listener);
      return;
    }
    server = std::thread([listener] {
      SOCKET peer = wpu_accept(listener, nullptr, nullptr);
      wpu_closesocket(listener);
      if (peer == INVALID_SOCKET) return;
      int one = 1;
      wpu_setsockopt(peer, IPPROTO_TCP, 1, reinterpret_cast<const char*>(&one), sizeof one);
      std::vector<char> b(kBig);
      for (;;) {
        const int got = wpu_recv(peer, b.data(), static_cast<int>(b.size()), 0);
        if (got <= 0 || !send_all(peer, b.data(), static_cast<std::size_t>(got))) break;
      }
      wpu_closesocket(peer);
    });
    client = make_socket(info);
    ok = client != INVALID_SOCKET &&
         wpu_connect(client, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  }
  ~wpu_stack() override {
    if (client != INVALID_SOCKET) {
      wpu_shutdown(client, 2 /* SD_BOTH */);
      wpu_closesocket(client);
    }
    if (server.joinable()) server.join();
  }
  bool exchange(char* buf, std::size_t n) override {
    return send_all(client, buf, n) && recv_all(client, buf, n);
  }
};

// The catalog's TCP/IPv4 base entry (wpu-tcpip's, in the default catalog).
bool find_tcp_base(WSAPROTOCOL_INFOW* out) {
  for (const auto& e : wpu::process_catalog().entries()) {
    const WSAPROTOCOL_INFOW& i = e.info;
    if (i.ProtocolChain.ChainLen == BASE_PROTOCOL && i.iAddressFamily == AF_INET &&
        i.iSocketType == SOCK_STREAM && i.iProtocol == IPPROTO_TCP) {
      *out = i;
      return true;
    }
  }
  return false;
}

struct figures {
  double mbps = 0, rtps = 0;
};

}  // namespace

int main(int argc, char** argv) {
  WSAPROTOCOL_INFOW base{}, chain{};
  if (!find_tcp_base(&base)) {
    std::fprintf(stderr, "no TCP/IPv4 base entry (is WPU_CATALOG unset?)\n");
    return 2;
  }
  const bool with_lsp = argc > 1;
  if (with_lsp && b8_install_lsp(argv[1], &base, &chain) != 0) {
    std::fprintf(stderr, "could not install the LSP from %s\n", argv[1]);
    return 2;
  }
  WSADATA data;
  if (wpu_wsa_startup(MAKEWORD(2, 2), &data) != 0) return 2;

  const char* names[] = {"asio", "wpu", "lsp"};
  const int stacks = with_lsp ? 3 : 2;
  figures best[3];
  std::vector<char> buf(kBig, 'x');
  for (int round = 0; round < kRounds; ++round) {
    for (int k = 0; k < stacks; ++k) {
      const int which = (k + round) % stacks;  // rotate who goes first
      std::unique_ptr<stack> st;
      if (which == 0) {
        st = std::make_unique<asio_stack>();
      } else {
        auto w = std::make_unique<wpu_stack>(which == 1 ? nullptr : &chain);
        if (!w->ok) {
          std::fprintf(stderr, "%s: setup failed: %d %s\n", names[which], wpu_wsa_get_last_error(),
                       wpu_host_failure_text());
          return 2;
        }
        st = std::move(w);
      }
      bool ok = true;
      const double big = rate([&] { return st->exchange(buf.data(), kBig); }, &ok);
      const double small = rate([&] { return st->exchange(buf.data(), kSmall); }, &ok);
      if (!ok) {
        std::fprintf(stderr, "%s: an exchange failed: %d\n", names[which],
                     wpu_wsa_get_last_error());
        return 2;
      }
      best[which].mbps = std::max(best[which].mbps, big * kBig / 1e6);
      best[which].rtps = std::max(best[which].rtps, small);
    }
  }
  wpu_wsa_cleanup();

  const double tput = best[1].mbps / best[0].mbps;
  const double rt = best[1].rtps / best[0].rtps;
  std::printf(
      "B8  loopback TCP echo, one connection, best of %d rounds of >= 300 ms\n"
      "                          64 KiB echo MB/s   64 B round trips/s\n"
      "    raw Asio              %12.0f       %12.0f\n"
      "    wpu host + tcpip      %12.0f       %12.0f\n",
      kRounds, best[0].mbps, best[0].rtps, best[1].mbps, best[1].rtps);
  if (with_lsp)
    std::printf("    + layered LSP         %12.0f       %12.0f\n", best[2].mbps, best[2].rtps);
  bool met = true;
  auto line = [&](const char* what, double v, double target, bool more_is_better) {
    const bool pass = more_is_better ? v >= target : v <= target;
    met = met && pass;
    std::printf("    %-38s %6.2f   target %s %.2f: %s\n", what, v,
                more_is_better ? ">=" : "<=", target, pass ? "met" : "MISSED");
  };
  line("wpu / Asio throughput", tput, 0.9, true);
  line("wpu / Asio round trips", rt, 0.8, true);
  if (with_lsp) {
    // Time per operation is 1/rate: the LSP's extra cost over the base alone.
    line("LSP time per 64 KiB echo / base", best[1].mbps / best[2].mbps, 1.1, false);
    line("LSP time per round trip / base", best[1].rtps / best[2].rtps, 1.1, false);
  }
  return met ? 0 : 1;
}
