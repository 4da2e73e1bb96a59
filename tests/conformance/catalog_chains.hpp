// Conformance: the catalog's protocol chains, its order and enumeration, and
// the catalog functions a provider calls (WSCEnumProtocols, WSAEnumProtocolsW,
// WSCGetProviderPath, ExpandEnvironmentStringsW) through wpu's C names, which
// exist on both platforms (docs/catalog.md).
#ifndef WPU_TESTS_CATALOG_CHAINS_HPP
#define WPU_TESTS_CATALOG_CHAINS_HPP

#include "conformance.hpp"

#include <wpu/detail/winapi_decls.h>
#include <wpu/wpu.h>

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

namespace wpu_test {

// A layered provider over TCP and UDP as its installer leaves the catalog, in
// selection order: the LSP's hidden layered entry, its chain entries (before
// the bases, so they take new sockets), then the bases. The chains name
// their entries by name, forward. Line numbers matter to the error tests.
inline const char* const lsp_catalog =
    "[provider]\n"  // file entry 0
    "name = lsp\n"
    "guid = {6A7E1B0C-3D2F-4E51-9A80-1C2D3E4F5A6B}\n"
    "path = %WPU_TEST_LSP_DIR%/liblsp.so\n"
    "protocol = lsp hidden entry\n"
    "chain_len = 0\n"
    "[provider]\n"  // 1: over TCP, everything else from the base
    "name = lsp-tcp\n"
    "guid = {6A7E1B0C-3D2F-4E51-9A80-1C2D3E4F5A6B}\n"
    "path = %WPU_TEST_LSP_DIR%/liblsp.so\n"
    "protocol = lsp over TCP\n"
    "chain_len = 2\n"
    "chain = lsp tcp\n"
    "[provider]\n"  // 2: over UDP, a non-IFS layer: its own service flags
    "guid = {6A7E1B0C-3D2F-4E51-9A80-1C2D3E4F5A6B}\n"
    "path = %WPU_TEST_LSP_DIR%/liblsp.so\n"
    "chain_len = 2\n"
    "chain = lsp udp\n"
    "service_flags1 = 0x609\n"
    "[provider]\n"  // 3: line 20
    "name = tcp\n"
    "guid = {E70F1AA0-AB8B-11CF-8CA3-00805F48A192}\n"
    "path = %WPU_TEST_ROOT%\\system32\\mswsock.dll\n"
    "protocol = MSAFD Tcpip [TCP/IP]\n"
    "address_family = 2\n"
    "socket_type = 1\n"
    "protocol_number = 6\n"
    "service_flags1 = 0x20066\n"
    "service_flags2 = 7\n"
    "provider_flags = 0x8\n"
    "max_sockaddr = 16\n"
    "min_sockaddr = 16\n"
    "version = 2\n"
    "network_byte_order = 1\n"
    "security_scheme = 3\n"
    "provider_reserved = 9\n"
    "[provider]\n"  // 4
    "name = udp\n"
    "guid = {E70F1AA0-AB8B-11CF-8CA3-00805F48A192}\n"
    "path = %WPU_TEST_ROOT%\\system32\\mswsock.dll\n"
    "address_family = 2\n"
    "socket_type = 2\n"
    "protocol_number = 17\n"
    "service_flags1 = 0x20609\n"
    "message_size = 65467\n"
    "[provider]\n"  // 5: raw, a hidden base
    "name = raw\n"
    "guid = {E70F1AA0-AB8B-11CF-8CA3-00805F48A192}\n"
    "path = %WPU_TEST_ROOT%\\system32\\mswsock.dll\n"
    "address_family = 2\n"
    "socket_type = 3\n"
    "protocol_number = 0\n"
    "protocol_max_offset = 255\n"
    "provider_flags = 0x4\n";

inline const GUID lsp_guid = {
    0x6A7E1B0C, 0x3D2F, 0x4E51, {0x9A, 0x80, 0x1C, 0x2D, 0x3E, 0x4F, 0x5A, 0x6B}};
inline const GUID base_guid = {
    0xE70F1AA0, 0xAB8B, 0x11CF, {0x8C, 0xA3, 0x00, 0x80, 0x5F, 0x48, 0xA1, 0x92}};

inline std::vector<DWORD> ids_of(const std::vector<wpu::provider_entry>& entries) {
  std::vector<DWORD> ids;
  for (const auto& e : entries) ids.push_back(e.info.dwCatalogEntryId);
  return ids;
}

inline std::vector<DWORD> ids_of(const WSAPROTOCOL_INFOW* infos, int n) {
  std::vector<DWORD> ids;
  for (int i = 0; i < n; ++i) ids.push_back(infos[i].dwCatalogEntryId);
  return ids;
}

// enum_protocols into a vector, with the size it asked for.
inline std::vector<DWORD> enumerate(const wpu::catalog& cat, const INT* protocols, bool all) {
  DWORD len = 0;
  int err = 0;
  int rc = cat.enum_protocols(protocols, nullptr, &len, all, &err);
  REQUIRE(rc == SOCKET_ERROR);
  REQUIRE(err == WSAENOBUFS);
  std::vector<WSAPROTOCOL_INFOW> buf(len / sizeof(WSAPROTOCOL_INFOW) + 1);
  CHECK(len % sizeof(WSAPROTOCOL_INFOW) == 0);
  int n = cat.enum_protocols(protocols, buf.data(), &len, all, &err);
  REQUIRE(n >= 0);
  CHECK(static_cast<DWORD>(n) * sizeof(WSAPROTOCOL_INFOW) == len);
  return ids_of(buf.data(), n);
}

inline void set_env(const char* name, const char* value) {
#if defined(_WIN32)
  std::wstring wname(name, name + std::strlen(name));
  wpu::wstring wvalue;
  REQUIRE(wpu::utf8_to_utf16(value, &wvalue));
  REQUIRE(::SetEnvironmentVariableW(wname.c_str(), wvalue.c_str()));
#else
  REQUIRE(::setenv(name, value, 1) == 0);
#endif
}

inline void unset_env(const char* name) {
#if defined(_WIN32)
  std::wstring wname(name, name + std::strlen(name));
  ::SetEnvironmentVariableW(wname.c_str(), nullptr);
#else
  ::unsetenv(name);
#endif
}

inline DWORD thread_last_error() {
#if defined(_WIN32)
  return ::GetLastError();
#else
  return wpu_get_last_error();
#endif
}

inline void set_thread_last_error(DWORD e) {
#if defined(_WIN32)
  ::SetLastError(e);
#else
  wpu_set_last_error(e);
#endif
}

}  // namespace wpu_test

