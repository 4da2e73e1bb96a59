// wpu/detail/process_objects.hpp - one copy of wpu's process-wide objects.
//
// wpu has three process-wide objects: the process catalog, the object manager
// of events, threads, windows and ports (POSIX: posix::sync::instance()) and
// the default backend. A process must have one of each: a host and the
// provider modules it loads share catalog entries, sockets and events only
// through them. Each executable or shared object holding header-only wpu code
// has its own copy of them unless the dynamic linker binds every module to
// one (README.md, "Modes": the executable exports wpu's symbols), and the
// compiled library is a copy of its own.
//
// The check: every module (executable or shared object) that holds a copy of
// wpu (header-only code, or the compiled library) carries an ELF note
// ("wpu", type 0x31757077) with the self-relative address of that module's own
// claim record. Creating a process-wide object records it in the record of
// the module whose code created it, then reads every loaded module's record
// (dl_iterate_phdr): an object of the same kind recorded by another module is
// a second copy, and the process stops at once (a message naming both modules
// on stderr, then abort()) instead of running with two catalogs. Both sides
// store before they read (sequentially consistent), so of two copies created
// at the same moment on two threads at least one sees the other.
//
// ELF only (Linux, the BSDs); elsewhere claim_process_object() records
// nothing. Any thread; called once per object, at its creation.
#ifndef WPU_DETAIL_PROCESS_OBJECTS_HPP
#define WPU_DETAIL_PROCESS_OBJECTS_HPP

#include <wpu/config.hpp>

WPU_NAMESPACE_BEGIN
namespace detail {

enum class process_object : unsigned { catalog = 0, sync = 1, default_backend = 2 };

/// Records `object` as the process's `which`, made by the calling code's copy
/// of wpu; returns it. Aborts with a message if another copy of wpu in the
/// process already made its own `which`.
WPU_DECL void* claim_process_object(process_object which, void* object) noexcept;

template <class T>
T* claim_process_object(process_object which, T* object) noexcept {
  return static_cast<T*>(claim_process_object(which, static_cast<void*>(object)));
}

}  // namespace detail
WPU_NAMESPACE_END

#if defined(WPU_HEADER_ONLY)
#  include <wpu/detail/impl/process_objects.ipp>
#endif  // defined(WPU_HEADER_ONLY)

#endif  // WPU_DETAIL_PROCESS_OBJECTS_HPP
