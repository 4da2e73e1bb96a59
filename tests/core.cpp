// Backend-free unit tests: the handle table, the catalog and its file format,
// the errno table, and the order of the C upcall table.
#include <wpu/wpu.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

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
  CHECK(((again >> 28) & 0xFFFFFFFF) == ((first[0] >> 28) & 0xFFFFFFFF) + 1);
  std::uint64_t v;
  CHECK_FALSE(t.lookup(first[0], wpu::handle_kind::socket, &v));
  CHECK(t.lookup(again, wpu::handle_kind::socket, &v));
}

TEST_CASE("handle table: full at 4M handles, then WSAENOBUFS from WPUCreateSocketHandle") {
  wpu::catalog cat;
  WSAPROTOCOL_INFOW info{};
  DWORD id = 0;
  REQUIRE(cat.add(info, WPU_WTEXT("p.dll"), &id) == 0);
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

#if defined(WPU_POSIX)
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
  WSPUPCALLTABLE t;
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
