// wpu/posix/apc.hpp - thread ids (WPUOpenCurrentThread / WPUCloseThread) and
// APCs (WPUQueueApc). A thread's APC queue and lock are in its record
// (thread.hpp); the lock and wake protocol in impl/thread.ipp.
// Definitions: impl/apc.ipp.
#ifndef WPU_POSIX_APC_HPP
#define WPU_POSIX_APC_HPP

#include <wpu/config.hpp>

#if defined(WPU_POSIX)

#  include <wpu/posix/events.hpp>

#  include <cstddef>
#  include <cstdint>

WPU_NAMESPACE_BEGIN
namespace posix {

class apc_queues : public event_objects {
 public:
  // Errors are Winsock codes through `err`.
  /// WPUOpenCurrentThread: an id for the calling thread (any thread).
  WPU_DECL int open_current_thread(WSATHREADID* thread, int* err) noexcept;
  /// WPUCloseThread: any thread.
  WPU_DECL int close_thread(WSATHREADID* thread, int* err) noexcept;
  /// WPUQueueApc: from any thread; the APC runs on the target thread in its
  /// next alertable wait, FIFO. WSAEFAULT for NULL arguments, a closed id or
  /// an exited thread.
  WPU_DECL int queue_apc(WSATHREADID* thread, LPWSAUSERAPC routine, DWORD_PTR context,
                         int* err) noexcept;

 protected:
  apc_queues() = default;

  /// Any thread: queues `item` to `rec` and wakes it if it sleeps armed. 0,
  /// WSAEFAULT (exited, or `key` non-zero and no longer naming `value`) or
  /// WSAENOBUFS.
  WPU_DECL int push_apc(detail::thread_record* rec, const detail::apc_item& item, std::uint64_t key,
                        std::uint64_t value) noexcept;
  /// The owner: runs every queued APC, FIFO; returns how many ran.
  WPU_DECL std::size_t run_apcs(detail::thread_record* rec) noexcept;
  /// The owner, after a sleep that ended with APCs queued: run_apcs, and a
  /// burst counts as a successful spin (see impl/apc.ipp).
  WPU_DECL std::size_t run_apcs_after_sleep(detail::thread_record* rec) noexcept;
};

}  // namespace posix
WPU_NAMESPACE_END

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_APC_HPP
