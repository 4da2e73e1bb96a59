// wpu/impl/trace.ipp - WPU_TRACE (wpu/trace.hpp): the sink, the line
// formatting and the upcall decorator.
#ifndef WPU_IMPL_TRACE_IPP
#define WPU_IMPL_TRACE_IPP

#include <wpu/detail/winapi_decls.h>
#include <wpu/trace.hpp>
#include <wpu/handle_table.hpp>
#include <wpu/wpu.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(WPU_POSIX)
#  include <fcntl.h>
#  include <unistd.h>
#  include <wpu/posix/platform.hpp>  // thread_id
#endif                               // defined(WPU_POSIX)

WPU_NAMESPACE_BEGIN
namespace detail {

// Where lines go. Created on first use and never destroyed, so threads still
// tracing while the process exits write to a live object. `mutex` guards
// every member and every write: enable/disable and a line never overlap, so
// a file is closed only when no line is being written to it.
struct trace_sink {
  std::mutex mutex;
#if defined(WPU_WINDOWS)
  HANDLE out = nullptr;  // NULL: none
#else                    // !defined(WPU_WINDOWS)
  int out = -1;  // -1: none
#endif                   // defined(WPU_WINDOWS)
  bool owned = false;    // `out` is a file this sink opened (closed on switch)
  bool epoch_set = false;
  std::chrono::steady_clock::time_point epoch{};
};

inline trace_sink& the_trace_sink() noexcept {
  static trace_sink* sink = new trace_sink;
  return *sink;
}

inline bool trace_to_stderr(const char* path) noexcept {
  return path == nullptr || path[0] == 0 || std::strcmp(path, "1") == 0 ||
         std::strcmp(path, "stderr") == 0;
}

// Opens the destination: 0 with the handle in *out (and *owned), or the
// system's error.
#if defined(WPU_WINDOWS)
inline int trace_open(const char* path, HANDLE* out, bool* owned) noexcept {
  if (trace_to_stderr(path)) {
    *out = ::GetStdHandle(STD_ERROR_HANDLE);
    *owned = false;
    if (*out == nullptr || *out == INVALID_HANDLE_VALUE) return ERROR_INVALID_HANDLE;
    return 0;
  }
  HANDLE h = ::CreateFileA(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                           OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return static_cast<int>(::GetLastError());
  *out = h;
  *owned = true;
  return 0;
}
inline void trace_close(HANDLE h) noexcept {
  ::CloseHandle(h);
}
#else   // !defined(WPU_WINDOWS)
inline int trace_open(const char* path, int* out, bool* owned) noexcept {
  if (trace_to_stderr(path)) {
    *out = 2;
    *owned = false;
    return 0;
  }
  int fd;
  do {
    fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno;
  *out = fd;
  *owned = true;
  return 0;
}
inline void trace_close(int fd) noexcept {
  ::close(fd);
}
#endif  // defined(WPU_WINDOWS)

// Switches the sink to `path`; the caller holds the sink's mutex.
inline int trace_enable_locked(trace_sink& s, const char* path) noexcept {
  decltype(s.out) out{};
  bool owned = false;
  if (const int rc = trace_open(path, &out, &owned); rc != 0) return rc;
  if (s.owned) trace_close(s.out);
  s.out = out;
  s.owned = owned;
  if (!s.epoch_set) {
    s.epoch = std::chrono::steady_clock::now();
    s.epoch_set = true;
  }
  trace_flag.store(2, std::memory_order_relaxed);
  return 0;
}

inline void trace_disable_locked(trace_sink& s) noexcept {
  trace_flag.store(1, std::memory_order_relaxed);
  if (s.owned) trace_close(s.out);
#if defined(WPU_WINDOWS)
  s.out = nullptr;
#else   // !defined(WPU_WINDOWS)
  s.out = -1;
#endif  // defined(WPU_WINDOWS)
  s.owned = false;
}

// WPU_TRACE: unset, "" or "0": off; "1" or "stderr": standard error; else a
// file. A file that cannot be opened: one message on stderr, tracing off.
inline void trace_read_environment_locked(trace_sink& s) noexcept {
  const char* v = std::getenv("WPU_TRACE");
  if (v == nullptr || v[0] == 0 || std::strcmp(v, "0") == 0) {
    trace_flag.store(1, std::memory_order_relaxed);
    return;
  }
  if (const int rc = trace_enable_locked(s, v); rc != 0) {
    std::fprintf(stderr, "wpu: WPU_TRACE=%s: cannot open the file (system error %d); not tracing\n",
                 v, rc);
    trace_flag.store(1, std::memory_order_relaxed);
  }
}

inline unsigned long long trace_thread_id() noexcept {
#if defined(WPU_WINDOWS)
  return ::GetCurrentThreadId();
#else
  return posix::platform::thread_id();
#endif  // defined(WPU_WINDOWS)
}

// Names of Winsock and Win32 error codes.
struct trace_code_name {
  int code;
  const char* name;
};
constexpr trace_code_name trace_error_names[] = {
    {6, "WSA_INVALID_HANDLE"},
    {8, "WSA_NOT_ENOUGH_MEMORY"},
    {31, "ERROR_GEN_FAILURE"},
    {50, "ERROR_NOT_SUPPORTED"},
    {87, "WSA_INVALID_PARAMETER"},
    {258, "WAIT_TIMEOUT"},
    {995, "WSA_OPERATION_ABORTED"},
    {996, "WSA_IO_INCOMPLETE"},
    {997, "WSA_IO_PENDING"},
    {1400, "ERROR_INVALID_WINDOW_HANDLE"},
    {1407, "ERROR_CANNOT_FIND_WND_CLASS"},
    {1410, "ERROR_CLASS_ALREADY_EXISTS"},
    {1412, "ERROR_CLASS_HAS_WINDOWS"},
    {1444, "ERROR_INVALID_THREAD_ID"},
    {10004, "WSAEINTR"},
    {10009, "WSAEBADF"},
    {10013, "WSAEACCES"},
    {10014, "WSAEFAULT"},
    {10022, "WSAEINVAL"},
    {10024, "WSAEMFILE"},
    {10035, "WSAEWOULDBLOCK"},
    {10036, "WSAEINPROGRESS"},
    {10037, "WSAEALREADY"},
    {10038, "WSAENOTSOCK"},
    {10039, "WSAEDESTADDRREQ"},
    {10040, "WSAEMSGSIZE"},
    {10041, "WSAEPROTOTYPE"},
    {10042, "WSAENOPROTOOPT"},
    {10043, "WSAEPROTONOSUPPORT"},
    {10044, "WSAESOCKTNOSUPPORT"},
    {10045, "WSAEOPNOTSUPP"},
    {10046, "WSAEPFNOSUPPORT"},
    {10047, "WSAEAFNOSUPPORT"},
    {10048, "WSAEADDRINUSE"},
    {10049, "WSAEADDRNOTAVAIL"},
    {10050, "WSAENETDOWN"},
    {10051, "WSAENETUNREACH"},
    {10052, "WSAENETRESET"},
    {10053, "WSAECONNABORTED"},
    {10054, "WSAECONNRESET"},
    {10055, "WSAENOBUFS"},
    {10056, "WSAEISCONN"},
    {10057, "WSAENOTCONN"},
    {10058, "WSAESHUTDOWN"},
    {10059, "WSAETOOMANYREFS"},
    {10060, "WSAETIMEDOUT"},
    {10061, "WSAECONNREFUSED"},
    {10062, "WSAELOOP"},
    {10063, "WSAENAMETOOLONG"},
    {10064, "WSAEHOSTDOWN"},
    {10065, "WSAEHOSTUNREACH"},
    {10066, "WSAENOTEMPTY"},
    {10067, "WSAEPROCLIM"},
    {10068, "WSAEUSERS"},
    {10069, "WSAEDQUOT"},
    {10070, "WSAESTALE"},
    {10071, "WSAEREMOTE"},
    {10091, "WSASYSNOTREADY"},
    {10092, "WSAVERNOTSUPPORTED"},
    {10093, "WSANOTINITIALISED"},
    {10101, "WSAEDISCON"},
    {10102, "WSAENOMORE"},
    {10103, "WSAECANCELLED"},
    {10104, "WSAEINVALIDPROCTABLE"},
    {10105, "WSAEINVALIDPROVIDER"},
    {10106, "WSAEPROVIDERFAILEDINIT"},
    {10107, "WSASYSCALLFAILURE"},
    {10108, "WSASERVICE_NOT_FOUND"},
    {10109, "WSATYPE_NOT_FOUND"},
    {10110, "WSA_E_NO_MORE"},
    {10111, "WSA_E_CANCELLED"},
    {10112, "WSAEREFUSED"},
    {11001, "WSAHOST_NOT_FOUND"},
    {11002, "WSATRY_AGAIN"},
    {11003, "WSANO_RECOVERY"},
    {11004, "WSANO_DATA"},
};

constexpr const char* trace_fd_names[] = {"FD_READ",
                                          "FD_WRITE",
                                          "FD_OOB",
                                          "FD_ACCEPT",
                                          "FD_CONNECT",
                                          "FD_CLOSE",
                                          "FD_QOS",
                                          "FD_GROUP_QOS",
                                          "FD_ROUTING_INTERFACE_CHANGE",
                                          "FD_ADDRESS_LIST_CHANGE"};

constexpr trace_code_name trace_message_names[] = {
    {0x0000, "WM_NULL"}, {0x0001, "WM_CREATE"},   {0x0002, "WM_DESTROY"},   {0x0010, "WM_CLOSE"},
    {0x0012, "WM_QUIT"}, {0x0081, "WM_NCCREATE"}, {0x0082, "WM_NCDESTROY"}, {0x0113, "WM_TIMER"},
};

constexpr const char* trace_kind_names[] = {"handle", "socket", "event",
                                            "thread", "window", "port"};

}  // namespace detail

WPU_DECL bool detail::trace_active_slow() noexcept {
  if (trace_flag.load(std::memory_order_relaxed) == 0) {
    trace_sink& s = the_trace_sink();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (trace_flag.load(std::memory_order_relaxed) == 0) trace_read_environment_locked(s);
  }
  return trace_flag.load(std::memory_order_relaxed) == 2;
}

WPU_DECL int trace_enable(const char* path_or_null) noexcept {
  detail::trace_sink& s = detail::the_trace_sink();
  std::lock_guard<std::mutex> lock(s.mutex);
  const int rc = detail::trace_enable_locked(s, path_or_null);
  // A failed first switch still decides: WPU_TRACE is no longer read.
  if (rc != 0 && detail::trace_flag.load(std::memory_order_relaxed) == 0)
    detail::trace_flag.store(1, std::memory_order_relaxed);
  return rc;
}

WPU_DECL void trace_disable() noexcept {
  detail::trace_sink& s = detail::the_trace_sink();
  std::lock_guard<std::mutex> lock(s.mutex);
  detail::trace_disable_locked(s);
}

WPU_DECL int detail::trace_last_error() noexcept {
#if defined(WPU_POSIX)
  return static_cast<int>(posix::last_error());
#else   // !defined(WPU_POSIX)
  return static_cast<int>(::GetLastError());
#endif  // defined(WPU_POSIX)
}

// ---- trace_line ----------------------------------------------------------

WPU_DECL detail::trace_line::trace_line(const char* function) noexcept {
  trace_sink& s = the_trace_sink();
  std::chrono::steady_clock::duration since{};
  {
    // The epoch is set once, before the flag first turns on; read it under
    // the mutex all the same (enable may be running on another thread).
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.epoch_set) since = std::chrono::steady_clock::now() - s.epoch;
  }
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(since).count();
  char head[96];
  std::snprintf(head, sizeof head, "[wpu %lld.%06lld T%llu] ", static_cast<long long>(us / 1000000),
                static_cast<long long>(us % 1000000), trace_thread_id());
  put(head);
  put(function);
  put_char('(');
}

WPU_DECL void detail::trace_line::put(const char* s) noexcept {
  while (*s != 0) put_char(*s++);
}

WPU_DECL void detail::trace_line::put_char(char c) noexcept {
  // Room is kept for "...\n".
  if (len_ < capacity - 5) {
    buf_[len_++] = c;
  } else if (len_ == capacity - 5) {
    std::memcpy(buf_ + len_, "...", 3);
    len_ += 3;
  }
}

WPU_DECL void detail::trace_line::put_dec(std::int64_t v) noexcept {
  char b[32];
  std::snprintf(b, sizeof b, "%lld", static_cast<long long>(v));
  put(b);
}

WPU_DECL void detail::trace_line::put_udec(std::uint64_t v) noexcept {
  char b[32];
  std::snprintf(b, sizeof b, "%llu", static_cast<unsigned long long>(v));
  put(b);
}

WPU_DECL void detail::trace_line::put_hex(std::uint64_t v) noexcept {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  put(b);
}

WPU_DECL void detail::trace_line::put_ptr(const void* p) noexcept {
  if (p == nullptr)
    put("NULL");
  else
    put_hex(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p)));
}

