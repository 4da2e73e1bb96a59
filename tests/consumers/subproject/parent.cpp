// The parent project's program (tests/consumers/subproject): wpu from the
// subproject, in the mode given as argv[1] ("compiled" or "header-only"),
// which must be the mode macro dependency('wpu') brought. It makes a socket
// handle with a context through the default backend's upcall table, for a
// catalog entry of its own, and reads the context back. Exit status 0 when
// all of it holds.
#include <wpu/wpu.hpp>

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
#if defined(WPU_HEADER_ONLY)
  const char* mode = "header-only";
#elif defined(WPU_SEPARATE_COMPILATION)
  const char* mode = "compiled";
#endif
  if (argc != 2 || std::strcmp(argv[1], mode) != 0) {
    std::printf("built in mode %s, expected %s\n", mode, argc == 2 ? argv[1] : "(no argument)");
    return 1;
  }
  WSPUPCALLTABLE up;
  if (wpu_get_upcall_table(&up) != 0) {
    std::printf("wpu_get_upcall_table failed\n");
    return 1;
  }
  WSAPROTOCOL_INFOW info;
  std::memset(&info, 0, sizeof info);
  info.ProtocolChain.ChainLen = BASE_PROTOCOL;
  static const WCHAR path[] = {'p', 'a', 'r', 'e', 'n', 't', 0};
  DWORD id = 0;
  if (wpu_catalog_add(&info, path, &id) != 0) {
    std::printf("wpu_catalog_add failed\n");
    return 1;
  }
  static int state;
  int err = 0;
  SOCKET s = up.lpWPUCreateSocketHandle(id, reinterpret_cast<DWORD_PTR>(&state), &err);
  DWORD_PTR context = 0;
  bool ok = s != INVALID_SOCKET && up.lpWPUQuerySocketHandleContext(s, &context, &err) == 0 &&
            context == reinterpret_cast<DWORD_PTR>(&state) &&
            up.lpWPUCloseSocketHandle(s, &err) == 0;
  std::printf("wpu as a subproject (%s): socket handle %s\n", mode, ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
