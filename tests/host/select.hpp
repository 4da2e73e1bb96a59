// tests/host/select.hpp - select goes whole to one provider (host-semantics.md
// §4.4; §10 items 34-38).
using namespace host_test;

TEST_CASE("host: select is passed whole to the provider of its first socket (34-38)") {
  const std::string path_a = module_path("WPU_TEST_REC_A");
  const std::string path_b = module_path("WPU_TEST_REC_B");
  recorder a(path_a), b(path_b);
  entries cat;
  cat.add(protocol(provider_guid(1), AF_INET, SOCK_STREAM, IPPROTO_TCP), path_a);
  cat.add(protocol(provider_guid(2), AF_INET, SOCK_DGRAM, IPPROTO_UDP), path_b);
  session app;
  const SOCKET a1 = wpu_socket(AF_INET, SOCK_STREAM, 0);
  const SOCKET a2 = wpu_socket(AF_INET, SOCK_STREAM, 0);
  const SOCKET b1 = wpu_socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(a1 != INVALID_SOCKET);
  REQUIRE(a2 != INVALID_SOCKET);
  REQUIRE(b1 != INVALID_SOCKET);
  a.reset();
  b.reset();

  wpu_ws_fd_set r{}, w{}, x{};
  // All three NULL or empty (34).
  HOST_FAILS_WITH(wpu_select(0, nullptr, nullptr, nullptr, nullptr), SOCKET_ERROR, WSAEINVAL);
  HOST_FAILS_WITH(wpu_select(0, &r, &w, &x, nullptr), SOCKET_ERROR, WSAEINVAL);
  // The first socket unknown (35).
  r.fd_count = 1;
  r.fd_array[0] = static_cast<SOCKET>(424242);
  HOST_FAILS_WITH(wpu_select(0, &r, nullptr, nullptr, nullptr), SOCKET_ERROR, WSAENOTSOCK);
  CHECK(a.calls().empty());
  CHECK(b.calls().empty());

  // Read empty, write {a2, a1}, except {a1}: rec-a gets all three sets (36),
  // and the timeout as given (38).
  r.fd_count = 0;
  w.fd_count = 2;
  w.fd_array[0] = a2;
  w.fd_array[1] = a1;
  x.fd_count = 1;
  x.fd_array[0] = a1;
  timeval tv{};
  tv.tv_sec = 3;
  tv.tv_usec = 7;
  CHECK(wpu_select(5, &r, &w, &x, &tv) == 2);
  rec_call c = a.last();
  CHECK(c.fn == REC_SELECT);
  CHECK(c.arg == 5);
  CHECK(c.set_counts[0] == 0);
  CHECK(c.set_counts[1] == 2);
  CHECK(c.set_counts[2] == 1);
  CHECK(c.tv_sec == 3);
  CHECK(c.tv_usec == 7);
  CHECK(w.fd_count == 2);  // the provider's answer, in place
  CHECK(x.fd_count == 0);
  CHECK(b.calls().empty());
  // The first socket of the read set decides, even with others in write.
  r.fd_count = 1;
  r.fd_array[0] = b1;
  w.fd_count = 0;
  CHECK(wpu_select(0, &r, &w, nullptr, nullptr) == 1);
  CHECK(b.last().fn == REC_SELECT);
  CHECK(b.last().tv_sec == -1);
  CHECK(a.calls(REC_SELECT).size() == 1);

  // Order of the sets: read before write before except, whatever they hold.
  a.reset();
  b.reset();
  r.fd_count = 1;
  r.fd_array[0] = b1;
  w.fd_count = 1;
  w.fd_array[0] = a1;
  HOST_FAILS_WITH(wpu_select(0, &r, &w, nullptr, nullptr), SOCKET_ERROR, WSAENOTSOCK);
  CHECK(b.calls(REC_SELECT).size() == 1);
  CHECK(a.calls(REC_SELECT).empty());
  r.fd_count = 0;
  w.fd_array[0] = b1;
  x.fd_count = 1;
  x.fd_array[0] = a1;
  HOST_FAILS_WITH(wpu_select(0, &r, &w, &x, nullptr), SOCKET_ERROR, WSAENOTSOCK);
  CHECK(b.calls(REC_SELECT).size() == 2);
  CHECK(a.calls(REC_SELECT).empty());

  // Sockets of two providers: the first one's provider gets the call and
  // refuses the foreign socket; the call is never split (37).
  a.reset();
  b.reset();
  r.fd_count = 2;
  r.fd_array[0] = a1;
  r.fd_array[1] = b1;
  HOST_FAILS_WITH(wpu_select(0, &r, nullptr, nullptr, nullptr), SOCKET_ERROR, WSAENOTSOCK);
  CHECK(a.calls(REC_SELECT).size() == 1);
  CHECK(b.calls().empty());
  r.fd_array[0] = b1;
  r.fd_array[1] = a1;
  HOST_FAILS_WITH(wpu_select(0, &r, nullptr, nullptr, nullptr), SOCKET_ERROR, WSAENOTSOCK);
  CHECK(b.calls(REC_SELECT).size() == 1);
  CHECK(a.calls(REC_SELECT).size() == 1);
}