// A wpu handle (handle_table.hpp: marker, clear top and bottom bits, a known
// kind) prints as kind:0x...; anything else as a plain number.
WPU_DECL void detail::trace_line::put_socket(SOCKET s) noexcept {
  const auto v = static_cast<std::uint64_t>(s);
  if (s == INVALID_SOCKET) {
    put("INVALID_SOCKET");
    return;
  }
  constexpr std::uint64_t fixed = 0xF000000000000003ull;
  const unsigned kind = static_cast<unsigned>(handle_table::kind_of(v));
  if ((v & fixed) == handle_table::marker && kind >= 1 && kind <= 5) {
    put(trace_kind_names[kind]);
    put_char(':');
    put_hex(v);
    return;
  }
#if defined(WPU_POSIX)
  if (v <= 0x7FFFFFFFu) {  // a file descriptor (an IFS handle)
    put("fd:");
    put_udec(v);
    return;
  }
#endif  // defined(WPU_POSIX)
  put_hex(v);
}

WPU_DECL void detail::trace_line::put_handle(const void* h) noexcept {
  const auto v = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(h));
  if (h == nullptr) {
    put("NULL");
  } else if (v ==
             static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(INVALID_HANDLE_VALUE))) {
    put("INVALID_HANDLE_VALUE");
  } else {
    constexpr std::uint64_t fixed = 0xF000000000000003ull;
    const unsigned kind = static_cast<unsigned>(handle_table::kind_of(v));
    if ((v & fixed) == handle_table::marker && kind >= 1 && kind <= 5) {
      put(trace_kind_names[kind]);
      put_char(':');
    }
    put_hex(v);
  }
}

