// wpu/posix/impl/k32_module_names.ipp - GetModuleFileName and
// OutputDebugString of the thin kernel32 subset on POSIX. docs/kernel32.md,
// "Modules", "Debug output".
//
// A module's file name is the absolute path the dynamic loader has for it
// (the main program's: the running executable's), for the handles the
// registry of k32_modules.ipp knows. OutputDebugString writes whole lines, one
// at a time, to stderr or to the file WPU_DEBUG_OUTPUT names (opened for each
// line, so the variable may change while the process runs). Every function
// may be called from any thread; the debug output lock is one object per copy
// of wpu, created on first use and never destroyed, so threads still running
// at exit can use it.
#ifndef WPU_POSIX_IMPL_K32_MODULE_NAMES_IPP
#define WPU_POSIX_IMPL_K32_MODULE_NAMES_IPP

#include <wpu/posix/k32.hpp>

#if defined(WPU_POSIX)

#  include <wpu/posix/impl/k32_modules.ipp>
#  include <wpu/posix/impl/k32_text.ipp>

#  include <cerrno>
#  include <cstddef>
#  include <cstdlib>
#  include <cstring>
#  include <mutex>
#  include <new>
#  include <string>
#  include <dlfcn.h>
#  include <fcntl.h>
#  include <link.h>
#  include <unistd.h>

WPU_NAMESPACE_BEGIN
namespace k32 {

// ---- Module file names ---------------------------------------------------------

// The module's absolute path (UTF-8), or false for an unknown handle.
inline bool module_path(HMODULE module, std::string& path) {
  auto& st = modules();
  void* h = module == nullptr ? st.main_program : static_cast<void*>(module);
  std::string name;
  {
    std::lock_guard<std::mutex> lock(st.mutex);
    if (!known_module(st, h)) return false;
    struct link_map* lm = nullptr;
    if (h != st.main_program && ::dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm != nullptr &&
        lm->l_name != nullptr)
      name = lm->l_name;
  }
  if (name.empty()) {  // the main program
    std::string buf(256, '\0');
    for (;;) {
      ssize_t n = ::readlink("/proc/self/exe", &buf[0], buf.size());
      if (n < 0) return false;
      if (static_cast<std::size_t>(n) < buf.size()) {
        buf.resize(static_cast<std::size_t>(n));
        break;
      }
      buf.resize(buf.size() * 2);
    }
    path = buf;
    return true;
  }
  if (name[0] != '/') {
    if (char* real = ::realpath(name.c_str(), nullptr)) {
      name = real;
      std::free(real);
    }
  }
  path = name;
  return true;
}

template <class CH>
DWORD copy_module_name(const std::basic_string<CH>& path, CH* out, DWORD size) {
  if (size == 0) {
    set_error(ERROR_INSUFFICIENT_BUFFER);
    return 0;
  }
  if (path.size() + 1 > size) {
    std::memcpy(out, path.data(), (size - 1) * sizeof(CH));
    out[size - 1] = 0;
    set_error(ERROR_INSUFFICIENT_BUFFER);
    return size;
  }
  std::memcpy(out, path.data(), path.size() * sizeof(CH));
  out[path.size()] = 0;
  return static_cast<DWORD>(path.size());
}

// ---- Debug output -------------------------------------------------------------

// One OutputDebugString line at a time: one lock per copy of wpu, created on
// first use and never destroyed.
WPU_DECL std::mutex& debug_output_mutex() noexcept {
  static auto* mutex = new std::mutex();
  return *mutex;
}

inline void debug_line(std::string text) {
  if (text.empty() || text.back() != '\n') text.push_back('\n');
  std::lock_guard<std::mutex> lock(debug_output_mutex());
  const char* file = std::getenv("WPU_DEBUG_OUTPUT");
  int fd = 2;
  if (file != nullptr && file[0] != '\0') {
    fd = ::open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
  }
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (fd != 2) ::close(fd);
}

}  // namespace k32
WPU_NAMESPACE_END

extern "C" {

// ---- Module file names ----------------------------------------------------------------

WPU_DECL DWORD wpu_get_module_file_name_a(HMODULE module, LPSTR file_name, DWORD size) {
  if (file_name == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return 0;
  }
  try {
    std::string path;
    if (!wpu::k32::module_path(module, path)) {
      wpu::k32::set_error(ERROR_MOD_NOT_FOUND);
      return 0;
    }
    return wpu::k32::copy_module_name(path, file_name, size);
  } catch (const std::bad_alloc&) {
    wpu::k32::set_error(ERROR_NOT_ENOUGH_MEMORY);
    return 0;
  }
}

WPU_DECL DWORD wpu_get_module_file_name_w(HMODULE module, LPWSTR file_name, DWORD size) {
  if (file_name == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return 0;
  }
  try {
    std::string path;
    if (!wpu::k32::module_path(module, path)) {
      wpu::k32::set_error(ERROR_MOD_NOT_FOUND);
      return 0;
    }
    std::u16string wide;
    wpu::k32::utf8_to_utf16(reinterpret_cast<const unsigned char*>(path.data()), path.size(), false,
                            wide);
    return wpu::k32::copy_module_name(wide, file_name, size);
  } catch (const std::bad_alloc&) {
    wpu::k32::set_error(ERROR_NOT_ENOUGH_MEMORY);
    return 0;
  }
}

// ---- Debug output ---------------------------------------------------------------------

WPU_DECL void wpu_output_debug_string_a(LPCSTR text) {
  if (text == nullptr) return;
  try {
    wpu::k32::debug_line(text);
  } catch (const std::bad_alloc&) {
  }
}

WPU_DECL void wpu_output_debug_string_w(LPCWSTR text) {
  if (text == nullptr) return;
  try {
    wpu::k32::debug_line(wpu::k32::narrow(text));
  } catch (const std::bad_alloc&) {
  }
}

}  // extern "C"

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_K32_MODULE_NAMES_IPP
