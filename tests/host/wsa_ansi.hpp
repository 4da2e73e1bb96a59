// tests/host/wsa_ansi.hpp - the ANSI variants of the host's W functions
// (WSAEnumProtocolsA, WSASocketA, WSADuplicateSocketA/W): the A records are
// the W ones with szProtocol converted (UTF-8 on POSIX, the ANSI code page on
// Windows), sizes count WSAPROTOCOL_INFOA, and the calls reach the provider
// as their W counterparts do.
using namespace host_test;

namespace host_test {

// `name` (ASCII or, on POSIX, any UTF-16) into a catalog record's szProtocol.
inline WSAPROTOCOL_INFOW named(WSAPROTOCOL_INFOW p, const std::u16string& name) {
  std::size_t i = 0;
  for (; i < name.size() && i < WSAPROTOCOL_LEN; ++i) p.szProtocol[i] = static_cast<WCHAR>(name[i]);
  p.szProtocol[i] = 0;
  return p;
}

}  // namespace host_test

TEST_CASE("host: WSAEnumProtocolsA gives WSAEnumProtocolsW's records with 8-bit names") {
  const std::string path = module_path("WPU_TEST_REC_A");
  recorder rec(path);
  const GUID g = provider_guid(1);
  entries cat;
  const DWORD tcp =
      cat.add(named(protocol(g, AF_INET, SOCK_STREAM, IPPROTO_TCP), u"wpu TCP"), path);
  const DWORD udp = cat.add(named(protocol(g, AF_INET, SOCK_DGRAM, IPPROTO_UDP), u"wpu UDP"), path);
  // Layered (chain length 0) entries are not listed, as by the W function.
  cat.add(protocol(g, AF_INET, SOCK_STREAM, IPPROTO_TCP, 0, 0, LAYERED_PROTOCOL), path);

  DWORD len = 0;
  HOST_FAILS_WITH(wpu_wsa_enum_protocols_a(nullptr, nullptr, &len), SOCKET_ERROR,
                  WSANOTINITIALISED);
  session app;

  SUBCASE("sizing: WSAENOBUFS with the bytes of WSAPROTOCOL_INFOA records") {
    HOST_FAILS_WITH(wpu_wsa_enum_protocols_a(nullptr, nullptr, &len), SOCKET_ERROR, WSAENOBUFS);
    CHECK(len == 2 * sizeof(WSAPROTOCOL_INFOA));
    std::vector<WSAPROTOCOL_INFOA> a(2);
    len = static_cast<DWORD>(2 * sizeof(WSAPROTOCOL_INFOA) - 1);
    HOST_FAILS_WITH(wpu_wsa_enum_protocols_a(nullptr, a.data(), &len), SOCKET_ERROR, WSAENOBUFS);
    CHECK(len == 2 * sizeof(WSAPROTOCOL_INFOA));
    // The W function's size for the same records is larger: A is not W.
    DWORD wlen = 0;
    CHECK(wpu_wsa_enum_protocols_w(nullptr, nullptr, &wlen) == SOCKET_ERROR);
    CHECK(wlen == 2 * sizeof(WSAPROTOCOL_INFOW));
  }
  SUBCASE("records: every field as the W record, szProtocol converted") {
    std::vector<WSAPROTOCOL_INFOA> a(3);
    std::vector<WSAPROTOCOL_INFOW> w(3);
    len = static_cast<DWORD>(a.size() * sizeof(WSAPROTOCOL_INFOA));
    DWORD wlen = static_cast<DWORD>(w.size() * sizeof(WSAPROTOCOL_INFOW));
    REQUIRE(wpu_wsa_enum_protocols_a(nullptr, a.data(), &len) == 2);
    REQUIRE(wpu_wsa_enum_protocols_w(nullptr, w.data(), &wlen) == 2);
    for (int i = 0; i < 2; ++i) {
      CHECK(std::memcmp(&a[i], &w[i], offsetof(WSAPROTOCOL_INFOA, szProtocol)) == 0);
      CHECK(a[i].dwCatalogEntryId == w[i].dwCatalogEntryId);
    }
    CHECK(a[0].dwCatalogEntryId == tcp);
    CHECK(std::string(a[0].szProtocol) == "wpu TCP");
    CHECK(a[1].dwCatalogEntryId == udp);
    CHECK(std::string(a[1].szProtocol) == "wpu UDP");
  }
  SUBCASE("lpiProtocols selects, as for the W function") {
    std::vector<WSAPROTOCOL_INFOA> a(2);
    INT protocols[] = {IPPROTO_UDP, 0};
    len = static_cast<DWORD>(a.size() * sizeof(WSAPROTOCOL_INFOA));
    REQUIRE(wpu_wsa_enum_protocols_a(protocols, a.data(), &len) == 1);
    CHECK(a[0].dwCatalogEntryId == udp);
    INT none[] = {IPPROTO_RAW, 0};
    CHECK(wpu_wsa_enum_protocols_a(none, a.data(), &len) == 0);
  }
  SUBCASE("a NULL lpdwBufferLength is the W function's error") {
    std::vector<WSAPROTOCOL_INFOA> a(2);
    const int rc = wpu_wsa_enum_protocols_a(nullptr, a.data(), nullptr);
    const int err = WSAGetLastError();
    CHECK(wpu_wsa_enum_protocols_w(nullptr, nullptr, nullptr) == rc);
    CHECK(WSAGetLastError() == err);
    CHECK(rc == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
  }
}

#if !defined(_WIN32)
TEST_CASE("host: POSIX converts szProtocol to UTF-8, cut at a whole character") {
  const std::string path = module_path("WPU_TEST_REC_A");
  recorder rec(path);
  const GUID g = provider_guid(1);
  entries cat;
  // U+00E9 (2 bytes in UTF-8), U+20AC (3), U+1F600 (a surrogate pair, 4), a
  // lone surrogate (U+FFFD, 3).
  const std::u16string mixed = u"a\u00e9\u20ac\U0001F600\xD800z";
  const DWORD first = cat.add(named(protocol(g, AF_INET, SOCK_STREAM, IPPROTO_TCP), mixed), path);
  // 255 x U+00E9 is 510 bytes: 127 characters fit the 255 bytes before the NUL.
  const DWORD second = cat.add(
      named(protocol(g, AF_INET, SOCK_DGRAM, IPPROTO_UDP), std::u16string(255, u'\u00e9')), path);
  session app;
  std::vector<WSAPROTOCOL_INFOA> a(2);
  DWORD len = static_cast<DWORD>(a.size() * sizeof(WSAPROTOCOL_INFOA));
  REQUIRE(wpu_wsa_enum_protocols_a(nullptr, a.data(), &len) == 2);
  REQUIRE(a[0].dwCatalogEntryId == first);
  CHECK(std::string(a[0].szProtocol) == "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBDz");
  REQUIRE(a[1].dwCatalogEntryId == second);
  std::string cut;
  for (int i = 0; i < 127; ++i) cut += "\xC3\xA9";
  CHECK(std::string(a[1].szProtocol) == cut);
}
#endif  // !defined(_WIN32)

TEST_CASE("host: WSASocketA routes by the A record, as WSASocketW by the W one") {
  const std::string path = module_path("WPU_TEST_REC_A");
  recorder rec(path);
  const GUID g = provider_guid(1);
  entries cat;
  cat.add(named(protocol(g, AF_INET, SOCK_STREAM, IPPROTO_TCP), u"wpu TCP"), path);
  const DWORD udp = cat.add(named(protocol(g, AF_INET, SOCK_DGRAM, IPPROTO_UDP), u"wpu UDP"), path);
  HOST_FAILS_WITH(wpu_wsa_socket_a(AF_INET, SOCK_DGRAM, 0, nullptr, 0, 0), INVALID_SOCKET,
                  WSANOTINITIALISED);
  session app;
  std::vector<WSAPROTOCOL_INFOA> a(2);
  DWORD len = static_cast<DWORD>(a.size() * sizeof(WSAPROTOCOL_INFOA));
  REQUIRE(wpu_wsa_enum_protocols_a(nullptr, a.data(), &len) == 2);
  WSAPROTOCOL_INFOA info = a[1];
  REQUIRE(info.dwCatalogEntryId == udp);

  SUBCASE("the entry named by dwCatalogEntryId; FROM_PROTOCOL_INFO reaches WSPSocket") {
    const SOCKET s = wpu_wsa_socket_a(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO,
                                      &info, 0, WSA_FLAG_OVERLAPPED);
    REQUIRE(s != INVALID_SOCKET);
    CHECK(catalog_id_of(s) == udp);
    const rec_call c = rec.last();
    CHECK(c.fn == REC_SOCKET);
    CHECK(c.catalog_id == udp);
    CHECK(c.af == FROM_PROTOCOL_INFO);
    CHECK(c.flags == WSA_FLAG_OVERLAPPED);
    CHECK(wpu_closesocket(s) == 0);
  }
  SUBCASE("without a record: the first matching entry, as socket()") {
    const SOCKET s = wpu_wsa_socket_a(AF_INET, SOCK_DGRAM, 0, nullptr, 0, 0);
    CHECK(catalog_id_of(s) == udp);
    CHECK(rec.last().flags == 0);
  }
  SUBCASE("an unknown dwCatalogEntryId gives WSAEINVAL") {
    info.dwCatalogEntryId = 999999;
    HOST_FAILS_WITH(wpu_wsa_socket_a(AF_INET, SOCK_DGRAM, 0, &info, 0, 0), INVALID_SOCKET,
                    WSAEINVAL);
  }
  SUBCASE("a name without its NUL is read up to the array's end") {
    std::memset(info.szProtocol, 'x', sizeof info.szProtocol);
    const SOCKET s = wpu_wsa_socket_a(AF_INET, SOCK_DGRAM, 0, &info, 0, 0);
    CHECK(catalog_id_of(s) == udp);
  }
}

TEST_CASE("host: WSADuplicateSocketA/W reach the socket's WSPDuplicateSocket") {
  const std::string path = module_path("WPU_TEST_REC_A");
  recorder rec(path);
  entries cat;
  cat.add(protocol(provider_guid(1), AF_INET, SOCK_STREAM, IPPROTO_TCP), path);
  session app;
  const SOCKET s = wpu_socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(s != INVALID_SOCKET);
  WSAPROTOCOL_INFOA a{};
  WSAPROTOCOL_INFOW w{};
  rec.reset();
  // The recording provider refuses with WSAEOPNOTSUPP: the error is its.
  HOST_FAILS_WITH(wpu_wsa_duplicate_socket_a(s, 1234, &a), SOCKET_ERROR, WSAEOPNOTSUPP);
  HOST_FAILS_WITH(wpu_wsa_duplicate_socket_w(s, 1234, &w), SOCKET_ERROR, WSAEOPNOTSUPP);
  REQUIRE(rec.calls().size() == 2);
  CHECK(rec.calls()[0].fn == REC_OTHER);
  CHECK(rec.calls()[0].s == s);
  // NULL record: WSAEFAULT before the provider; an unknown socket: WSAENOTSOCK.
  HOST_FAILS_WITH(wpu_wsa_duplicate_socket_a(s, 1234, nullptr), SOCKET_ERROR, WSAEFAULT);
  HOST_FAILS_WITH(wpu_wsa_duplicate_socket_w(s, 1234, nullptr), SOCKET_ERROR, WSAEFAULT);
  CHECK(rec.calls().size() == 2);
  HOST_FAILS_WITH(wpu_wsa_duplicate_socket_a(s + 4096, 1234, &a), SOCKET_ERROR, WSAENOTSOCK);
}
