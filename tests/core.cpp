// Backend-free unit tests: the handle table, the catalog and its file format,
// the errno table, and the order of the C upcall table.
#include <wpu/wpu.hpp>
#include <wpu/detail/socket_registry.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

// A catalog entry with default protocol info: the id a backend over `cat`
// accepts for WPUCreateSocketHandle.
static DWORD add_one_provider(wpu::catalog& cat) {
  WSAPROTOCOL_INFOW info{};
  DWORD id = 0;
  REQUIRE(cat.add(info, WPU_WTEXT("p.dll"), &id) == 0);
  return id;
}

TEST_CASE("handle table: kinds, values, generations") {
  wpu::handle_table t;
  std::uint64_t h = t.allocate(wpu::handle_kind::socket, 42);
  REQUIRE(h != 0);
  CHECK(h % 4 == 0);
  CHECK(h >= wpu::handle_table::marker);
  CHECK(wpu::handle_table::kind_of(h) == wpu::handle_kind::socket);
  std::uint64_t v = 0;
  CHECK(t.lookup(h, wpu::handle_kind::socket, &v));
  CHECK(v == 42);
  CHECK_FALSE(t.lookup(h, wpu::handle_kind::event, &v));  // kinds never cross
  CHECK_FALSE(t.release(h, wpu::handle_kind::event, &v));
  CHECK(t.size() == 1);
  CHECK(t.release(h, wpu::handle_kind::socket, &v));
  CHECK(v == 42);
  CHECK_FALSE(t.release(h, wpu::handle_kind::socket, &v));
  CHECK(t.size() == 0);
}

TEST_CASE("handle table: a slot is reused only after 1024 frees, with a new generation") {
  wpu::handle_table t;
  std::vector<std::uint64_t> first;
  for (int i = 0; i < 1100; ++i) first.push_back(t.allocate(wpu::handle_kind::socket, 0));
  for (auto h : first) REQUIRE(t.release(h, wpu::handle_kind::socket, nullptr));
  // 1100 free slots waiting: the next allocation reuses the oldest (index 0).
  std::uint64_t again = t.allocate(wpu::handle_kind::socket, 1);
  CHECK(((again >> 2) & 0x3FFFFF) == ((first[0] >> 2) & 0x3FFFFF));
  CHECK(again != first[0]);
  CHECK(wpu::handle_table::generation_of(again) == wpu::handle_table::generation_of(first[0]) + 1);
  std::uint64_t v;
  CHECK_FALSE(t.lookup(first[0], wpu::handle_kind::socket, &v));
  CHECK(t.lookup(again, wpu::handle_kind::socket, &v));
}

TEST_CASE("handle table: two live tables never make the same value; each refuses the other's") {
  wpu::handle_table t1, t2;
  REQUIRE(t1.id() < wpu::handle_table::max_tables);
  REQUIRE(t2.id() < wpu::handle_table::max_tables);
  CHECK(t1.id() != t2.id());
  for (int i = 0; i < 100; ++i) {
    // Same kind, same index, same generation: only the table id differs.
    std::uint64_t h1 = t1.allocate(wpu::handle_kind::socket, 1);
    std::uint64_t h2 = t2.allocate(wpu::handle_kind::socket, 2);
    REQUIRE(h1 != 0);
    REQUIRE(h2 != 0);
    CHECK(h1 != h2);
    CHECK(wpu::handle_table::index_of(h1) == wpu::handle_table::index_of(h2));
    CHECK(wpu::handle_table::table_id_of(h1) == t1.id());
    CHECK(wpu::handle_table::table_id_of(h2) == t2.id());
    std::uint64_t v = 0;
    CHECK_FALSE(t2.lookup(h1, wpu::handle_kind::socket, &v));
    CHECK_FALSE(t1.lookup(h2, wpu::handle_kind::socket, &v));
    CHECK_FALSE(t2.release(h1, wpu::handle_kind::socket, &v));
    CHECK_FALSE(t1.release(h2, wpu::handle_kind::socket, &v));
    CHECK(t1.lookup(h1, wpu::handle_kind::socket, &v));
    CHECK(v == 1);
    CHECK(t2.lookup(h2, wpu::handle_kind::socket, &v));
    CHECK(v == 2);
  }
}

TEST_CASE("handle table: a destroyed table's id is not the next table's") {
  std::uint32_t dead;
  {
    wpu::handle_table t;
    dead = t.id();
  }
  wpu::handle_table next;
  CHECK(next.id() < wpu::handle_table::max_tables);
  CHECK(next.id() != dead);
}

