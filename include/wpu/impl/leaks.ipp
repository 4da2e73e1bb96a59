// wpu/impl/leaks.ipp - the leak report (wpu/leaks.hpp, <wpu/leaks.h>).
#ifndef WPU_IMPL_LEAKS_IPP
#define WPU_IMPL_LEAKS_IPP

#include <wpu/leaks.hpp>
#include <wpu/wpu.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <utility>

WPU_NAMESPACE_BEGIN

WPU_DECL const char* leak_kind_name(leak_kind kind) noexcept {
  switch (kind) {
    case leak_kind::socket:
      return "socket";
    case leak_kind::socket_handle:
      return "socket handle";
    case leak_kind::event:
      return "event";
    case leak_kind::thread_id:
      return "thread id";
    case leak_kind::window:
      return "window";
    case leak_kind::port:
      return "port";
  }
  return "object";
}

namespace leaks {
namespace detail {

// The registry: made on first use, never destroyed (records may be made
// and reported during static destruction and from the exit report).
// Everything below the mutex is guarded by it.
struct registry {
  struct entry {
    std::uint64_t serial;  // creation order
    leak_record record;
  };
  std::mutex mutex;
  std::map<std::pair<int, std::uintptr_t>, entry> records;
  std::uint64_t next_serial = 1;
  std::FILE* out = nullptr;  // nullptr: stderr
  bool out_owned = false;    // `out` is a file this registry opened
  bool exit_registered = false;
};

inline registry& the_registry() noexcept {
  static registry* r = new registry;
  return *r;
}

inline DWORD os_thread_id() noexcept {
#if defined(WPU_WINDOWS)
  return ::GetCurrentThreadId();
#else   // !defined(WPU_WINDOWS)
  return posix::sync::current_thread_id();
#endif  // defined(WPU_WINDOWS)
}

inline DWORD& this_thread_entry() noexcept {
  static thread_local DWORD entry = 0;
  return entry;
}

inline void exit_report() noexcept {
  report("exit");
}

// Turns recording on or off under the registry's mutex; registers the exit
// report on the first turn on.
inline void set_state(registry& r, bool on) noexcept {
  if (on && !r.exit_registered) r.exit_registered = std::atexit(&exit_report) == 0;
  state().store(on ? 2 : 3, std::memory_order_relaxed);
}

inline void hex(std::string& s, std::uintptr_t v) {
  char buf[2 + 2 * sizeof v];
  auto res = std::to_chars(buf, buf + sizeof buf, v, 16);
  s += "0x";
  s.append(buf, res.ptr);
}

inline void line_start(std::string& s, const char* where) {
  s += "wpu leaks at ";
  s += where;
  s += ": ";
}

}  // namespace detail

// Compiled mode: the one definition (header-only: inline in wpu/leaks.hpp).
#if !defined(WPU_HEADER_ONLY)
WPU_DECL std::atomic<int> detail::state_flag{0};
#endif  // !defined(WPU_HEADER_ONLY)

WPU_DECL bool detail::resolve() noexcept {
  registry& r = the_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  int s = state().load(std::memory_order_relaxed);
  if (s != 0) return s == 2;
  const char* v = std::getenv("WPU_LEAKS");
  const bool on = v != nullptr && std::strcmp(v, "1") == 0;
  if (on) {
    if (const char* file = std::getenv("WPU_LEAKS_FILE"); file != nullptr && file[0] != 0) {
      r.out = std::fopen(file, "ab");
      r.out_owned = r.out != nullptr;
      if (r.out == nullptr)
        std::fprintf(stderr, "wpu leaks: cannot open WPU_LEAKS_FILE '%s'; using stderr\n", file);
    }
    set_state(r, true);
  } else {
    state().store(1, std::memory_order_relaxed);
  }
  return on;
}

WPU_DECL bool enable(bool on) noexcept {
  detail::resolve();  // WPU_LEAKS is read once, before the first change
  detail::registry& r = detail::the_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  const bool was = detail::state().load(std::memory_order_relaxed) == 2;
  detail::set_state(r, on);
  return was;
}

WPU_DECL void created(leak_kind kind, std::uintptr_t handle, const char* api,
                      DWORD catalog_id) noexcept {
  if (!enabled() || handle == 0 || handle == ~std::uintptr_t{0}) return;
  if (catalog_id == 0) catalog_id = detail::this_thread_entry();
  const leak_record rec{kind, handle, api, catalog_id, detail::os_thread_id()};
  detail::registry& r = detail::the_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  try {
    r.records[{static_cast<int>(kind), handle}] = detail::registry::entry{r.next_serial++, rec};
  } catch (...) {
    // Out of memory: this object is not tracked.
  }
}

WPU_DECL void closed(leak_kind kind, std::uintptr_t handle) noexcept {
  if (detail::state().load(std::memory_order_relaxed) == 0) detail::resolve();
  if (detail::state().load(std::memory_order_relaxed) == 1) return;
  detail::registry& r = detail::the_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.records.erase({static_cast<int>(kind), handle});
}

WPU_DECL void detail::forget_ifs(SOCKET s) noexcept {
  if (state().load(std::memory_order_relaxed) == 1) return;
  registry& r = the_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it =
      r.records.find({static_cast<int>(leak_kind::socket_handle), static_cast<std::uintptr_t>(s)});
  if (it != r.records.end() && std::strcmp(it->second.record.api, "WPUModifyIFSHandle") == 0)
    r.records.erase(it);
}

WPU_DECL std::size_t report(const char* where, std::string* text,
                            const entry_list& entries) noexcept {
  if (detail::state().load(std::memory_order_relaxed) == 0) detail::resolve();
  if (detail::state().load(std::memory_order_relaxed) == 1) return 0;  // never on
  if (where == nullptr) where = "wpu_leaks_report";
  detail::registry& r = detail::the_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.records.empty()) return 0;
  try {
    std::vector<detail::registry::entry> found;
    for (auto it = r.records.begin(); it != r.records.end();) {
      const leak_record& rec = it->second.record;
      // A provider's report leaves the application's sockets to WSACleanup's.
      if (entries.empty() ||
          (rec.kind != leak_kind::socket &&
           std::find(entries.begin(), entries.end(), rec.catalog_id) != entries.end())) {
        found.push_back(it->second);
        it = r.records.erase(it);
      } else {
        ++it;
      }
    }
    if (found.empty()) return 0;
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return a.serial < b.serial; });
    std::string out;
    std::size_t counts[6] = {};
    for (const auto& e : found) {
      const leak_record& rec = e.record;
      ++counts[static_cast<int>(rec.kind)];
      detail::line_start(out, where);
      out += leak_kind_name(rec.kind);
      out += ' ';
      detail::hex(out, rec.handle);
      out += " (";
      out += rec.api;
      out += ") made by ";
      if (rec.catalog_id != 0) {
        out += "catalog entry ";
        out += std::to_string(rec.catalog_id);
        out += " on ";
      }
      out += "thread ";
      out += std::to_string(rec.thread);
      out += '\n';
    }
    detail::line_start(out, where);
    out += std::to_string(found.size());
    out += " still open (";
    bool first = true;
    for (int k = 0; k < 6; ++k) {
      if (counts[k] == 0) continue;
      if (!first) out += ", ";
      first = false;
      out += leak_kind_name(static_cast<leak_kind>(k));
      out += ' ';
      out += std::to_string(counts[k]);
    }
    out += ")\n";
    if (text != nullptr) {
      *text += out;
    } else {
      std::FILE* f = r.out != nullptr ? r.out : stderr;
      std::fwrite(out.data(), 1, out.size(), f);
      std::fflush(f);
    }
    return found.size();
  } catch (...) {
    return 0;  // out of memory: nothing reported
  }
}