WPU_DECL void detail::trace_line::put_events(long bits) noexcept {
  if (bits == 0) {
    put_char('0');
    return;
  }
  bool first = true;
  auto rest = static_cast<unsigned long>(bits);
  for (unsigned i = 0; i < sizeof trace_fd_names / sizeof trace_fd_names[0]; ++i) {
    if ((rest & (1ul << i)) == 0) continue;
    if (!first) put_char('|');
    put(trace_fd_names[i]);
    rest &= ~(1ul << i);
    first = false;
  }
  if (rest != 0) {
    if (!first) put_char('|');
    put_hex(rest);
  }
}

WPU_DECL void detail::trace_line::put_message(unsigned msg) noexcept {
  for (const trace_code_name& n : trace_message_names)
    if (static_cast<unsigned>(n.code) == msg) {
      put(n.name);
      return;
    }
  if (msg >= 0x8000u && msg < 0xC000u) {
    put("WM_APP+");
    put_udec(msg - 0x8000u);
  } else if (msg >= 0x0400u && msg < 0x8000u) {
    put("WM_USER+");
    put_udec(msg - 0x0400u);
  } else {
    put_hex(msg);
  }
}

// IPv4 as a.b.c.d:port, IPv6 as [x:x:x:x:x:x:x:x]:port (every group, no
// "::" shortening); other families as {family N}. Reads only within `len`.
WPU_DECL void detail::trace_line::put_address(const void* sa, int len) noexcept {
  if (sa == nullptr) {
    put("NULL");
    return;
  }
  const auto* b = static_cast<const unsigned char*>(sa);
  if (len < 2) {
    put("{short address}");
    return;
  }
  std::uint16_t family;
  std::memcpy(&family, b, 2);
#if defined(__APPLE__) || defined(__FreeBSD__)
  family = b[1];  // sa_len comes first
#endif            // defined(__APPLE__) || defined(__FreeBSD__)
  char out[80];
  const unsigned port = (static_cast<unsigned>(b[2]) << 8) | b[3];
  if (family == AF_INET && len >= 8) {
    std::snprintf(out, sizeof out, "%u.%u.%u.%u:%u", b[4], b[5], b[6], b[7], port);
    put(out);
  } else if (family == AF_INET6 && len >= 24) {
    put_char('[');
    for (int i = 0; i < 8; ++i) {
      std::snprintf(out, sizeof out, i == 0 ? "%x" : ":%x",
                    (static_cast<unsigned>(b[8 + 2 * i]) << 8) | b[9 + 2 * i]);
      put(out);
    }
    std::snprintf(out, sizeof out, "]:%u", port);
    put(out);
  } else {
    std::snprintf(out, sizeof out, "{family %u, %d bytes}", family, len);
    put(out);
  }
}