#if !defined(_WIN32)  // 1024 tables reserve 64 GiB of address space (committed on Win32)
TEST_CASE("handle table: beyond 1024 live tables a table makes no handles, then WSAENOBUFS") {
  std::vector<std::unique_ptr<wpu::handle_table>> tables;
  std::unique_ptr<wpu::handle_table> last;
  for (std::uint32_t i = 0; i <= wpu::handle_table::max_tables; ++i) {
    last = std::make_unique<wpu::handle_table>();
    if (last->id() == wpu::handle_table::max_tables) break;
    tables.push_back(std::move(last));
  }
  REQUIRE(last != nullptr);
  CHECK(last->id() == wpu::handle_table::max_tables);
  CHECK(last->allocate(wpu::handle_kind::socket, 1) == 0);
  {
    wpu::catalog cat;
    const DWORD id = add_one_provider(cat);
    wpu::native_backend b(cat);
    int err = 0;
    CHECK(b.create_socket_handle(id, 0, &err) == INVALID_SOCKET);
    CHECK(err == WSAENOBUFS);
  }
  // One table fewer: the next one gets an id again.
  const std::uint32_t freed = tables.back()->id();
  tables.pop_back();
  wpu::handle_table again;
  CHECK(again.id() == freed);
  CHECK(again.allocate(wpu::handle_kind::socket, 1) != 0);
}
#endif  // !defined(_WIN32)

TEST_CASE("handle table: full at 4M handles, then WSAENOBUFS from WPUCreateSocketHandle") {
  wpu::catalog cat;
  const DWORD id = add_one_provider(cat);
  wpu::native_backend b(cat);
  int err = 0;
  std::size_t made = 0;
  SOCKET last = INVALID_SOCKET;
  for (std::size_t i = 0; i < wpu::handle_table::max_handles; ++i) {
    last = b.create_socket_handle(id, 0, &err);
    if (last == INVALID_SOCKET) break;
    ++made;
  }
  CHECK(made == wpu::handle_table::max_handles);
  err = 0;
  CHECK(b.create_socket_handle(id, 0, &err) == INVALID_SOCKET);
  CHECK(err == WSAENOBUFS);
  REQUIRE(b.close_socket_handle(last, &err) == 0);  // one free slot: usable at once
  SOCKET again = b.create_socket_handle(id, 9, &err);
  CHECK(again != INVALID_SOCKET);
  CHECK(again != last);
}

TEST_CASE("handle table: concurrent churn and lookups") {
  wpu::handle_table t;
  std::vector<std::uint64_t> stable;
  for (std::uint64_t i = 0; i < 256; ++i) stable.push_back(t.allocate(wpu::handle_kind::event, i));
  std::atomic<bool> stop{false};
  std::atomic<long> wrong{0};
  auto churn = [&](std::uint64_t tag) {
    for (int i = 0; i < 20000; ++i) {
      std::uint64_t h = t.allocate(wpu::handle_kind::socket, tag);
      std::uint64_t v = 0;
      if (!t.lookup(h, wpu::handle_kind::socket, &v) || v != tag) ++wrong;
      if (!t.release(h, wpu::handle_kind::socket, &v) || v != tag) ++wrong;
    }
  };
  std::thread reader([&] {
    while (!stop.load()) {
      for (std::uint64_t i = 0; i < stable.size(); ++i) {
        std::uint64_t v = 0;
        if (!t.lookup(stable[i], wpu::handle_kind::event, &v) || v != i) ++wrong;
      }
    }
  });
  std::thread a(churn, 1), b(churn, 2);
  a.join();
  b.join();
  stop = true;
  reader.join();
  CHECK(wrong.load() == 0);
  CHECK(t.size() == stable.size());
}

static const char* const good_catalog =
    "# two protocols of one base provider, then a layered one\r\n"
    "[provider]\r\n"
    "guid = {E70F1AA0-AB8B-11CF-8CA3-00805F48A192}\r\n"
    "path = %SystemRoot%\\system32\\mswsock.dll\r\n"
    "protocol = MSAFD Tcpip [TCP/IP]\r\n"
    "address_family = 2\n"
    "socket_type = 1\n"
    "protocol_number = 6\n"
    "service_flags1 = 0x20066\n"
    "provider_flags = 0x8\n"
    "max_sockaddr = 16\n"
    "min_sockaddr = 16\n"
    "version = 2\n"
    "message_size = 0xFFFFFFFF\n"
    "\n"
    "[provider]\n"
    "guid = e70f1aa0-ab8b-11cf-8ca3-00805f48a192\n"
    "path = %SystemRoot%\\system32\\mswsock.dll\n"
    "socket_type = 2\n"
    "protocol_number = 17\n"
    "; layered, chained over 1001\n"
    "[provider]\n"
    "guid = {11111111-2222-3333-4444-555555555555}\n"
    "path = /opt/lsp/libl\xC3\xA4yer.so\n"
    "protocol = \xF0\x9F\x94\x8C layer\n"
    "chain_len = 0\n"
    "chain = 1001 1002\n";

