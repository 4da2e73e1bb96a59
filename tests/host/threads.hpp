// tests/host/threads.hpp - what the host keeps per thread (the WSATHREADID
// it passes as lpThreadId, the failure text) is released when a thread
// exits, without touching freed memory (host-semantics.md §10).
#include <wpu/host.hpp>

using namespace host_test;

namespace host_test {

// True when every heap of the process passes HeapValidate (Windows); on
// POSIX the sanitizer builds check the same.
inline bool heaps_valid() {
#if defined(_WIN32)
  HANDLE heaps[256];
  const DWORD n = ::GetProcessHeaps(256, heaps);
  if (n == 0 || n > 256) return false;
  for (DWORD i = 0; i < n; ++i)
    if (::HeapValidate(heaps[i], 0, nullptr) == FALSE) return false;
#endif
  return true;
}

}  // namespace host_test

TEST_CASE("host: threads that used the host's per-thread state exit cleanly") {
  routed_socket t;
  const auto set_mode = t.rec.m.sym<rec_socket_mode_fn>("rec_socket_mode");
  REQUIRE(heaps_valid());
  // Each thread makes a routed call with lpThreadId (its WSATHREADID is
  // opened) and a socket() the host refuses (its failure text is set), then
  // exits. The threads run one at a time: the recording provider's log has
  // no lock. No doctest macro runs in them (support.hpp).
  constexpr int threads = 32;
  int sent[threads] = {}, refused[threads] = {}, codes[threads] = {};
  std::string texts[threads];
  void* handles[threads] = {};                       // the WSATHREADID's handle
  [[maybe_unused]] unsigned long ids[threads] = {};  // Windows only
  for (int i = 0; i < threads; ++i) {
    std::thread([&, i] {
      char b[3] = {};
      sent[i] = wpu_send(t.s, b, 3, 0);
      set_mode(REC_SOCKET_FOREIGN);
      refused[i] = wpu_socket(AF_INET, SOCK_STREAM, 0) == INVALID_SOCKET;
      codes[i] = WSAGetLastError();
      set_mode(REC_SOCKET_NORMAL);
      texts[i] = wpu_host_failure_text();
      handles[i] = wpu::host::caller_thread()->ThreadHandle;
#if defined(_WIN32)
      ids[i] = ::GetCurrentThreadId();
#endif
    }).join();
  }
  for (int i = 0; i < threads; ++i) {
    CAPTURE(i);
    CHECK(sent[i] == 3);
    CHECK(refused[i] == 1);
    CHECK(codes[i] == WSASYSCALLFAILURE);
    CHECK(contains(texts[i].c_str(), "WPUCreateSocketHandle"));
  }
  // The provider saw a thread id with each send.
  const std::vector<rec_call> sends = t.rec.calls(REC_SEND);
  REQUIRE(sends.size() == threads);
  for (const rec_call& c : sends) CHECK(c.has_thread_id == 1);
  // The exited threads' state was released into a sound heap, and this
  // thread's own still works.
  CHECK(heaps_valid());
#if defined(_WIN32)
  // Each thread's WSATHREADID handle was closed when it exited: the value
  // no longer names that thread.
  for (int i = 0; i < threads; ++i) {
    CAPTURE(i);
    CHECK(ids[i] != 0);
    CHECK(::GetThreadId(static_cast<HANDLE>(handles[i])) != ids[i]);
  }
#endif
  char b[1] = {};
  CHECK(wpu_send(t.s, b, 1, 0) == 1);
  CHECK(t.rec.last().has_thread_id == 1);
}