WPU_DECL void detail::trace_line::put_error(int code) noexcept {
  for (const trace_code_name& n : trace_error_names)
    if (n.code == code) {
      put(n.name);
      return;
    }
  put("error ");
  put_dec(code);
}

WPU_DECL void detail::trace_line::put_text(const char* s) noexcept {
  if (s == nullptr) {
    put("NULL");
    return;
  }
  put_char('"');
  for (; *s != 0; ++s) {
    const auto c = static_cast<unsigned char>(*s);
    if (c < 0x20 || c == '"' || c == '\\' || c == 0x7F) {
      char e[8];
      std::snprintf(e, sizeof e, "\\x%02x", c);
      put(e);
    } else {
      put_char(static_cast<char>(c));
    }
  }
  put_char('"');
}

WPU_DECL void detail::trace_line::put_version(unsigned v) noexcept {
  put_udec(v & 0xFFu);
  put_char('.');
  put_udec((v >> 8) & 0xFFu);
}

WPU_DECL void detail::trace_line::put_thread_id(const WSATHREADID* t) noexcept {
  if (t == nullptr) {
    put("NULL");
    return;
  }
  put_char('{');
  put_handle(t->ThreadHandle);
  put(", ");
  put_hex(t->Reserved);
  put_char('}');
}

WPU_DECL void detail::trace_line::result(trace_result kind, std::uint64_t value,
                                         int error) noexcept {
  put_char(')');
  if (kind == trace_result::none) return;
  put(" = ");
  bool failed = false;
  switch (kind) {
    case trace_result::sockerr:
      failed = static_cast<int>(value) == SOCKET_ERROR;
      if (failed)
        put("SOCKET_ERROR");
      else
        put_dec(static_cast<int>(value));
      break;
    case trace_result::socket:
      failed = static_cast<SOCKET>(value) == INVALID_SOCKET;
      put_socket(static_cast<SOCKET>(value));
      break;
    case trace_result::code:
      if (static_cast<int>(value) == 0)
        put_char('0');
      else
        put_error(static_cast<int>(value));
      break;
    case trace_result::boolean:
      failed = value == 0;
      put(failed ? "FALSE" : "TRUE");
      break;
    case trace_result::handle:
      failed = value == 0;
      put_handle(reinterpret_cast<const void*>(static_cast<std::uintptr_t>(value)));
      break;
    case trace_result::wait: {
      const auto w = static_cast<DWORD>(value);
      if (w == WSA_WAIT_FAILED) {
        put("WSA_WAIT_FAILED");
        failed = true;
      } else if (w == WSA_WAIT_TIMEOUT) {
        put("WSA_WAIT_TIMEOUT");
      } else if (w == WSA_WAIT_IO_COMPLETION) {
        put("WSA_WAIT_IO_COMPLETION");
      } else if (w < WSA_MAXIMUM_WAIT_EVENTS) {
        put("WSA_WAIT_EVENT_0+");
        put_udec(w);
      } else {
        put_hex(w);
      }
      break;
    }
    case trace_result::none:
      break;
  }
  if (failed) {
    put(" (");
    put_error(error);
    put_char(')');
  }
}

