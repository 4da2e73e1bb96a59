// wpu/posix/impl/sync.ipp - the object manager's definitions, one file per
// primitive: the shared core (thread.ipp), events, thread ids and APCs,
// waits, and the kernel objects built on events.
#ifndef WPU_POSIX_IMPL_SYNC_IPP
#define WPU_POSIX_IMPL_SYNC_IPP

#include <wpu/posix/impl/thread.ipp>
#include <wpu/posix/impl/events.ipp>
#include <wpu/posix/impl/apc.ipp>
#include <wpu/posix/impl/waits.ipp>
#include <wpu/posix/impl/objects.ipp>

#endif  // WPU_POSIX_IMPL_SYNC_IPP
