// tests/host/errors.hpp - every way loading a provider fails, and the
// host's message for it (host-semantics.md §2.2; §10 items 19-22).
using namespace host_test;

namespace host_test {

// socket() on an entry for `path` fails with `code`; the host's failure text
// names the module file and `detail`.
inline void check_load_failure(const std::string& path, int code, const std::string& detail) {
  entries cat;
  const DWORD id = cat.add(protocol(provider_guid(9), AF_INET, SOCK_STREAM, IPPROTO_TCP), path);
  session app;
  HOST_FAILS_WITH(wpu_socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET, code);
  const char* text = wpu_host_failure_text();
  INFO("failure text: " << text);
  CHECK(contains(text, base_name(path)));
  CHECK(contains(text, std::to_string(id)));
  CHECK(contains(text, detail));
  // Nothing was kept: the next socket tries again and fails the same way.
  HOST_FAILS_WITH(wpu_socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET, code);
}

inline rec_state failing_state(const module& m) {
  rec_state s{};
  m.sym<void (*)(rec_state*)>("fail_get_state")(&s);
  return s;
}

}  // namespace host_test

TEST_CASE("host: a module that cannot be loaded gives WSAEPROVIDERFAILEDINIT (19)") {
  const std::string dir = module_path("WPU_TEST_REC_A");
#if defined(_WIN32)
  const std::string missing =
      dir.substr(0, dir.size() - base_name(dir).size()) + "no-such-provider.dll";
#else
  const std::string missing =
      dir.substr(0, dir.size() - base_name(dir).size()) + "no-such-provider.so";
#endif
  check_load_failure(missing, WSAEPROVIDERFAILEDINIT, "cannot load");
  // An unset %VAR% stays as it is, and the message shows the path tried.
  check_load_failure("%WPU_TEST_UNSET_VARIABLE%/x", WSAEPROVIDERFAILEDINIT,
                     "%WPU_TEST_UNSET_VARIABLE%");
}

TEST_CASE("host: a module without WSPStartup gives WSAEPROVIDERFAILEDINIT (20)") {
  const std::string path = module_path("WPU_TEST_FAIL_NO_STARTUP");
  module held(path);
  check_load_failure(path, WSAEPROVIDERFAILEDINIT, "WSPStartup");
#if !defined(_WIN32)
  const rec_state st = failing_state(held);
  CHECK(st.attaches == 2);  // DllMain(ATTACH) then (DETACH) around each attempt
  CHECK(st.detaches == 2);
#endif
}

TEST_CASE("host: WSPStartup's own error is the socket's error (WSAVERNOTSUPPORTED)") {
  const std::string path = module_path("WPU_TEST_FAIL_VERSION");
  module held(path);
  check_load_failure(path, WSAVERNOTSUPPORTED, "WSPStartup");
  const rec_state st = failing_state(held);
  CHECK(st.startups == 2);
  CHECK(st.startup_version == 0x0202);
  CHECK(st.cleanups == 0);  // a failed WSPStartup needs no WSPCleanup
}

TEST_CASE("host: a provider negotiating 1.1 is cleaned up: WSAEINVALIDPROVIDER (21)") {
  const std::string path = module_path("WPU_TEST_FAIL_NEGOTIATE");
  module held(path);
  check_load_failure(path, WSAEINVALIDPROVIDER, "1.1");
  const rec_state st = failing_state(held);
  CHECK(st.startups == 2);
  CHECK(st.cleanups == 2);  // once per attempt
}

TEST_CASE("host: a NULL proc table slot gives WSAEINVALIDPROCTABLE (22)") {
  const std::string path = module_path("WPU_TEST_FAIL_NULL_SLOT");
  module held(path);
  check_load_failure(path, WSAEINVALIDPROCTABLE, "lpWSPShutdown");
  const rec_state st = failing_state(held);
  CHECK(st.startups == 2);
  CHECK(st.cleanups == 2);
}

