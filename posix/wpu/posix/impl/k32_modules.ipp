// wpu/posix/impl/k32_modules.ipp - modules (LoadLibrary, GetProcAddress,
// FreeLibrary, GetModuleHandle) of the thin kernel32 subset on POSIX: the
// module registry, load_module / free_module (shared with the provider
// host) and the DllMain calls. GetModuleFileName and OutputDebugString are in
// k32_module_names.ipp. docs/kernel32.md, "Modules".
//
// Every function may be called from any thread, also from a module's
// constructor, destructor or DllMain: no lock is held across dlopen/dlclose
// (DllMain calls run under the recursive loader lock, module_registry). The
// module registry is one object per copy of wpu, created on first use and
// never destroyed, so threads still running at exit can use it.
#ifndef WPU_POSIX_IMPL_K32_MODULES_IPP
#define WPU_POSIX_IMPL_K32_MODULES_IPP

#include <wpu/posix/k32.hpp>

#if defined(WPU_POSIX)

#  include <wpu/posix/impl/k32_text.ipp>

#  include <cstddef>
#  include <cstdint>
#  include <cstring>
#  include <mutex>
#  include <new>
#  include <string>
#  include <unordered_map>
#  include <unordered_set>
#  include <dlfcn.h>

WPU_NAMESPACE_BEGIN
namespace k32 {

// ---- Modules -------------------------------------------------------------------

// A module's DllMain state, per dlopen handle.
enum class dll_state { detached, attaching, attached, detaching };

struct module_entry {
  unsigned refs = 0;  // load_module references not yet given back by free_module
  dll_state state = dll_state::detached;
};

// The modules LoadLibrary, the provider host and GetModuleHandle handed out:
// one registry per copy of wpu, created on first use and never destroyed.
//
// `loader` is the process's loader lock, as Windows has one: a thread holds
// it while it decides whether a module needs DllMain and while it calls
// DllMain, so DllMain calls are serialized process-wide and a second thread
// loading a module whose DLL_PROCESS_ATTACH is running waits until it has
// returned. It is recursive: a DllMain may load and free modules itself.
// As on Windows, a DllMain that waits for another thread which loads or
// frees a module deadlocks. It is never held across dlopen/dlclose by these
// functions (a dlopen inside a DllMain runs under it, as on Windows).
struct module_registry {
  std::recursive_mutex loader;
  std::mutex mutex;                                 // guards entries and seen
  std::unordered_map<void*, module_entry> entries;  // handles with references
  std::unordered_set<void*> seen;                   // handles GetModuleHandle returned
  void* main_program = nullptr;
};

WPU_DECL module_registry& modules() noexcept {
  static module_registry* registry = [] {
    auto* r = new module_registry();
    r->main_program = ::dlopen(nullptr, RTLD_NOW);
    return r;
  }();
  return *registry;
}

inline bool known_module(module_registry& st, void* h) noexcept {
  return h == st.main_program || st.entries.count(h) != 0 || st.seen.count(h) != 0;
}

// A module's optional exported C DllMain; the module handle it gets is the
// dlopen handle.
using dll_main_fn = BOOL (*)(HINSTANCE module, DWORD reason, LPVOID reserved);
constexpr DWORD dll_process_detach = 0;  // DLL_PROCESS_DETACH
constexpr DWORD dll_process_attach = 1;  // DLL_PROCESS_ATTACH

inline dll_main_fn find_dll_main(void* h) noexcept {
  void* p = ::dlsym(h, "DllMain");
  dll_main_fn f = nullptr;
  static_assert(sizeof f == sizeof p, "function and object pointers differ in size");
  std::memcpy(&f, &p, sizeof f);
  return f;
}

/// Loads the module at `utf8_path` (dlopen RTLD_NOW | RTLD_LOCAL) and takes
/// one reference on it; when the module had none (or its DllMain has not
/// been attached), calls its exported DllMain(DLL_PROCESS_ATTACH) first.
/// Returns the dlopen handle, or nullptr with *error (if given) set to
/// ERROR_MOD_NOT_FOUND (*why: dlerror's text), ERROR_DLL_INIT_FAILED (*why:
/// "DllMain(DLL_PROCESS_ATTACH) returned FALSE"; the module was unloaded
/// again) or ERROR_NOT_ENOUGH_MEMORY. Shared by LoadLibrary and the provider
/// host, so a module has one count in the process. Any thread, also from a
/// DllMain or a module's constructor.
WPU_DECL void* load_module(const char* utf8_path, DWORD* error, std::string* why) noexcept {
  auto fail = [&](DWORD code, const char* text) -> void* {
    if (error != nullptr) *error = code;
    if (why != nullptr) {
      try {
        *why = text;
      } catch (const std::bad_alloc&) {
      }
    }
    return nullptr;
  };
  ::dlerror();
  void* h = ::dlopen(utf8_path, RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    const char* text = ::dlerror();
    return fail(ERROR_MOD_NOT_FOUND, text != nullptr ? text : "dlopen failed");
  }
  auto& st = modules();
  std::unique_lock<std::recursive_mutex> loader(st.loader);
  module_entry* e = nullptr;
  try {
    std::lock_guard<std::mutex> lock(st.mutex);
    e = &st.entries[h];  // element references stay valid until it is erased
    ++e->refs;
    if (e->state != dll_state::detached) return h;  // attached, or this thread's DllMain runs
    e->state = dll_state::attaching;
  } catch (const std::bad_alloc&) {
    loader.unlock();
    ::dlclose(h);
    return fail(ERROR_NOT_ENOUGH_MEMORY, "out of memory");
  }
  const dll_main_fn dll_main = find_dll_main(h);
  const bool ok = dll_main == nullptr ||
                  dll_main(static_cast<HINSTANCE>(h), dll_process_attach, nullptr) != FALSE;
  {
    std::lock_guard<std::mutex> lock(st.mutex);
    if (ok) {
      e->state = dll_state::attached;
      return h;
    }
    e->state = dll_state::detached;
    if (--e->refs == 0) {
      st.entries.erase(h);
      st.seen.erase(h);
    }
  }
  loader.unlock();
  ::dlclose(h);
  return fail(ERROR_DLL_INIT_FAILED, "DllMain(DLL_PROCESS_ATTACH) returned FALSE");
}

/// Gives back one load_module reference: the last one calls the module's
/// DllMain(DLL_PROCESS_DETACH) first. Every reference ends in one dlclose,
/// outside the loader lock. False (nothing done) for a handle that holds no
/// reference. Any thread, also from a DllMain or a module's destructor.
WPU_DECL bool free_module(void* h) noexcept {
  auto& st = modules();
  std::unique_lock<std::recursive_mutex> loader(st.loader);
  module_entry* e = nullptr;
  {
    std::lock_guard<std::mutex> lock(st.mutex);
    auto it = st.entries.find(h);
    if (it == st.entries.end() || it->second.refs == 0) return false;
    e = &it->second;
    if (--e->refs > 0 || e->state != dll_state::attached) {
      if (e->refs == 0 && e->state == dll_state::detached) {
        st.entries.erase(it);
        st.seen.erase(h);
      }
      e = nullptr;
    } else {
      e->state = dll_state::detaching;
    }
  }
  if (e != nullptr) {
    if (const dll_main_fn dll_main = find_dll_main(h))
      dll_main(static_cast<HINSTANCE>(h), dll_process_detach, nullptr);
    std::lock_guard<std::mutex> lock(st.mutex);
    e->state = dll_state::detached;
    if (e->refs == 0) {  // a DllMain(DLL_PROCESS_DETACH) that loaded it again keeps it
      st.entries.erase(h);
      st.seen.erase(h);
    }
  }
  loader.unlock();
  ::dlclose(h);  // outside the locks: it runs the module's destructors
  return true;
}

// LoadLibrary's loader: load_module with the thread's last error.
inline HMODULE load(const char* name) {
  DWORD error = 0;
  void* h = load_module(name, &error, nullptr);
  if (h == nullptr) set_error(error);
  return static_cast<HMODULE>(h);
}

inline HMODULE module_handle(const char* name) {
  auto& st = modules();
  if (name == nullptr) return static_cast<HMODULE>(st.main_program);
  void* h = ::dlopen(name, RTLD_NOW | RTLD_NOLOAD);
  if (h == nullptr) {
    set_error(ERROR_MOD_NOT_FOUND);
    return nullptr;
  }
  ::dlclose(h);  // RTLD_NOLOAD took a reference; the module stays loaded by its owner
  std::lock_guard<std::mutex> lock(st.mutex);
  if (st.entries.count(h) == 0) st.seen.insert(h);
  return static_cast<HMODULE>(h);
}

}  // namespace k32
WPU_NAMESPACE_END

