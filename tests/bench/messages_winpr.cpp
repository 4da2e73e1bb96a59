// The WinPR side of the message benchmark (B4), in its own process: WinPR
// exports the plain Win32 names that <wpu/winapi.h> maps onto wpu_* names, so
// the two never share a binary (design-notes.md "Symbols"). bench-messages
// runs this program once per pass and reads its `key value` lines on stdout:
//
//   bench-messages-winpr b4   b4_msg_per_s   1M messages, first post -> last taken
//                             b4_post_ns     the producer's ns per MessageQueue_Post
//
// WinPR 2.11.7 has no window messages that work (its GetMessage and
// PeekMessage return without doing anything, PostMessage is not exported;
// toolchain.md §6); its working queue
// is wMessageQueue. The consumer uses it the fast way: it blocks in
// MessageQueue_Wait only when the queue is empty and takes every queued
// message with MessageQueue_Peek(.., TRUE) before it waits again (a
// MessageQueue_Get loop would wait on the event once per message).
#include <winpr/collections.h>

#include "messages_common.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {

using bench::clock_type;

// WM_USER, the id every mechanism of B4 posts.
constexpr UINT32 kMessageId = 0x0400;

// The consumer: each message's context is its counter, as a window message's
// HWND leads to its window procedure.
void take_messages(wMessageQueue* queue, bench::message_counter* counter, bool* failed) {
  counter->ready.store(true, std::memory_order_release);
  for (;;) {
    if (!MessageQueue_Wait(queue)) {
      *failed = true;
      return;
    }
    wMessage m;
    while (MessageQueue_Peek(queue, &m, TRUE) > 0) {
      auto* c = static_cast<bench::message_counter*>(m.context);
      if (m.id != kMessageId) c->out_of_order = true;
      if (c->count_one(reinterpret_cast<std::uintptr_t>(m.wParam))) return;
    }
  }
}

int run_b4() {
  wMessageQueue* queue = MessageQueue_New(nullptr);
  if (!queue) return 2;
  bench::message_counter counter;
  bool failed = false;
  std::thread consumer(take_messages, queue, &counter, &failed);
  bench::spin_until(counter.ready, true);
  std::this_thread::sleep_for(bench::kWakeIdle);  // the consumer is asleep
  auto start = clock_type::now();
  for (std::uint64_t i = 0; i < bench::kMessages; ++i) {
    if (!MessageQueue_Post(queue, &counter, kMessageId, reinterpret_cast<void*>(i), nullptr)) {
      std::fprintf(stderr, "MessageQueue_Post failed\n");
      std::_Exit(2);  // the consumer would wait for ever
    }
  }
  auto posted = clock_type::now();
  consumer.join();
  MessageQueue_Free(queue);
  if (failed || counter.out_of_order) {
    std::fprintf(stderr, "B4: %s\n", failed ? "MessageQueue_Wait failed" : "messages out of order");
    return 2;
  }
  std::printf("b4_msg_per_s %.1f\nb4_post_ns %.2f\n", counter.rate_since(start),
              bench::ns_per_post(posted - start));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // As in bench-messages: a multi-threaded process from the start (glibc
  // skips the atomics of uncontended mutexes until a second thread has
  // existed).
  std::thread([] {}).join();
  if (argc != 2 || std::strcmp(argv[1], "b4") != 0) {
    std::fprintf(stderr, "usage: %s b4\n", argv[0]);
    return 2;
  }
  int rc = run_b4();
  std::fflush(stdout);
  return rc;
}
