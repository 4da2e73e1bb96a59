// Third translation unit of tests/headers/multi_tu_a.cpp.
#include "all_headers.hpp"

#include <boost/asio/post.hpp>

const void* wpu_state_seen_by_c(int what) {
  return wpu_state_seen_here(what);
}

// Sets `event` through the C table of the default backend, as a provider
// does: TRUE once set.
BOOL wpu_set_event_by_c(WSAEVENT event) {
  WSPUPCALLTABLE table;
  if (wpu_get_upcall_table(&table) != 0) return FALSE;
  int err = 0;
  return table.lpWPUSetEvent(event, &err);
}

// Runs one Asio handler through a wpu::message_loop: 1 when it ran.
int wpu_loop_run_by_c() {
  wpu::message_loop loop;
  int ran = 0;
  boost::asio::post(loop.get_executor(), [&] {
    ++ran;
    loop.stop();
  });
  loop.run();
  return ran;
}