extern "C" {

// ---- Modules --------------------------------------------------------------------------

WPU_DECL HMODULE wpu_load_library_a(LPCSTR file_name) {
  if (file_name == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  try {
    return wpu::k32::load(file_name);
  } catch (const std::bad_alloc&) {
    wpu::k32::set_error(ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
}

WPU_DECL HMODULE wpu_load_library_w(LPCWSTR file_name) {
  if (file_name == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  try {
    return wpu::k32::load(wpu::k32::narrow(file_name).c_str());
  } catch (const std::bad_alloc&) {
    wpu::k32::set_error(ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
}

WPU_DECL HMODULE wpu_load_library_ex_a(LPCSTR file_name, HANDLE file, DWORD flags) {
  if (file != nullptr || (flags & ~static_cast<DWORD>(LOAD_WITH_ALTERED_SEARCH_PATH |
                                                      LOAD_LIBRARY_SEARCH_DEFAULT_DIRS)) != 0) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  return wpu_load_library_a(file_name);
}

WPU_DECL HMODULE wpu_load_library_ex_w(LPCWSTR file_name, HANDLE file, DWORD flags) {
  if (file != nullptr || (flags & ~static_cast<DWORD>(LOAD_WITH_ALTERED_SEARCH_PATH |
                                                      LOAD_LIBRARY_SEARCH_DEFAULT_DIRS)) != 0) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  return wpu_load_library_w(file_name);
}

WPU_DECL FARPROC wpu_get_proc_address(HMODULE module, LPCSTR proc_name) {
  auto& st = wpu::k32::modules();
  void* h = module == nullptr ? st.main_program : static_cast<void*>(module);
  {
    std::lock_guard<std::mutex> lock(st.mutex);
    if (!wpu::k32::known_module(st, h)) {
      wpu::k32::set_error(ERROR_MOD_NOT_FOUND);
      return nullptr;
    }
  }
  if (reinterpret_cast<std::uintptr_t>(proc_name) < 0x10000) {  // NULL or an ordinal
    wpu::k32::set_error(ERROR_PROC_NOT_FOUND);
    return nullptr;
  }
  void* p = ::dlsym(h, proc_name);
  if (p == nullptr) {
    wpu::k32::set_error(ERROR_PROC_NOT_FOUND);
    return nullptr;
  }
  FARPROC f;
  static_assert(sizeof f == sizeof p, "function and object pointers differ in size");
  std::memcpy(&f, &p, sizeof f);
  return f;
}

WPU_DECL BOOL wpu_free_library(HMODULE module) {
  auto& st = wpu::k32::modules();
  void* h = static_cast<void*>(module);
  if (h != nullptr && h == st.main_program) return TRUE;
  if (!wpu::k32::free_module(h)) {
    wpu::k32::set_error(ERROR_MOD_NOT_FOUND);
    return FALSE;
  }
  return TRUE;
}

WPU_DECL HMODULE wpu_get_module_handle_a(LPCSTR module_name) {
  try {
    return wpu::k32::module_handle(module_name);
  } catch (const std::bad_alloc&) {
    wpu::k32::set_error(ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
}

WPU_DECL HMODULE wpu_get_module_handle_w(LPCWSTR module_name) {
  try {
    if (module_name == nullptr) return wpu::k32::module_handle(nullptr);
    return wpu::k32::module_handle(wpu::k32::narrow(module_name).c_str());
  } catch (const std::bad_alloc&) {
    wpu::k32::set_error(ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
}

}  // extern "C"

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_K32_MODULES_IPP
