// tests/host/overlapped.hpp - overlapped requests through the host: event,
// completion routine, completion port; WSAGetOverlappedResult routed to
// WSPGetOverlappedResult (host-semantics.md §4.6-4.8; §10 items 44-47).
using namespace host_test;

namespace host_test {

struct routine_result {
  int runs = 0;
  DWORD error = 0xFFFFFFFF, bytes = 0, flags = 0xFFFFFFFF;
  LPWSAOVERLAPPED ov = nullptr;
  std::thread::id thread;
};
inline routine_result& routine_seen() {
  static routine_result r;
  return r;
}
inline void CALLBACK record_routine(DWORD error, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags) {
  routine_result& r = routine_seen();
  ++r.runs;
  r.error = error;
  r.bytes = bytes;
  r.ov = ov;
  r.flags = flags;
  r.thread = std::this_thread::get_id();
}

}  // namespace host_test

TEST_CASE("host: overlapped requests complete through the provider's mechanism (44-47)") {
  const std::string path = module_path("WPU_TEST_REC_A");
  recorder rec(path);
  entries cat;
  cat.add(protocol(provider_guid(1), AF_INET, SOCK_STREAM, IPPROTO_TCP), path);
  session app;
  const SOCKET s = wpu_wsa_socket_w(AF_INET, SOCK_STREAM, 0, nullptr, 0, WSA_FLAG_OVERLAPPED);
  REQUIRE(s != INVALID_SOCKET);
  char data[64] = {};
  WSABUF buf{sizeof data, data};

  SUBCASE("with an event: 0 at once, the event set, WSPGetOverlappedResult answers (44, 46)") {
    WSAOVERLAPPED ov{};
    ov.hEvent = WSACreateEvent();
    REQUIRE(ov.hEvent != WSA_INVALID_EVENT);
    ov.Offset = 0xA5A5A5A5u;  // the provider's: the host passes them unread
    ov.OffsetHigh = 0x5A5A5A5Au;
    DWORD n = 0, flags = 0;
    CHECK(wpu_wsa_recv(s, &buf, 1, &n, &flags, &ov, nullptr) == 0);
    rec_call c = rec.last();
    CHECK(c.has_overlapped == 1);
    CHECK(c.has_routine == 0);
    CHECK(c.has_thread_id == 1);
    CHECK(c.ov == &ov);
    CHECK(c.ov_offset == 0xA5A5A5A5u);
    CHECK(c.ov_offset_high == 0x5A5A5A5Au);
    CHECK(WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 0, FALSE) == WSA_WAIT_EVENT_0);
    DWORD got = 0, got_flags = 99;
    CHECK(wpu_wsa_get_overlapped_result(s, &ov, &got, FALSE, &got_flags) == TRUE);
    CHECK(got == sizeof data);
    CHECK(got_flags == 0);
    c = rec.last();
    CHECK(c.fn == REC_GET_OVERLAPPED_RESULT);
    CHECK(c.ov == &ov);
    CHECK(c.arg == FALSE);
    // Its error, and the WSASYSCALLFAILURE rule, come through too.
    rec.fail_next(REC_GET_OVERLAPPED_RESULT, WSAECONNABORTED);
    HOST_FAILS_WITH(wpu_wsa_get_overlapped_result(s, &ov, &got, TRUE, &got_flags), FALSE,
                    WSAECONNABORTED);
    CHECK(rec.last().arg == TRUE);
    rec.fail_next(REC_GET_OVERLAPPED_RESULT, 0);
    HOST_FAILS_WITH(wpu_wsa_get_overlapped_result(s, &ov, &got, FALSE, &got_flags), FALSE,
                    WSASYSCALLFAILURE);
    CHECK(WSACloseEvent(ov.hEvent));
  }
  SUBCASE("pending: WSA_IO_PENDING, then WSA_IO_INCOMPLETE until it completes (45)") {
    WSAOVERLAPPED ov{};
    ov.hEvent = WSACreateEvent();
    rec.pend(true);
    DWORD n = 0;
    HOST_FAILS_WITH(wpu_wsa_send(s, &buf, 1, &n, 0, &ov, nullptr), SOCKET_ERROR, WSA_IO_PENDING);
    DWORD got = 0, flags = 0;
    HOST_FAILS_WITH(wpu_wsa_get_overlapped_result(s, &ov, &got, FALSE, &flags), FALSE,
                    WSA_IO_INCOMPLETE);
    CHECK(WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 0, FALSE) == WSA_WAIT_TIMEOUT);
    CHECK(rec.complete_pending(0));
    CHECK(WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 0, FALSE) == WSA_WAIT_EVENT_0);
    CHECK(wpu_wsa_get_overlapped_result(s, &ov, &got, TRUE, &flags) == TRUE);
    CHECK(got == sizeof data);
    // A failed completion reports the provider's error.
    WSAResetEvent(ov.hEvent);
    HOST_FAILS_WITH(wpu_wsa_recv(s, &buf, 1, &n, &flags, &ov, nullptr), SOCKET_ERROR,
                    WSA_IO_PENDING);
    CHECK(rec.complete_pending(WSAECONNRESET));
    HOST_FAILS_WITH(wpu_wsa_get_overlapped_result(s, &ov, &got, TRUE, &flags), FALSE,
                    WSAECONNRESET);
    CHECK(WSACloseEvent(ov.hEvent));
  }
  SUBCASE(
      "with a completion routine: it runs in an alertable wait of the issuing thread (44, 47)") {
    routine_seen() = routine_result{};
    WSAOVERLAPPED ov{};
    DWORD n = 0;
    CHECK(wpu_wsa_send(s, &buf, 1, &n, 0, &ov, record_routine) == 0);
    rec_call c = rec.last();
    CHECK(c.has_routine == 1);
    CHECK(c.has_thread_id == 1);
    CHECK(routine_seen().runs == 0);  // not before an alertable wait
    CHECK(SleepEx(0, FALSE) == 0);
    CHECK(routine_seen().runs == 0);
    CHECK(SleepEx(0, TRUE) == WAIT_IO_COMPLETION);
    CHECK(routine_seen().runs == 1);
    CHECK(routine_seen().error == 0);
    CHECK(routine_seen().bytes == sizeof data);
    CHECK(routine_seen().ov == &ov);
    CHECK(routine_seen().flags == 0);
    CHECK((routine_seen().thread == std::this_thread::get_id()));
    // Pending, completed from another thread: still runs here.
    rec.pend(true);
    DWORD flags = 0;
    HOST_FAILS_WITH(wpu_wsa_recv(s, &buf, 1, &n, &flags, &ov, record_routine), SOCKET_ERROR,
                    WSA_IO_PENDING);
    // The export is looked up here: the other thread runs no doctest macro
    // (REQUIRE_MESSAGE in sym() included), see tests/host/support.hpp.
    const auto complete_pending = rec.m.sym<rec_complete_pending_fn>("rec_complete_pending");
    int completed = 0;
    std::thread([&] { completed = complete_pending(0); }).join();
    CHECK(completed == 1);
    CHECK(routine_seen().runs == 1);
    CHECK(SleepEx(0, TRUE) == WAIT_IO_COMPLETION);
    CHECK(routine_seen().runs == 2);
    CHECK((routine_seen().thread == std::this_thread::get_id()));
  }
  SUBCASE("with a completion port: the packet arrives with the key and bytes (44)") {
    HANDLE port = wpu_associate_socket(s, nullptr, 77, 1);
    REQUIRE(port != nullptr);
    WSAOVERLAPPED ov{};
    DWORD n = 0;
    CHECK(wpu_wsa_send(s, &buf, 1, &n, 0, &ov, nullptr) == 0);
    DWORD bytes = 0;
    ULONG_PTR key = 0;
    LPOVERLAPPED got = nullptr;
    CHECK(GetQueuedCompletionStatus(port, &bytes, &key, &got, 0));
    CHECK(bytes == sizeof data);
    CHECK(key == 77);
    CHECK(got == &ov);
    CHECK(CloseHandle(port));
  }
  SUBCASE("WSAIoctl passes the overlapped and routine through") {
    routine_seen() = routine_result{};
    WSAOVERLAPPED ov{};
    GUID g = extension_guids()[1];
    void* fn = nullptr;
    DWORD got = 0;
    CHECK(wpu_wsa_ioctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &g, sizeof g, &fn, sizeof fn, &got,
                        &ov, record_routine) == 0);
    const rec_call c = rec.last();
    CHECK(c.has_overlapped == 1);
    CHECK(c.has_routine == 1);
    CHECK(c.has_thread_id == 1);
    CHECK(SleepEx(0, TRUE) == WAIT_IO_COMPLETION);
    CHECK(routine_seen().runs == 1);
  }
}
