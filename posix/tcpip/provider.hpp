// posix/tcpip/provider.hpp - the internals of "wpu tcpip", the base TCP/UDP
// provider over Linux sockets (docs/tcpip.md).
//
// Sockets are IFS handles: the SOCKET value is the Linux fd, registered with
// WPUModifyIFSHandle. Every fd is O_NONBLOCK underneath; Winsock's blocking
// mode is the provider's (a blocking call waits in poll() on the calling
// thread). Readiness for overlapped requests and for WSPEventSelect /
// WSPAsyncSelect comes from one Boost.Asio io_context run by the provider's
// reactor thread (epoll underneath), one stream_descriptor per socket that
// needs it.
//
// Threads: every WSP* function may be called from any thread, concurrently,
// on the same socket or not. A socket's state is guarded by its mutex; the
// syscalls that do not block run under it, waits never do. Completions
// (WPUCompleteOverlappedRequest, WPUQueueApc, WPUSetEvent, WPUPostMessage)
// are made with no socket mutex held, on the reactor thread for requests that
// waited, or on the calling thread for requests that completed at once or
// were aborted by WSPCloseSocket / WSPCleanup.
//
// Files: provider.cpp (global state, startup, cleanup), sockets.cpp (socket
// lifetime), connections.cpp (bind, listen, accept, connect, shutdown),
// addresses.cpp (sockaddr translation, names, address strings), waits.cpp
// (blocking waits, WSPSelect), events.cpp (network events, WSPEventSelect,
// WSPAsyncSelect), requests.cpp (reactor, run, completion delivery),
// data.cpp (send and receive), options*.cpp and ioctl.cpp (options.hpp),
// extensions*.cpp (extensions.hpp), platform.cpp (the platform layer's code
// in the compiled mode).
#ifndef WPU_TCPIP_PROVIDER_HPP
#define WPU_TCPIP_PROVIDER_HPP

#include <wpu/detail/winapi_decls.h>
#include <wpu/detail/winsock_decls.h>
#include <wpu/detail/ws2spi_decls.h>
#if defined(WPU_HEADER_ONLY)
// Header-only wpu: the C functions the provider calls (WPUCompleteOverlapped-
// Request, WSAWaitForMultipleEvents, WSASetLastError) are inline, defined
// here, and reach the host's copy of wpu's process objects (README, "Modes").
#  include <wpu/wpu.hpp>
#endif

#include <wpu/posix/platform.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace wpu_tcpip {

namespace platform = wpu::posix::platform;

struct sock;
using sock_ptr = std::shared_ptr<sock>;

// One request that may have to wait for readiness: a recv, a send, an
// AcceptEx, a ConnectEx, a TransmitFile... step() makes one non-blocking
// attempt with the socket's mutex held and returns true once the request is
// finished (error, bytes and flags then hold its result), false when it has
// to wait for readiness in the direction `reads` says.
struct op {
  virtual ~op() = default;
  virtual bool step(sock& s) = 0;
  // The socket as the client knows it (the fd) and the request's
  // completion: an overlapped request has `ov`, and `routine` + `thread`
  // when a completion routine was asked for.
  bool reads = true;
  DWORD error = 0;
  DWORD bytes = 0;
  DWORD flags = 0;
  LPWSAOVERLAPPED ov = nullptr;
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine = nullptr;
  WSATHREADID thread{};
  bool own_thread = false;  // `thread` was opened for this request (WPUCloseThread after)
  // step() finished this request by passing it on to another socket's queue
  // (AcceptEx waiting for its first data): nothing to deliver here.
  bool handed_off = false;
};
using op_ptr = std::unique_ptr<op>;

enum class conn_state { idle, connecting, connected, failed };

struct sock : std::enable_shared_from_this<sock> {
  sock(int fd_, DWORD catalog_id_, const WSAPROTOCOL_INFOW& info_, int family_, int type_,
       int protocol_, bool overlapped_) noexcept;
  ~sock();

  // Fixed at creation.
  int fd;
  DWORD catalog_id;
  WSAPROTOCOL_INFOW info;  // the catalog entry the socket was made for
  int family;              // Linux AF_INET / AF_INET6
  int type;                // SOCK_STREAM / SOCK_DGRAM (same numbers on both)
  int protocol;            // IPPROTO_TCP / IPPROTO_UDP
  bool overlapped;         // WSA_FLAG_OVERLAPPED
  bool stream() const noexcept { return type == SOCK_STREAM; }