TEST_CASE("catalog: file format, ids from 1001, GUID lookup") {
  wpu::catalog cat;
  int line = 0;
  REQUIRE(cat.load_text(good_catalog, &line) == 0);
  auto e = cat.entries();
  REQUIRE(e.size() == 3);
  CHECK(e[0].info.dwCatalogEntryId == 1001);
  CHECK(e[1].info.dwCatalogEntryId == 1002);
  CHECK(e[2].info.dwCatalogEntryId == 1003);
  CHECK(e[0].info.ProviderId.Data1 == 0xE70F1AA0u);
  CHECK(e[0].info.ProviderId.Data4[7] == 0x92);
  CHECK(wpu::same_guid(e[0].info.ProviderId, e[1].info.ProviderId));
  CHECK(e[0].info.dwServiceFlags1 == 0x20066);
  CHECK(e[0].info.dwMessageSize == 0xFFFFFFFFu);
  CHECK(e[0].info.ProtocolChain.ChainLen == 1);
  CHECK(e[1].info.iProtocol == 17);
  CHECK(e[2].info.ProtocolChain.ChainLen == 0);
  CHECK(e[2].info.ProtocolChain.ChainEntries[1] == 1002);
  CHECK(e[0].info.szProtocol[0] == 'M');
  CHECK(e[2].info.szProtocol[0] == 0xD83D);  // U+1F50C as a surrogate pair
  CHECK(e[2].info.szProtocol[1] == 0xDD0C);
  CHECK(e[2].path == wpu::wstring(WPU_WTEXT("/opt/lsp/libl\u00e4yer.so")));
  WCHAR buf[64];
  int len = 64;
  CHECK(cat.provider_path(e[2].info.ProviderId, buf, &len) == 0);
  CHECK(len == 20);
  // First entry with the GUID wins.
  len = 64;
  CHECK(cat.provider_path(e[1].info.ProviderId, buf, &len) == 0);
  CHECK(wpu::wstring(buf) == e[0].path);
}

TEST_CASE("catalog: malformed files are rejected whole, with the line") {
  struct bad_case {
    const char* text;
    int line;
  };
  const bad_case cases[] = {
      {"guid = {11111111-2222-3333-4444-555555555555}\n", 1},              // before [provider]
      {"[provider]\npath = x.dll\n", 1},                                   // no guid
      {"[provider]\nguid = {11111111-2222-3333-4444-555555555555}\n", 1},  // no path
      {"[provider]\nguid = {11111111-2222-3333-4444-55555555555}\npath=x\n", 2},
      {"[provider]\nguid = {11111111-2222-3333-4444-555555555555}\npath=x\ncolour = red\n", 4},
      {"[provider]\nguid = {11111111-2222-3333-4444-555555555555}\npath=x\nversion = 2x\n", 4},
      {"[provider]\nguid = {11111111-2222-3333-4444-555555555555}\npath=x\nversion=0x80000000\n",
       4},
      {"[provider]\nguid = {11111111-2222-3333-4444-555555555555}\npath=x\nmessage_size=-1\n", 4},
      {"[provider]\nguid = {11111111-2222-3333-4444-555555555555}\npath=\xC0\xAF\n", 3},
      {"[provider]\nguid = {11111111-2222-3333-4444-555555555555}\npath=\xED\xA0\x80\n", 3},
      {"[provider]\nguid = {11111111-2222-3333-4444-555555555555}\npath=x\npath=y\n", 4},
      {"[provider]\nguid = {11111111-2222-3333-4444-555555555555}\npath=x\nchain=1 2 3 4 5 6 7 8\n",
       4},
      {"[provider]\nguid = {11111111-2222-3333-4444-555555555555}\npath=x\n[provider]\n", 4},
      {"[provider]\nguid = {11111111-2222-3333-4444-555555555555}\npath=x\nnot a pair\n", 4},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    wpu::catalog cat;
    int line = 0;
    CHECK(cat.load_text(c.text, &line) == WSAEINVAL);
    CHECK(line == c.line);
    CHECK(cat.size() == 0);
  }
  std::string long_name =
      "[provider]\nguid = {11111111-2222-3333-4444-555555555555}\npath=x\n"
      "protocol = " +
      std::string(256, 'n') + "\n";
  wpu::catalog cat;
  CHECK(cat.load_text(long_name) == WSAEINVAL);
  CHECK(cat.load_text("") == 0);
  CHECK(cat.load_text("# only a comment\n\n") == 0);
  CHECK(cat.size() == 0);
}

