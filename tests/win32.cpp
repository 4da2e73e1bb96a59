// The conformance suite on the Win32 backend (runs under Wine on Linux), direct and through the C
// table.
#include "conformance/catalog_upcalls.hpp"
#include "conformance/socket_handles.hpp"

using win32_direct = wpu_test::direct<wpu::win32::backend>;
using win32_table = wpu_test::through_table<wpu::win32::backend>;
TYPE_TO_STRING_AS("win32", win32_direct);
TYPE_TO_STRING_AS("win32-table", win32_table);

#define WPU_CONFORMANCE_INVOKE(name) TEST_CASE_TEMPLATE_INVOKE(name, win32_direct, win32_table)

WPU_CONFORMANCE_INVOKE(wpu_socket_handles);
WPU_CONFORMANCE_INVOKE(wpu_provider_path);
WPU_CONFORMANCE_INVOKE(wpu_blocking_callback);
WPU_CONFORMANCE_INVOKE(wpu_fd_is_set);
WPU_CONFORMANCE_INVOKE(wpu_ifs_handles);