WPU_DECL void detail::trace_line::emit() noexcept {
  buf_[len_++] = '\n';  // put_char keeps room for it
#if defined(WPU_WINDOWS)
  const DWORD saved = ::GetLastError();
#endif  // defined(WPU_WINDOWS)
  const int saved_errno = errno;
  trace_sink& s = the_trace_sink();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (trace_flag.load(std::memory_order_relaxed) == 2) {
#if defined(WPU_WINDOWS)
      DWORD written = 0;
      ::WriteFile(s.out, buf_, static_cast<DWORD>(len_), &written, nullptr);
#else   // !defined(WPU_WINDOWS)
      // One write: a line is at most 1 KiB, below PIPE_BUF, and O_APPEND
      // files take it whole. A signal before anything was written retries.
      ssize_t n;
      do {
        n = ::write(s.out, buf_, len_);
      } while (n < 0 && errno == EINTR);
#endif  // defined(WPU_WINDOWS)
    }
  }
  errno = saved_errno;
#if defined(WPU_WINDOWS)
  ::SetLastError(saved);
#endif  // defined(WPU_WINDOWS)
}

// ---- trace_upcalls -------------------------------------------------------
// Each forwards to inner_ with an error slot it can read afterwards (the
// caller's, or its own when the caller passed NULL, which the upcall allows
// and which changes nothing the caller sees), then writes the line if
// tracing is on now.

