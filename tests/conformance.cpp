// The conformance suite on this build's backend (POSIX natively, Win32 in the
// mingw build that runs under Wine), called directly and through the C table.
#include "conformance/catalog_chains.hpp"
#include "conformance/catalog_upcalls.hpp"
#include "conformance/events.hpp"
#include "conformance/ifs_ports.hpp"
#include "conformance/instances.hpp"
#include "conformance/messages.hpp"
#include "conformance/overlapped.hpp"
#include "conformance/ports.hpp"
#include "conformance/socket_handles.hpp"
#include "conformance/threads_apcs.hpp"

using backend_direct = wpu_test::direct<wpu::native_backend>;
using backend_table = wpu_test::through_table<wpu::native_backend>;
#if defined(_WIN32)
TYPE_TO_STRING_AS("win32", backend_direct);
TYPE_TO_STRING_AS("win32-table", backend_table);
#else
TYPE_TO_STRING_AS("posix", backend_direct);
TYPE_TO_STRING_AS("posix-table", backend_table);
#endif

#define WPU_CONFORMANCE_INVOKE(name) TEST_CASE_TEMPLATE_INVOKE(name, backend_direct, backend_table)

WPU_CONFORMANCE_INVOKE(wpu_socket_handles);
WPU_CONFORMANCE_INVOKE(wpu_provider_path);
WPU_CONFORMANCE_INVOKE(wpu_catalog_chains);
WPU_CONFORMANCE_INVOKE(wpu_catalog_c_functions);
WPU_CONFORMANCE_INVOKE(wpu_expand_environment);
WPU_CONFORMANCE_INVOKE(wpu_blocking_callback);
WPU_CONFORMANCE_INVOKE(wpu_fd_is_set);
WPU_CONFORMANCE_INVOKE(wpu_ifs_handles);
WPU_CONFORMANCE_INVOKE(wpu_events);
WPU_CONFORMANCE_INVOKE(wpu_waits);
WPU_CONFORMANCE_INVOKE(wpu_threads);
WPU_CONFORMANCE_INVOKE(wpu_apcs);
WPU_CONFORMANCE_INVOKE(wpu_messages);
WPU_CONFORMANCE_INVOKE(wpu_message_waits);
WPU_CONFORMANCE_INVOKE(wpu_ports);
WPU_CONFORMANCE_INVOKE(wpu_overlapped);
WPU_CONFORMANCE_INVOKE(wpu_ifs_ports);
WPU_CONFORMANCE_INVOKE(wpu_instances);
WPU_CONFORMANCE_INVOKE(wpu_completion_close_race);
