// The conformance suite on the POSIX backend, direct and through the C table.
#include "conformance/catalog_upcalls.hpp"
#include "conformance/socket_handles.hpp"

using posix_direct = wpu_test::direct<wpu::posix::backend>;
using posix_table = wpu_test::through_table<wpu::posix::backend>;
TYPE_TO_STRING_AS("posix", posix_direct);
TYPE_TO_STRING_AS("posix-table", posix_table);

#define WPU_CONFORMANCE_INVOKE(name) TEST_CASE_TEMPLATE_INVOKE(name, posix_direct, posix_table)

WPU_CONFORMANCE_INVOKE(wpu_socket_handles);
WPU_CONFORMANCE_INVOKE(wpu_provider_path);
WPU_CONFORMANCE_INVOKE(wpu_blocking_callback);
WPU_CONFORMANCE_INVOKE(wpu_fd_is_set);
WPU_CONFORMANCE_INVOKE(wpu_ifs_handles);