namespace detail {
// " (ERROR)" after a failed BOOL result.
inline void trace_upcall_result(trace_line& line, bool failed, const int* err) noexcept {
  if (!failed) return;
  line.put(" (");
  line.put_error(*err);
  line.put_char(')');
}
}  // namespace detail

WPU_DECL BOOL trace_upcalls::close_event(WSAEVENT event, int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  const BOOL ok = inner_.close_event(event, e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUCloseEvent");
    line.arg(detail::tr::handle{event});
    line.close();
    line.put(ok ? "TRUE" : "FALSE");
    detail::trace_upcall_result(line, !ok, e);
    line.emit();
  }
  return ok;
}

WPU_DECL int trace_upcalls::close_socket_handle(SOCKET s, int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  const int rc = inner_.close_socket_handle(s, e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUCloseSocketHandle");
    line.arg(detail::tr::sock{s});
    line.result(detail::trace_result::sockerr, static_cast<std::uint64_t>(rc), *e);
    line.emit();
  }
  return rc;
}

WPU_DECL WSAEVENT trace_upcalls::create_event(int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  const WSAEVENT event = inner_.create_event(e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUCreateEvent");
    line.result(detail::trace_result::handle, detail::trace_value(event), *e);
    line.emit();
  }
  return event;
}

WPU_DECL SOCKET trace_upcalls::create_socket_handle(DWORD catalog_id, DWORD_PTR context,
                                                    int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  const SOCKET s = inner_.create_socket_handle(catalog_id, context, e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUCreateSocketHandle");
    line.arg(catalog_id);
    line.arg(detail::tr::hex{context});
    line.result(detail::trace_result::socket, static_cast<std::uint64_t>(s), *e);
    line.emit();
  }
  return s;
}

WPU_DECL int trace_upcalls::fd_is_set(SOCKET s, spi_fd_set* set) noexcept {
  const int r = inner_.fd_is_set(s, set);
  if (detail::trace_active()) {
    detail::trace_line line("WPUFDIsSet");
    line.arg(detail::tr::sock{s});
    line.arg(static_cast<const void*>(set));
    line.close();
    line.put_dec(r);
    line.emit();
  }
  return r;
}

