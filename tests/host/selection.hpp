// tests/host/selection.hpp - how socket()/WSASocketW picks a catalog entry
// (host-semantics.md §1.4; §10 items 4-11).
using namespace host_test;

TEST_CASE("host: socket() picks the first matching entry in catalog order (4-9)") {
  const std::string path = module_path("WPU_TEST_REC_A");
  recorder rec(path);
  const GUID g = provider_guid(1);
  entries cat;
  // A layered entry matching everything comes first: never chosen (5).
  cat.add(protocol(g, AF_INET, SOCK_STREAM, IPPROTO_TCP, 0, PFL_MATCHES_PROTOCOL_ZERO,
                   LAYERED_PROTOCOL),
          path);
  // TCP without PFL_MATCHES_PROTOCOL_ZERO, then TCP with it (6).
  const DWORD tcp_no_zero = cat.add(protocol(g, AF_INET, SOCK_STREAM, IPPROTO_TCP, 0, 0), path);
  DWORD tcp_zero = cat.add(protocol(g, AF_INET, SOCK_STREAM, IPPROTO_TCP), path);
  const DWORD udp = cat.add(protocol(g, AF_INET, SOCK_DGRAM, IPPROTO_UDP), path);
  // RAW over protocols 10..15 (8).
  const DWORD raw = cat.add(protocol(g, AF_INET, SOCK_RAW, 10, 5, 0), path);
  session app;

  SUBCASE("protocol 0 matches only PFL_MATCHES_PROTOCOL_ZERO entries (5, 6)") {
    const SOCKET s = wpu_socket(AF_INET, SOCK_STREAM, 0);
    CHECK(catalog_id_of(s) == tcp_zero);
    CHECK(rec.last().catalog_id == tcp_zero);
  }
  SUBCASE("an explicit protocol takes the first entry in order (4)") {
    CHECK(catalog_id_of(wpu_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) == tcp_no_zero);
    CHECK(catalog_id_of(wpu_socket(AF_INET, SOCK_DGRAM, 0)) == udp);
  }
  SUBCASE("reordering the catalog changes the pick (4)") {
    // Move the zero-matching TCP entry after a second one: the new one wins.
    app.end();
    const DWORD second = cat.add(protocol(g, AF_INET, SOCK_STREAM, IPPROTO_TCP), path);
    cat.remove(tcp_zero);
    tcp_zero = cat.add(protocol(g, AF_INET, SOCK_STREAM, IPPROTO_TCP), path);
    session again;
    CHECK(catalog_id_of(wpu_socket(AF_INET, SOCK_STREAM, 0)) == second);
  }
  SUBCASE("af 0 and type 0 are wildcards (7)") {
    CHECK(catalog_id_of(wpu_socket(0, 0, IPPROTO_UDP)) == udp);
    CHECK(catalog_id_of(wpu_socket(AF_INET, 0, IPPROTO_UDP)) == udp);
    CHECK(catalog_id_of(wpu_socket(0, SOCK_DGRAM, 0)) == udp);
    CHECK(catalog_id_of(wpu_socket(0, 0, 0)) == tcp_zero);
  }
  SUBCASE("a protocol inside [iProtocol, iProtocol + iProtocolMaxOffset] matches (8)") {
    CHECK(catalog_id_of(wpu_socket(AF_INET, SOCK_RAW, 10)) == raw);
    CHECK(catalog_id_of(wpu_socket(AF_INET, SOCK_RAW, 15)) == raw);
    CHECK(rec.last().protocol == 15);
    HOST_FAILS_WITH(wpu_socket(AF_INET, SOCK_RAW, 16), INVALID_SOCKET, WSAEPROTONOSUPPORT);
    HOST_FAILS_WITH(wpu_socket(AF_INET, SOCK_RAW, 9), INVALID_SOCKET, WSAEPROTONOSUPPORT);
    // No PFL_MATCHES_PROTOCOL_ZERO on the RAW entry.
    HOST_FAILS_WITH(wpu_socket(AF_INET, SOCK_RAW, 0), INVALID_SOCKET, WSAEPROTONOSUPPORT);
  }
  SUBCASE("the deepest partial match gives the error (9)") {
    HOST_FAILS_WITH(wpu_socket(99, SOCK_STREAM, 0), INVALID_SOCKET, WSAEAFNOSUPPORT);
    HOST_FAILS_WITH(wpu_socket(AF_INET, 77, 0), INVALID_SOCKET, WSAESOCKTNOSUPPORT);
    HOST_FAILS_WITH(wpu_socket(AF_INET, SOCK_STREAM, 99), INVALID_SOCKET, WSAEPROTONOSUPPORT);
    HOST_FAILS_WITH(wpu_socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), INVALID_SOCKET,
                    WSAEPROTONOSUPPORT);
  }
  SUBCASE("lpProtocolInfo selects by dwCatalogEntryId; FROM_PROTOCOL_INFO reaches WSPSocket (10)") {
    WSAPROTOCOL_INFOW info{};
    REQUIRE(wpu_catalog_get(udp, &info) == 0);
    info.iSocketType = 1234;  // passed as is: the provider reads it, the host does not
    const SOCKET s = wpu_wsa_socket_w(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO,
                                      &info, 0, WSA_FLAG_OVERLAPPED);
    REQUIRE(s != INVALID_SOCKET);
    CHECK(catalog_id_of(s) == udp);
    const rec_call c = rec.last();
    CHECK(c.fn == REC_SOCKET);
    CHECK(c.af == FROM_PROTOCOL_INFO);
    CHECK(c.type == FROM_PROTOCOL_INFO);
    CHECK(c.protocol == FROM_PROTOCOL_INFO);
    CHECK(c.catalog_id == udp);
    // af, type and protocol given with lpProtocolInfo reach the provider unchanged too.
    CHECK(wpu_wsa_socket_w(AF_INET, SOCK_STREAM, 0, &info, 0, 0) != INVALID_SOCKET);
    CHECK(rec.last().type == SOCK_STREAM);
    CHECK(rec.last().flags == 0);
  }
  SUBCASE("an unknown dwCatalogEntryId gives WSAEINVAL (11)") {
    WSAPROTOCOL_INFOW info{};
    REQUIRE(wpu_catalog_get(udp, &info) == 0);
    info.dwCatalogEntryId = 999999;
    HOST_FAILS_WITH(wpu_wsa_socket_w(AF_INET, SOCK_DGRAM, 0, &info, 0, 0), INVALID_SOCKET,
                    WSAEINVAL);
  }
}

