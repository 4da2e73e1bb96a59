// wpu/trace.hpp - WPU_TRACE: one line per upcall and per call of the
// application API, to stderr or a file (docs/tracing.md).
//
// Switching: the environment variable WPU_TRACE, read once, at the first
// point where wpu asks whether tracing is on (the first upcall table built or
// application call made), unless trace_enable()/trace_disable() or their C
// forms (<wpu/trace.h>) were called before; those switch at any time, from
// any thread.
//
// Where it acts: an upcall table built while tracing is on (a wpu::host's at
// its construction, wpu_get_upcall_table's at each call) reaches its backend
// through a trace_upcalls; one built while it is off reaches the backend
// directly and stays untraced. The application API (the C functions of the
// host, and on POSIX the WSA event functions) checks the flag on every call:
// its lines start and stop with the switch. Off, the cost of a call is one
// relaxed load and a predictable branch.
//
// Line format (docs/tracing.md): "[wpu <seconds>.<micros> T<tid>] Function(args) = result",
// with the error name after a failing result. One line is one write, so lines
// of concurrent threads (and processes appending to one file) never mix.
#ifndef WPU_TRACE_HPP
#define WPU_TRACE_HPP

#include <wpu/config.hpp>
#include <wpu/trace.h>
#include <wpu/upcalls.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

WPU_NAMESPACE_BEGIN

/// Starts tracing to `path_or_null` (NULL, "", "1", "stderr": standard
/// error; else a file opened for appending). 0, or the system's error for
/// opening the file (the previous state is then kept). Any thread.
WPU_API WPU_DECL int trace_enable(const char* path_or_null) noexcept;

/// Stops tracing and closes the trace file. Any thread.
WPU_API WPU_DECL void trace_disable() noexcept;

namespace detail {

// 0: WPU_TRACE not read yet; 1: off; 2: on. Constant-initialised. Read and
// written only by wpu's own code: in compiled mode the library's copy
// (hidden, like trace_active_slow), in header-only mode one per process (the
// namespace has default visibility). Users switch with trace_enable/disable.
inline std::atomic<int> trace_flag{0};

// Reads WPU_TRACE when the flag is 0; true when tracing is on. wpu's code
// only (not exported from the compiled library).
WPU_DECL bool trace_active_slow() noexcept;

// Whether calls are traced now. Any thread; when off, one load and a branch.
inline bool trace_active() noexcept {
  const int state = trace_flag.load(std::memory_order_relaxed);
#if defined(__GNUC__)
  if (__builtin_expect(state == 1, 1)) return false;
#else   // !defined(__GNUC__)
  if (state == 1) return false;
#endif  // defined(__GNUC__)
  return trace_active_slow();
}

// Argument kinds the line decodes (plain integers print in decimal, pointers
// in hex or NULL).
namespace tr {
struct sock {  // a SOCKET
  SOCKET v;
};
struct handle {  // an event, window, port or thread handle
  const void* v;
};
struct events {  // FD_ bits
  long v;
};
struct message {  // a window message number
  unsigned v;
};
struct address {  // a sockaddr and its length
  const void* v;
  int len;
};
struct hex {  // a number shown in hex (flags, keys)
  std::uint64_t v;
};
struct error {  // a Winsock / Win32 error code, by name
  int v;
};
struct text {  // a NUL-terminated string (quoted, or NULL)
  const char* v;
};
struct version {  // a WORD version, as major.minor
  unsigned v;
};
}  // namespace tr

// What a result means: its failure value, and where the error is.
enum class trace_result {
  sockerr,  // int: SOCKET_ERROR fails, error = the thread's last error
  socket,   // SOCKET: INVALID_SOCKET fails, error = last error
  code,     // int: 0 or the error code itself (WSAStartup)
  boolean,  // BOOL: FALSE fails, error = last error
  handle,   // a handle: NULL fails, error = last error
  wait,     // WSA_WAIT_*: WSA_WAIT_FAILED fails, error = last error
  none,     // void
};

// One line, built in a fixed buffer (never allocates; a line longer than the
// buffer is cut and ends in "..."), written by emit() with one write.
class trace_line {
 public:
  static constexpr std::size_t capacity = 1024;

