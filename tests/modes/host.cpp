// A host executable that loads tests/modes/provider.cpp with
// dlopen(RTLD_NOW | RTLD_LOCAL) and checks that the two share wpu's process
// objects: one catalog (entries added by either are seen by the other), one
// default backend (a socket made through the provider's upcall table is the
// host's socket), one object manager (an event made by the host is set by the
// provider) and one last error. Argument: the provider module's path.
// Prints "host + provider: one catalog, ..." and exits 0, or names each
// check that failed and exits 1. A process with two copies of wpu aborts in
// wpu itself (wpu/detail/process_objects.hpp) before the checks end.
#include <wpu/wpu.hpp>
#include <wpu/winapi.h>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "host + provider: %s\n", what);
    ++failures;
  }
}

template <class F>
F symbol(void* module, const char* name) {
  void* p = ::dlsym(module, name);
  if (p == nullptr) {
    std::fprintf(stderr, "host: no %s in the provider: %s\n", name, ::dlerror());
    std::exit(2);
  }
  return reinterpret_cast<F>(p);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PROVIDER.so\n", argv[0]);
    return 2;
  }
  void* module = ::dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (module == nullptr) {
    std::fprintf(stderr, "host: dlopen: %s\n", ::dlerror());
    return 2;
  }
  auto catalog_name = symbol<int (*)(DWORD, char*)>(module, "provider_catalog_name");
  auto catalog_add = symbol<DWORD (*)()>(module, "provider_catalog_add");
  auto create_socket = symbol<SOCKET (*)(DWORD, DWORD_PTR, int*)>(module, "provider_create_socket");
  auto query_socket = symbol<int (*)(SOCKET, DWORD_PTR*)>(module, "provider_query_socket");
  auto set_event = symbol<int (*)(WSAEVENT)>(module, "provider_set_event");
  auto set_last_error = symbol<void (*)(int)>(module, "provider_set_last_error");

  // One catalog: the host's entry is the provider's, and the other way round.
  WSAPROTOCOL_INFOW info{};
  const char16_t name[] = u"host";
  for (int i = 0; name[i] != 0; ++i) info.szProtocol[i] = name[i];
  DWORD host_id = 0;
  check(wpu_catalog_add(&info, u"host.so", &host_id) == 0, "the host cannot add an entry");
  char seen[9] = {};
  check(catalog_name(host_id, seen) == 0 && std::strcmp(seen, "host") == 0,
        "the provider does not see the host's catalog entry (two catalogs)");
  const DWORD provider_id = catalog_add();
  check(provider_id != 0, "the provider cannot add an entry");
  check(provider_id != host_id, "the provider's entry got the host's id (two catalogs)");
  WSAPROTOCOL_INFOW got{};
  check(provider_id != 0 && wpu_catalog_get(provider_id, &got) == 0 && got.szProtocol[0] == u'p',
        "the host does not see the provider's catalog entry (two catalogs)");

  // One default backend: the provider's socket is live in the host's table,
  // with the provider's context, until the host closes it.
  WSPUPCALLTABLE table;
  check(wpu_get_upcall_table(&table) == 0, "wpu_get_upcall_table failed in the host");
  int err = 0;
  const SOCKET s = create_socket(host_id, 0xC0FFEE, &err);
  check(s != INVALID_SOCKET, "the provider cannot create a socket handle");
  DWORD_PTR context = 0;
  check(table.lpWPUQuerySocketHandleContext(s, &context, &err) == 0 && context == 0xC0FFEE,
        "the host's table does not know the provider's socket (two handle tables)");
  check(table.lpWPUCloseSocketHandle(s, &err) == 0, "the host cannot close the provider's socket");
  check(query_socket(s, &context) == WSAENOTSOCK,
        "the provider still sees a socket the host closed (two handle tables)");

  // One object manager: the provider sets the host's event.
  WSAEVENT e = wpu_wsa_create_event();
  check(e != WSA_INVALID_EVENT, "the host cannot create an event");
  check(set_event(e) == 0, "the provider cannot set the host's event (two object managers)");
  check(wpu_wsa_wait_for_multiple_events(1, &e, FALSE, 0, FALSE) == WSA_WAIT_EVENT_0,
        "the host's event is not set");
  check(wpu_wsa_close_event(e) != FALSE, "the host cannot close its event");

  // One last error per thread.
  wpu_wsa_set_last_error(0);
  set_last_error(WSAENOTSOCK);
  check(wpu_wsa_get_last_error() == WSAENOTSOCK,
        "the provider's WSASetLastError is not the host's WSAGetLastError (two last errors)");

  if (failures != 0) return 1;
  std::printf(
      "host + provider: one catalog, one handle table, one object manager, one last error\n");
  return 0;
}