TEST_CASE_TEMPLATE_DEFINE("catalog chains and order" * doctest::test_suite("conformance"), F,
                          wpu_catalog_chains) {
  F f;
  wpu::catalog& cat = f.cat;  // 1001 and 1002: two layered entries (conformance.hpp)
  using wpu_test::ids_of;

  SUBCASE("a file lists layered, chain and base entries in selection order") {
    int line = 0;
    REQUIRE(cat.load_text(wpu_test::lsp_catalog, &line) == 0);
    auto e = cat.entries();
    REQUIRE(e.size() == 8);
    // Ids in file order after the existing ones; entries() in catalog order.
    CHECK(ids_of(e) == std::vector<DWORD>{1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008});
    const auto& lsp = e[2].info;
    const auto& lsp_tcp = e[3].info;
    const auto& lsp_udp = e[4].info;
    const auto& tcp = e[5].info;
    const auto& udp = e[6].info;
    CHECK(lsp.ProtocolChain.ChainLen == LAYERED_PROTOCOL);
    CHECK(tcp.ProtocolChain.ChainLen == BASE_PROTOCOL);
    // Names became ids, forward references included: {hidden entry, base}.
    CHECK(lsp_tcp.ProtocolChain.ChainLen == 2);
    CHECK(lsp_tcp.ProtocolChain.ChainEntries[0] == 1003);
    CHECK(lsp_tcp.ProtocolChain.ChainEntries[1] == 1006);
    CHECK(lsp_tcp.ProtocolChain.ChainEntries[2] == 0);
    CHECK(lsp_udp.ProtocolChain.ChainEntries[0] == 1003);
    CHECK(lsp_udp.ProtocolChain.ChainEntries[1] == 1007);

    // The chain copied the base's selection fields it does not set...
    CHECK(lsp_tcp.iAddressFamily == 2);
    CHECK(lsp_tcp.iSocketType == 1);
    CHECK(lsp_tcp.iProtocol == 6);
    CHECK(lsp_tcp.dwServiceFlags1 == 0x20066u);  // XP1_IFS_HANDLES kept: an IFS layer
    CHECK(lsp_tcp.dwServiceFlags2 == 7u);
    CHECK(lsp_tcp.iMaxSockAddr == 16);
    CHECK(lsp_tcp.iMinSockAddr == 16);
    CHECK(lsp_tcp.iVersion == 2);
    CHECK(lsp_tcp.iNetworkByteOrder == 1);
    CHECK(lsp_tcp.iSecurityScheme == 3);
    // ...and not its identity, flags, name or reserved field.
    CHECK(wpu::same_guid(lsp_tcp.ProviderId, wpu_test::lsp_guid));
    CHECK(lsp_tcp.dwProviderFlags == 0);
    CHECK(lsp_tcp.dwProviderReserved == 0);
    CHECK(lsp_tcp.szProtocol[4] == 'o');  // "lsp over TCP"
    CHECK(e[3].path == wpu::wstring(WPU_WTEXT("%WPU_TEST_LSP_DIR%/liblsp.so")));
    // A field set in the file stays as given: the non-IFS layer over UDP.
    CHECK(lsp_udp.dwServiceFlags1 == 0x609u);
    CHECK((lsp_udp.dwServiceFlags1 & XP1_IFS_HANDLES) == 0);
    CHECK(lsp_udp.iSocketType == 2);
    CHECK(lsp_udp.iProtocol == 17);
    CHECK(lsp_udp.dwMessageSize == 65467u);
    CHECK(lsp_udp.dwMessageSize == udp.dwMessageSize);
    CHECK(lsp_udp.szProtocol[0] == 0);
    // The layered entry copies nothing (it has no base).
    CHECK(lsp.iAddressFamily == 0);
  }

  SUBCASE("chains may name existing catalog ids, and entries of the file by number") {
    const char* text =
        "[provider]\n"
        "guid = {11111111-2222-3333-4444-555555555555}\n"
        "path = lsp2.so\n"
        "chain_len = 4\n"
        "chain = 1002 1001 1004 1005\n"  // 1004: this file's second entry
        "[provider]\n"
        "guid = {11111111-2222-3333-4444-555555555555}\n"
        "path = lsp2.so\n"
        "chain_len = 0\n"
        "[provider]\n"
        "guid = {11111111-2222-3333-4444-555555555556}\n"
        "path = base.so\n"
        "socket_type = 5\n";
    int line = 0;
    REQUIRE(cat.load_text(text, &line) == 0);
    WSAPROTOCOL_INFOW info{};
    REQUIRE(cat.protocol_info(1003, &info) == 0);
    CHECK(info.ProtocolChain.ChainLen == 4);
    CHECK(info.ProtocolChain.ChainEntries[2] == 1004);
    CHECK(info.iSocketType == 5);
  }

  SUBCASE("a chain the catalog cannot accept is refused with its line; nothing is added") {
    struct bad_case {
      const char* text;
      int line;
    };
    const char* const head =
        "[provider]\n"  // line 1
        "name = l\n"
        "guid = {11111111-2222-3333-4444-555555555555}\n"
        "path = l.so\n"
        "chain_len = 0\n"  // line 5
        "[provider]\n"
        "name = b\n"
        "guid = {11111111-2222-3333-4444-555555555556}\n"
        "path = b.so\n"
        "[provider]\n"  // line 10
        "guid = {11111111-2222-3333-4444-555555555557}\n"
        "path = c.so\n";
    const bad_case cases[] = {
        {"chain_len = 2\nchain = l 4711\n", 14},         // a missing id
        {"chain_len = 2\nchain = l nosuch\n", 14},       // a missing name
        {"chain_len = 2\nchain = 1001 1002\n", 14},      // the last is layered
        {"chain_len = 2\nchain = b b\n", 14},            // the first is a base
        {"chain_len = 3\nchain = l b b\n", 14},          // a base in the middle
        {"chain_len = 2\nchain = l\n", 14},              // fewer ids than ChainLen
        {"chain_len = 2\nchain = l l b\n", 14},          // more ids than ChainLen
        {"chain_len = 8\nchain = l l l l l l b\n", 13},  // ChainLen > MAX_PROTOCOL_CHAIN
        {"chain_len = -1\n", 13},                        // ChainLen < 0
        {"chain_len = 2\n", 10},  // a chain without `chain`: the [provider] line
        {"name = me\nchain_len = 2\nchain = me b\n", 15},  // itself as its layer
        {"chain = l b\nchain_len = 2\n[provider]\nguid = {11111111-2222-3333-4444-555555555558}\n"
         "path = d.so\nchain_len = 2\nchain = 1003 1005\n",
         19},                                                 // a chain entry (1005) as a base
        {"chain = l! b\n", 13},                               // a token that is neither id nor name
        {"name = l\n", 13},                                   // a name used twice
        {"name = 9lives\n", 13},                              // a name must not look like a number
        {"chain = l b\nchain_len = 2\nchain_len = 9\n", 15},  // the last chain_len line counts
    };
    for (const auto& c : cases) {
      std::string text = std::string(head) + c.text;
      CAPTURE(text);
      int line = 0;
      CHECK(cat.load_text(text, &line) == WSAEINVAL);
      CHECK(line == c.line);
      CHECK(cat.size() == 2);
    }
    // The head alone is fine, and ids refused files did not use stay free.
    DWORD id = 0;
    REQUIRE(cat.load_text(head) == 0);
    CHECK(ids_of(cat.entries()) == std::vector<DWORD>{1001, 1002, 1003, 1004, 1005});
    WSAPROTOCOL_INFOW info{};
    CHECK(cat.add(info, WPU_WTEXT("x"), &id) == 0);
    CHECK(id == 1006);
  }

  SUBCASE("add() applies the same rule, and copies nothing") {
    WSAPROTOCOL_INFOW base{};
    base.ProtocolChain.ChainLen = BASE_PROTOCOL;
    base.ProtocolChain.ChainEntries[0] = 4711;  // a base's ChainEntries are never read
    base.iSocketType = 1;
    DWORD b = 0, c = 0, id = 0;
    REQUIRE(cat.add(base, WPU_WTEXT("base.so"), &b) == 0);
    CHECK(b == 1003);
    WSAPROTOCOL_INFOW chain{};
    chain.ProtocolChain.ChainLen = 3;
    chain.ProtocolChain.ChainEntries[0] = 1002;
    chain.ProtocolChain.ChainEntries[1] = 1001;
    chain.ProtocolChain.ChainEntries[2] = b;
    REQUIRE(cat.add(chain, WPU_WTEXT("lsp.so"), &c) == 0);
    CHECK(c == 1004);
    WSAPROTOCOL_INFOW back{};
    REQUIRE(cat.protocol_info(c, &back) == 0);
    CHECK(back.iSocketType == 0);
    CHECK(back.ProtocolChain.ChainEntries[2] == b);

    auto refused = [&](WSAPROTOCOL_INFOW info) {
      id = 0;
      CHECK(cat.add(info, WPU_WTEXT("x.so"), &id) == WSAEINVAL);
      CHECK(id == 0);
    };
    WSAPROTOCOL_INFOW bad = chain;
    bad.ProtocolChain.ChainEntries[2] = 4711;  // missing base
    refused(bad);
    bad = chain;
    bad.ProtocolChain.ChainEntries[2] = 1001;  // layered as base
    refused(bad);
    bad = chain;
    bad.ProtocolChain.ChainEntries[0] = b;  // base as layer
    refused(bad);
    bad = chain;
    bad.ProtocolChain.ChainEntries[1] = c;  // a chain as layer
    refused(bad);
    bad = chain;
    bad.ProtocolChain.ChainLen = MAX_PROTOCOL_CHAIN + 1;
    refused(bad);
    bad.ProtocolChain.ChainLen = -1;
    refused(bad);
    bad = chain;
    bad.ProtocolChain.ChainLen = 2;  // now {1002, 1001}: the last is layered
    refused(bad);
    WSAPROTOCOL_INFOW layered{};
    layered.ProtocolChain.ChainEntries[6] = 0xFFFFFFFF;  // never read either
    CHECK(cat.add(layered, WPU_WTEXT("l.so"), &id) == 0);
    CHECK(id == 1005);  // refusals used no id
    CHECK(cat.size() == 5);
  }

  SUBCASE("remove() refuses an entry a chain names") {
    REQUIRE(cat.load_text(wpu_test::lsp_catalog) == 0);
    CHECK(cat.remove(1003) == WSAEINVAL);  // the layered entry: both chains name it
    CHECK(cat.remove(1006) == WSAEINVAL);  // the TCP base
    CHECK(cat.remove(1008) == 0);          // raw: no chain over it
    CHECK(cat.remove(1004) == 0);          // the TCP chain itself
    CHECK(cat.remove(1006) == 0);          // now free
    CHECK(cat.remove(1003) == WSAEINVAL);  // the UDP chain still names it
    CHECK(cat.remove(1005) == 0);
    CHECK(cat.remove(1003) == 0);
    CHECK(cat.remove(1003) == WSAEINVAL);  // gone
    CHECK(ids_of(cat.entries()) == std::vector<DWORD>{1001, 1002, 1007});
  }

  SUBCASE("catalog order: write_order, new entries at the end, ids never reused") {
    WSAPROTOCOL_INFOW info{};
    DWORD id = 0;
    REQUIRE(cat.add(info, WPU_WTEXT("c.so"), &id) == 0);
    const DWORD order[] = {1003, 1001, 1002};
    CHECK(cat.write_order(order, 3) == 0);
    CHECK(ids_of(cat.entries()) == std::vector<DWORD>{1003, 1001, 1002});
    CHECK(wpu_test::enumerate(cat, nullptr, true) == std::vector<DWORD>{1003, 1001, 1002});
    REQUIRE(cat.add(info, WPU_WTEXT("d.so"), &id) == 0);
    CHECK(ids_of(cat.entries()) == std::vector<DWORD>{1003, 1001, 1002, 1004});
    REQUIRE(cat.remove(1001) == 0);
    REQUIRE(cat.add(info, WPU_WTEXT("e.so"), &id) == 0);
    CHECK(id == 1005);
    CHECK(ids_of(cat.entries()) == std::vector<DWORD>{1003, 1002, 1004, 1005});

    // WSCWriteProviderOrder's rule: exactly a permutation of every id.
    const std::vector<DWORD> before = ids_of(cat.entries());
    const std::vector<std::vector<DWORD>> bad = {
        {1005, 1004, 1002},              // one missing
        {1005, 1004, 1002, 1003, 1003},  // one too many
        {1005, 1004, 1002, 1002},        // a duplicate instead of 1003
        {1005, 1004, 1002, 1001},        // a removed id
        {1005, 1004, 1002, 4711},        // an unknown id
        {},
    };
    for (const auto& ids : bad) {
      CAPTURE(ids.size());
      const DWORD dummy = 0;
      CHECK(cat.write_order(ids.empty() ? &dummy : ids.data(), ids.size()) == WSAEINVAL);
      CHECK(ids_of(cat.entries()) == before);
    }
    CHECK(cat.write_order(nullptr, 4) == WSAEFAULT);
    CHECK(cat.write_order(nullptr, 0) == WSAEFAULT);
    CHECK(ids_of(cat.entries()) == before);
    const DWORD reversed[] = {1005, 1004, 1002, 1003};
    CHECK(cat.write_order(reversed, 4) == 0);
    CHECK(ids_of(cat.entries()) == std::vector<DWORD>(std::begin(reversed), std::end(reversed)));
    wpu::catalog empty;
    const DWORD none = 0;
    CHECK(empty.write_order(&none, 0) == 0);
  }

  SUBCASE("WSCEnumProtocols returns every entry, WSAEnumProtocolsW no layered or hidden one") {
    REQUIRE(cat.load_text(wpu_test::lsp_catalog) == 0);
    // 1001, 1002, 1003: layered; 1004, 1005: chains; 1006, 1007: bases; 1008: hidden base.
    CHECK(wpu_test::enumerate(cat, nullptr, true) ==
          std::vector<DWORD>{1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008});
    CHECK(wpu_test::enumerate(cat, nullptr, false) == std::vector<DWORD>{1004, 1005, 1006, 1007});
    // Catalog order, not id order.
    const DWORD order[] = {1006, 1001, 1007, 1002, 1003, 1008, 1005, 1004};
    REQUIRE(cat.write_order(order, 8) == 0);
    CHECK(wpu_test::enumerate(cat, nullptr, false) == std::vector<DWORD>{1006, 1007, 1005, 1004});
  }

  SUBCASE("enumeration: WSAENOBUFS with the exact byte count; WSAEFAULT for no length") {
    REQUIRE(cat.load_text(wpu_test::lsp_catalog) == 0);
    const DWORD one = sizeof(WSAPROTOCOL_INFOW);
    for (bool all : {true, false}) {
      CAPTURE(all);
      const DWORD needed = (all ? 8 : 4) * one;
      std::vector<WSAPROTOCOL_INFOW> buf(9);
      std::memset(buf.data(), 0x5A, buf.size() * one);
      DWORD len = 12345;
      int err = 0;
      CHECK(cat.enum_protocols(nullptr, nullptr, &len, all, &err) == SOCKET_ERROR);
      CHECK(err == WSAENOBUFS);
      CHECK(len == needed);
      len = needed - 1;
      err = 0;
      CHECK(cat.enum_protocols(nullptr, buf.data(), &len, all, &err) == SOCKET_ERROR);
      CHECK(err == WSAENOBUFS);
      CHECK(len == needed);
      CHECK(buf[0].dwCatalogEntryId == 0x5A5A5A5Au);  // nothing written
      len = 0;
      CHECK(cat.enum_protocols(nullptr, buf.data(), &len, all, nullptr) == SOCKET_ERROR);
      CHECK(len == needed);
      len = needed;
      CHECK(cat.enum_protocols(nullptr, buf.data(), &len, all, &err) == (all ? 8 : 4));
      CHECK(len == needed);
      CHECK(buf[all ? 8 : 4].dwCatalogEntryId == 0x5A5A5A5Au);  // not one record more
      err = 0;
      CHECK(cat.enum_protocols(nullptr, buf.data(), nullptr, all, &err) == SOCKET_ERROR);
      CHECK(err == WSAEFAULT);
    }
    // Nothing matches: 0 records and 0 bytes, but a NULL buffer still fails.
    const INT none[] = {4242, 0};
    DWORD len = 0;
    int err = 0;
    CHECK(cat.enum_protocols(none, nullptr, &len, true, &err) == SOCKET_ERROR);
    CHECK(err == WSAENOBUFS);
    CHECK(len == 0);
    WSAPROTOCOL_INFOW one_record{};
    CHECK(cat.enum_protocols(none, &one_record, &len, true, &err) == 0);
  }

  SUBCASE("lpiProtocols keeps entries whose [iProtocol, +iProtocolMaxOffset] holds a value") {
    REQUIRE(cat.load_text(wpu_test::lsp_catalog) == 0);
    // 1001, 1002 (layered, protocol 6), 1004 and 1006 (TCP, 6), 1005 and 1007
    // (UDP, 17), 1008 (raw: 0 to 255, hidden), 1003 (layered, 0 to 0).
    const INT tcp[] = {6, 0};
    const INT udp[] = {17, 0};
    const INT last_raw[] = {255, 0};
    const INT past_raw[] = {256, 0};
    const INT both[] = {256, 17, 6, 0};
    const INT empty[] = {0};
    CHECK(wpu_test::enumerate(cat, tcp, true) == std::vector<DWORD>{1001, 1002, 1004, 1006, 1008});
    CHECK(wpu_test::enumerate(cat, tcp, false) == std::vector<DWORD>{1004, 1006});
    CHECK(wpu_test::enumerate(cat, udp, true) == std::vector<DWORD>{1005, 1007, 1008});
    CHECK(wpu_test::enumerate(cat, udp, false) == std::vector<DWORD>{1005, 1007});
    CHECK(wpu_test::enumerate(cat, last_raw, true) == std::vector<DWORD>{1008});
    CHECK(wpu_test::enumerate(cat, last_raw, false).empty());
    CHECK(wpu_test::enumerate(cat, past_raw, true).empty());
    CHECK(wpu_test::enumerate(cat, both, false) == std::vector<DWORD>{1004, 1005, 1006, 1007});
    CHECK(wpu_test::enumerate(cat, empty, true).empty());
  }

  SUBCASE("a layered provider finds the provider below it as on Windows") {
    REQUIRE(cat.load_text(wpu_test::lsp_catalog) == 0);
    wpu_test::set_env("WPU_TEST_ROOT", "/opt/root");
    // What WSPStartup gets: the chain entry over TCP.
    WSAPROTOCOL_INFOW mine{};
    REQUIRE(cat.protocol_info(1004, &mine) == 0);
    // Its own hidden entry: the layered entry with its GUID (WSCEnumProtocols).
    DWORD len = 0;
    int err = 0;
    REQUIRE(cat.enum_protocols(nullptr, nullptr, &len, true, &err) == SOCKET_ERROR);
    std::vector<WSAPROTOCOL_INFOW> all(len / sizeof(WSAPROTOCOL_INFOW));
    const int n = cat.enum_protocols(nullptr, all.data(), &len, true, &err);
    REQUIRE(n == 8);
    DWORD dummy = 0;
    for (int i = 0; i < n; ++i)
      if (all[i].ProtocolChain.ChainLen == LAYERED_PROTOCOL &&
          wpu::same_guid(all[i].ProviderId, mine.ProviderId))
        dummy = all[i].dwCatalogEntryId;
    REQUIRE(dummy == 1003);
    // The next id in the chain after its own, and that entry's path.
    int at = 0;
    while (at < mine.ProtocolChain.ChainLen && mine.ProtocolChain.ChainEntries[at] != dummy) ++at;
    REQUIRE(at + 1 < mine.ProtocolChain.ChainLen);
    const DWORD next_id = mine.ProtocolChain.ChainEntries[at + 1];
    const WSAPROTOCOL_INFOW* next = nullptr;
    for (int i = 0; i < n; ++i)
      if (all[i].dwCatalogEntryId == next_id) next = &all[i];
    REQUIRE(next != nullptr);
    CHECK(next->ProtocolChain.ChainLen == BASE_PROTOCOL);  // so it gets the base's own entry
    GUID g = next->ProviderId;
    WCHAR path[260];
    int path_len = 260;
    REQUIRE(f.api().get_provider_path(&g, path, &path_len, &err) == 0);  // WPUGetProviderPath
    const wpu::wstring raw(WPU_WTEXT("%WPU_TEST_ROOT%\\system32\\mswsock.dll"));
    CHECK(wpu::wstring(path) == raw);
    CHECK(wpu::expand_environment(path) ==
          wpu::wstring(WPU_WTEXT("/opt/root\\system32\\mswsock.dll")));
    wpu_test::unset_env("WPU_TEST_ROOT");
  }
}