  // Calls in progress on the fd (see `use` in provider.cpp): WSPCloseSocket
  // sets `closed`, wakes the waiters and waits for `users` to drop to zero
  // before it closes the fd.
  std::atomic<unsigned> users{0};
  std::atomic<bool> closed{false};

  std::mutex m;  // guards everything below
  // The wake-up fds of the threads blocked on the socket (wait_ready, WSPSelect).
  std::vector<const platform::pollable*> waiters;
  bool nonblocking = false;  // FIONBIO, or made so by EventSelect/AsyncSelect
  conn_state state = conn_state::idle;
  bool listening = false;
  bool bound = false;
  bool shut_send = false;
  bool shut_recv = false;
  bool reset = false;       // the connection was reset or aborted
  bool icmp_reset = false;  // UDP: an ICMP error not yet reported by a receive
  int pending_error = 0;    // Winsock code of a failed non-blocking connect, for SO_ERROR
  std::chrono::steady_clock::time_point connected_at{};

  // WSPEventSelect / WSPAsyncSelect.
  WSAEVENT event = nullptr;
  HWND hwnd = nullptr;
  unsigned int msg = 0;
  LONG mask = 0;      // lNetworkEvents selected
  LONG enabled = 0;   // events that may be recorded now (Windows' re-enabling rules)
  LONG recorded = 0;  // recorded and not yet enumerated (EventSelect)
  int errors[FD_MAX_EVENTS] = {};
  bool data_seen = false;  // readable with data while FD_READ is not enabled

  // The reactor.
  std::unique_ptr<boost::asio::posix::stream_descriptor> desc;
  unsigned desc_gen = 0;  // bumped when `desc` is released: older waits are stale
  bool read_armed = false;
  bool write_armed = false;
  bool except_armed = false;
  bool wait_first[2] = {false, false};  // [recv, send]: the last blocking attempt waited
  std::deque<op_ptr> read_q;
  std::deque<op_ptr> write_q;

  // Options kept by the provider.
  DWORD rcvtimeo = 0;  // ms, 0 = none
  DWORD sndtimeo = 0;
  bool reuseaddr = false;
  bool exclusiveaddruse = false;
  bool conditional_accept = false;
  bool debug = false;
  int sndbuf = -1;  // the value set, returned by SO_SNDBUF (-1: Linux's)
  int rcvbuf = -1;
  int group_priority = 0;
  int deferred_fd = -1;  // a connection a condition function deferred (CF_DEFER)
};

// The provider's global state.
struct provider {
  std::mutex m;  // startups, upcalls, reactor
  int startups = 0;
  WSPUPCALLTABLE up{};
  std::shared_mutex table_m;
  std::vector<sock_ptr> table;  // indexed by fd, guarded by table_m

  std::unique_ptr<boost::asio::io_context> io;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::thread reactor;

  // Completions made while a WSPGetOverlappedResult waits without an event.
  std::mutex done_m;
  std::condition_variable done_cv;
};
provider& prov() noexcept;

// The socket registered as `s`, or null with WSAENOTSOCK.
sock_ptr find(SOCKET s, int* err) noexcept;

// A call in progress on a socket: holds a reference and counts as a user
// of the fd, so WSPCloseSocket waits for it before closing the fd. Fails
// (false, WSAENOTSOCK) for an unknown or closing socket.
class use {
 public:
  use() = default;
  use(const use&) = delete;
  use& operator=(const use&) = delete;
  ~use() { release(); }
  bool acquire(SOCKET s, int* err) noexcept;
  void release() noexcept;
  sock* operator->() const noexcept { return p_.get(); }
  sock& operator*() const noexcept { return *p_; }
  const sock_ptr& ptr() const noexcept { return p_; }

 private:
  sock_ptr p_;
};

// Registers a new fd as a socket of `catalog_id` (WPUModifyIFSHandle) and
// enters it in the table: the SOCKET, or INVALID_SOCKET with *err (the fd
// is closed then).
SOCKET adopt(int fd, DWORD catalog_id, const WSAPROTOCOL_INFOW& info, int family, int type,
             int protocol, bool overlapped, sock_ptr* out, int* err) noexcept;

// The calling thread's wake-up fd (null if it could not be made): a thread
// blocked on sockets lists it in their `waiters`, WSPCloseSocket sets it, and
// the thread clears it after it woke. Lives until the thread exits.
const platform::pollable* thread_waker() noexcept;