WPU_DECL std::vector<leak_record> snapshot() {
  detail::registry& r = detail::the_registry();
  std::vector<detail::registry::entry> all;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    for (const auto& kv : r.records) all.push_back(kv.second);
  }
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a.serial < b.serial; });
  std::vector<leak_record> out;
  out.reserve(all.size());
  for (const auto& e : all) out.push_back(e.record);
  return out;
}

WPU_DECL DWORD current_entry() noexcept {
  return detail::this_thread_entry();
}

}  // namespace leaks

WPU_DECL DWORD leak_entry_scope::swap(DWORD catalog_id) noexcept {
  DWORD& e = leaks::detail::this_thread_entry();
  const DWORD old = e;
  e = catalog_id;
  return old;
}

// ---- the decorator ---------------------------------------------------------
// Each forwards first, then records or forgets what the call made or closed
// (a close is forgotten only when it succeeded).

WPU_DECL BOOL leak_upcalls::close_event(WSAEVENT event, int* err) noexcept {
  const BOOL ok = inner_.close_event(event, err);
  if (ok) leaks::closed(leak_kind::event, reinterpret_cast<std::uintptr_t>(event));
  return ok;
}

WPU_DECL int leak_upcalls::close_socket_handle(SOCKET s, int* err) noexcept {
  const int rc = inner_.close_socket_handle(s, err);
  if (rc == 0) leaks::closed(leak_kind::socket_handle, static_cast<std::uintptr_t>(s));
  return rc;
}