TEST_CASE("catalog: ids are never reused; files; C++ API errors") {
  wpu::catalog cat;
  WSAPROTOCOL_INFOW info{};
  DWORD a = 0, b = 0;
  CHECK(cat.add(info, WPU_WTEXT("a.dll"), &a) == 0);
  CHECK(cat.remove(a) == 0);
  CHECK(cat.remove(a) == WSAEINVAL);
  CHECK(cat.add(info, WPU_WTEXT("b.dll"), &b) == 0);
  CHECK(b == a + 1);
  CHECK(cat.add(info, WPU_WTEXT(""), nullptr) == WSAEINVAL);
  CHECK(cat.protocol_info(a, &info) == WSAEINVAL);
  CHECK(cat.protocol_info(b, nullptr) == WSAEFAULT);
  CHECK(cat.load_file("/nonexistent/wpu.catalog") == WSASYSNOTREADY);
  CHECK(cat.load_file(nullptr) == WSAEFAULT);
  int len = 10;
  CHECK(cat.provider_path(info.ProviderId, nullptr, &len) == WSAEFAULT);
  CHECK(len == 6);
}

// The four entries of wpu tcpip in `entries`, in catalog order, or fewer.
static std::vector<wpu::provider_entry> tcpip_entries(const std::vector<wpu::provider_entry>& all) {
  GUID id{};
  REQUIRE(wpu::parse_guid(wpu::tcpip_provider_guid, &id));
  std::vector<wpu::provider_entry> out;
  for (const wpu::provider_entry& e : all)
    if (wpu::same_guid(e.info.ProviderId, id)) out.push_back(e);
  return out;
}

static std::string narrow(const wpu::wstring& w) {
  std::string s;
  for (WCHAR c : w) s += static_cast<char>(c);
  return s;
}

TEST_CASE("catalog: add_tcpip_entries makes MSAFD-like base entries for wpu tcpip") {
  wpu::catalog cat;
  DWORD first = 0;
  REQUIRE(wpu::add_tcpip_entries(cat, &first) == 0);
  const std::vector<wpu::provider_entry> all = cat.entries();
  REQUIRE(all.size() == 4);
  CHECK(tcpip_entries(all).size() == 4);
  CHECK(first == all[0].info.dwCatalogEntryId);
  // UDP: multipoint only on Windows, where the DLL passes WSPJoinLeaf on.
#if defined(_WIN32)
  const DWORD udp = 0x20609;
#else
  const DWORD udp = 0x20209;
#endif
  struct expect {
    int af, type, protocol, len;
    DWORD flags1, msg;
    const char* name;
  } rows[] = {
      {2, 1, 6, 16, 0x20066, 0, "wpu Tcpip [TCP/IP]"},
      {2, 2, 17, 16, udp, 65507, "wpu Tcpip [UDP/IP]"},
      {23, 1, 6, 28, 0x20066, 0, "wpu Tcpip [TCP/IPv6]"},
      {23, 2, 17, 28, udp, 65527, "wpu Tcpip [UDP/IPv6]"},
  };
  for (int i = 0; i < 4; ++i) {
    const WSAPROTOCOL_INFOW& x = all[static_cast<size_t>(i)].info;
    CAPTURE(i);
    CHECK(x.dwCatalogEntryId == first + static_cast<DWORD>(i));
    CHECK(x.iAddressFamily == rows[i].af);
    CHECK(x.iSocketType == rows[i].type);
    CHECK(x.iProtocol == rows[i].protocol);
    CHECK(x.iMaxSockAddr == rows[i].len);
    CHECK(x.iMinSockAddr == rows[i].len);
    CHECK(x.dwServiceFlags1 == rows[i].flags1);
    CHECK((x.dwServiceFlags1 & XP1_IFS_HANDLES) != 0);
    CHECK(x.dwProviderFlags == PFL_MATCHES_PROTOCOL_ZERO);
    CHECK(x.ProtocolChain.ChainLen == BASE_PROTOCOL);
    CHECK(x.iVersion == 2);
    CHECK(x.dwMessageSize == rows[i].msg);
    CHECK(narrow(wpu::wstring(x.szProtocol)) == rows[i].name);
  }
#if defined(WPU_POSIX)
  // WPU_TCPIP_PROVIDER names the module; empty or unset, the installed one.
  const char* old = std::getenv("WPU_TCPIP_PROVIDER");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("WPU_TCPIP_PROVIDER", "/opt/x/wpu-tcpip.so", 1);
  wpu::catalog c2;
  REQUIRE(wpu::add_tcpip_entries(c2) == 0);
  for (const wpu::provider_entry& e : c2.entries()) CHECK(narrow(e.path) == "/opt/x/wpu-tcpip.so");
  ::setenv("WPU_TCPIP_PROVIDER", "", 1);
  wpu::catalog c3;
  REQUIRE(wpu::add_tcpip_entries(c3) == 0);
  const std::string installed = narrow(c3.entries()[0].path);
  CHECK(installed.front() == '/');
  CHECK(installed.size() > 17);
  CHECK(installed.compare(installed.size() - 17, 17, "/wpu/wpu-tcpip.so") == 0);
  if (old != nullptr)
    ::setenv("WPU_TCPIP_PROVIDER", saved.c_str(), 1);
  else
    ::unsetenv("WPU_TCPIP_PROVIDER");
#endif
}

