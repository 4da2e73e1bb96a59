// app_header_only (tests/consumers/cmake): an executable on CMake's
// wpu::header_only that loads provider_header_only (PROVIDER_PATH) with
// dlopen and checks that the module shares its wpu: the module reads the
// context of a socket handle made here and sees the same process catalog.
// Exit status 0 when every check passed.
#if !defined(WPU_HEADER_ONLY) || defined(WPU_SEPARATE_COMPILATION)
#  error "wpu::header_only must bring WPU_HEADER_ONLY (and not WPU_SEPARATE_COMPILATION)"
#endif
#include <dlfcn.h>
#include <wpu/wpu.hpp>

#include <cstdio>
#include <cstring>

int main() {
  WSPUPCALLTABLE up;
  if (wpu_get_upcall_table(&up) != 0) {
    std::printf("wpu_get_upcall_table failed\n");
    return 1;
  }
  WSAPROTOCOL_INFOW info;
  std::memset(&info, 0, sizeof info);
  info.ProtocolChain.ChainLen = BASE_PROTOCOL;
  static const WCHAR path[] = {'h', 'o', 0};
  DWORD id = 0;
  static int state;
  int err = 0;
  if (wpu_catalog_add(&info, path, &id) != 0) {
    std::printf("wpu_catalog_add failed\n");
    return 1;
  }
  SOCKET s = up.lpWPUCreateSocketHandle(id, reinterpret_cast<DWORD_PTR>(&state), &err);
  if (s == INVALID_SOCKET) {
    std::printf("WPUCreateSocketHandle failed: %d\n", err);
    return 1;
  }

  void* module = dlopen(PROVIDER_PATH, RTLD_NOW | RTLD_LOCAL);
  if (module == nullptr) {
    std::printf("dlopen: %s\n", dlerror());
    return 1;
  }
  using query_fn = DWORD_PTR (*)(SOCKET);
  using catalog_fn = const void* (*)();
  auto query = reinterpret_cast<query_fn>(dlsym(module, "consumer_query_context"));
  auto catalog = reinterpret_cast<catalog_fn>(dlsym(module, "consumer_catalog"));
  if (query == nullptr || catalog == nullptr) {
    std::printf("dlsym: the module lacks its functions\n");
    return 1;
  }
  int failures = 0;
  bool same_socket = query(s) == reinterpret_cast<DWORD_PTR>(&state);
  bool same_catalog = catalog() == &wpu::process_catalog();
  std::printf("the module knows the executable's socket handle: %s\n",
              same_socket ? "ok" : "FAILED");
  std::printf("the module sees the executable's catalog: %s\n", same_catalog ? "ok" : "FAILED");
  failures += !same_socket + !same_catalog;
  up.lpWPUCloseSocketHandle(s, &err);
  std::printf("%s\n", failures == 0 ? "ok: one copy of header-only wpu" : "FAILED");
  return failures == 0 ? 0 : 1;
}
