// app_compiled (tests/consumers/cmake): C++ on CMake's wpu::wpu. A backend
// of its own with its upcall table, seen through wpu::table_upcalls, makes a
// socket handle with a context for a catalog entry; the program prints the
// file libwpu was loaded from (consumer.py checks it is the relocated
// install's). Exit status 0 when every check passed.
#if !defined(WPU_SEPARATE_COMPILATION) || defined(WPU_HEADER_ONLY)
#  error "wpu::wpu must bring WPU_SEPARATE_COMPILATION (and not WPU_HEADER_ONLY)"
#endif
#include <dlfcn.h>
#include <wpu/wpu.hpp>

#include <cstdio>
#include <cstring>

int main() {
  int failures = 0;
  auto check = [&failures](bool ok, const char* what) {
    std::printf("%-48s %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) ++failures;
  };

  WSAPROTOCOL_INFOW info;
  std::memset(&info, 0, sizeof info);
  info.ProtocolChain.ChainLen = BASE_PROTOCOL;
  static const WCHAR path[] = {'c', 'm', 'a', 'k', 'e', 0};
  DWORD id = 0;
  check(wpu_catalog_add(&info, path, &id) == 0, "wpu_catalog_add");

  wpu::native_backend backend;
  WSPUPCALLTABLE table = wpu::make_upcall_table(backend);
  wpu::table_upcalls up{table};
  static int state;
  int err = 0;
  SOCKET s = up.create_socket_handle(id, reinterpret_cast<DWORD_PTR>(&state), &err);
  DWORD_PTR context = 0;
  check(s != INVALID_SOCKET && up.query_socket_handle_context(s, &context, &err) == 0 &&
            context == reinterpret_cast<DWORD_PTR>(&state),
        "a socket handle of its own backend");
  WSPUPCALLTABLE other;
  check(wpu_get_upcall_table(&other) == 0 &&
            other.lpWPUQuerySocketHandleContext(s, &context, &err) == SOCKET_ERROR &&
            err == WSAENOTSOCK,
        "the default backend refuses it (WSAENOTSOCK)");
  check(up.close_socket_handle(s, &err) == 0, "close_socket_handle");

  Dl_info where;
  if (dladdr(reinterpret_cast<void*>(&wpu_get_upcall_table), &where) != 0 &&
      where.dli_fname != nullptr) {
    std::printf("libwpu: %s\n", where.dli_fname);
  } else {
    check(false, "dladdr(wpu_get_upcall_table)");
  }
  std::printf("%s\n", failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