TEST_CASE("catalog: without WPU_CATALOG the process catalog starts with wpu tcpip's entries") {
  const char* file = std::getenv("WPU_CATALOG");
  if (file != nullptr && *file != '\0') return;  // the file is the whole catalog then
  CHECK(wpu::process_catalog_status() == 0);
  const std::vector<wpu::provider_entry> mine = tcpip_entries(wpu::process_catalog().entries());
  REQUIRE(mine.size() == 4);
  for (int i = 0; i < 4; ++i) {
    CHECK(mine[static_cast<size_t>(i)].info.dwCatalogEntryId ==
          mine[0].info.dwCatalogEntryId + static_cast<DWORD>(i));
    CHECK(mine[static_cast<size_t>(i)].path == mine[0].path);
  }
  CHECK(mine[0].info.iAddressFamily == 2);
  CHECK(mine[2].info.iAddressFamily == 23);
#if defined(_WIN32)
  CHECK(narrow(mine[0].path) == "wpu-tcpip.dll");
#endif
}

#if defined(WPU_POSIX)
TEST_CASE(
    "socket registry: slots, collisions, overflow, and a close that ends only its own "
    "registration") {
  wpu::detail::socket_registry<int> reg;
  int a = 1, b = 2, c = 3;
  // Two wpu handles with one slot index (different table ids): the second
  // goes to the overflow map; both are found; erasing either leaves the other.
  wpu::handle_table t1, t2;
  const SOCKET h1 = t1.allocate(wpu::handle_kind::socket, 0);
  const SOCKET h2 = t2.allocate(wpu::handle_kind::socket, 0);
  REQUIRE(wpu::handle_table::index_of(h1) == wpu::handle_table::index_of(h2));
  REQUIRE(h1 != h2);
  CHECK(reg.insert(h1, &a));
  CHECK(reg.insert(h2, &b));
  CHECK(reg.find(h1) == &a);
  CHECK(reg.find(h2) == &b);
  CHECK(reg.erase(h1));
  CHECK(reg.find(h1) == nullptr);
  CHECK(reg.find(h2) == &b);
  // Native values: small ones have slots, large ones overflow.
  const SOCKET fd = 9, big = SOCKET{1} << 40;
  CHECK(reg.insert(fd, &a));
  CHECK(reg.insert(big, &c));
  CHECK(reg.find(fd) == &a);
  CHECK(reg.find(big) == &c);
  CHECK(reg.find(10) == nullptr);
  // A registration replaced by a later one of the same value (a reused fd):
  // erasing by the first one's serial leaves the second.
  const std::uint64_t first = reg.serial_of(fd);
  CHECK(first != 0);
  CHECK(reg.insert(fd, &b));
  CHECK(reg.serial_of(fd) != first);
  CHECK_FALSE(reg.erase(fd, first));
  CHECK(reg.find(fd) == &b);
  CHECK(reg.erase(fd, reg.serial_of(fd)));
  CHECK(reg.find(fd) == nullptr);
  CHECK(reg.serial_of(fd) == 0);
  std::size_t n = 0;
  reg.for_each([&](SOCKET, const int*) { ++n; });
  CHECK(n == reg.size());
  CHECK(n == 2);
  reg.clear();
  CHECK(reg.size() == 0);
  CHECK(reg.find(h2) == nullptr);
  CHECK(reg.find(big) == nullptr);
}

