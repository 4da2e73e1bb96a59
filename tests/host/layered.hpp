// tests/host/layered.hpp - a non-IFS layered provider over the recording one
// through a chain entry (host-semantics.md §3; §10 items 12, 18, 25): it
// finds its lower provider through WSCEnumProtocols + WSCGetProviderPath +
// ExpandEnvironmentStringsW from inside its WSPStartup, and every
// application call passes through both.
using namespace host_test;

namespace host_test {

// The base (rec-a, TCP), the layer's hidden entry and its chain {hidden,
// base}, in the catalog order chain, hidden, base.
struct layered_catalog {
  std::string base_path = module_path("WPU_TEST_REC_A");
  std::string layer_path = module_path("WPU_TEST_LAYERED");
  recorder base{base_path};
  recorder layer{layer_path};
  entries cat;
  DWORD base_id = cat.add(protocol(provider_guid(1), AF_INET, SOCK_STREAM, IPPROTO_TCP), base_path);
  DWORD hidden_id = cat.add(
      protocol(provider_guid(0xA7), AF_INET, SOCK_STREAM, IPPROTO_TCP, 0, 0, LAYERED_PROTOCOL),
      layer_path);
  DWORD chain_id = add_chain();

  DWORD add_chain() {
    WSAPROTOCOL_INFOW chain = protocol(provider_guid(0xA7), AF_INET, SOCK_STREAM, IPPROTO_TCP, 0,
                                       PFL_MATCHES_PROTOCOL_ZERO, 2);
    chain.ProtocolChain.ChainEntries[0] = hidden_id;
    chain.ProtocolChain.ChainEntries[1] = base_id;
    const DWORD id = cat.add(chain, layer_path);
    order({id, hidden_id, base_id});
    return id;
  }
  static void order(std::vector<DWORD> ids) {
    REQUIRE(wpu_catalog_write_order(ids.data(), static_cast<DWORD>(ids.size())) == 0);
  }
};

}  // namespace host_test

