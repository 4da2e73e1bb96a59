// tests/host/startup.hpp - WSAStartup/WSACleanup and provider loading
// (host-semantics.md §10 items 13-18, 24).
using namespace host_test;

TEST_CASE("host: every call before WSAStartup fails with WSANOTINITIALISED (13)") {
  const SOCKET s = static_cast<SOCKET>(100);
  char buf[4] = {};
  int len = sizeof buf;
  ULONG arg = 1;
  HOST_FAILS_WITH(wpu_socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET, WSANOTINITIALISED);
  HOST_FAILS_WITH(wpu_wsa_socket_w(AF_INET, SOCK_STREAM, 0, nullptr, 0, 0), INVALID_SOCKET,
                  WSANOTINITIALISED);
  HOST_FAILS_WITH(wpu_closesocket(s), SOCKET_ERROR, WSANOTINITIALISED);
  HOST_FAILS_WITH(wpu_send(s, buf, 1, 0), SOCKET_ERROR, WSANOTINITIALISED);
  HOST_FAILS_WITH(wpu_recv(s, buf, 1, 0), SOCKET_ERROR, WSANOTINITIALISED);
  HOST_FAILS_WITH(wpu_bind(s, nullptr, 0), SOCKET_ERROR, WSANOTINITIALISED);
  HOST_FAILS_WITH(wpu_ioctlsocket(s, FIONBIO, &arg), SOCKET_ERROR, WSANOTINITIALISED);
  HOST_FAILS_WITH(wpu_getsockopt(s, SOL_SOCKET, SO_RCVBUF, buf, &len), SOCKET_ERROR,
                  WSANOTINITIALISED);
  HOST_FAILS_WITH(wpu_getsockopt(s, SOL_SOCKET, SO_OPENTYPE, buf, &len), SOCKET_ERROR,
                  WSANOTINITIALISED);
  HOST_FAILS_WITH(wpu_accept(s, nullptr, nullptr), INVALID_SOCKET, WSANOTINITIALISED);
  wpu_ws_fd_set set{};
  set.fd_count = 1;
  set.fd_array[0] = s;
  HOST_FAILS_WITH(wpu_select(0, &set, nullptr, nullptr, nullptr), SOCKET_ERROR, WSANOTINITIALISED);
  HOST_FAILS_WITH(wpu_wsa_cleanup(), SOCKET_ERROR, WSANOTINITIALISED);
  DWORD id = 0;
  CHECK(wpu_socket_catalog_id(s, &id) == WSAENOTSOCK);
  CHECK(wpu_socket_catalog_id(s, nullptr) == WSAEFAULT);
}

TEST_CASE("host: WSAStartup negotiates versions and counts (14, 15, 16)") {
  WSADATA d{};
  CHECK(wpu_wsa_startup(0x0000, &d) == WSAVERNOTSUPPORTED);
  CHECK(wpu_wsa_startup(MAKEWORD(0, 2), &d) == WSAVERNOTSUPPORTED);
  CHECK(wpu_wsa_startup(MAKEWORD(2, 2), nullptr) == WSAEFAULT);
  HOST_FAILS_WITH(wpu_wsa_cleanup(), SOCKET_ERROR, WSANOTINITIALISED);  // nothing was counted

  CHECK(wpu_wsa_startup(MAKEWORD(3, 0), &d) == 0);
  CHECK(d.wVersion == 0x0202);
  CHECK(d.wHighVersion == 0x0202);
  CHECK(wpu_wsa_startup(MAKEWORD(1, 5), &d) == 0);
  CHECK(d.wVersion == 0x0101);
  CHECK(wpu_wsa_startup(MAKEWORD(2, 1), &d) == 0);
  CHECK(d.wVersion == MAKEWORD(2, 1));
  CHECK(wpu_wsa_startup(MAKEWORD(2, 9), &d) == 0);
  CHECK(d.wVersion == 0x0202);

  CHECK(wpu_wsa_cleanup() == 0);
  CHECK(wpu_wsa_cleanup() == 0);
  CHECK(wpu_wsa_cleanup() == 0);
  CHECK(wpu_wsa_cleanup() == 0);
  HOST_FAILS_WITH(wpu_wsa_cleanup(), SOCKET_ERROR, WSANOTINITIALISED);
  HOST_FAILS_WITH(wpu_socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET, WSANOTINITIALISED);
}

