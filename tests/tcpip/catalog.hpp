// tests/tcpip/catalog.hpp - the default catalog (WPU_CATALOG unset) holds the
// base provider's four entries, as Windows' MSAFD Tcpip entries look, and
// socket creation picks them (protocol 0 included).
using namespace tcpip_test;

namespace tcpip_test {

inline std::string narrow(const WCHAR* w) {
  std::string s;
  for (; *w != 0; ++w) s += static_cast<char>(*w < 128 ? *w : '?');
  return s;
}

// The catalog's entries for the base provider.
inline std::vector<WSAPROTOCOL_INFOW> tcpip_entries() {
  DWORD len = 0;
  int err = 0;
  std::vector<WSAPROTOCOL_INFOW> all;
  if (wpu_wsa_enum_protocols_w(nullptr, nullptr, &len) == SOCKET_ERROR) {
    err = WSAGetLastError();
    REQUIRE(err == WSAENOBUFS);
  }
  all.resize(len / sizeof(WSAPROTOCOL_INFOW) + 1);
  len = static_cast<DWORD>(all.size() * sizeof(WSAPROTOCOL_INFOW));
  const int n = wpu_wsa_enum_protocols_w(nullptr, all.data(), &len);
  REQUIRE(n != SOCKET_ERROR);
  all.resize(static_cast<std::size_t>(n));
  std::vector<WSAPROTOCOL_INFOW> out;
  for (const WSAPROTOCOL_INFOW& p : all)
    if (same_guid(p.ProviderId, tcpip_provider_id())) out.push_back(p);
  return out;
}

}  // namespace tcpip_test

TEST_CASE("tcpip: the default catalog holds the base provider's TCP and UDP entries") {
  session app;
  const std::vector<WSAPROTOCOL_INFOW> e = tcpip_entries();
  REQUIRE(e.size() == 4);
  struct want {
    int af, type, proto;
    const char* name;
  };
  const want wants[] = {
      {AF_INET, SOCK_STREAM, ws_ipproto_tcp, "wpu Tcpip [TCP/IP]"},
      {AF_INET, SOCK_DGRAM, ws_ipproto_udp, "wpu Tcpip [UDP/IP]"},
      {AF_INET6, SOCK_STREAM, ws_ipproto_tcp, "wpu Tcpip [TCP/IPv6]"},
      {AF_INET6, SOCK_DGRAM, ws_ipproto_udp, "wpu Tcpip [UDP/IPv6]"},
  };
  for (const want& w : wants) {
    CAPTURE(w.name);
    const WSAPROTOCOL_INFOW* found = nullptr;
    for (const WSAPROTOCOL_INFOW& p : e)
      if (p.iAddressFamily == w.af && p.iSocketType == w.type && p.iProtocol == w.proto) found = &p;
    REQUIRE(found != nullptr);
    CHECK(narrow(found->szProtocol) == w.name);
    CHECK(found->ProtocolChain.ChainLen == BASE_PROTOCOL);
    CHECK((found->dwServiceFlags1 & XP1_IFS_HANDLES) != 0);
    CHECK((found->dwProviderFlags & PFL_MATCHES_PROTOCOL_ZERO) != 0);
    if (w.type == SOCK_STREAM) {
      CHECK((found->dwServiceFlags1 & XP1_GUARANTEED_DELIVERY) != 0);
      CHECK((found->dwServiceFlags1 & XP1_GUARANTEED_ORDER) != 0);
      CHECK((found->dwServiceFlags1 & XP1_CONNECTIONLESS) == 0);
    } else {
      CHECK((found->dwServiceFlags1 & XP1_CONNECTIONLESS) != 0);
      CHECK((found->dwServiceFlags1 & XP1_MESSAGE_ORIENTED) != 0);
    }
    // Socket creation finds the entry, with the protocol or with 0.
    for (int proto : {w.proto, 0}) {
      sock s(wpu_wsa_socket_w(w.af, w.type, proto, nullptr, 0, WSA_FLAG_OVERLAPPED));
      REQUIRE_MESSAGE(s.valid(), "error " << WSAGetLastError() << " " << wpu_host_failure_text());
      DWORD id = 0;
      CHECK(wpu_socket_catalog_id(s, &id) == 0);
      CHECK(id == found->dwCatalogEntryId);
    }
  }
}