WPU_DECL int trace_upcalls::get_provider_path(GUID* provider_id, WCHAR* path, int* path_len,
                                              int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  const int in_len = path_len != nullptr ? *path_len : -1;
  const int rc = inner_.get_provider_path(provider_id, path, path_len, e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUGetProviderPath");
    if (provider_id != nullptr) {
      char g[48];
      std::snprintf(g, sizeof g, "{%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
                    static_cast<unsigned long>(provider_id->Data1), provider_id->Data2,
                    provider_id->Data3, provider_id->Data4[0], provider_id->Data4[1],
                    provider_id->Data4[2], provider_id->Data4[3], provider_id->Data4[4],
                    provider_id->Data4[5], provider_id->Data4[6], provider_id->Data4[7]);
      line.next();
      line.put(g);
    } else {
      line.arg(static_cast<const void*>(nullptr));
    }
    line.arg(static_cast<const void*>(path));
    line.arg(in_len);
    line.result(detail::trace_result::sockerr, static_cast<std::uint64_t>(rc), *e);
    if (rc == 0 && path_len != nullptr) {
      line.put(" [len ");
      line.put_dec(*path_len);
      line.put_char(']');
    }
    line.emit();
  }
  return rc;
}

WPU_DECL SOCKET trace_upcalls::modify_ifs_handle(DWORD catalog_id, SOCKET proposed,
                                                 int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  const SOCKET s = inner_.modify_ifs_handle(catalog_id, proposed, e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUModifyIFSHandle");
    line.arg(catalog_id);
    line.arg(detail::tr::sock{proposed});
    line.result(detail::trace_result::socket, static_cast<std::uint64_t>(s), *e);
    line.emit();
  }
  return s;
}

// An lParam of a message at WM_USER or above whose low word is one FD_ bit is
// shown as a WSAAsyncSelect reply too: [FD_READ, error 0] (the wParam is then
// the socket).
WPU_DECL BOOL trace_upcalls::post_message(HWND hwnd, UINT msg, WPARAM wparam,
                                          LPARAM lparam) noexcept {
  const BOOL ok = inner_.post_message(hwnd, msg, wparam, lparam);
  if (detail::trace_active()) {
    detail::trace_line line("WPUPostMessage");
    line.arg(detail::tr::handle{hwnd});
    line.arg(detail::tr::message{msg});
    const auto event = static_cast<unsigned>(lparam) & 0xFFFFu;
    const bool reply = msg >= 0x0400u && event != 0 && (event & (event - 1)) == 0 &&
                       event <= static_cast<unsigned>(FD_ALL_EVENTS);
    if (reply)
      line.arg(detail::tr::sock{static_cast<SOCKET>(wparam)});
    else
      line.arg(detail::tr::hex{wparam});
    line.arg(detail::tr::hex{static_cast<std::uint64_t>(lparam)});
    if (reply) {
      line.put(" [");
      line.put_events(static_cast<long>(event));
      line.put(", ");
      const int code = static_cast<int>((static_cast<unsigned long>(lparam) >> 16) & 0xFFFFu);
      if (code == 0)
        line.put_char('0');
      else
        line.put_error(code);
      line.put_char(']');
    }
    line.close();
    line.put(ok ? "TRUE" : "FALSE");
    line.emit();
  }
  return ok;
}

WPU_DECL int trace_upcalls::query_blocking_callback(DWORD catalog_id, LPBLOCKINGCALLBACK* callback,
                                                    DWORD_PTR* context, int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  const int rc = inner_.query_blocking_callback(catalog_id, callback, context, e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUQueryBlockingCallback");
    line.arg(catalog_id);
    line.arg(static_cast<const void*>(callback));
    line.arg(static_cast<const void*>(context));
    line.result(detail::trace_result::sockerr, static_cast<std::uint64_t>(rc), *e);
    if (rc == 0 && callback != nullptr) {
      line.put(" [callback ");
      line.put_ptr(reinterpret_cast<const void*>(*callback));
      line.put_char(']');
    }
    line.emit();
  }
  return rc;
}