TEST_CASE("host: DllMain returning FALSE fails the load") {
  const std::string path = module_path("WPU_TEST_FAIL_DLLMAIN");
#if defined(_WIN32)
  // Windows' loader refuses the module itself (LoadLibraryW fails).
  check_load_failure(path, WSAEPROVIDERFAILEDINIT, "LoadLibraryW");
#else
  module held(path);
  check_load_failure(path, WSAEPROVIDERFAILEDINIT, "DllMain");
  const rec_state st = failing_state(held);
  CHECK(st.attaches == 2);
  CHECK(st.startups == 0);  // WSPStartup is never called
  CHECK(st.detaches == 0);  // no DETACH for an ATTACH that failed
#endif
}

TEST_CASE("host: a provider socket that is no upcall handle gives WSASYSCALLFAILURE") {
  const std::string path = module_path("WPU_TEST_REC_A");
  recorder rec(path);
  entries cat;
  cat.add(protocol(provider_guid(1), AF_INET, SOCK_STREAM, IPPROTO_TCP), path);
  session app;
  rec.socket_mode(REC_SOCKET_FOREIGN);
  HOST_FAILS_WITH(wpu_socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET, WSASYSCALLFAILURE);
  CHECK(contains(wpu_host_failure_text(), "WPUCreateSocketHandle"));
  // The host gave it back to the provider.
  const std::vector<rec_call> closed = rec.calls(REC_CLOSE_SOCKET);
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].s == static_cast<SOCKET>(0x7fff0001));
  rec.socket_mode(REC_SOCKET_NORMAL);
  // WSPSocket failing without an error code.
  rec.fail_next(REC_SOCKET, 0);
  HOST_FAILS_WITH(wpu_socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET, WSASYSCALLFAILURE);
  rec.fail_next(REC_SOCKET, WSAEMFILE);
  HOST_FAILS_WITH(wpu_socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET, WSAEMFILE);
  CHECK(wpu_socket(AF_INET, SOCK_STREAM, 0) != INVALID_SOCKET);
}

#if !defined(_WIN32)
#  include <wpu/kernel32.h>
#endif

TEST_CASE("host: LoadLibrary calls DllMain once per module load, not per call") {
  const std::string path = module_path("WPU_TEST_REC_B");
#if !defined(_WIN32)
  // The recorder's dlopen reads the state and takes no LoadLibrary reference
  // (on Windows its LoadLibraryW would: the counts are checked on POSIX only).
  recorder rec(path);
  const rec_state before = rec.state();
#endif
  HMODULE a = LoadLibraryA(path.c_str());
  REQUIRE(a != nullptr);
  HMODULE b = LoadLibraryA(path.c_str());
  CHECK(b == a);
#if !defined(_WIN32)
  CHECK(rec.state().attaches == before.attaches + 1);
#endif
  CHECK(FreeLibrary(b) != FALSE);
#if !defined(_WIN32)
  CHECK(rec.state().detaches == before.detaches);  // a reference is still held
#endif
  CHECK(FreeLibrary(a) != FALSE);
#if !defined(_WIN32)
  CHECK(rec.state().detaches == before.detaches + 1);
  CHECK(rec.state().attaches == before.attaches + 1);
  SetLastError(0);
  CHECK(FreeLibrary(a) == FALSE);  // no reference left
  CHECK(GetLastError() == ERROR_MOD_NOT_FOUND);
#endif
}

TEST_CASE("host: LoadLibrary of a module whose DllMain returns FALSE fails") {
  const std::string path = module_path("WPU_TEST_FAIL_DLLMAIN");
  SetLastError(0);
  CHECK(LoadLibraryA(path.c_str()) == nullptr);
  CHECK(GetLastError() == ERROR_DLL_INIT_FAILED);
#if !defined(_WIN32)
  module held(path);
  const rec_state before = failing_state(held);
  CHECK(LoadLibraryA(path.c_str()) == nullptr);
  const rec_state st = failing_state(held);
  CHECK(st.attaches == before.attaches + 1);  // tried again: a failed ATTACH holds nothing
  CHECK(st.detaches == before.detaches);      // no DETACH for an ATTACH that failed
#endif
}