  // Starts "[wpu <time> T<tid>] function(".
  WPU_DECL explicit trace_line(const char* function) noexcept;
  trace_line(const trace_line&) = delete;
  trace_line& operator=(const trace_line&) = delete;

  WPU_DECL void put(const char* s) noexcept;  // raw text
  WPU_DECL void put_char(char c) noexcept;
  WPU_DECL void put_dec(std::int64_t v) noexcept;
  WPU_DECL void put_udec(std::uint64_t v) noexcept;
  WPU_DECL void put_hex(std::uint64_t v) noexcept;  // 0x...
  WPU_DECL void put_ptr(const void* p) noexcept;    // NULL or 0x...

  // Arguments: a ", " before each but the first (next() writes just that).
  void next() noexcept { sep(); }
  void arg(const tr::sock& a) noexcept { sep(), put_socket(a.v); }
  void arg(const tr::handle& a) noexcept { sep(), put_handle(a.v); }
  void arg(const tr::events& a) noexcept { sep(), put_events(a.v); }
  void arg(const tr::message& a) noexcept { sep(), put_message(a.v); }
  void arg(const tr::address& a) noexcept { sep(), put_address(a.v, a.len); }
  void arg(const tr::hex& a) noexcept { sep(), put_hex(a.v); }
  void arg(const tr::error& a) noexcept { sep(), put_error(a.v); }
  void arg(const tr::text& a) noexcept { sep(), put_text(a.v); }
  void arg(const tr::version& a) noexcept { sep(), put_version(a.v); }
  template <class T>
  void arg(const T& v) noexcept {
    sep();
    if constexpr (std::is_pointer_v<T>)
      put_ptr(reinterpret_cast<const void*>(v));
    else if constexpr (std::is_signed_v<T>)
      put_dec(static_cast<std::int64_t>(v));
    else
      put_udec(static_cast<std::uint64_t>(v));
  }

  WPU_DECL void put_socket(SOCKET s) noexcept;       // by kind: socket:0x..., fd:N, INVALID_SOCKET
  WPU_DECL void put_handle(const void* h) noexcept;  // event:0x..., window:0x..., NULL
  WPU_DECL void put_events(long bits) noexcept;      // FD_READ|FD_WRITE, 0
  WPU_DECL void put_message(unsigned msg) noexcept;  // WM_QUIT, WM_USER+1, ...
  WPU_DECL void put_address(const void* sa, int len) noexcept;  // 127.0.0.1:80
  WPU_DECL void put_error(int code) noexcept;                   // WSAEINVAL, or the number
  WPU_DECL void put_text(const char* s) noexcept;
  WPU_DECL void put_version(unsigned v) noexcept;
  WPU_DECL void put_thread_id(const WSATHREADID* t) noexcept;  // {thread:0x..., 0x...}

  // ") = " then the result by kind, with " (ERROR)" when it failed.
  WPU_DECL void result(trace_result kind, std::uint64_t value, int error) noexcept;
  // The closing ")" alone (the decorator writes its own results).
  void close() noexcept { put(") = "); }

  // Writes the line (with its newline) if tracing is still on. Keeps errno
  // and the thread's last error as they were.
  WPU_DECL void emit() noexcept;

 private:
  void sep() noexcept {
    if (args_++ != 0) put(", ");
  }

  char buf_[capacity];
  std::size_t len_ = 0;
  unsigned args_ = 0;
};

// The calling thread's last error (WSAGetLastError).
WPU_DECL int trace_last_error() noexcept;

template <class T>
std::uint64_t trace_value(T v) noexcept {
  if constexpr (std::is_pointer_v<T>)
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(v));
  else
    return static_cast<std::uint64_t>(v);
}

// Traced application calls running on this thread. A call made inside
// another (socket -> WSASocketW) writes no line of its own: the outer one
// names what the application called.
inline int& trace_depth() noexcept {
  static thread_local int depth = 0;
  return depth;
}

