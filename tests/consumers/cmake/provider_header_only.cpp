// provider_header_only (tests/consumers/cmake): a module with header-only
// wpu (CMake's wpu::header_only, -fvisibility=hidden), loaded with dlopen by
// app_header_only. Its wpu code must bind to the executable's copy: the
// socket handle the executable made is known here, and the process catalog
// is the same object. (With two copies wpu aborts at the second copy's first
// use of a process object, README.md "Modes".) Called on the loading thread.
#if !defined(WPU_HEADER_ONLY) || defined(WPU_SEPARATE_COMPILATION)
#  error "wpu::header_only must bring WPU_HEADER_ONLY (and not WPU_SEPARATE_COMPILATION)"
#endif
#include <wpu/wpu.hpp>

// The context of socket handle s as this module's wpu sees it; 0 if it
// does not know s.
extern "C" __attribute__((visibility("default"))) DWORD_PTR consumer_query_context(SOCKET s) {
  WSPUPCALLTABLE up;
  DWORD_PTR context = 0;
  int err = 0;
  if (wpu_get_upcall_table(&up) != 0) return 0;
  if (up.lpWPUQuerySocketHandleContext(s, &context, &err) != 0) return 0;
  return context;
}

// This module's view of the process catalog.
extern "C" __attribute__((visibility("default"))) const void* consumer_catalog() {
  return &wpu::process_catalog();
}