TEST_CASE("errno to WSAE*") {
  CHECK(wpu::wsa_from_errno(0) == 0);
  CHECK(wpu::wsa_from_errno(EWOULDBLOCK) == WSAEWOULDBLOCK);
  CHECK(wpu::wsa_from_errno(EAGAIN) == WSAEWOULDBLOCK);
  CHECK(wpu::wsa_from_errno(ECONNREFUSED) == WSAECONNREFUSED);
  CHECK(wpu::wsa_from_errno(EMFILE) == WSAEMFILE);
  CHECK(wpu::wsa_from_errno(ENFILE) == WSAEMFILE);
  CHECK(wpu::wsa_from_errno(EBADF) == WSAEBADF);
  CHECK(wpu::wsa_from_errno(ENOMEM) == WSAENOBUFS);
  CHECK(wpu::wsa_from_errno(ENOTSOCK) == WSAENOTSOCK);
  CHECK(wpu::wsa_from_errno(ETIMEDOUT) == WSAETIMEDOUT);
  CHECK(wpu::wsa_from_errno(EIO) == WSASYSCALLFAILURE);
  // Every mapped code is a Winsock code.
  for (int e = 1; e < 134; ++e) {
    int w = wpu::wsa_from_errno(e);
    CHECK((w == WSA_OPERATION_ABORTED || (w >= WSABASEERR && w < WSABASEERR + 1200)));
  }
}
#endif  // defined(WPU_POSIX)

namespace {
// Records which member each table slot reached.
struct recorder final : wpu::upcalls {
  const char* last = nullptr;
  BOOL close_event(WSAEVENT, int*) noexcept override { return last = "close_event", TRUE; }
  int close_socket_handle(SOCKET, int*) noexcept override { return last = "close_socket", 0; }
  WSAEVENT create_event(int*) noexcept override { return last = "create_event", nullptr; }
  SOCKET create_socket_handle(DWORD, DWORD_PTR, int*) noexcept override {
    return last = "create_socket", 0;
  }
  int fd_is_set(SOCKET, wpu::spi_fd_set*) noexcept override { return last = "fd_is_set", 0; }
  int get_provider_path(GUID*, WCHAR*, int*, int*) noexcept override {
    return last = "provider_path", 0;
  }
  SOCKET modify_ifs_handle(DWORD, SOCKET, int*) noexcept override { return last = "ifs", 0; }
  BOOL post_message(HWND, UINT, WPARAM, LPARAM) noexcept override { return last = "post", 0; }
  int query_blocking_callback(DWORD, LPBLOCKINGCALLBACK*, DWORD_PTR*, int*) noexcept override {
    return last = "blocking", 0;
  }
  int query_socket_handle_context(SOCKET, DWORD_PTR*, int*) noexcept override {
    return last = "context", 0;
  }
  int queue_apc(WSATHREADID*, LPWSAUSERAPC, DWORD_PTR, int*) noexcept override {
    return last = "apc", 0;
  }
  BOOL reset_event(WSAEVENT, int*) noexcept override { return last = "reset_event", 0; }
  BOOL set_event(WSAEVENT, int*) noexcept override { return last = "set_event", 0; }
  int open_current_thread(WSATHREADID*, int*) noexcept override { return last = "open_thread", 0; }
  int close_thread(WSATHREADID*, int*) noexcept override { return last = "close_thread", 0; }
  int complete_overlapped_request(SOCKET, WSAOVERLAPPED*, DWORD, DWORD, int*) noexcept override {
    return last = "complete", 0;
  }
};
}  // namespace

TEST_CASE("make_upcall_table: 15 slots in Windows' order, each reaching its member") {
  recorder r;
  WSPUPCALLTABLE t = wpu::make_upcall_table(r);
  int e;
  auto is = [&](const char* name) { return std::strcmp(r.last, name) == 0; };
  t.lpWPUCloseEvent(nullptr, &e);
  CHECK(is("close_event"));
  t.lpWPUCloseSocketHandle(0, &e);
  CHECK(is("close_socket"));
  t.lpWPUCreateEvent(&e);
  CHECK(is("create_event"));
  t.lpWPUCreateSocketHandle(0, 0, &e);
  CHECK(is("create_socket"));
  t.lpWPUFDIsSet(0, nullptr);
  CHECK(is("fd_is_set"));
  t.lpWPUGetProviderPath(nullptr, nullptr, nullptr, &e);
  CHECK(is("provider_path"));
  t.lpWPUModifyIFSHandle(0, 0, &e);
  CHECK(is("ifs"));
  t.lpWPUPostMessage(nullptr, 0, 0, 0);
  CHECK(is("post"));
  t.lpWPUQueryBlockingCallback(0, nullptr, nullptr, &e);
  CHECK(is("blocking"));
  t.lpWPUQuerySocketHandleContext(0, nullptr, &e);
  CHECK(is("context"));
  t.lpWPUQueueApc(nullptr, nullptr, 0, &e);
  CHECK(is("apc"));
  t.lpWPUResetEvent(nullptr, &e);
  CHECK(is("reset_event"));
  t.lpWPUSetEvent(nullptr, &e);
  CHECK(is("set_event"));
  t.lpWPUOpenCurrentThread(nullptr, &e);
  CHECK(is("open_thread"));
  t.lpWPUCloseThread(nullptr, &e);
  CHECK(is("close_thread"));
  wpu::make_complete_overlapped_request(r)(0, nullptr, 0, 0, &e);
  CHECK(is("complete"));
  // The slots sit at Win64 offsets 0, 8, ... 112.
  void* slots[15];
  static_assert(sizeof slots == sizeof t, "15 pointers");
  std::memcpy(slots, &t, sizeof t);
  CHECK(slots[7] == reinterpret_cast<void*>(t.lpWPUPostMessage));
  CHECK(slots[14] == reinterpret_cast<void*>(t.lpWPUCloseThread));
}