TEST_CASE("host: a provider busy with WSAEINPROGRESS passes socket() to the next entry") {
  const std::string path_a = module_path("WPU_TEST_REC_A");
  const std::string path_b = module_path("WPU_TEST_REC_B");
  recorder a(path_a), b(path_b);
  entries cat;
  const DWORD first =
      cat.add(protocol(provider_guid(2), AF_INET, SOCK_STREAM, IPPROTO_TCP), path_b);
  const DWORD second =
      cat.add(protocol(provider_guid(1), AF_INET, SOCK_STREAM, IPPROTO_TCP), path_a);
  session app;
  b.socket_mode(REC_SOCKET_INPROGRESS);
  const SOCKET s = wpu_socket(AF_INET, SOCK_STREAM, 0);
  CHECK(catalog_id_of(s) == second);
  CHECK(b.calls(REC_SOCKET).size() == 1);
  CHECK(a.calls(REC_SOCKET).size() == 1);
  // Named explicitly, the busy entry's error is the result.
  WSAPROTOCOL_INFOW info{};
  REQUIRE(wpu_catalog_get(first, &info) == 0);
  HOST_FAILS_WITH(wpu_wsa_socket_w(AF_INET, SOCK_STREAM, 0, &info, 0, 0), INVALID_SOCKET,
                  WSAEINPROGRESS);
  // Every matching entry busy: the error is theirs, not a "no such protocol".
  a.socket_mode(REC_SOCKET_INPROGRESS);
  HOST_FAILS_WITH(wpu_socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET, WSAEINPROGRESS);
  CHECK(a.calls(REC_SOCKET).size() == 2);
  a.socket_mode(REC_SOCKET_NORMAL);
  b.socket_mode(REC_SOCKET_NORMAL);
}