WPU_DECL int trace_upcalls::query_socket_handle_context(SOCKET s, DWORD_PTR* context,
                                                        int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  const int rc = inner_.query_socket_handle_context(s, context, e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUQuerySocketHandleContext");
    line.arg(detail::tr::sock{s});
    line.arg(static_cast<const void*>(context));
    line.result(detail::trace_result::sockerr, static_cast<std::uint64_t>(rc), *e);
    if (rc == 0 && context != nullptr) {
      line.put(" [context ");
      line.put_hex(*context);
      line.put_char(']');
    }
    line.emit();
  }
  return rc;
}

WPU_DECL int trace_upcalls::queue_apc(WSATHREADID* thread, LPWSAUSERAPC apc, DWORD_PTR context,
                                      int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  const int rc = inner_.queue_apc(thread, apc, context, e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUQueueApc");
    line.next();
    line.put_thread_id(thread);
    line.arg(reinterpret_cast<const void*>(apc));
    line.arg(detail::tr::hex{context});
    line.result(detail::trace_result::sockerr, static_cast<std::uint64_t>(rc), *e);
    line.emit();
  }
  return rc;
}

WPU_DECL BOOL trace_upcalls::reset_event(WSAEVENT event, int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  const BOOL ok = inner_.reset_event(event, e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUResetEvent");
    line.arg(detail::tr::handle{event});
    line.close();
    line.put(ok ? "TRUE" : "FALSE");
    detail::trace_upcall_result(line, !ok, e);
    line.emit();
  }
  return ok;
}

WPU_DECL BOOL trace_upcalls::set_event(WSAEVENT event, int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  const BOOL ok = inner_.set_event(event, e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUSetEvent");
    line.arg(detail::tr::handle{event});
    line.close();
    line.put(ok ? "TRUE" : "FALSE");
    detail::trace_upcall_result(line, !ok, e);
    line.emit();
  }
  return ok;
}

WPU_DECL int trace_upcalls::open_current_thread(WSATHREADID* thread, int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  const int rc = inner_.open_current_thread(thread, e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUOpenCurrentThread");
    line.arg(static_cast<const void*>(thread));
    line.result(detail::trace_result::sockerr, static_cast<std::uint64_t>(rc), *e);
    if (rc == 0) {
      line.put(" [");
      line.put_thread_id(thread);
      line.put_char(']');
    }
    line.emit();
  }
  return rc;
}

WPU_DECL int trace_upcalls::close_thread(WSATHREADID* thread, int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  // The id as it was: closing may clear it.
  WSATHREADID before{};
  if (thread != nullptr) before = *thread;
  const int rc = inner_.close_thread(thread, e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUCloseThread");
    line.next();
    line.put_thread_id(thread != nullptr ? &before : nullptr);
    line.result(detail::trace_result::sockerr, static_cast<std::uint64_t>(rc), *e);
    line.emit();
  }
  return rc;
}

WPU_DECL int trace_upcalls::complete_overlapped_request(SOCKET s, WSAOVERLAPPED* overlapped,
                                                        DWORD error, DWORD transferred,
                                                        int* err) noexcept {
  int own = 0;
  int* e = err != nullptr ? err : &own;
  const int rc = inner_.complete_overlapped_request(s, overlapped, error, transferred, e);
  if (detail::trace_active()) {
    detail::trace_line line("WPUCompleteOverlappedRequest");
    line.arg(detail::tr::sock{s});
    line.arg(static_cast<const void*>(overlapped));
    if (error == 0)
      line.arg(0);
    else
      line.arg(detail::tr::error{static_cast<int>(error)});
    line.arg(transferred);
    line.result(detail::trace_result::sockerr, static_cast<std::uint64_t>(rc), *e);
    line.emit();
  }
  return rc;
}

WPU_NAMESPACE_END

extern "C" {

WPU_DECL int wpu_trace_enable(const char* path_or_null) {
  return wpu::trace_enable(path_or_null);
}

WPU_DECL void wpu_trace_disable(void) {
  wpu::trace_disable();
}

}  // extern "C"

#endif  // WPU_IMPL_TRACE_IPP
