// wpu/asio.hpp - waiting for a WSAEVENT from a Boost.Asio io_context.
//
//   wpu::event_waiter w(io.get_executor(), event);
//   w.async_wait([](boost::system::error_code ec) { /* event is signalled */ });
//
// The completion handler runs on a thread running the io_context, once the
// event is signalled (at once if it already is); the event stays signalled
// (manual reset), so reset it before waiting again. cancel() or destroying
// the waiter completes a pending wait with boost::asio::error::operation_aborted.
//
// POSIX: the waiter watches a duplicate of the event's pollable fd
// (wpu_event_fd), so the event pays for one fd from the first waiter on, and
// each waiter holds one more. Windows: a duplicate of the event handle in a
// boost::asio::windows::object_handle (a thread-pool wait).
//
// Threads: construct, async_wait, cancel and destroy from the threads that run
// the io_context or under its strand, like any Asio I/O object; the event
// itself may be set from any thread.
#ifndef WPU_ASIO_HPP
#define WPU_ASIO_HPP

#include <wpu/config.hpp>
#include <wpu/detail/winapi_decls.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/system_error.hpp>

#include <utility>

#if defined(WPU_WINDOWS)
#  include <boost/asio/windows/object_handle.hpp>
#else  // !defined(WPU_WINDOWS)
#  include <boost/asio/posix/stream_descriptor.hpp>

#  include <unistd.h>
#endif  // defined(WPU_WINDOWS)

WPU_NAMESPACE_BEGIN

class event_waiter {
 public:
  using executor_type = boost::asio::any_io_executor;

  /// A waiter for `event` (from WPUCreateEvent or WSACreateEvent) on `ex`.
  /// Throws boost::system::system_error when the event is not live or no fd /
  /// handle is left.
  event_waiter(const executor_type& ex, WSAEVENT event) : impl_(ex) {
#if defined(WPU_WINDOWS)
    HANDLE dup = nullptr;
    if (!::DuplicateHandle(::GetCurrentProcess(), event, ::GetCurrentProcess(), &dup, 0, FALSE,
                           DUPLICATE_SAME_ACCESS))
      fail(static_cast<int>(::GetLastError()));
    impl_.assign(dup);
#else   // !defined(WPU_WINDOWS)
    int fd = ::wpu_event_fd(event);
    if (fd < 0) fail(::wpu_wsa_get_last_error());
    int dup = ::dup(fd);
    if (dup < 0) fail(WSAEMFILE);
    impl_.assign(dup);
#endif  // defined(WPU_WINDOWS)
  }

  executor_type get_executor() noexcept {
    return impl_.get_executor();
  }

  /// Starts a wait; completion signature void(boost::system::error_code).
  template <class CompletionToken>
  auto async_wait(CompletionToken&& token) {
#if defined(WPU_WINDOWS)
    return impl_.async_wait(std::forward<CompletionToken>(token));
#else   // !defined(WPU_WINDOWS)
    return impl_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                            std::forward<CompletionToken>(token));
#endif  // defined(WPU_WINDOWS)
  }

  /// Completes pending waits with operation_aborted.
  void cancel() {
    impl_.cancel();
  }

 private:
  [[noreturn]] static void fail(int code) {
    throw boost::system::system_error(code, boost::system::system_category(), "wpu::event_waiter");
  }

#if defined(WPU_WINDOWS)
  boost::asio::windows::object_handle impl_;
#else   // !defined(WPU_WINDOWS)
  boost::asio::posix::stream_descriptor impl_;
#endif  // defined(WPU_WINDOWS)
};

WPU_NAMESPACE_END

#endif  // WPU_ASIO_HPP
