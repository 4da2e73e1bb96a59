// Second translation unit of tests/headers/multi_tu_a.cpp.
#include "all_headers.hpp"

const void* wpu_state_seen_by_b(int what) {
  return wpu_state_seen_here(what);
}

// An event made through the C++ interface (the default backend).
WSAEVENT wpu_event_made_by_b() {
  int err = 0;
  return wpu::default_backend().create_event(&err);
}
