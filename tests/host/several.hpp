// tests/host/several.hpp - several providers at once, and one WSPStartup per
// ProviderId (host-semantics.md §2.2; §10 item 23).
using namespace host_test;

TEST_CASE("host: several providers at once; one WSPStartup per provider GUID (23)") {
  const std::string path_a = module_path("WPU_TEST_REC_A");
  const std::string path_b = module_path("WPU_TEST_REC_B");
  recorder a(path_a), b(path_b);
  const int a0 = a.state().startups, b0 = b.state().startups;
  entries cat;
  // rec-a serves two entries under one GUID; rec-b one entry under another.
  const DWORD a_tcp =
      cat.add(protocol(provider_guid(1), AF_INET, SOCK_STREAM, IPPROTO_TCP), path_a);
  const DWORD a_udp = cat.add(protocol(provider_guid(1), AF_INET, SOCK_DGRAM, IPPROTO_UDP), path_a);
  const DWORD b_tcp =
      cat.add(protocol(provider_guid(2), AF_INET6, SOCK_STREAM, IPPROTO_TCP), path_b);
  session app;
  const SOCKET s1 = wpu_socket(AF_INET, SOCK_DGRAM, 0);
  const SOCKET s2 = wpu_socket(AF_INET, SOCK_STREAM, 0);
  const SOCKET s3 = wpu_socket(AF_INET6, SOCK_STREAM, 0);
  REQUIRE(s1 != INVALID_SOCKET);
  REQUIRE(s2 != INVALID_SOCKET);
  REQUIRE(s3 != INVALID_SOCKET);
  CHECK(catalog_id_of(s1) == a_udp);
  CHECK(catalog_id_of(s2) == a_tcp);
  CHECK(catalog_id_of(s3) == b_tcp);
  // One startup for rec-a's GUID, with the entry that triggered it.
  CHECK(a.state().startups == a0 + 1);
  CHECK(a.state().startup_info.dwCatalogEntryId == a_udp);
  CHECK(b.state().startups == b0 + 1);
  CHECK(b.state().startup_info.dwCatalogEntryId == b_tcp);
  // WSPSocket sees each socket's own entry.
  const std::vector<rec_call> made = a.calls(REC_SOCKET);
  REQUIRE(made.size() == 2);
  CHECK(made[0].catalog_id == a_udp);
  CHECK(made[1].catalog_id == a_tcp);
  // Calls go to each socket's own provider.
  CHECK(wpu_send(s3, "abc", 3, 0) == 3);
  CHECK(b.last().fn == REC_SEND);
  CHECK(b.last().s == s3);
  CHECK(wpu_send(s1, "ab", 2, 0) == 2);
  CHECK(a.last().s == s1);
  CHECK(b.calls(REC_SEND).size() == 1);
  app.end();
  CHECK(a.state().cleanups == a.state().startups);
  CHECK(b.state().cleanups == b.state().startups);
  CHECK(a.state().open_sockets == 0);
  CHECK(b.state().open_sockets == 0);
}

TEST_CASE("host: a non-IFS handle and an IFS handle each route to their provider (32)") {
  const std::string path_a = module_path("WPU_TEST_REC_A");
  const std::string path_b = module_path("WPU_TEST_REC_B");
  recorder a(path_a), b(path_b);
  entries cat;
  const DWORD a_id = cat.add(protocol(provider_guid(1), AF_INET, SOCK_STREAM, IPPROTO_TCP), path_a);
  const DWORD b_id = cat.add(protocol(provider_guid(2), AF_INET, SOCK_DGRAM, IPPROTO_UDP), path_b);
  session app;
  b.ifs_source(os_handle_make, os_handle_destroy);
  b.socket_mode(REC_SOCKET_IFS);
  const SOCKET ifs = wpu_socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE_MESSAGE(ifs != INVALID_SOCKET, wpu_host_failure_text());
  const SOCKET plain = wpu_socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(plain != INVALID_SOCKET);
  CHECK(catalog_id_of(ifs) == b_id);
  CHECK(catalog_id_of(plain) == a_id);
  // The IFS handle is the OS handle itself, not an upcall handle.
  WSPUPCALLTABLE table{};
  REQUIRE(wpu_get_upcall_table(&table) == 0);
  DWORD_PTR ctx = 0;
  int err = 0;
  CHECK(table.lpWPUQuerySocketHandleContext(ifs, &ctx, &err) == SOCKET_ERROR);
  CHECK(table.lpWPUQuerySocketHandleContext(plain, &ctx, &err) == 0);

  // Registered with the default backend, whose table the provider got.
  DWORD registered_id = 0;
  CHECK(wpu::default_backend().ifs_catalog_id(ifs, &registered_id));
  CHECK(registered_id == b_id);
#if !defined(_WIN32)
  // POSIX: the fd is associable with a wpu port (on Windows the handle is an
  // event here, which the system's CreateIoCompletionPort refuses).
  HANDLE port = wpu_create_io_completion_port(INVALID_HANDLE_VALUE, nullptr, 0, 0);
  REQUIRE(port != nullptr);
  CHECK(wpu_associate_socket(ifs, port, 3, 0) == port);
#endif

  CHECK(wpu_send(ifs, "abcd", 4, 0) == 4);
  CHECK(b.last().fn == REC_SEND);
  CHECK(b.last().s == ifs);
  CHECK(wpu_send(plain, "ab", 2, 0) == 2);
  CHECK(a.last().s == plain);
  CHECK(b.calls(REC_SEND).size() == 1);
  CHECK(wpu_closesocket(ifs) == 0);
  CHECK(b.last().fn == REC_CLOSE_SOCKET);
  CHECK(b.state().open_sockets == 0);
  HOST_FAILS_WITH(wpu_send(ifs, "a", 1, 0), SOCKET_ERROR, WSAENOTSOCK);
  // closesocket forgot the registration and its port association: a reused
  // value starts clean.
  CHECK_FALSE(wpu::default_backend().ifs_catalog_id(ifs, nullptr));
#if !defined(_WIN32)
  CHECK(wpu_associate_socket(ifs, port, 4, 0) == nullptr);
  CHECK(wpu_get_last_error() == ERROR_INVALID_HANDLE);
  CHECK(wpu_close_handle(port) == TRUE);
#endif
  b.socket_mode(REC_SOCKET_NORMAL);
}