TEST_CASE(
    "host: the first socket loads the provider once; the last WSACleanup closes and cleans up "
    "(17, 18, 24)") {
  const std::string path = module_path("WPU_TEST_REC_A");
  recorder rec(path);
  const rec_state before = rec.state();
  entries cat;
  const DWORD id = cat.add(protocol(provider_guid(1), AF_INET, SOCK_STREAM, IPPROTO_TCP), path);

  {
    session app;
    CHECK(rec.state().startups == before.startups);  // WSAStartup loads nothing (17)
    CHECK(rec.state().attaches == before.attaches);
    const SOCKET a = wpu_socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(a != INVALID_SOCKET);
    const SOCKET b = wpu_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    REQUIRE(b != INVALID_SOCKET);
    CHECK(a != b);
    CHECK(catalog_id_of(a) == id);
    const rec_state st = rec.state();
    CHECK(st.startups == before.startups + 1);  // once for both sockets
#if !defined(_WIN32)
    CHECK(st.attaches == before.attaches + 1);  // the host calls the exported DllMain
#endif
    // What WSPStartup received (18): 2.2, the entry's info, the backend's table by value.
    CHECK(st.startup_version == 0x0202);
    CHECK(st.startup_info.dwCatalogEntryId == id);
    CHECK(st.startup_info.iSocketType == SOCK_STREAM);
    WSPUPCALLTABLE table{};
    REQUIRE(wpu_get_upcall_table(&table) == 0);
    CHECK(std::memcmp(&st.upcalls, &table, sizeof table) == 0);
    // The provider saw the host's socket() as WSPSocket with WSA_FLAG_OVERLAPPED.
    const std::vector<rec_call> made = rec.calls(REC_SOCKET);
    REQUIRE(made.size() == 2);
    CHECK(made[0].af == AF_INET);
    CHECK(made[0].type == SOCK_STREAM);
    CHECK(made[0].protocol == 0);
    CHECK(made[0].flags == WSA_FLAG_OVERLAPPED);
    CHECK(made[0].catalog_id == id);
    CHECK(made[0].s == a);
    CHECK(made[1].protocol == IPPROTO_TCP);
    CHECK(st.open_sockets == 2);
    rec.reset();
  }  // the last WSACleanup (24)

  const rec_state after = rec.state();
  const std::vector<rec_call> closed = rec.calls(REC_CLOSE_SOCKET);
  CHECK(closed.size() == 2);
  CHECK(after.open_sockets == 0);
  CHECK(after.cleanups == after.startups);  // one WSPCleanup per WSPStartup
#if !defined(_WIN32)
  CHECK(after.detaches == after.attaches);  // DllMain(DLL_PROCESS_DETACH) before dlclose
#endif
  // After the cleanup, a new session loads it again (one more WSPStartup).
  {
    session app;
    REQUIRE(wpu_socket(AF_INET, SOCK_STREAM, 0) != INVALID_SOCKET);
    CHECK(rec.state().startups == after.startups + 1);
  }
  CHECK(rec.state().cleanups == rec.state().startups);
}

TEST_CASE("host: the last WSACleanup unloads the provider module (24)") {
  const std::string path = module_path("WPU_TEST_REC_A");
  CHECK_FALSE(module::loaded(path));
  entries cat;
  cat.add(protocol(provider_guid(1), AF_INET, SOCK_STREAM, IPPROTO_TCP), path);
  session app;
  REQUIRE(wpu_socket(AF_INET, SOCK_STREAM, 0) != INVALID_SOCKET);
  CHECK(module::loaded(path));
  app.end();
  CHECK_FALSE(module::loaded(path));
}

TEST_CASE("host: a %VAR% in the module path is expanded before loading (19)") {
  const std::string path = module_path("WPU_TEST_REC_A");
  const std::string dir = path.substr(0, path.size() - base_name(path).size());
#if defined(_WIN32)
  REQUIRE(::_putenv(("WPU_TEST_HOST_DIR=" + dir).c_str()) == 0);
#else
  REQUIRE(::setenv("WPU_TEST_HOST_DIR", dir.c_str(), 1) == 0);
#endif
  entries cat;
  const DWORD id = cat.add(protocol(provider_guid(1), AF_INET, SOCK_STREAM, IPPROTO_TCP),
                           "%WPU_TEST_HOST_DIR%" + base_name(path));
  session app;
  const SOCKET s = wpu_socket(AF_INET, SOCK_STREAM, 0);
  CHECK(s != INVALID_SOCKET);
  CHECK(catalog_id_of(s) == id);
}