// One application call: made at the call's start (it reads the flag once),
// done(kind, result) at its end returns `result` and, when tracing was on at
// the start, writes the line with the arguments kept here.
template <class... A>
class app_call {
 public:
  explicit app_call(const char* function, const A&... args) noexcept
      : function_(function), on_(trace_active()), args_(args...) {
    if (on_) outer_ = ++trace_depth() == 1;
  }
  ~app_call() {
    if (on_) --trace_depth();
  }
  app_call(const app_call&) = delete;
  app_call& operator=(const app_call&) = delete;

  // The traced function returns through done(): one line, when tracing was
  // on at the start and this is the thread's outermost traced call.
  template <class R>
  R done(trace_result kind, R result) noexcept {
    if (on_ && outer_) write(kind, trace_value(result));
    return result;
  }

 private:

  void write(trace_result kind, std::uint64_t value) noexcept {
    const int error = trace_last_error();
    trace_line line(function_);
    std::apply([&](const A&... a) { (line.arg(a), ...); }, args_);
    line.result(kind, value, error);
    line.emit();
  }

  const char* function_;
  bool on_;
  bool outer_ = false;
  std::tuple<A...> args_;
};

template <class... A>
app_call<A...> app_trace(const char* function, const A&... args) noexcept {
  return app_call<A...>(function, args...);
}

}  // namespace detail

/// An upcalls decorator: forwards every upcall to `inner` on the calling
/// thread and writes one line for it (the Windows name of the upcall, its
/// arguments, result and error), when tracing is on at that moment.
/// `inner` must outlive this object. Any thread, as `inner` allows.
class WPU_API trace_upcalls final : public upcalls {
 public:
  explicit trace_upcalls(upcalls& inner) noexcept : inner_(inner) {}

  WPU_DECL BOOL close_event(WSAEVENT event, int* err) noexcept override;
  WPU_DECL int close_socket_handle(SOCKET s, int* err) noexcept override;
  WPU_DECL WSAEVENT create_event(int* err) noexcept override;
  WPU_DECL SOCKET create_socket_handle(DWORD catalog_id, DWORD_PTR context,
                                       int* err) noexcept override;
  WPU_DECL int fd_is_set(SOCKET s, spi_fd_set* set) noexcept override;
  WPU_DECL int get_provider_path(GUID* provider_id, WCHAR* path, int* path_len,
                                 int* err) noexcept override;
  WPU_DECL SOCKET modify_ifs_handle(DWORD catalog_id, SOCKET proposed, int* err) noexcept override;
  WPU_DECL BOOL post_message(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) noexcept override;
  WPU_DECL int query_blocking_callback(DWORD catalog_id, LPBLOCKINGCALLBACK* callback,
                                       DWORD_PTR* context, int* err) noexcept override;
  WPU_DECL int query_socket_handle_context(SOCKET s, DWORD_PTR* context,
                                           int* err) noexcept override;
  WPU_DECL int queue_apc(WSATHREADID* thread, LPWSAUSERAPC apc, DWORD_PTR context,
                         int* err) noexcept override;
  WPU_DECL BOOL reset_event(WSAEVENT event, int* err) noexcept override;
  WPU_DECL BOOL set_event(WSAEVENT event, int* err) noexcept override;
  WPU_DECL int open_current_thread(WSATHREADID* thread, int* err) noexcept override;
  WPU_DECL int close_thread(WSATHREADID* thread, int* err) noexcept override;
  WPU_DECL int complete_overlapped_request(SOCKET s, WSAOVERLAPPED* overlapped, DWORD error,
                                           DWORD transferred, int* err) noexcept override;

  upcalls& inner() noexcept { return inner_; }

 private:
  upcalls& inner_;
};

WPU_NAMESPACE_END

// Header-only: wpu.hpp includes the implementation after the backend's.
#if defined(WPU_HEADER_ONLY)
#  include <wpu/wpu.hpp>
#endif  // defined(WPU_HEADER_ONLY)

#endif  // WPU_TRACE_HPP