TEST_CASE_TEMPLATE_DEFINE("catalog functions a provider calls (C API)" *
                              doctest::test_suite("conformance"),
                          F, wpu_catalog_c_functions) {
  F f;  // these read the process catalog, not the fixture's
  (void)f;
  wpu::catalog& pc = wpu::process_catalog();
  REQUIRE(wpu::process_catalog_status() == 0);
  const std::vector<DWORD> before = wpu_test::ids_of(pc.entries());
  REQUIRE(pc.load_text(wpu_test::lsp_catalog) == 0);
  std::vector<DWORD> mine = wpu_test::ids_of(pc.entries());
  mine.erase(mine.begin(), mine.begin() + static_cast<std::ptrdiff_t>(before.size()));
  REQUIRE(mine.size() == 6);
  struct cleanup {
    std::vector<DWORD> ids;
    ~cleanup() {
      // Chains first: the catalog refuses to remove what a chain names.
      wpu_catalog_remove(ids[1]);
      wpu_catalog_remove(ids[2]);
      for (DWORD id : ids) wpu_catalog_remove(id);
    }
  } guard{mine};

  SUBCASE("WSCGetProviderPath: the unexpanded path; WSAEFAULT with the length; WSAEINVAL") {
    GUID g = wpu_test::lsp_guid;
    const wpu::wstring want(WPU_WTEXT("%WPU_TEST_LSP_DIR%/liblsp.so"));
    const int n = static_cast<int>(want.size());
    WCHAR buf[64];
    int len = 64, err = 0;
    CHECK(wpu_wsc_get_provider_path(&g, buf, &len, &err) == 0);
    CHECK(len == n);
    CHECK(wpu::wstring(buf) == want);
    len = n;  // one short
    err = 0;
    buf[0] = 0x55;
    CHECK(wpu_wsc_get_provider_path(&g, buf, &len, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    CHECK(len == n + 1);
    CHECK(buf[0] == 0x55);
    len = 64;
    err = 0;
    CHECK(wpu_wsc_get_provider_path(&g, nullptr, &len, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    CHECK(len == n + 1);
    len = n + 1;
    CHECK(wpu_wsc_get_provider_path(&g, buf, &len, &err) == 0);
    CHECK(len == n);
    GUID unknown = wpu_test::guid_unknown;
    len = 64;
    err = 0;
    CHECK(wpu_wsc_get_provider_path(&unknown, buf, &len, &err) == SOCKET_ERROR);
    CHECK(err == WSAEINVAL);
    CHECK(len == 64);
    err = 0;
    CHECK(wpu_wsc_get_provider_path(nullptr, buf, &len, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    err = 0;
    CHECK(wpu_wsc_get_provider_path(&g, buf, nullptr, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);
    CHECK(wpu_wsc_get_provider_path(&unknown, buf, &len, nullptr) == SOCKET_ERROR);
    // The base's path, the first entry with that GUID.
    GUID b = wpu_test::base_guid;
    len = 64;
    CHECK(wpu_wsc_get_provider_path(&b, buf, &len, &err) == 0);
    CHECK(wpu::wstring(buf) == wpu::wstring(WPU_WTEXT("%WPU_TEST_ROOT%\\system32\\mswsock.dll")));
  }

  SUBCASE("WSCEnumProtocols and WSAEnumProtocolsW read the process catalog in its order") {
    DWORD len = 0;
    int err = 0;
    CHECK(wpu_wsc_enum_protocols(nullptr, nullptr, &len, &err) == SOCKET_ERROR);
    CHECK(err == WSAENOBUFS);
    CHECK(len == pc.size() * sizeof(WSAPROTOCOL_INFOW));
    std::vector<WSAPROTOCOL_INFOW> buf(pc.size());
    int n = wpu_wsc_enum_protocols(nullptr, buf.data(), &len, &err);
    REQUIRE(n == static_cast<int>(pc.size()));
    std::vector<DWORD> ids = wpu_test::ids_of(buf.data(), n);
    CHECK(ids == wpu_test::ids_of(pc.entries()));
    CHECK(std::vector<DWORD>(ids.end() - 6, ids.end()) == mine);
    err = 0;
    CHECK(wpu_wsc_enum_protocols(nullptr, buf.data(), nullptr, &err) == SOCKET_ERROR);
    CHECK(err == WSAEFAULT);

    // The W variant: filtered, with the error as the thread's last error.
    const std::vector<DWORD> visible = wpu_test::enumerate(pc, nullptr, false);
    CHECK(std::vector<DWORD>(visible.end() - 4, visible.end()) ==
          std::vector<DWORD>{mine[1], mine[2], mine[3], mine[4]});
    wpu_test::set_thread_last_error(0);
    len = 0;
    CHECK(wpu_wsa_enum_protocols_w(nullptr, nullptr, &len) == SOCKET_ERROR);
    CHECK(wpu_test::thread_last_error() == WSAENOBUFS);
    CHECK(len == visible.size() * sizeof(WSAPROTOCOL_INFOW));
    n = wpu_wsa_enum_protocols_w(nullptr, buf.data(), &len);
    CHECK(wpu_test::ids_of(buf.data(), n) == visible);
    const INT udp[] = {17, 0};
    const std::vector<DWORD> udp_ids = wpu_test::enumerate(pc, udp, false);
    REQUIRE(udp_ids.size() >= 2);
    CHECK(std::vector<DWORD>(udp_ids.end() - 2, udp_ids.end()) ==
          std::vector<DWORD>{mine[2], mine[4]});
    len = static_cast<DWORD>(udp_ids.size() * sizeof(WSAPROTOCOL_INFOW));
    n = wpu_wsa_enum_protocols_w(const_cast<LPINT>(udp), buf.data(), &len);
    CHECK(wpu_test::ids_of(buf.data(), n) == udp_ids);
    len -= 1;
    wpu_test::set_thread_last_error(0);
    CHECK(wpu_wsa_enum_protocols_w(const_cast<LPINT>(udp), buf.data(), &len) == SOCKET_ERROR);
    CHECK(wpu_test::thread_last_error() == WSAENOBUFS);
    CHECK(len == udp_ids.size() * sizeof(WSAPROTOCOL_INFOW));
    wpu_test::set_thread_last_error(0);
    CHECK(wpu_wsa_enum_protocols_w(nullptr, buf.data(), nullptr) == SOCKET_ERROR);
    CHECK(wpu_test::thread_last_error() == WSAEFAULT);
  }

  SUBCASE("wpu_catalog_write_order reorders the process catalog") {
    std::vector<DWORD> order = wpu_test::ids_of(pc.entries());
    std::vector<DWORD> reversed(order.rbegin(), order.rend());
    CHECK(wpu_catalog_write_order(reversed.data(), static_cast<DWORD>(reversed.size())) == 0);
    CHECK(wpu_test::ids_of(pc.entries()) == reversed);
    CHECK(wpu_catalog_write_order(reversed.data(), static_cast<DWORD>(reversed.size() - 1)) ==
          WSAEINVAL);
    CHECK(wpu_catalog_write_order(nullptr, 1) == WSAEFAULT);
    CHECK(wpu_catalog_write_order(order.data(), static_cast<DWORD>(order.size())) == 0);
    CHECK(wpu_test::ids_of(pc.entries()) == order);
    // A chain the catalog refuses through the C API too.
    WSAPROTOCOL_INFOW bad{};
    bad.ProtocolChain.ChainLen = 2;
    bad.ProtocolChain.ChainEntries[0] = mine[0];
    bad.ProtocolChain.ChainEntries[1] = mine[0];
    DWORD id = 0;
    CHECK(wpu_catalog_add(&bad, WPU_WTEXT("x.so"), &id) == WSAEINVAL);
    CHECK(wpu_catalog_remove(mine[0]) == WSAEINVAL);
  }
}

TEST_CASE_TEMPLATE_DEFINE("ExpandEnvironmentStringsW" * doctest::test_suite("conformance"), F,
                          wpu_expand_environment) {
  F f;
  (void)f;
  wpu_test::set_env("WPU_TEST_X", "value");
  wpu_test::set_env("WPU_TEST_EMPTY", "");
  wpu_test::set_env("WPU_TEST_U", "\xC3\xA4\xE2\x82\xAC\xF0\x9F\x98\x80");  // U+00E4 U+20AC U+1F600
  wpu_test::unset_env("WPU_TEST_UNSET");
  struct expansion {
    const WCHAR* in;
    const WCHAR* out;
  };
  const expansion cases[] = {
      {WPU_WTEXT("%WPU_TEST_X%"), WPU_WTEXT("value")},
      {WPU_WTEXT("a%WPU_TEST_X%b%WPU_TEST_X%"), WPU_WTEXT("avaluebvalue")},
      {WPU_WTEXT("%WPU_TEST_X%%WPU_TEST_X%"), WPU_WTEXT("valuevalue")},
      {WPU_WTEXT("no variables"), WPU_WTEXT("no variables")},
      {WPU_WTEXT(""), WPU_WTEXT("")},
      {WPU_WTEXT("%WPU_TEST_UNSET%"), WPU_WTEXT("%WPU_TEST_UNSET%")},
      // An unknown name stays with both %s; scanning goes on after the second.
      {WPU_WTEXT("%WPU_TEST_UNSET%WPU_TEST_X%"), WPU_WTEXT("%WPU_TEST_UNSET%WPU_TEST_X%")},
      {WPU_WTEXT("%WPU_TEST_UNSET%%WPU_TEST_X%"), WPU_WTEXT("%WPU_TEST_UNSET%value")},
      {WPU_WTEXT("100%"), WPU_WTEXT("100%")},
      {WPU_WTEXT("50% of %WPU_TEST_X%"), WPU_WTEXT("50% of %WPU_TEST_X%")},  // "% of " is a name
      {WPU_WTEXT("%WPU_TEST_X% is 100%"), WPU_WTEXT("value is 100%")},
      {WPU_WTEXT("%%"), WPU_WTEXT("%%")},
      {WPU_WTEXT("%%WPU_TEST_X%"), WPU_WTEXT("%%WPU_TEST_X%")},
      {WPU_WTEXT("x%WPU_TEST_EMPTY%y"), WPU_WTEXT("xy")},
      {WPU_WTEXT("[%WPU_TEST_U%]"), WPU_WTEXT("[\u00E4\u20AC\U0001F600]")},
  };

  SUBCASE("the expansions, C and C++, with the size returned") {
    for (const auto& c : cases) {
      const wpu::wstring in(c.in), out(c.out);
      CAPTURE(std::string(in.begin(), in.end()));
      CHECK(wpu::expand_environment(in) == out);
      WCHAR buf[64];
      const DWORD needed = static_cast<DWORD>(out.size() + 1);
      CHECK(wpu_expand_environment_strings_w(c.in, buf, 64) == needed);
      CHECK(wpu::wstring(buf) == out);
      CHECK(wpu_expand_environment_strings_w(c.in, buf, needed) == needed);
      CHECK(wpu::wstring(buf) == out);
      CHECK(wpu_expand_environment_strings_w(c.in, nullptr, 0) == needed);
#if defined(_WIN32)
      // The system's own function agrees (Wine's, under the test run).
      WCHAR sys[64];
      CHECK(::ExpandEnvironmentStringsW(c.in, sys, 64) == needed);
      CHECK(wpu::wstring(sys) == out);
#endif
    }
  }

  SUBCASE("a short buffer: the size needed; size-1 WCHARs and a NUL, nothing beyond") {
    const WCHAR* in = WPU_WTEXT("<%WPU_TEST_X%>");  // "<value>": 8 with the NUL
    WCHAR buf[16];
    for (DWORD size : {7u, 3u, 1u, 0u}) {
      CAPTURE(size);
      for (auto& w : buf) w = 0x55;
      CHECK(wpu_expand_environment_strings_w(in, buf, size) == 8);
      for (DWORD i = 0; i + 1 < size; ++i) CHECK(buf[i] == WPU_WTEXT("<value>")[i]);
      if (size > 0) CHECK(buf[size - 1] == 0);
      for (DWORD i = size; i < 16; ++i) CHECK(buf[i] == 0x55);
    }
    CHECK(wpu_expand_environment_strings_w(in, nullptr, 16) == 8);
  }

  SUBCASE("NULL source: 0 and ERROR_INVALID_PARAMETER") {
    wpu_test::set_thread_last_error(0);
    WCHAR buf[4];
    CHECK(wpu_expand_environment_strings_w(nullptr, buf, 4) == 0);
    CHECK(wpu_test::thread_last_error() == wpu_test::error_invalid_parameter);
  }

  SUBCASE("names: case-insensitive on Windows, as getenv on POSIX") {
    const wpu::wstring got = wpu::expand_environment(WPU_WTEXT("%wpu_test_x%"));
#if defined(_WIN32)
    CHECK(got == wpu::wstring(WPU_WTEXT("value")));
#else
    CHECK(got == wpu::wstring(WPU_WTEXT("%wpu_test_x%")));  // docs/catalog.md: a deviation
    // A name that is not valid UTF-16, or holds '=', is never looked up.
    const WCHAR lone[] = {'%', 0xD800, '%', 0};
    CHECK(wpu::expand_environment(lone) == wpu::wstring(lone));
    wpu_test::set_env("WPU_TEST_A", "=x");  // getenv("WPU_TEST_A=") would find "x"
    CHECK(wpu::expand_environment(WPU_WTEXT("%WPU_TEST_A=%")) ==
          wpu::wstring(WPU_WTEXT("%WPU_TEST_A=%")));
    wpu_test::unset_env("WPU_TEST_A");
#endif
  }
  wpu_test::unset_env("WPU_TEST_X");
  wpu_test::unset_env("WPU_TEST_EMPTY");
  wpu_test::unset_env("WPU_TEST_U");
}

#endif  // WPU_TESTS_CATALOG_CHAINS_HPP