TEST_CASE(
    "host: a layered provider over a base through a chain entry sees every call (12, 18, 25)") {
  layered_catalog t;
  const rec_state base0 = t.base.state(), layer0 = t.layer.state();
  session app;
  const SOCKET s = wpu_socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE_MESSAGE(s != INVALID_SOCKET, wpu_host_failure_text());
  // The chain, placed first, takes the socket (12).
  CHECK(catalog_id_of(s) == t.chain_id);

  // The layer was started for the chain entry (18) and found its way down
  // from inside WSPStartup (25): its hidden id, index 0, the base's id.
  const rec_state ls = t.layer.state();
  CHECK(ls.startups == layer0.startups + 1);
  CHECK(ls.startup_info.dwCatalogEntryId == t.chain_id);
  CHECK(ls.startup_info.ProtocolChain.ChainLen == 2);
  CHECK(ls.own_catalog_id == t.hidden_id);
  CHECK(ls.chain_index == 0);
  CHECK(ls.lower_catalog_id == t.base_id);
  // The base was started by the layer with the base's own entry and the
  // host's upcall table.
  const rec_state bs = t.base.state();
  CHECK(bs.startups == base0.startups + 1);
  CHECK(bs.startup_info.dwCatalogEntryId == t.base_id);
  CHECK(bs.startup_info.ProtocolChain.ChainLen == BASE_PROTOCOL);
  CHECK(std::memcmp(&bs.upcalls, &ls.upcalls, sizeof bs.upcalls) == 0);
  // The layer's LoadLibraryW of the base ran the base's DllMain(ATTACH) once.
  // Windows: the recorder's own LoadLibraryW attached it before base0.
#if defined(_WIN32)
  const int base_attach = 0;
#else
  const int base_attach = 1;  // the recorder's dlopen is outside LoadLibrary's count
#endif
  CHECK(bs.attaches == base0.attaches + base_attach);

  // WSPSocket: the layer got the chain entry, the base its own.
  const rec_call lsock = t.layer.last();
  CHECK(lsock.fn == REC_SOCKET);
  CHECK(lsock.catalog_id == t.chain_id);
  CHECK(lsock.s == s);
  const rec_call bsock = t.base.last();
  CHECK(bsock.fn == REC_SOCKET);
  CHECK(bsock.catalog_id == t.base_id);
  const SOCKET lower = bsock.s;
  CHECK(lower != s);
  t.layer.reset();
  t.base.reset();

  // Every routed call reaches the layer with the application's handle and
  // the base with the lower one.
  char data[16] = "payload";
  CHECK(wpu_send(s, data, 7, MSG_DONTROUTE) == 7);
  CHECK(wpu_recv(s, data, 10, 0) == 10);
  CHECK(data[3] == REC_PATTERN(3));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  CHECK(wpu_bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  CHECK(wpu_listen(s, 5) == 0);
  CHECK(wpu_connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  ULONG arg = 1;
  CHECK(wpu_ioctlsocket(s, FIONBIO, &arg) == 0);
  int v = 0, len = sizeof v;
  CHECK(wpu_getsockopt(s, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&v), &len) == 0);
  CHECK(v == (0xFFFF ^ 0x1002));
  CHECK(wpu_setsockopt(s, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&v), sizeof v) == 0);
  len = sizeof a;
  CHECK(wpu_getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  CHECK(wpu_shutdown(s, SD_BOTH) == 0);
  const int fns[] = {REC_SEND,          REC_RECV,    REC_BIND,         REC_LISTEN,
                     REC_CONNECT,       REC_IOCTL,   REC_GET_SOCK_OPT, REC_SET_SOCK_OPT,
                     REC_GET_SOCK_NAME, REC_SHUTDOWN};
  const std::vector<rec_call> seen_l = t.layer.calls(), seen_b = t.base.calls();
  REQUIRE(seen_l.size() == sizeof fns / sizeof fns[0]);
  REQUIRE(seen_b.size() == sizeof fns / sizeof fns[0]);
  for (std::size_t i = 0; i < seen_l.size(); ++i) {
    CAPTURE(i);
    CHECK(seen_l[i].fn == fns[i]);
    CHECK(seen_b[i].fn == fns[i]);
    CHECK(seen_l[i].s == s);
    CHECK(seen_b[i].s == lower);
  }
  CHECK(seen_l[0].len0 == 7);
  CHECK(seen_b[0].len0 == 7);
  CHECK(seen_b[0].flags == MSG_DONTROUTE);
  CHECK(seen_b[5].code == 0x8004667Eu);
  CHECK(seen_b[5].in_value == 1);
  CHECK(seen_b[6].level == 0xFFFF);

  // accept: a new application socket over a new lower one, on the chain.
  const SOCKET c = wpu_accept(s, nullptr, nullptr);
  REQUIRE(c != INVALID_SOCKET);
  CHECK(catalog_id_of(c) == t.chain_id);
  CHECK(t.base.last().fn == REC_ACCEPT);
  CHECK(t.base.last().s == lower);
  const SOCKET c_lower = static_cast<SOCKET>(t.base.last().handle);
  CHECK(wpu_send(c, data, 2, 0) == 2);
  CHECK(t.base.last().s == c_lower);
  CHECK(t.layer.last().s == c);

  // select: the layer gets the application's sets and answers with them.
  wpu_ws_fd_set r{};
  r.fd_count = 2;
  r.fd_array[0] = s;
  r.fd_array[1] = c;
  CHECK(wpu_select(0, &r, nullptr, nullptr, nullptr) == 2);
  CHECK(t.layer.last().fn == REC_SELECT);
  CHECK(t.base.last().fn == REC_SELECT);
  CHECK(r.fd_count == 2);
  CHECK(r.fd_array[0] == s);
  CHECK(r.fd_array[1] == c);

  // Overlapped with an event: the layer completes the application's request;
  // WSAGetOverlappedResult goes to the layer.
  WSAOVERLAPPED ov{};
  ov.hEvent = WSACreateEvent();
  WSABUF buf{sizeof data, data};
  DWORD n = 0, flags = 0;
  CHECK(wpu_wsa_recv(s, &buf, 1, &n, &flags, &ov, nullptr) == 0);
  CHECK(t.layer.last().has_overlapped == 1);
  CHECK(t.base.last().fn == REC_RECV);
  CHECK(WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 0, FALSE) == WSA_WAIT_EVENT_0);
  DWORD got = 0;
  CHECK(wpu_wsa_get_overlapped_result(s, &ov, &got, FALSE, &flags) == TRUE);
  CHECK(got == sizeof data);
  CHECK(t.layer.last().fn == REC_GET_OVERLAPPED_RESULT);
  CHECK(WSACloseEvent(ov.hEvent));

  // An extension function pointer comes from the top of the chain's stack.
  GUID g = extension_guids()[0];
  void* fn = nullptr;
  CHECK(wpu_wsa_ioctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &g, sizeof g, &fn, sizeof fn, &got,
                      nullptr, nullptr) == 0);
  CHECK(t.layer.last().code == 0xC8000006u);
  CHECK(reinterpret_cast<ULONG_PTR>(fn) == REC_SENTINEL(g.Data1, 1));

  // closesocket through both.
  CHECK(wpu_closesocket(c) == 0);
  CHECK(t.layer.last().fn == REC_CLOSE_SOCKET);
  CHECK(t.base.last().fn == REC_CLOSE_SOCKET);
  CHECK(t.base.last().s == c_lower);
  HOST_FAILS_WITH(wpu_send(c, data, 1, 0), SOCKET_ERROR, WSAENOTSOCK);

  // The base placed first takes new sockets instead (12); the host then
  // starts the base itself, a second WSPStartup of the module.
  layered_catalog::order({t.base_id, t.hidden_id, t.chain_id});
  const SOCKET direct = wpu_socket(AF_INET, SOCK_STREAM, 0);
  CHECK(catalog_id_of(direct) == t.base_id);
  CHECK(t.base.state().startups == base0.startups + 2);
  // The host's own load of the module shares the layer's count: no second ATTACH.
  CHECK(t.base.state().attaches == base0.attaches + base_attach);
  CHECK(t.layer.last().fn == REC_CLOSE_SOCKET);  // the layer saw nothing of it

  // The last WSACleanup: the layer closes its lower sockets, cleans up the
  // base once for itself; the host cleans up the base once for its own start.
  t.layer.reset();
  app.end();
  const rec_state lend = t.layer.state(), bend = t.base.state();
  CHECK(t.layer.calls(REC_CLOSE_SOCKET).size() == 1);  // s (c was closed)
  CHECK(lend.open_sockets == 0);
  CHECK(bend.open_sockets == 0);
  CHECK(lend.cleanups == lend.startups);
  CHECK(bend.cleanups == bend.startups);
  // Both references given back: one DETACH, when the last went.
  CHECK(bend.detaches == base0.detaches + base_attach);
}

TEST_CASE("host: the layer refuses to start for its own hidden entry") {
  layered_catalog t;
  session app;
  WSAPROTOCOL_INFOW hidden{};
  REQUIRE(wpu_catalog_get(t.hidden_id, &hidden) == 0);
  HOST_FAILS_WITH(wpu_wsa_socket_w(AF_INET, SOCK_STREAM, 0, &hidden, 0, 0), INVALID_SOCKET,
                  WSAEPROVIDERFAILEDINIT);
  CHECK(contains(wpu_host_failure_text(), "WSPStartup"));
}
