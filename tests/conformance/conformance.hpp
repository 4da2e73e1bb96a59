// Shared fixtures of the conformance suite. Each suite is written once as a
// TEST_CASE_TEMPLATE_DEFINE over a fixture type and instantiated per backend
// (posix.cpp, win32.cpp), twice each: calling the backend directly, and
// calling it through the C WSPUPCALLTABLE built by make_upcall_table and read
// back by table_upcalls, so the C thunks run the same checks.
#ifndef WPU_TESTS_CONFORMANCE_HPP
#define WPU_TESTS_CONFORMANCE_HPP

#include <wpu/wpu.hpp>

#include <doctest/doctest.h>

#if defined(_WIN32)
#  include <windows.h>
#else
#  include <sys/socket.h>
#  include <unistd.h>
#endif

namespace wpu_test {

// Catalog ids 1001 and 1002 in every fixture's own catalog.
inline constexpr DWORD id_a = 1001;
inline constexpr DWORD id_b = 1002;

// Win32 error codes as DWORDs (Windows spells them as long), shared by the
// suites that check GetLastError().
inline constexpr DWORD error_invalid_handle = ERROR_INVALID_HANDLE;
inline constexpr DWORD error_invalid_parameter = ERROR_INVALID_PARAMETER;
inline const GUID guid_a = {
    0x5d3f1a01, 0x7c1e, 0x4b2a, {0x9a, 0x10, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55}};
inline const GUID guid_b = {
    0x5d3f1a02, 0x7c1e, 0x4b2a, {0x9a, 0x10, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}};
inline const GUID guid_unknown = {0xdeadbeef, 0, 0, {1, 2, 3, 4, 5, 6, 7, 8}};
inline const WCHAR* const path_a = WPU_WTEXT("%SystemRoot%\\system32\\wpu-test-a.dll");
inline const WCHAR* const path_b = WPU_WTEXT("C:\\Program Files\\Contoso\\layered\\lsp-b.dll");

inline int wlen(const WCHAR* s) {
  int n = 0;
  while (s[n] != 0) ++n;
  return n;
}

inline void add_test_providers(wpu::catalog& cat) {
  WSAPROTOCOL_INFOW a{};
  a.ProviderId = guid_a;
  a.iAddressFamily = 2;
  a.iSocketType = 1;
  a.iProtocol = 6;
  WSAPROTOCOL_INFOW b = a;
  b.ProviderId = guid_b;
  DWORD ia = 0, ib = 0;
  REQUIRE(cat.add(a, path_a, &ia) == 0);
  REQUIRE(cat.add(b, path_b, &ib) == 0);
  REQUIRE(ia == id_a);
  REQUIRE(ib == id_b);
}

// Calls the backend object directly.
template <class Backend>
struct direct {
  wpu::catalog cat;
  Backend backend{cat};
  direct() { add_test_providers(cat); }
  wpu::upcalls& api() { return backend; }
  Backend& impl() { return backend; }
};

// Calls the backend through its C upcall table.
template <class Backend>
struct through_table {
  wpu::catalog cat;
  Backend backend{cat};
  wpu::table_upcalls adapter{wpu::make_upcall_table(backend),
                             wpu::make_complete_overlapped_request(backend)};
  through_table() { add_test_providers(cat); }
  wpu::upcalls& api() { return adapter; }
  Backend& impl() { return backend; }
};

// A real file descriptor (POSIX) or kernel handle (Windows), for
// WPUModifyIFSHandle.
struct native_handle {
  SOCKET value = INVALID_SOCKET;
  native_handle() {
#if defined(_WIN32)
    HANDLE h = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    if (h != nullptr) value = reinterpret_cast<SOCKET>(h);
#else
    int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd >= 0) value = static_cast<SOCKET>(fd);
#endif
  }
  void close() {
    if (value == INVALID_SOCKET) return;
#if defined(_WIN32)
    ::CloseHandle(reinterpret_cast<HANDLE>(value));
#else
    ::close(static_cast<int>(value));
#endif
    value = INVALID_SOCKET;
  }
  ~native_handle() {
    close();
  }
  native_handle(const native_handle&) = delete;
  native_handle& operator=(const native_handle&) = delete;
};

}  // namespace wpu_test

#endif  // WPU_TESTS_CONFORMANCE_HPP