// Blocks the calling thread until the fd is ready for `events` (POLLIN,
// POLLOUT), the socket is closed (WSAEINTR) or `timeout_ms` passes
// (WSAETIMEDOUT; 0 waits forever). 0 when ready. Without the socket mutex.
int wait_ready(sock& s, short events, DWORD timeout_ms) noexcept;

// Winsock error for the current errno, with the socket's context (EPIPE
// after our own shutdown is WSAESHUTDOWN, else WSAECONNRESET).
int sock_error(const sock& s, int e) noexcept;

// Windows' defaults for a new fd: IPv6-only for IPv6, and for UDP ICMP
// errors delivered to the socket (IP_RECVERR / IPV6_RECVERR), connected or
// not, so that a receive after a send to a closed port fails with
// WSAECONNRESET as on Windows.
void socket_defaults(int fd, int family, int type) noexcept;
// UDP, with s.m held: empties the ICMP error queue (else poll keeps
// reporting POLLERR) and notes the error for the next receive.
void take_icmp_errors(sock& s) noexcept;

// Sockaddr translation (Winsock AF_INET6 = 23 <-> Linux AF_INET6 = 10).
// from_ws: WSAEFAULT for a NULL name or a length below the family's size,
// WSAEAFNOSUPPORT for a family other than the socket's (when `family` is not
// 0). to_ws: WSAEFAULT when *len is too small (nothing written).
int sockaddr_from_ws(const sockaddr* name, int namelen, int family, sockaddr_storage* out,
                     socklen_t* outlen) noexcept;
int sockaddr_to_ws(const sockaddr_storage& in, socklen_t inlen, sockaddr* name, int* len) noexcept;
int ws_sockaddr_len(int linux_family) noexcept;
// True when the fd has a local address with a port (bind, connect or a send
// bound it).
bool has_local_port(int fd) noexcept;

// Connection bookkeeping, with s.m held: finishes a non-blocking connect
// that the kernel has completed (state, pending_error).
void refresh_connect(sock& s) noexcept;

// Notification bookkeeping, with s.m held: `bits` may be recorded again;
// re-arms the reactor as needed.
void reenable(sock& s, LONG bits) noexcept;
// Arms the reactor for what the socket's queues and selected events need.
void update_watch(sock& s) noexcept;
// With s.m held, when the fd became readable, writable or has urgent data:
// records the network events whose conditions hold.
void read_events(sock& s) noexcept;
void write_events(sock& s) noexcept;
void oob_events(sock& s) noexcept;

// An overlapped request starts: Internal = WSS_OPERATION_IN_PROGRESS,
// InternalHigh = 0, and its event reset, as Windows' I/O manager does.
void begin_overlapped(LPWSAOVERLAPPED ov) noexcept;

// A finished overlapped request's completion, with no socket mutex held:
// Offset = flags, then WPUQueueApc (routine) or WPUCompleteOverlappedRequest.
void deliver(int fd, op& o) noexcept;
// Runs `o` for a data call: at once, queued (overlapped: WSA_IO_PENDING) or
// waiting on this thread (blocking). 0 with *done = bytes, or SOCKET_ERROR.
int run(const use& u, op_ptr o, LPDWORD done, LPINT err) noexcept;
// The same for a request without an OVERLAPPED, which lives on the caller's stack.
int run_sync(const use& u, op& o, LPDWORD done, LPINT err) noexcept;

// Winsock control of the socket from the notification calls.
void close_all_for_cleanup() noexcept;
// Frees the completion-routine records whose APC never ran (WSPCleanup).
void free_unrun_apcs() noexcept;
void abort_queued(sock& s, std::vector<op_ptr>* out) noexcept;

// WSPDuplicateSocket's fds: the one a WSAPROTOCOL_INFOW from it names, taken
// out of the list (-1 if none); closing those never adopted (WSPCleanup).
int take_duplicate(const WSAPROTOCOL_INFOW& info) noexcept;
void close_duplicates() noexcept;

// Extension functions (SIO_GET_EXTENSION_FUNCTION_POINTER): the pointer for
// a GUID, or NULL.
void* extension_function(const GUID& id) noexcept;

