// tests/tcpip/ansi.hpp - the ANSI variants through the base provider: a
// socket duplicated with WSADuplicateSocketA (the provider's W record
// converted) and opened again with WSASocketA (converted back) is the same
// connection, and the A record names the same catalog entry as the W one.
using namespace tcpip_test;

TEST_CASE("WSADuplicateSocketA + WSASocketA open a duplicate of a connected socket") {
  session app;
  tcp_pair pair = make_tcp_pair(AF_INET);
#if defined(_WIN32)
  const DWORD pid = GetCurrentProcessId();
#else
  const DWORD pid = static_cast<DWORD>(::getpid());
#endif
  WSAPROTOCOL_INFOA a{};
  REQUIRE(wpu_wsa_duplicate_socket_a(pair.client, pid, &a) == 0);
  // The A record is the provider's W record converted: the same entry, and
  // the same (ASCII) name as a W duplicate, which is opened too so the
  // provider holds no pending duplicate.
  WSAPROTOCOL_INFOW w{};
  REQUIRE(wpu_wsa_duplicate_socket_w(pair.client, pid, &w) == 0);
  sock dw(wpu_wsa_socket_w(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &w, 0,
                           WSA_FLAG_OVERLAPPED));
  CHECK(dw.valid());
  CHECK(a.dwCatalogEntryId == w.dwCatalogEntryId);
  CHECK(a.iSocketType == SOCK_STREAM);
  CHECK(std::strlen(a.szProtocol) > 0);
  for (std::size_t i = 0; i <= std::strlen(a.szProtocol); ++i)
    CHECK(static_cast<WCHAR>(static_cast<unsigned char>(a.szProtocol[i])) == w.szProtocol[i]);
  std::vector<WSAPROTOCOL_INFOA> all(64);
  DWORD len = static_cast<DWORD>(all.size() * sizeof(WSAPROTOCOL_INFOA));
  const int n = wpu_wsa_enum_protocols_a(nullptr, all.data(), &len);
  REQUIRE(n > 0);
  bool listed = false;
  for (int i = 0; i < n; ++i)
    if (all[i].dwCatalogEntryId == a.dwCatalogEntryId) listed = true;
  CHECK(listed);

  sock d(wpu_wsa_socket_a(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &a, 0,
                          WSA_FLAG_OVERLAPPED));
  REQUIRE_MESSAGE(d.valid(), "WSASocketA of a duplicate: " << WSAGetLastError());
  CHECK(send_everything(d, "dup", 3));
  CHECK(recv_exact(pair.server, 3) == "dup");
  // The original still works after the duplicate is closed.
  d.close();
  CHECK(send_everything(pair.client, "org", 3));
  CHECK(recv_exact(pair.server, 3) == "org");
}