namespace {
// Every slot of `t` and `complete` failing with `code`, without reaching
// any backend.
void check_all_slots_fail(const WSPUPCALLTABLE& t, LPWPUCOMPLETEOVERLAPPEDREQUEST complete,
                          int code) {
  int e = 0;
  auto fails = [&](bool failed) {
    CHECK(failed);
    CHECK(e == code);
    e = 0;
  };
  fails(t.lpWPUCloseEvent(nullptr, &e) == FALSE);
  fails(t.lpWPUCloseSocketHandle(0, &e) == SOCKET_ERROR);
  fails(t.lpWPUCreateEvent(&e) == WSA_INVALID_EVENT);
  fails(t.lpWPUCreateSocketHandle(0, 0, &e) == INVALID_SOCKET);
  CHECK(t.lpWPUFDIsSet(0, nullptr) == 0);
  fails(t.lpWPUGetProviderPath(nullptr, nullptr, nullptr, &e) == SOCKET_ERROR);
  fails(t.lpWPUModifyIFSHandle(0, 0, &e) == INVALID_SOCKET);
  CHECK(t.lpWPUPostMessage(nullptr, 0, 0, 0) == FALSE);
  fails(t.lpWPUQueryBlockingCallback(0, nullptr, nullptr, &e) == SOCKET_ERROR);
  fails(t.lpWPUQuerySocketHandleContext(0, nullptr, &e) == SOCKET_ERROR);
  fails(t.lpWPUQueueApc(nullptr, nullptr, 0, &e) == SOCKET_ERROR);
  fails(t.lpWPUResetEvent(nullptr, &e) == FALSE);
  fails(t.lpWPUSetEvent(nullptr, &e) == FALSE);
  fails(t.lpWPUOpenCurrentThread(nullptr, &e) == SOCKET_ERROR);
  fails(t.lpWPUCloseThread(nullptr, &e) == SOCKET_ERROR);
  fails(complete(0, nullptr, 0, 0, &e) == SOCKET_ERROR);
  CHECK(t.lpWPUCloseThread(nullptr, nullptr) == SOCKET_ERROR);  // NULL lpErrno
}
}  // namespace

TEST_CASE("make_upcall_table: one binding per object; a second object's table leaves it alone") {
  recorder r1, r2;
  const WSPUPCALLTABLE t1 = wpu::make_upcall_table(r1);
  const LPWPUCOMPLETEOVERLAPPEDREQUEST c1 = wpu::make_complete_overlapped_request(r1);
  const WSPUPCALLTABLE t2 = wpu::make_upcall_table(r2);
  const LPWPUCOMPLETEOVERLAPPEDREQUEST c2 = wpu::make_complete_overlapped_request(r2);
  CHECK((t1.lpWPUCreateEvent != t2.lpWPUCreateEvent));
  CHECK((c1 != c2));
  // The same object: the same pointers.
  const WSPUPCALLTABLE again = wpu::make_upcall_table(r1);
  CHECK(std::memcmp(&again, &t1, sizeof again) == 0);
  CHECK((wpu::make_complete_overlapped_request(r1) == c1));
  int e = 0;
  t1.lpWPUCreateEvent(&e);
  CHECK(std::strcmp(r1.last, "create_event") == 0);
  CHECK(r2.last == nullptr);
  t2.lpWPUSetEvent(nullptr, &e);
  CHECK(std::strcmp(r2.last, "set_event") == 0);
  CHECK(std::strcmp(r1.last, "create_event") == 0);
  c1(0, nullptr, 0, 0, &e);
  CHECK(std::strcmp(r1.last, "complete") == 0);
  CHECK(std::strcmp(r2.last, "set_event") == 0);
}