// The proc table entries, defined across the sources.
SOCKET WSPAPI wsp_accept(SOCKET, sockaddr*, LPINT, LPCONDITIONPROC, DWORD_PTR, LPINT);
INT WSPAPI wsp_address_to_string(LPSOCKADDR, DWORD, LPWSAPROTOCOL_INFOW, LPWSTR, LPDWORD, LPINT);
int WSPAPI wsp_async_select(SOCKET, HWND, unsigned int, LONG, LPINT);
int WSPAPI wsp_bind(SOCKET, const sockaddr*, int, LPINT);
int WSPAPI wsp_cancel_blocking_call(LPINT);
int WSPAPI wsp_cleanup(LPINT);
int WSPAPI wsp_close_socket(SOCKET, LPINT);
int WSPAPI wsp_connect(SOCKET, const sockaddr*, int, LPWSABUF, LPWSABUF, LPQOS, LPQOS, LPINT);
int WSPAPI wsp_duplicate_socket(SOCKET, DWORD, LPWSAPROTOCOL_INFOW, LPINT);
int WSPAPI wsp_enum_network_events(SOCKET, WSAEVENT, LPWSANETWORKEVENTS, LPINT);
int WSPAPI wsp_event_select(SOCKET, WSAEVENT, LONG, LPINT);
BOOL WSPAPI wsp_get_overlapped_result(SOCKET, LPWSAOVERLAPPED, LPDWORD, BOOL, LPDWORD, LPINT);
int WSPAPI wsp_get_peer_name(SOCKET, sockaddr*, LPINT, LPINT);
int WSPAPI wsp_get_sock_name(SOCKET, sockaddr*, LPINT, LPINT);
int WSPAPI wsp_get_sock_opt(SOCKET, int, int, char*, LPINT, LPINT);
BOOL WSPAPI wsp_get_qos_by_name(SOCKET, LPWSABUF, LPQOS, LPINT);
int WSPAPI wsp_ioctl(SOCKET, DWORD, LPVOID, DWORD, LPVOID, DWORD, LPDWORD, LPWSAOVERLAPPED,
                     LPWSAOVERLAPPED_COMPLETION_ROUTINE, LPWSATHREADID, LPINT);
SOCKET WSPAPI wsp_join_leaf(SOCKET, const sockaddr*, int, LPWSABUF, LPWSABUF, LPQOS, LPQOS, DWORD,
                            LPINT);
int WSPAPI wsp_listen(SOCKET, int, LPINT);
int WSPAPI wsp_recv(SOCKET, LPWSABUF, DWORD, LPDWORD, LPDWORD, LPWSAOVERLAPPED,
                    LPWSAOVERLAPPED_COMPLETION_ROUTINE, LPWSATHREADID, LPINT);
int WSPAPI wsp_recv_disconnect(SOCKET, LPWSABUF, LPINT);
int WSPAPI wsp_recv_from(SOCKET, LPWSABUF, DWORD, LPDWORD, LPDWORD, sockaddr*, LPINT,
                         LPWSAOVERLAPPED, LPWSAOVERLAPPED_COMPLETION_ROUTINE, LPWSATHREADID, LPINT);
int WSPAPI wsp_select(int, wpu_fd_set*, wpu_fd_set*, wpu_fd_set*, const PTIMEVAL, LPINT);
int WSPAPI wsp_send(SOCKET, LPWSABUF, DWORD, LPDWORD, DWORD, LPWSAOVERLAPPED,
                    LPWSAOVERLAPPED_COMPLETION_ROUTINE, LPWSATHREADID, LPINT);
int WSPAPI wsp_send_disconnect(SOCKET, LPWSABUF, LPINT);
int WSPAPI wsp_send_to(SOCKET, LPWSABUF, DWORD, LPDWORD, DWORD, const sockaddr*, int,
                       LPWSAOVERLAPPED, LPWSAOVERLAPPED_COMPLETION_ROUTINE, LPWSATHREADID, LPINT);
int WSPAPI wsp_set_sock_opt(SOCKET, int, int, const char*, int, LPINT);
int WSPAPI wsp_shutdown(SOCKET, int, LPINT);
SOCKET WSPAPI wsp_socket(int, int, int, LPWSAPROTOCOL_INFOW, GROUP, DWORD, LPINT);
INT WSPAPI wsp_string_to_address(LPWSTR, INT, LPWSAPROTOCOL_INFOW, LPSOCKADDR, LPINT, LPINT);

}  // namespace wpu_tcpip

#endif  // WPU_TCPIP_PROVIDER_HPP
