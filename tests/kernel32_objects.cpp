// Kernel objects (docs/kernel-objects.md): CreateEvent, CreateSemaphore,
// CreateThread, the waits, QueueUserAPC, CloseHandle. On POSIX wpu's
// functions; in the win32 build (run under Wine) the system's kernel32, which
// checks the tests themselves.
#include "kernel32/objects_backend.hpp"
#include "kernel32/objects_sync.hpp"
#include "kernel32/objects_threads.hpp"

using k32_direct = wpu_test::direct<wpu::native_backend>;
using k32_table = wpu_test::through_table<wpu::native_backend>;
#if defined(_WIN32)
TYPE_TO_STRING_AS("win32", k32_direct);
TYPE_TO_STRING_AS("win32-table", k32_table);
#else
TYPE_TO_STRING_AS("posix", k32_direct);
TYPE_TO_STRING_AS("posix-table", k32_table);
#endif

namespace k32_test {
TEST_CASE_TEMPLATE_INVOKE(k32_backend_events, k32_direct, k32_table);
TEST_CASE_TEMPLATE_INVOKE(k32_backend_thread_ids, k32_direct, k32_table);
#if !defined(_WIN32)
TEST_CASE_TEMPLATE_INVOKE(k32_backend_sockets, k32_direct, k32_table);
#endif
}  // namespace k32_test