TEST_CASE("make_upcall_table: a table whose backend was destroyed fails with WSANOTINITIALISED") {
  WSPUPCALLTABLE t{};
  LPWPUCOMPLETEOVERLAPPEDREQUEST complete = nullptr;
  {
    auto r = std::make_unique<recorder>();
    t = wpu::make_upcall_table(*r);
    complete = wpu::make_complete_overlapped_request(*r);
    int e = 0;
    t.lpWPUCreateEvent(&e);
    CHECK(std::strcmp(r->last, "create_event") == 0);
  }
  check_all_slots_fail(t, complete, WSANOTINITIALISED);
}

TEST_CASE("make_upcall_table: 64 bindings per type, then a table that fails with WSAENOBUFS") {
  std::vector<std::unique_ptr<recorder>> live;
  WSPUPCALLTABLE t{};
  int rc = 0;
  // Other test cases' recorders are gone, so their bindings are free.
  for (std::size_t i = 0; i <= wpu::detail::upcall_bindings::slots; ++i) {
    live.push_back(std::make_unique<recorder>());
    rc = wpu::try_make_upcall_table(*live.back(), &t);
    if (rc != 0) break;
  }
  CHECK(rc == WSAENOBUFS);
  CHECK(live.size() == wpu::detail::upcall_bindings::slots + 1);
  check_all_slots_fail(t, wpu::make_complete_overlapped_request(*live.back()), WSAENOBUFS);
  CHECK(live.back()->last == nullptr);
  CHECK(wpu::try_make_upcall_table(*live.back(), nullptr) == WSAEFAULT);
  // Destroying one frees its binding for the next object, and the others
  // keep theirs.
  const WSPUPCALLTABLE first = wpu::make_upcall_table(*live[0]);
  const WSPUPCALLTABLE second = wpu::make_upcall_table(*live[1]);
  live[0].reset();
  recorder next;
  REQUIRE(wpu::try_make_upcall_table(next, &t) == 0);
  CHECK(std::memcmp(&t, &first, sizeof t) == 0);
  int e = 0;
  t.lpWPUCreateEvent(&e);
  CHECK(std::strcmp(next.last, "create_event") == 0);
  second.lpWPUResetEvent(nullptr, &e);
  CHECK(std::strcmp(live[1]->last, "reset_event") == 0);
}

TEST_CASE("table_upcalls: a NULL slot fails with WSAEOPNOTSUPP instead of crashing") {
  WSPUPCALLTABLE t{};
  wpu::table_upcalls u(t);
  int err = 0;
  CHECK(u.create_socket_handle(1001, 0, &err) == INVALID_SOCKET);
  CHECK(err == WSAEOPNOTSUPP);
  err = 0;
  CHECK(u.complete_overlapped_request(0, nullptr, 0, 0, &err) == SOCKET_ERROR);
  CHECK(err == WSAEOPNOTSUPP);
  CHECK(u.post_message(nullptr, 0, 0, 0) == FALSE);
  CHECK(u.fd_is_set(0, nullptr) == 0);
}

TEST_CASE("default backend and wpu_get_upcall_table") {
  WSPUPCALLTABLE t{};
  CHECK(wpu_get_upcall_table(nullptr) == WSAEFAULT);
  REQUIRE(wpu_get_upcall_table(&t) == 0);
  WSAPROTOCOL_INFOW info{};
  info.ProviderId.Data1 = 0xC0FFEE;
  DWORD id = 0;
  REQUIRE(wpu_catalog_add(&info, WPU_WTEXT("/usr/lib/wpu/core-test.so"), &id) == 0);
  CHECK(wpu_catalog_add(nullptr, WPU_WTEXT("x"), &id) == WSAEFAULT);
  int err = 0;
  SOCKET s = t.lpWPUCreateSocketHandle(id, 5, &err);
  REQUIRE(s != INVALID_SOCKET);
  DWORD_PTR ctx = 0;
  CHECK(wpu::default_backend().query_socket_handle_context(s, &ctx, &err) == 0);
  CHECK(ctx == 5);
  CHECK(t.lpWPUCloseSocketHandle(s, &err) == 0);
  WSAPROTOCOL_INFOW back{};
  CHECK(wpu_catalog_get(id, &back) == 0);
  CHECK(back.dwCatalogEntryId == id);
  CHECK(wpu_set_blocking_hook(nullptr, 0) == 0);
  CHECK(wpu_catalog_remove(id) == 0);
  CHECK(wpu_catalog_get(id, &back) == WSAEINVAL);
}