WPU_DECL WSAEVENT leak_upcalls::create_event(int* err) noexcept {
  WSAEVENT e = inner_.create_event(err);
  if (e != WSA_INVALID_EVENT)
    leaks::created(leak_kind::event, reinterpret_cast<std::uintptr_t>(e), "WPUCreateEvent");
  return e;
}

WPU_DECL SOCKET leak_upcalls::create_socket_handle(DWORD catalog_id, DWORD_PTR context,
                                                   int* err) noexcept {
  SOCKET s = inner_.create_socket_handle(catalog_id, context, err);
  if (s != INVALID_SOCKET)
    leaks::created(leak_kind::socket_handle, static_cast<std::uintptr_t>(s),
                   "WPUCreateSocketHandle", catalog_id);
  return s;
}

WPU_DECL SOCKET leak_upcalls::modify_ifs_handle(DWORD catalog_id, SOCKET proposed,
                                                int* err) noexcept {
  SOCKET s = inner_.modify_ifs_handle(catalog_id, proposed, err);
  if (s != INVALID_SOCKET)
    leaks::created(leak_kind::socket_handle, static_cast<std::uintptr_t>(s), "WPUModifyIFSHandle",
                   catalog_id);
  return s;
}

WPU_DECL int leak_upcalls::open_current_thread(WSATHREADID* thread, int* err) noexcept {
  const int rc = inner_.open_current_thread(thread, err);
  if (rc == 0)
    leaks::created(leak_kind::thread_id, reinterpret_cast<std::uintptr_t>(thread->ThreadHandle),
                   "WPUOpenCurrentThread");
  return rc;
}

WPU_DECL int leak_upcalls::close_thread(WSATHREADID* thread, int* err) noexcept {
  // The backend clears the id on success: note the handle first.
  const std::uintptr_t h =
      thread != nullptr ? reinterpret_cast<std::uintptr_t>(thread->ThreadHandle) : 0;
  const int rc = inner_.close_thread(thread, err);
  if (rc == 0) leaks::closed(leak_kind::thread_id, h);
  return rc;
}

WPU_DECL leak_upcalls& detail::default_leak_upcalls() noexcept {
  static leak_upcalls* d = new leak_upcalls(default_backend());
  return *d;
}

WPU_NAMESPACE_END

extern "C" {

WPU_DECL int wpu_leaks_enable(int on) {
  return wpu::leaks::enable(on != 0) ? 1 : 0;
}

WPU_DECL int wpu_leaks_enabled(void) {
  return wpu::leaks::enabled() ? 1 : 0;
}

// Files are written in binary mode: lines end in \n on every platform.
WPU_DECL int wpu_leaks_set_output(const char* path) {
  std::FILE* f = nullptr;
  if (path != nullptr) {
    f = std::fopen(path, "ab");
    if (f == nullptr) return WSAEINVAL;
  }
  wpu::leaks::detail::registry& r = wpu::leaks::detail::the_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.out_owned) std::fclose(r.out);
  r.out = f;
  r.out_owned = f != nullptr;
  return 0;
}

WPU_DECL unsigned wpu_leaks_report(const char* where) {
  return static_cast<unsigned>(wpu::leaks::report(where));
}

}  // extern "C"

#endif  // WPU_IMPL_LEAKS_IPP
