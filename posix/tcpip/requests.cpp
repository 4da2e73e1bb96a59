// posix/tcpip/requests.cpp - "wpu tcpip": the request machinery shared by
// the data calls and the extension functions. The reactor (one async wait
// per direction on a socket's stream_descriptor, run on the provider's
// reactor thread), run and run_sync (a request done at once, queued as
// overlapped, or waited for on the calling thread), completion delivery
// (WPUCompleteOverlappedRequest or a completion routine's APC), and
// WSPGetOverlappedResult.
//
// Invariants: a socket's queues (`read_q`, `write_q`) are only touched under
// its mutex, and only their front request is stepped, so requests in one
// direction finish in the order they were issued. `*_armed` is true exactly
// while an async wait of that direction is outstanding on the current
// `desc` (`desc_gen` tells a wait of a released descriptor). Completions are
// delivered with no socket mutex held: on the reactor thread for requests
// that waited, on the calling thread for the others. An overlapped result is
// published by storing Internal last (release), after InternalHigh.
#include "provider.hpp"

#include <wpu/errno_map.hpp>

#include <algorithm>
#include <cerrno>
#include <new>

namespace wpu_tcpip {

// ---- the reactor ----------------------------------------------------------

namespace {

enum class dir { read, write, except };

void on_ready(const sock_ptr& self, dir d, unsigned gen,
              const boost::system::error_code& ec) noexcept;

void process(sock& s, std::deque<op_ptr>& q, std::vector<op_ptr>* done) {
  while (!q.empty()) {
    if (!q.front()->step(s)) break;
    if (!q.front()->handed_off) done->push_back(std::move(q.front()));
    q.pop_front();
  }
}

bool arm(sock& s, dir d) noexcept {
  provider& pv = prov();
  if (pv.io == nullptr) return false;
  try {
    if (s.desc == nullptr)
      s.desc = std::make_unique<boost::asio::posix::stream_descriptor>(*pv.io, s.fd);
    const auto w = d == dir::read    ? boost::asio::posix::descriptor_base::wait_read
                   : d == dir::write ? boost::asio::posix::descriptor_base::wait_write
                                     : boost::asio::posix::descriptor_base::wait_error;
    s.desc->async_wait(w, [self = s.shared_from_this(), d, gen = s.desc_gen](
                              const boost::system::error_code& ec) { on_ready(self, d, gen, ec); });
    return true;
  } catch (...) {
    return false;
  }
}

void on_ready(const sock_ptr& self, dir d, unsigned gen,
              const boost::system::error_code& ec) noexcept {
  sock& s = *self;
  std::vector<op_ptr> done;
  {
    std::lock_guard<std::mutex> lock(s.m);
    if (gen != s.desc_gen) return;  // a wait of a released descriptor
    if (d == dir::read) s.read_armed = false;
    if (d == dir::write) s.write_armed = false;
    if (d == dir::except) s.except_armed = false;
    if (s.closed.load() || ec == boost::asio::error::operation_aborted) return;
    try {
      if (d == dir::read) {
        process(s, s.read_q, &done);
        read_events(s);
      } else if (d == dir::write) {
        refresh_connect(s);
        process(s, s.write_q, &done);
        write_events(s);
      } else {
        oob_events(s);
      }
    } catch (...) {
    }
    update_watch(s);
    // The deliveries name the fd: counted as a call in progress, so that
    // closesocket does not close (and the kernel does not reuse) the fd
    // before they are made.
    if (!done.empty()) s.users.fetch_add(1, std::memory_order_seq_cst);
  }
  if (done.empty()) return;
  for (op_ptr& o : done) deliver(s.fd, *o);
  s.users.fetch_sub(1, std::memory_order_seq_cst);
}

}  // namespace

void update_watch(sock& s) noexcept {
  if (s.closed.load()) return;
  const LONG sel = s.mask & s.enabled;
  const bool linked = !s.stream() || s.state == conn_state::connected;
  const bool need_read =
      !s.read_q.empty() || (s.listening && (sel & FD_ACCEPT) != 0) ||
      (!s.listening && linked &&
       ((sel & FD_READ) != 0 || ((sel & FD_CLOSE) != 0 && s.stream() && !s.data_seen)));
  const bool need_write = !s.write_q.empty() ||
                          (s.state == conn_state::connecting && (sel & FD_CONNECT) != 0) ||
                          ((sel & FD_WRITE) != 0 && linked && !s.listening);
  const bool need_except = s.stream() && linked && (sel & FD_OOB) != 0;
  if (need_read && !s.read_armed) s.read_armed = arm(s, dir::read);
  if (need_write && !s.write_armed) s.write_armed = arm(s, dir::write);
  if (need_except && !s.except_armed) s.except_armed = arm(s, dir::except);
}

void abort_queued(sock& s, std::vector<op_ptr>* out) noexcept {
  for (auto* q : {&s.read_q, &s.write_q}) {
    for (op_ptr& o : *q) out->push_back(std::move(o));
    q->clear();
  }
}

// ---- completion -----------------------------------------------------------

namespace {

// A completion routine's call, run by the APC on the thread that issued the
// request. Records not yet run are kept here so that WSPCleanup can free
// those whose thread exited first (wpu drops such APCs without running them).
struct apc_call {
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;
  LPWSAOVERLAPPED ov;
  DWORD error, bytes, flags;
};

std::mutex apc_m;
std::vector<apc_call*> apc_live;

void CALLBACK run_apc(DWORD_PTR context) {
  auto* a = reinterpret_cast<apc_call*>(context);
  {
    std::lock_guard<std::mutex> lock(apc_m);
    auto it = std::find(apc_live.begin(), apc_live.end(), a);
    if (it == apc_live.end()) return;  // freed by WSPCleanup
    apc_live.erase(it);
  }
  a->routine(a->error, a->bytes, a->ov, a->flags);
  delete a;
}

void store_result(LPWSAOVERLAPPED ov, DWORD error, DWORD bytes) noexcept {
  ov->InternalHigh = bytes;
  __atomic_store_n(&ov->Internal, static_cast<ULONG_PTR>(error), __ATOMIC_RELEASE);
}

}  // namespace

void free_unrun_apcs() noexcept {
  std::lock_guard<std::mutex> lock(apc_m);
  for (apc_call* a : apc_live) delete a;
  apc_live.clear();
}

void begin_overlapped(LPWSAOVERLAPPED ov) noexcept {
  ov->InternalHigh = 0;
  __atomic_store_n(&ov->Internal, static_cast<ULONG_PTR>(WSS_OPERATION_IN_PROGRESS),
                   __ATOMIC_RELEASE);
  HANDLE ev = reinterpret_cast<HANDLE>(reinterpret_cast<uintptr_t>(ov->hEvent) &
                                       ~static_cast<uintptr_t>(1));
  if (ev != nullptr) {
    int e = 0;
    (void)prov().up.lpWPUResetEvent(ev, &e);  // a bad event is the client's mistake
  }
}

void deliver(int fd, op& o) noexcept {
  LPWSAOVERLAPPED ov = o.ov;
  if (ov == nullptr) return;
  provider& pv = prov();
  ov->Offset = o.flags;
  if (o.routine != nullptr) {
    apc_call* a = new (std::nothrow) apc_call{o.routine, ov, o.error, o.bytes, o.flags};
    store_result(ov, o.error, o.bytes);
    if (a != nullptr) {
      {
        std::lock_guard<std::mutex> lock(apc_m);
        try {
          apc_live.push_back(a);
        } catch (...) {
          delete a;
          a = nullptr;
        }
      }
      int e = 0;
      if (a != nullptr &&
          pv.up.lpWPUQueueApc(&o.thread, run_apc, reinterpret_cast<DWORD_PTR>(a), &e) != 0) {
        std::lock_guard<std::mutex> lock(apc_m);
        auto it = std::find(apc_live.begin(), apc_live.end(), a);
        if (it != apc_live.end()) {
          apc_live.erase(it);
          delete a;
        }
      }
    }
  } else {
    int e = 0;
    if (wpu_complete_overlapped_request(static_cast<SOCKET>(fd), ov, o.error, o.bytes, &e) != 0) {
      // The handle was refused (no longer registered): the client still
      // learns the result through Internal and its event.
      HANDLE ev = reinterpret_cast<HANDLE>(reinterpret_cast<uintptr_t>(ov->hEvent) &
                                           ~static_cast<uintptr_t>(1));
      store_result(ov, o.error, o.bytes);
      if (ev != nullptr) pv.up.lpWPUSetEvent(ev, &e);
    }
  }
  if (o.own_thread && pv.up.lpWPUCloseThread != nullptr) {
    int e = 0;
    pv.up.lpWPUCloseThread(&o.thread, &e);
    o.own_thread = false;
  }
  { std::lock_guard<std::mutex> lock(pv.done_m); }
  pv.done_cv.notify_all();
}

int run(const use& u, op_ptr o, LPDWORD done, LPINT err) noexcept {
  sock& s = *u;
  if (o->ov != nullptr) {
    // A request that fails at once is not completed: Internal holds the
    // error, nothing is signalled, a thread opened for it is closed.
    auto refuse = [&](int e) {
      __atomic_store_n(&o->ov->Internal, static_cast<ULONG_PTR>(e), __ATOMIC_RELEASE);
      if (o->own_thread && prov().up.lpWPUCloseThread != nullptr) {
        int ce = 0;
        prov().up.lpWPUCloseThread(&o->thread, &ce);
      }
      *err = e;
      return SOCKET_ERROR;
    };
    begin_overlapped(o->ov);
    std::unique_lock<std::mutex> lock(s.m);
    auto& q = o->reads ? s.read_q : s.write_q;
    bool finished = false;
    try {
      finished = q.empty() && o->step(s);
    } catch (...) {
      return refuse(WSAENOBUFS);
    }
    if (o->reads) reenable(s, FD_READ);
    if (!finished) {
      try {
        q.push_back(std::move(o));
      } catch (...) {
        return refuse(WSAENOBUFS);
      }
      update_watch(s);
      *err = WSA_IO_PENDING;
      return SOCKET_ERROR;
    }
    lock.unlock();
    if (o->handed_off) {
      *err = WSA_IO_PENDING;
      return SOCKET_ERROR;
    }
    if (o->error != 0 && o->error != WSAEMSGSIZE) return refuse(static_cast<int>(o->error));
    if (done != nullptr) *done = o->bytes;
    deliver(s.fd, *o);
    if (o->error != 0) {
      *err = static_cast<int>(o->error);
      return SOCKET_ERROR;
    }
    return 0;
  }
  return run_sync(u, *o, done, err);
}

int run_sync(const use& u, op& o, LPDWORD done, LPINT err) noexcept {
  sock& s = *u;
  const int dir = o.reads ? 0 : 1;
  for (bool first = true;; first = false) {
    bool finished = false;
    bool nonblocking;
    DWORD timeout;
    {
      std::lock_guard<std::mutex> lock(s.m);
      nonblocking = s.nonblocking;
      timeout = o.reads ? s.rcvtimeo : s.sndtimeo;
      // A blocking call whose last attempt had to wait polls first (one
      // system call fewer in a request/response exchange).
      const bool wait_first = first && !nonblocking && s.wait_first[dir];
      if (!wait_first) {
        try {
          finished = o.step(s);
        } catch (...) {
          *err = WSAENOBUFS;
          return SOCKET_ERROR;
        }
        if (first) s.wait_first[dir] = !finished;
        if (o.reads) reenable(s, FD_READ);
        if (!finished && nonblocking && !o.reads) reenable(s, FD_WRITE);
      }
    }
    if (finished) {
      if (done != nullptr) *done = o.bytes;
      if (o.error != 0) {
        *err = static_cast<int>(o.error);
        return SOCKET_ERROR;
      }
      return 0;
    }
    if (nonblocking) {
      *err = WSAEWOULDBLOCK;
      return SOCKET_ERROR;
    }
    if (int e = wait_ready(s, o.reads ? POLLIN : POLLOUT, timeout); e != 0) {
      *err = e;
      return SOCKET_ERROR;
    }
  }
}

BOOL WSPAPI wsp_get_overlapped_result(SOCKET s, LPWSAOVERLAPPED lpOverlapped, LPDWORD lpcbTransfer,
                                      BOOL fWait, LPDWORD lpdwFlags, LPINT lpErrno) {
  {
    use u;
    if (!u.acquire(s, lpErrno)) return FALSE;
  }
  if (lpOverlapped == nullptr || lpcbTransfer == nullptr || lpdwFlags == nullptr) {
    *lpErrno = WSAEFAULT;
    return FALSE;
  }
  auto internal = [&] { return __atomic_load_n(&lpOverlapped->Internal, __ATOMIC_ACQUIRE); };
  if (internal() == WSS_OPERATION_IN_PROGRESS) {
    if (!fWait) {
      *lpErrno = WSA_IO_INCOMPLETE;
      return FALSE;
    }
    HANDLE ev = reinterpret_cast<HANDLE>(reinterpret_cast<uintptr_t>(lpOverlapped->hEvent) &
                                         ~static_cast<uintptr_t>(1));
    if (ev != nullptr) {
      if (wpu_wsa_wait_for_multiple_events(1, &ev, FALSE, WSA_INFINITE, FALSE) == WSA_WAIT_FAILED) {
        *lpErrno = WSA_INVALID_HANDLE;
        return FALSE;
      }
    } else {
      // No event: wait for the provider's completions (Windows waits on the
      // socket handle).
      provider& pv = prov();
      std::unique_lock<std::mutex> lock(pv.done_m);
      pv.done_cv.wait(lock, [&] { return internal() != WSS_OPERATION_IN_PROGRESS; });
    }
    if (internal() == WSS_OPERATION_IN_PROGRESS) {
      *lpErrno = WSA_IO_INCOMPLETE;
      return FALSE;
    }
  }
  const ULONG_PTR result = internal();
  *lpcbTransfer = static_cast<DWORD>(lpOverlapped->InternalHigh);
  *lpdwFlags = lpOverlapped->Offset;
  if (result != 0) {
    *lpErrno = static_cast<int>(result);
    return FALSE;
  }
  return TRUE;
}

}  // namespace wpu_tcpip
