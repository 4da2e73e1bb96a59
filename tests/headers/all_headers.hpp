// Every public header of wpu, in one translation unit, as a program that uses
// all of wpu includes them (tests/headers/multi_tu_*.cpp). In header-only
// mode they bring every .ipp of the backend being built.
#ifndef WPU_TESTS_ALL_HEADERS_HPP
#define WPU_TESTS_ALL_HEADERS_HPP

#include <wpu/wpu.hpp>
#include <wpu/asio.hpp>
#include <wpu/message_loop.hpp>
#include <wpu/blocking_hook.hpp>
#include <wpu/catalog.hpp>
#include <wpu/config.hpp>
#include <wpu/errno_map.hpp>
#include <wpu/handle_table.hpp>
#include <wpu/host.hpp>
#include <wpu/leaks.hpp>
#include <wpu/upcall_table.hpp>
#include <wpu/upcalls.hpp>
#include <wpu/detail/common_upcalls.hpp>
#include <wpu/detail/port_links.hpp>
#include <wpu/detail/socket_registry.hpp>
#include <wpu/detail/winsock_decls.h>
#if defined(_WIN32)
#  include <wpu/win32/backend.hpp>
#else  // !defined(_WIN32)
#  include <wpu/posix/backend.hpp>
#  include <wpu/posix/sync.hpp>
#endif  // defined(_WIN32)
#include <wpu/wpu.h>
#include <wpu/leaks.h>
#include <wpu/winapi.h>
#include <wpu/ws2spi.h>
#include <wpu/winsock.h>  // last: it renames socket(), select()...

// The address of each piece of the library's process-wide state as this
// translation unit sees it (`static`: one copy of this function per unit).
// 0: the default backend, 1: the process catalog, 2: the calling thread's
// blocking hook, 3 (POSIX): the object manager, 4 (POSIX): the thread's last
// error. A header-only program has one of each, whichever unit asks.
static const void* wpu_state_seen_here(int what) {
  switch (what) {
    case 0:
      return &wpu::default_backend();
    case 1:
      return &wpu::process_catalog();
    case 2:
      return &wpu::this_thread_blocking_hook();
    case 5:
      return &wpu::process_host();
#if !defined(_WIN32)
    case 3:
      return &wpu::posix::sync::instance();
    case 4:
      return &wpu::posix::last_error();
#endif  // !defined(_WIN32)
    default:
      return nullptr;
  }
}

#endif  // WPU_TESTS_ALL_HEADERS_HPP
