// wpu/impl/kernel32.ipp - the functions of <wpu/kernel32.h> (POSIX): critical
// sections, heaps, TLS indexes, clocks, modules, debug output, UTF-8/UTF-16
// conversion, lstr* and the strsafe formatting workers. docs/kernel32.md.
//
// Process-wide state (heaps, TLS indexes, module references, the critical
// sections' wait buckets) is one object per copy of wpu, created on first use
// and never destroyed, so threads still running at exit can use it.
#ifndef WPU_IMPL_KERNEL32_IPP
#define WPU_IMPL_KERNEL32_IPP

#include <wpu/wpu.hpp>

#if defined(WPU_POSIX)

#  include <wpu/detail/kernel32_decls.h>
#  include <wpu/detail/strsafe_decls.h>

#  include <algorithm>
#  include <array>
#  include <atomic>
#  include <cerrno>
#  include <climits>
#  include <condition_variable>
#  include <cstdarg>
#  include <cstdint>
#  include <cstdio>
#  include <cstdlib>
#  include <cstring>
#  include <memory>
#  include <mutex>
#  include <new>
#  include <shared_mutex>
#  include <string>
#  include <thread>
#  include <type_traits>
#  include <unordered_map>
#  include <unordered_set>

#  include <dlfcn.h>
#  include <fcntl.h>
#  include <link.h>
#  include <malloc.h>
#  include <sched.h>
#  include <time.h>
#  include <unistd.h>
#  if defined(__x86_64__) || defined(__i386__)
#    include <cpuid.h>
#  endif

WPU_NAMESPACE_BEGIN
namespace k32 {

inline void set_error(DWORD error) noexcept {
  posix::last_error() = error;
}

// ---- UTF-8 <-> UTF-16 ------------------------------------------------------

// Decodes UTF-8 into UTF-16. Each maximal ill-formed subpart (Unicode's
// definition) becomes one U+FFFD, or, when `strict`, stops the decoding:
// returns false. NUL bytes are ordinary characters.
inline bool utf8_to_utf16(const unsigned char* s, std::size_t n, bool strict, std::u16string& out) {
  std::size_t i = 0;
  while (i < n) {
    const unsigned b0 = s[i];
    if (b0 < 0x80) {
      out.push_back(static_cast<char16_t>(b0));
      ++i;
      continue;
    }
    std::size_t need = 0;
    unsigned lo = 0x80, hi = 0xBF;
    char32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      need = 1;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      need = 2;
      cp = b0 & 0x0F;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;  // no UTF-16 surrogates in UTF-8
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      need = 3;
      cp = b0 & 0x07;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    }
    std::size_t j = 1;
    if (need != 0) {
      for (; j <= need; ++j) {
        if (i + j >= n) break;
        const unsigned b = s[i + j];
        const unsigned l = j == 1 ? lo : 0x80, h = j == 1 ? hi : 0xBF;
        if (b < l || b > h) break;
        cp = (cp << 6) | (b & 0x3F);
      }
    }
    if (need == 0 || j <= need) {  // ill-formed: b0 and the j-1 valid bytes after it
      if (strict) return false;
      out.push_back(u'\xFFFD');
      i += j;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += need + 1;
  }
  return true;
}

// Encodes UTF-16 as UTF-8; a lone surrogate becomes U+FFFD or, when
// `strict`, stops the encoding: returns false.
inline bool utf16_to_utf8(const char16_t* s, std::size_t n, bool strict, std::string& out) {
  for (std::size_t i = 0; i < n; ++i) {
    char32_t cp = s[i];
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      if (cp <= 0xDBFF && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (s[i + 1] - 0xDC00);
        ++i;
      } else {
        if (strict) return false;
        cp = 0xFFFD;
      }
    }
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return true;
}

inline std::size_t wlen(const WCHAR* s) noexcept {
  std::size_t n = 0;
  while (s[n] != 0) ++n;
  return n;
}

// A NUL-terminated UTF-16 string as UTF-8 (lone surrogates as U+FFFD).
inline std::string narrow(const WCHAR* s) {
  std::string out;
  utf16_to_utf8(s, wlen(s), false, out);
  return out;
}

// ---- Process-wide state ----------------------------------------------------

// Where threads waiting for a critical section sleep: a fixed set of
// mutex + condition variable pairs, chosen by the section's address.
struct wait_bucket {
  std::mutex mutex;
  std::condition_variable cv;
};

struct heap_object {
  std::mutex mutex;                               // guards blocks and total
  std::unordered_map<void*, std::size_t> blocks;  // live block -> size asked for
  std::size_t total = 0;
  std::size_t limit = 0;  // 0: growable
};

constexpr DWORD tls_slot_count = 1088;  // TLS_MINIMUM_AVAILABLE + 1024, as Windows

// One thread's TLS values; a value counts only while its generation is the
// slot's current one (TlsAlloc bumps it, so TlsFree + TlsAlloc reads NULL).
struct tls_values {
  void* value[tls_slot_count];
  std::uint32_t generation[tls_slot_count];
};

struct state {
  std::array<wait_bucket, 64> buckets;

  // Heaps: the registry's lock is held shared by every heap call for its
  // whole duration, exclusively by HeapDestroy.
  std::shared_mutex heaps_mutex;
  std::unordered_set<heap_object*> heaps;
  heap_object* process_heap = nullptr;

  std::mutex tls_mutex;  // guards tls_used
  bool tls_used[tls_slot_count] = {};
  std::atomic<std::uint32_t> tls_generation[tls_slot_count] = {};

  std::mutex modules_mutex;                         // guards module_refs and modules_seen
  std::unordered_map<void*, unsigned> module_refs;  // LoadLibrary references per handle
  std::unordered_set<void*> modules_seen;           // handles GetModuleHandle returned
  void* main_program = nullptr;

  std::mutex debug_mutex;  // one OutputDebugString line at a time
};

WPU_DECL state& get() noexcept {
  static state* s = [] {
    auto* st = new state();
    st->process_heap = new heap_object();
    st->heaps.insert(st->process_heap);
    st->main_program = ::dlopen(nullptr, RTLD_NOW);
    return st;
  }();
  return *s;
}

WPU_DECL std::unique_ptr<tls_values>& this_thread_tls() noexcept {
  thread_local std::unique_ptr<tls_values> values;
  return values;
}

// ---- Critical sections -------------------------------------------------------
// LockCount: -1 free, -2 owned, -3 owned and a thread may be waiting.
constexpr LONG cs_free = -1, cs_owned = -2, cs_contended = -3;

inline HANDLE this_thread_handle() noexcept {
  return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(wpu_get_current_thread_id()));
}

inline wait_bucket& bucket_of(const void* cs) noexcept {
  const auto a = reinterpret_cast<std::uintptr_t>(cs);
  return get().buckets[((a >> 4) ^ (a >> 10)) % 64];
}

inline bool owns(LPCRITICAL_SECTION cs, HANDLE self) noexcept {
  return __atomic_load_n(&cs->OwningThread, __ATOMIC_RELAXED) == self;
}

inline void became_owner(LPCRITICAL_SECTION cs, HANDLE self) noexcept {
  __atomic_store_n(&cs->OwningThread, self, __ATOMIC_RELAXED);
  __atomic_store_n(&cs->RecursionCount, 1, __ATOMIC_RELAXED);
}

inline bool try_lock(LPCRITICAL_SECTION cs) noexcept {
  LONG expected = cs_free;
  return __atomic_compare_exchange_n(&cs->LockCount, &expected, cs_owned, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED);
}

// ---- Heaps -----------------------------------------------------------------

inline heap_object* find_heap(HANDLE h) noexcept {
  auto& st = get();
  auto* p = static_cast<heap_object*>(h);
  return st.heaps.count(p) != 0 ? p : nullptr;
}

// ---- Modules -------------------------------------------------------------------

inline bool known_module(state& st, void* h) noexcept {
  return h == st.main_program || st.module_refs.count(h) != 0 || st.modules_seen.count(h) != 0;
}

// dlopen and dlclose run the module's constructors and destructors, which may
// call these functions again: the registry's lock is never held across them.
inline HMODULE load(const char* name) {
  void* h = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    set_error(ERROR_MOD_NOT_FOUND);
    return nullptr;
  }
  auto& st = get();
  try {
    std::lock_guard<std::mutex> lock(st.modules_mutex);
    ++st.module_refs[h];
  } catch (const std::bad_alloc&) {
    ::dlclose(h);
    throw;
  }
  return static_cast<HMODULE>(h);
}

inline HMODULE module_handle(const char* name) {
  auto& st = get();
  if (name == nullptr) return static_cast<HMODULE>(st.main_program);
  void* h = ::dlopen(name, RTLD_NOW | RTLD_NOLOAD);
  if (h == nullptr) {
    set_error(ERROR_MOD_NOT_FOUND);
    return nullptr;
  }
  ::dlclose(h);  // RTLD_NOLOAD took a reference; the module stays loaded by its owner
  std::lock_guard<std::mutex> lock(st.modules_mutex);
  if (st.module_refs.count(h) == 0) st.modules_seen.insert(h);
  return static_cast<HMODULE>(h);
}

// The module's absolute path (UTF-8), or false for an unknown handle.
inline bool module_path(HMODULE module, std::string& path) {
  auto& st = get();
  void* h = module == nullptr ? st.main_program : static_cast<void*>(module);
  std::string name;
  {
    std::lock_guard<std::mutex> lock(st.modules_mutex);
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

inline void debug_line(std::string text) {
  if (text.empty() || text.back() != '\n') text.push_back('\n');
  auto& st = get();
  std::lock_guard<std::mutex> lock(st.debug_mutex);
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

// ---- lstrcmp ------------------------------------------------------------------

inline char32_t fold(char32_t c) noexcept {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

// The primary weight: (class, folded character) with classes punctuation <
// digits < letters (ASCII) < everything else.
inline std::uint64_t primary(char32_t c) noexcept {
  const char32_t f = fold(c);
  unsigned cls;
  if (f >= 'a' && f <= 'z')
    cls = 2;
  else if (f >= '0' && f <= '9')
    cls = 1;
  else if (f < 0x80)
    cls = 0;
  else
    cls = 3;
  return (static_cast<std::uint64_t>(cls) << 32) | f;
}

template <class CH>
int compare(const CH* a, const CH* b, bool ignore_case) noexcept {
  if (a == nullptr || b == nullptr) return a == b ? 0 : a == nullptr ? -1 : 1;
  using U = std::conditional_t<sizeof(CH) == 1, unsigned char, char16_t>;
  std::size_t i = 0;
  for (;; ++i) {
    const char32_t ca = static_cast<U>(a[i]), cb = static_cast<U>(b[i]);
    if (ca == 0 || cb == 0) {
      if (ca != cb) return ca == 0 ? -1 : 1;
      break;
    }
    const std::uint64_t pa = primary(ca), pb = primary(cb);
    if (pa != pb) return pa < pb ? -1 : 1;
  }
  if (ignore_case) return 0;
  for (std::size_t j = 0; j < i; ++j) {  // same letters: lowercase before uppercase
    const char32_t ca = static_cast<U>(a[j]), cb = static_cast<U>(b[j]);
    if (ca != cb) return ca > cb ? -1 : 1;  // the uppercase letter has the lower code
  }
  return 0;
}

// ---- strsafe formatting --------------------------------------------------------
// Windows' printf conventions for both character types: see strsafe_decls.h.

template <class CH>
void append_ascii(std::basic_string<CH>& out, const char* s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(static_cast<CH>(static_cast<unsigned char>(s[i])));
}

template <class CH>
void append_padded(std::basic_string<CH>& out, const std::basic_string<CH>& body, int width,
                   bool left, bool zero) {
  const std::size_t w = width > 0 ? static_cast<std::size_t>(width) : 0;
  if (!left && body.size() < w) out.append(w - body.size(), static_cast<CH>(zero ? '0' : ' '));
  out += body;
  if (left && body.size() < w) out.append(w - body.size(), static_cast<CH>(' '));
}

// Formats `format` into `out`. False for %n or an unknown conversion.
template <class CH>
bool format(std::basic_string<CH>& out, const CH* fmt, va_list args) {
  const bool wide = sizeof(CH) == 2;
  for (const CH* p = fmt; *p != 0;) {
    if (*p != '%') {
      out.push_back(*p++);
      continue;
    }
    ++p;
    if (*p == '%') {
      out.push_back(*p++);
      continue;
    }
    std::string flags;
    bool left = false, zero = false;
    while (*p == '-' || *p == '+' || *p == ' ' || *p == '#' || *p == '0') {
      if (*p == '-') left = true;
      if (*p == '0') zero = true;
      flags.push_back(static_cast<char>(*p++));
    }
    int width = 0;
    if (*p == '*') {
      width = va_arg(args, int);
      if (width < 0) {
        left = true;
        flags.push_back('-');
        width = -width;
      }
      ++p;
    } else {
      while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
    }
    int precision = -1;
    if (*p == '.') {
      ++p;
      precision = 0;
      if (*p == '*') {
        precision = va_arg(args, int);
        ++p;
      } else {
        while (*p >= '0' && *p <= '9') precision = precision * 10 + (*p++ - '0');
      }
    }
    // Length: 0 int, 1 char, 2 short, 8 64-bit, 'p' pointer-sized; 'L' long double;
    // narrow/wide for strings and characters.
    int size = 0;
    bool long_double = false;
    int text = 0;  // 0: this type's default, 1: narrow, 2: wide
    for (bool more = true; more;) {
      switch (*p) {
        case 'h':
          ++p;
          if (*p == 'h') {
            ++p;
            size = 1;
          } else {
            size = 2;
          }
          text = 1;
          break;
        case 'l':
          ++p;
          if (*p == 'l') {
            ++p;
            size = 8;
          } else {
            size = 0;  // long is 32-bit, as on Windows
            text = 2;
          }
          break;
        case 'w':
          ++p;
          text = 2;
          break;
        case 'L':
          ++p;
          long_double = true;
          break;
        case 'I':
          ++p;
          if (p[0] == '6' && p[1] == '4') {
            p += 2;
            size = 8;
          } else if (p[0] == '3' && p[1] == '2') {
            p += 2;
            size = 0;
          } else {
            size = 'p';
          }
          break;
        case 'z':
        case 't':
        case 'j':
          ++p;
          size = 'p';
          break;
        default:
          more = false;
      }
    }
    const CH conv = *p;
    if (conv == 0) return false;
    ++p;
    std::string spec = "%" + flags;
    if (width > 0) spec += std::to_string(width);
    if (precision >= 0) spec += "." + std::to_string(precision);
    char buf[512];
    switch (conv) {
      case 'd':
      case 'i':
      case 'u':
      case 'o':
      case 'x':
      case 'X': {
        const bool is_signed = conv == 'd' || conv == 'i';
        long long sv = 0;
        unsigned long long uv = 0;
        if (size == 8 || size == 'p') {
          sv = va_arg(args, long long);
          uv = static_cast<unsigned long long>(sv);
        } else {
          const int v = va_arg(args, int);
          if (size == 1) {
            sv = static_cast<signed char>(v);
            uv = static_cast<unsigned char>(v);
          } else if (size == 2) {
            sv = static_cast<short>(v);
            uv = static_cast<unsigned short>(v);
          } else {
            sv = v;
            uv = static_cast<unsigned int>(v);
          }
        }
        spec += "ll";
        spec.push_back(static_cast<char>(conv));
        const int n = is_signed ? std::snprintf(buf, sizeof buf, spec.c_str(), sv)
                                : std::snprintf(buf, sizeof buf, spec.c_str(), uv);
        if (n < 0) return false;
        append_ascii(out, buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
      case 'a':
      case 'A': {
        int n;
        if (long_double) {
          spec += "L";
          spec.push_back(static_cast<char>(conv));
          n = std::snprintf(buf, sizeof buf, spec.c_str(), va_arg(args, long double));
        } else {
          spec.push_back(static_cast<char>(conv));
          n = std::snprintf(buf, sizeof buf, spec.c_str(), va_arg(args, double));
        }
        if (n < 0) return false;
        append_ascii(out, buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
        break;
      }
      case 'p': {
        const auto v = reinterpret_cast<std::uintptr_t>(va_arg(args, void*));
        const int n = std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(v));
        std::basic_string<CH> body;
        append_ascii(body, buf, static_cast<std::size_t>(n));
        append_padded(out, body, width, left, false);
        break;
      }
      case 'c':
      case 'C': {
        // c: this type's character; C: the other one; h/l/w override.
        bool narrow_arg = conv == 'c' ? !wide : wide;
        if (text != 0) narrow_arg = text == 1;
        const int v = va_arg(args, int);
        std::basic_string<CH> body;
        if (narrow_arg == !wide) {
          body.push_back(static_cast<CH>(wide ? (v & 0xFFFF) : (v & 0xFF)));
        } else if (wide) {  // a narrow character in a wide string
          body.push_back(static_cast<CH>(static_cast<unsigned char>(v)));
        } else {  // a WCHAR in a narrow string: UTF-8
          std::string s;
          const char16_t c = static_cast<char16_t>(v);
          utf16_to_utf8(&c, 1, false, s);
          for (char ch : s) body.push_back(static_cast<CH>(ch));
        }
        append_padded(out, body, width, left, zero && !left);
        break;
      }
      case 's':
      case 'S': {
        bool narrow_arg = conv == 's' ? !wide : wide;
        if (text != 0) narrow_arg = text == 1;
        std::basic_string<CH> body;
        if (narrow_arg) {
          const char* s = va_arg(args, const char*);
          if (s == nullptr) s = "(null)";
          std::size_t n = std::strlen(s);
          if (!wide && precision >= 0)
            n = std::min<std::size_t>(n, static_cast<std::size_t>(precision));
          if (wide) {
            std::u16string w;
            utf8_to_utf16(reinterpret_cast<const unsigned char*>(s), n, false, w);
            if (precision >= 0 && w.size() > static_cast<std::size_t>(precision))
              w.resize(static_cast<std::size_t>(precision));
            body.assign(w.begin(), w.end());
          } else {
            body.assign(s, s + n);
          }
        } else {
          const WCHAR* s = va_arg(args, const WCHAR*);
          static const WCHAR null_text[] = {'(', 'n', 'u', 'l', 'l', ')', 0};
          if (s == nullptr) s = null_text;
          std::size_t n = wlen(s);
          if (wide && precision >= 0)
            n = std::min<std::size_t>(n, static_cast<std::size_t>(precision));
          if (wide) {
            body.assign(s, s + n);
          } else {
            std::string u;
            utf16_to_utf8(s, n, false, u);
            if (precision >= 0 && u.size() > static_cast<std::size_t>(precision))
              u.resize(static_cast<std::size_t>(precision));
            body.assign(u.begin(), u.end());
          }
        }
        append_padded(out, body, width, left, zero && !left);
        break;
      }
      default:  // %n (disabled on Windows too) or an unknown conversion
        return false;
    }
  }
  return true;
}

template <class CH>
HRESULT vprintf_into(CH* dest, std::size_t cch, const CH* fmt, va_list args) {
  if (dest == nullptr || cch == 0 || cch > static_cast<std::size_t>(STRSAFE_MAX_CCH))
    return STRSAFE_E_INVALID_PARAMETER;
  dest[0] = 0;
  if (fmt == nullptr) return STRSAFE_E_INVALID_PARAMETER;
  std::basic_string<CH> out;
  try {
    if (!format(out, fmt, args)) return STRSAFE_E_INVALID_PARAMETER;
  } catch (const std::bad_alloc&) {
    return E_OUTOFMEMORY;
  }
  const std::size_t n = std::min(out.size(), cch - 1);
  std::memcpy(dest, out.data(), n * sizeof(CH));
  dest[n] = 0;
  return n == out.size() ? S_OK : STRSAFE_E_INSUFFICIENT_BUFFER;
}

}  // namespace k32
WPU_NAMESPACE_END

extern "C" {

// ---- Critical sections ---------------------------------------------------------

WPU_DECL void wpu_initialize_critical_section(LPCRITICAL_SECTION cs) {
  wpu_initialize_critical_section_ex(cs, 0, 0);
}

WPU_DECL BOOL wpu_initialize_critical_section_and_spin_count(LPCRITICAL_SECTION cs,
                                                             DWORD spin_count) {
  return wpu_initialize_critical_section_ex(cs, spin_count, 0);
}

WPU_DECL BOOL wpu_initialize_critical_section_ex(LPCRITICAL_SECTION cs, DWORD spin_count,
                                                 DWORD flags) {
  if (cs == nullptr || (flags & ~static_cast<DWORD>(CRITICAL_SECTION_NO_DEBUG_INFO)) != 0) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  cs->DebugInfo = nullptr;
  cs->LockCount = wpu::k32::cs_free;
  cs->RecursionCount = 0;
  cs->OwningThread = nullptr;
  cs->LockSemaphore = nullptr;
  cs->SpinCount = spin_count & 0x00FFFFFFu;  // the high byte holds flags on Windows
  return TRUE;
}

WPU_DECL void wpu_enter_critical_section(LPCRITICAL_SECTION cs) {
  using namespace wpu::k32;
  const HANDLE self = this_thread_handle();
  if (owns(cs, self)) {
    __atomic_store_n(&cs->RecursionCount, cs->RecursionCount + 1, __ATOMIC_RELAXED);
    return;
  }
  if (!try_lock(cs)) {
    const ULONG_PTR spins = __atomic_load_n(&cs->SpinCount, __ATOMIC_RELAXED);
    bool got = false;
    for (ULONG_PTR i = 0; i < spins && !got; ++i) {
      if (__atomic_load_n(&cs->LockCount, __ATOMIC_RELAXED) == cs_free) got = try_lock(cs);
    }
    if (!got) {
      // Sleep until the exchange finds the section free. The exchange marks it
      // contended, so the owner's Leave notifies the bucket; it does so under
      // the bucket's mutex, after which this thread either waits or sees free.
      wait_bucket& b = bucket_of(cs);
      std::unique_lock<std::mutex> lock(b.mutex);
      while (__atomic_exchange_n(&cs->LockCount, cs_contended, __ATOMIC_ACQUIRE) != cs_free)
        b.cv.wait(lock);
    }
  }
  became_owner(cs, self);
}

WPU_DECL BOOL wpu_try_enter_critical_section(LPCRITICAL_SECTION cs) {
  using namespace wpu::k32;
  const HANDLE self = this_thread_handle();
  if (owns(cs, self)) {
    __atomic_store_n(&cs->RecursionCount, cs->RecursionCount + 1, __ATOMIC_RELAXED);
    return TRUE;
  }
  if (!try_lock(cs)) return FALSE;
  became_owner(cs, self);
  return TRUE;
}

WPU_DECL void wpu_leave_critical_section(LPCRITICAL_SECTION cs) {
  using namespace wpu::k32;
  if (!owns(cs, this_thread_handle())) return;
  const LONG depth = cs->RecursionCount - 1;
  __atomic_store_n(&cs->RecursionCount, depth, __ATOMIC_RELAXED);
  if (depth > 0) return;
  __atomic_store_n(&cs->OwningThread, static_cast<HANDLE>(nullptr), __ATOMIC_RELAXED);
  if (__atomic_exchange_n(&cs->LockCount, cs_free, __ATOMIC_RELEASE) == cs_contended) {
    wait_bucket& b = bucket_of(cs);
    std::lock_guard<std::mutex> lock(b.mutex);
    b.cv.notify_all();  // the bucket is shared by other sections' waiters
  }
}

WPU_DECL void wpu_delete_critical_section(LPCRITICAL_SECTION cs) {
  if (cs == nullptr) return;
  cs->LockCount = wpu::k32::cs_free;
  cs->RecursionCount = 0;
  cs->OwningThread = nullptr;
  cs->LockSemaphore = nullptr;
}

WPU_DECL DWORD wpu_set_critical_section_spin_count(LPCRITICAL_SECTION cs, DWORD spin_count) {
  const ULONG_PTR old = __atomic_exchange_n(
      &cs->SpinCount, static_cast<ULONG_PTR>(spin_count & 0x00FFFFFFu), __ATOMIC_RELAXED);
  return static_cast<DWORD>(old);
}

// ---- Heaps ------------------------------------------------------------------------

WPU_DECL HANDLE wpu_heap_create(DWORD options, SIZE_T initial_size, SIZE_T maximum_size) {
  if ((options & HEAP_CREATE_ENABLE_EXECUTE) != 0) {
    wpu::k32::set_error(ERROR_NOT_SUPPORTED);
    return nullptr;
  }
  auto& st = wpu::k32::get();
  try {
    auto h = std::make_unique<wpu::k32::heap_object>();
    if (maximum_size != 0) h->limit = std::max(maximum_size, initial_size);
    std::unique_lock<std::shared_mutex> lock(st.heaps_mutex);
    st.heaps.insert(h.get());
    return h.release();
  } catch (const std::bad_alloc&) {
    wpu::k32::set_error(ERROR_NOT_ENOUGH_MEMORY);
    return nullptr;
  }
}

WPU_DECL BOOL wpu_heap_destroy(HANDLE heap) {
  auto& st = wpu::k32::get();
  std::unique_lock<std::shared_mutex> lock(st.heaps_mutex);
  auto* h = wpu::k32::find_heap(heap);
  if (h == nullptr || h == st.process_heap) {
    if (h == nullptr) wpu::k32::set_error(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  st.heaps.erase(h);
  lock.unlock();
  for (auto& b : h->blocks) std::free(b.first);
  delete h;
  return TRUE;
}

WPU_DECL LPVOID wpu_heap_alloc(HANDLE heap, DWORD flags, SIZE_T bytes) {
  auto& st = wpu::k32::get();
  std::shared_lock<std::shared_mutex> registry(st.heaps_mutex);
  auto* h = wpu::k32::find_heap(heap);
  if (h == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(h->mutex);
  if (h->limit != 0 && (bytes > h->limit || h->total > h->limit - bytes)) return nullptr;
  void* p = (flags & HEAP_ZERO_MEMORY) != 0 ? std::calloc(1, bytes == 0 ? 1 : bytes)
                                            : std::malloc(bytes == 0 ? 1 : bytes);
  if (p == nullptr) return nullptr;
  try {
    h->blocks.emplace(p, bytes);
  } catch (const std::bad_alloc&) {
    std::free(p);
    return nullptr;
  }
  h->total += bytes;
  return p;
}

WPU_DECL LPVOID wpu_heap_re_alloc(HANDLE heap, DWORD flags, LPVOID mem, SIZE_T bytes) {
  auto& st = wpu::k32::get();
  std::shared_lock<std::shared_mutex> registry(st.heaps_mutex);
  auto* h = wpu::k32::find_heap(heap);
  if (h == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_HANDLE);
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(h->mutex);
  auto it = h->blocks.find(mem);
  if (it == h->blocks.end()) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  const std::size_t old = it->second;
  if (h->limit != 0 && bytes > old &&
      (bytes - old > h->limit || h->total > h->limit - (bytes - old)))
    return nullptr;
  void* p = mem;
  if ((flags & HEAP_REALLOC_IN_PLACE_ONLY) != 0) {
    if (bytes > old && ::malloc_usable_size(mem) < bytes) return nullptr;
  } else {
    p = std::realloc(mem, bytes == 0 ? 1 : bytes);
    if (p == nullptr) return nullptr;
    if (p != mem) {
      h->blocks.erase(it);
      try {
        it = h->blocks.emplace(p, old).first;
      } catch (const std::bad_alloc&) {  // cannot record it: give it back
        std::free(p);
        h->total -= old;
        return nullptr;
      }
    }
  }
  if ((flags & HEAP_ZERO_MEMORY) != 0 && bytes > old)
    std::memset(static_cast<char*>(p) + old, 0, bytes - old);
  it->second = bytes;
  h->total = h->total - old + bytes;
  return p;
}

WPU_DECL BOOL wpu_heap_free(HANDLE heap, DWORD, LPVOID mem) {
  auto& st = wpu::k32::get();
  std::shared_lock<std::shared_mutex> registry(st.heaps_mutex);
  auto* h = wpu::k32::find_heap(heap);
  if (h == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  if (mem == nullptr) return TRUE;
  std::lock_guard<std::mutex> lock(h->mutex);
  auto it = h->blocks.find(mem);
  if (it == h->blocks.end()) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  h->total -= it->second;
  h->blocks.erase(it);
  std::free(mem);
  return TRUE;
}

WPU_DECL SIZE_T wpu_heap_size(HANDLE heap, DWORD, LPCVOID mem) {
  auto& st = wpu::k32::get();
  std::shared_lock<std::shared_mutex> registry(st.heaps_mutex);
  auto* h = wpu::k32::find_heap(heap);
  if (h == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_HANDLE);
    return static_cast<SIZE_T>(-1);
  }
  std::lock_guard<std::mutex> lock(h->mutex);
  auto it = h->blocks.find(const_cast<void*>(mem));
  if (it == h->blocks.end()) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return static_cast<SIZE_T>(-1);
  }
  return it->second;
}

WPU_DECL HANDLE wpu_get_process_heap(void) {
  return wpu::k32::get().process_heap;
}

// ---- TLS ----------------------------------------------------------------------------

WPU_DECL DWORD wpu_tls_alloc(void) {
  auto& st = wpu::k32::get();
  std::lock_guard<std::mutex> lock(st.tls_mutex);
  for (DWORD i = 0; i < wpu::k32::tls_slot_count; ++i) {
    if (!st.tls_used[i]) {
      st.tls_used[i] = true;
      st.tls_generation[i].fetch_add(1, std::memory_order_acq_rel);  // every thread reads NULL
      return i;
    }
  }
  wpu::k32::set_error(ERROR_NO_MORE_ITEMS);
  return TLS_OUT_OF_INDEXES;
}

WPU_DECL LPVOID wpu_tls_get_value(DWORD index) {
  if (index >= wpu::k32::tls_slot_count) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  wpu::k32::set_error(ERROR_SUCCESS);
  const auto& values = wpu::k32::this_thread_tls();
  if (!values) return nullptr;
  const std::uint32_t gen = wpu::k32::get().tls_generation[index].load(std::memory_order_acquire);
  return values->generation[index] == gen ? values->value[index] : nullptr;
}

WPU_DECL BOOL wpu_tls_set_value(DWORD index, LPVOID value) {
  if (index >= wpu::k32::tls_slot_count) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  auto& values = wpu::k32::this_thread_tls();
  if (!values) {
    values.reset(new (std::nothrow) wpu::k32::tls_values());
    if (!values) {
      wpu::k32::set_error(ERROR_NOT_ENOUGH_MEMORY);
      return FALSE;
    }
  }
  values->value[index] = value;
  values->generation[index] = wpu::k32::get().tls_generation[index].load(std::memory_order_acquire);
  return TRUE;
}

WPU_DECL BOOL wpu_tls_free(DWORD index) {
  auto& st = wpu::k32::get();
  std::lock_guard<std::mutex> lock(st.tls_mutex);
  if (index >= wpu::k32::tls_slot_count || !st.tls_used[index]) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  st.tls_used[index] = false;
  st.tls_generation[index].fetch_add(1, std::memory_order_acq_rel);  // forget every thread's value
  return TRUE;
}

// ---- Time, process, system -------------------------------------------------------------

WPU_DECL void wpu_sleep(DWORD milliseconds) {
  if (milliseconds == 0) {
    ::sched_yield();
    return;
  }
  if (milliseconds == INFINITE) {
    for (;;) ::pause();
  }
  struct timespec left;
  left.tv_sec = static_cast<time_t>(milliseconds / 1000);
  left.tv_nsec = static_cast<long>(milliseconds % 1000) * 1000000L;
  while (::nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

WPU_DECL ULONGLONG wpu_get_tick_count_64(void) {
  struct timespec ts;
#  if defined(CLOCK_BOOTTIME)
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
#  else
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
#  endif
  return static_cast<ULONGLONG>(ts.tv_sec) * 1000u + static_cast<ULONGLONG>(ts.tv_nsec) / 1000000u;
}

WPU_DECL DWORD wpu_get_tick_count(void) {
  return static_cast<DWORD>(wpu_get_tick_count_64());
}

WPU_DECL BOOL wpu_query_performance_counter(LARGE_INTEGER* count) {
  if (count == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  count->QuadPart = static_cast<LONGLONG>(ts.tv_sec) * 10000000 + ts.tv_nsec / 100;
  return TRUE;
}

WPU_DECL BOOL wpu_query_performance_frequency(LARGE_INTEGER* frequency) {
  if (frequency == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  frequency->QuadPart = 10000000;
  return TRUE;
}

WPU_DECL DWORD wpu_get_current_process_id(void) {
  return static_cast<DWORD>(::getpid());
}

WPU_DECL void wpu_get_system_info(LPSYSTEM_INFO info) {
  if (info == nullptr) return;
  std::memset(info, 0, sizeof *info);
#  if defined(__x86_64__)
  info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_AMD64;
  info->dwProcessorType = PROCESSOR_AMD_X8664;
  const int va_bits = 47;
#  elif defined(__aarch64__)
  info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_ARM64;
  const int va_bits = 48;
#  elif defined(__i386__)
  info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_INTEL;
  info->dwProcessorType = PROCESSOR_INTEL_PENTIUM;
  const int va_bits = 31;
#  elif defined(__arm__)
  info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_ARM;
  const int va_bits = 31;
#  else
  info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_UNKNOWN;
  const int va_bits = sizeof(void*) == 8 ? 47 : 31;
#  endif
  const long page = ::sysconf(_SC_PAGESIZE);
  info->dwPageSize = page > 0 ? static_cast<DWORD>(page) : 4096u;
  // Windows' user address range: from 64 KiB to the top of the user half
  // less 64 KiB.
  info->lpMinimumApplicationAddress =
      reinterpret_cast<LPVOID>(static_cast<std::uintptr_t>(0x10000));
  info->lpMaximumApplicationAddress =
      reinterpret_cast<LPVOID>((static_cast<std::uintptr_t>(1) << va_bits) - 0x10000 - 1);
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  info->dwNumberOfProcessors = cpus > 0 ? static_cast<DWORD>(cpus) : 1u;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    for (unsigned i = 0; i < sizeof(DWORD_PTR) * 8 && i < CPU_SETSIZE; ++i)
      if (CPU_ISSET(i, &set)) info->dwActiveProcessorMask |= static_cast<DWORD_PTR>(1) << i;
  }
  info->dwAllocationGranularity = 65536;
#  if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0) {
    unsigned family = (eax >> 8) & 0xF, model = (eax >> 4) & 0xF;
    if (family == 0xF) family += (eax >> 20) & 0xFF;
    if (family == 6 || family >= 0xF) model |= ((eax >> 16) & 0xF) << 4;
    info->wProcessorLevel = static_cast<WORD>(family);
    info->wProcessorRevision = static_cast<WORD>((model << 8) | (eax & 0xF));
  }
#  endif
}

WPU_DECL void wpu_get_native_system_info(LPSYSTEM_INFO info) {
  wpu_get_system_info(info);
}

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
  auto& st = wpu::k32::get();
  void* h = module == nullptr ? st.main_program : static_cast<void*>(module);
  {
    std::lock_guard<std::mutex> lock(st.modules_mutex);
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
  auto& st = wpu::k32::get();
  void* h = static_cast<void*>(module);
  if (h != nullptr && h == st.main_program) return TRUE;
  {
    std::lock_guard<std::mutex> lock(st.modules_mutex);
    auto it = st.module_refs.find(h);
    if (it == st.module_refs.end()) {
      wpu::k32::set_error(ERROR_MOD_NOT_FOUND);
      return FALSE;
    }
    if (--it->second == 0) {
      st.module_refs.erase(it);
      st.modules_seen.erase(h);
    }
  }
  ::dlclose(h);  // outside the lock: it runs the module's destructors
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

// ---- Code pages ----------------------------------------------------------------------

WPU_DECL int wpu_multi_byte_to_wide_char(UINT code_page, DWORD flags, LPCCH multi_byte,
                                         int cb_multi_byte, LPWSTR wide_char, int cch_wide_char) {
  using wpu::k32::set_error;
  const bool acp = code_page == CP_ACP || code_page == CP_OEMCP || code_page == CP_THREAD_ACP;
  if (!acp && code_page != CP_UTF8) {
    set_error(ERROR_INVALID_PARAMETER);
    return 0;
  }
  if (multi_byte == nullptr || cb_multi_byte == 0 || cch_wide_char < 0 ||
      (cch_wide_char > 0 && wide_char == nullptr)) {
    set_error(ERROR_INVALID_PARAMETER);
    return 0;
  }
  const DWORD allowed =
      acp ? MB_PRECOMPOSED | MB_COMPOSITE | MB_USEGLYPHCHARS | MB_ERR_INVALID_CHARS
          : MB_ERR_INVALID_CHARS;
  if ((flags & ~allowed) != 0 ||
      (flags & (MB_PRECOMPOSED | MB_COMPOSITE)) == (MB_PRECOMPOSED | MB_COMPOSITE)) {
    set_error(ERROR_INVALID_FLAGS);
    return 0;
  }
  const std::size_t n =
      cb_multi_byte < 0 ? std::strlen(multi_byte) + 1 : static_cast<std::size_t>(cb_multi_byte);
  if (cch_wide_char > 0) {
    const auto in = reinterpret_cast<std::uintptr_t>(multi_byte);
    const auto out = reinterpret_cast<std::uintptr_t>(wide_char);
    if (in < out + static_cast<std::size_t>(cch_wide_char) * sizeof(WCHAR) && out < in + n) {
      set_error(ERROR_INVALID_PARAMETER);
      return 0;
    }
  }
  try {
    std::u16string w;
    if (!wpu::k32::utf8_to_utf16(reinterpret_cast<const unsigned char*>(multi_byte), n,
                                 (flags & MB_ERR_INVALID_CHARS) != 0, w)) {
      set_error(ERROR_NO_UNICODE_TRANSLATION);
      return 0;
    }
    if (w.size() > static_cast<std::size_t>(INT_MAX)) {
      set_error(ERROR_INVALID_PARAMETER);
      return 0;
    }
    if (cch_wide_char == 0) return static_cast<int>(w.size());
    const std::size_t fit = std::min(w.size(), static_cast<std::size_t>(cch_wide_char));
    std::memcpy(wide_char, w.data(), fit * sizeof(WCHAR));
    if (fit < w.size()) {
      set_error(ERROR_INSUFFICIENT_BUFFER);
      return 0;
    }
    return static_cast<int>(w.size());
  } catch (const std::bad_alloc&) {
    set_error(ERROR_NOT_ENOUGH_MEMORY);
    return 0;
  }
}

WPU_DECL int wpu_wide_char_to_multi_byte(UINT code_page, DWORD flags, LPCWCH wide_char,
                                         int cch_wide_char, LPSTR multi_byte, int cb_multi_byte,
                                         LPCCH default_char, LPBOOL used_default_char) {
  using wpu::k32::set_error;
  const bool acp = code_page == CP_ACP || code_page == CP_OEMCP || code_page == CP_THREAD_ACP;
  if (!acp && code_page != CP_UTF8) {
    set_error(ERROR_INVALID_PARAMETER);
    return 0;
  }
  if (wide_char == nullptr || cch_wide_char == 0 || cb_multi_byte < 0 ||
      (cb_multi_byte > 0 && multi_byte == nullptr) ||
      (!acp && (default_char != nullptr || used_default_char != nullptr))) {
    set_error(ERROR_INVALID_PARAMETER);
    return 0;
  }
  const DWORD allowed = acp ? WC_COMPOSITECHECK | WC_DISCARDNS | WC_SEPCHARS | WC_DEFAULTCHAR |
                                  WC_ERR_INVALID_CHARS | WC_NO_BEST_FIT_CHARS
                            : WC_ERR_INVALID_CHARS;
  if ((flags & ~allowed) != 0) {
    set_error(ERROR_INVALID_FLAGS);
    return 0;
  }
  const std::size_t n =
      cch_wide_char < 0 ? wpu::k32::wlen(wide_char) + 1 : static_cast<std::size_t>(cch_wide_char);
  if (cb_multi_byte > 0) {
    const auto in = reinterpret_cast<std::uintptr_t>(wide_char);
    const auto out = reinterpret_cast<std::uintptr_t>(multi_byte);
    if (in < out + static_cast<std::size_t>(cb_multi_byte) && out < in + n * sizeof(WCHAR)) {
      set_error(ERROR_INVALID_PARAMETER);
      return 0;
    }
  }
  if (used_default_char != nullptr) *used_default_char = FALSE;
  try {
    std::string s;
    if (!wpu::k32::utf16_to_utf8(wide_char, n, (flags & WC_ERR_INVALID_CHARS) != 0, s)) {
      set_error(ERROR_NO_UNICODE_TRANSLATION);
      return 0;
    }
    if (s.size() > static_cast<std::size_t>(INT_MAX)) {
      set_error(ERROR_INVALID_PARAMETER);
      return 0;
    }
    if (cb_multi_byte == 0) return static_cast<int>(s.size());
    const std::size_t fit = std::min(s.size(), static_cast<std::size_t>(cb_multi_byte));
    std::memcpy(multi_byte, s.data(), fit);
    if (fit < s.size()) {
      set_error(ERROR_INSUFFICIENT_BUFFER);
      return 0;
    }
    return static_cast<int>(s.size());
  } catch (const std::bad_alloc&) {
    set_error(ERROR_NOT_ENOUGH_MEMORY);
    return 0;
  }
}

// ---- lstr* --------------------------------------------------------------------------

WPU_DECL int wpu_lstrlen_a(LPCSTR s) {
  return s == nullptr ? 0 : static_cast<int>(std::strlen(s));
}

WPU_DECL int wpu_lstrlen_w(LPCWSTR s) {
  return s == nullptr ? 0 : static_cast<int>(wpu::k32::wlen(s));
}

WPU_DECL LPSTR wpu_lstrcpy_a(LPSTR dst, LPCSTR src) {
  if (dst == nullptr || src == nullptr) return nullptr;
  std::memmove(dst, src, std::strlen(src) + 1);
  return dst;
}

WPU_DECL LPWSTR wpu_lstrcpy_w(LPWSTR dst, LPCWSTR src) {
  if (dst == nullptr || src == nullptr) return nullptr;
  std::memmove(dst, src, (wpu::k32::wlen(src) + 1) * sizeof(WCHAR));
  return dst;
}

WPU_DECL LPSTR wpu_lstrcpyn_a(LPSTR dst, LPCSTR src, int n) {
  if (dst == nullptr || src == nullptr) return nullptr;
  int i = 0;
  for (; i + 1 < n && src[i] != 0; ++i) dst[i] = src[i];
  if (n > 0) dst[i] = 0;
  return dst;
}

WPU_DECL LPWSTR wpu_lstrcpyn_w(LPWSTR dst, LPCWSTR src, int n) {
  if (dst == nullptr || src == nullptr) return nullptr;
  int i = 0;
  for (; i + 1 < n && src[i] != 0; ++i) dst[i] = src[i];
  if (n > 0) dst[i] = 0;
  return dst;
}

WPU_DECL LPSTR wpu_lstrcat_a(LPSTR dst, LPCSTR src) {
  if (dst == nullptr || src == nullptr) return nullptr;
  std::memmove(dst + std::strlen(dst), src, std::strlen(src) + 1);
  return dst;
}

WPU_DECL LPWSTR wpu_lstrcat_w(LPWSTR dst, LPCWSTR src) {
  if (dst == nullptr || src == nullptr) return nullptr;
  std::memmove(dst + wpu::k32::wlen(dst), src, (wpu::k32::wlen(src) + 1) * sizeof(WCHAR));
  return dst;
}

WPU_DECL int wpu_lstrcmp_a(LPCSTR a, LPCSTR b) {
  return wpu::k32::compare(a, b, false);
}

WPU_DECL int wpu_lstrcmp_w(LPCWSTR a, LPCWSTR b) {
  return wpu::k32::compare(a, b, false);
}

WPU_DECL int wpu_lstrcmpi_a(LPCSTR a, LPCSTR b) {
  return wpu::k32::compare(a, b, true);
}

WPU_DECL int wpu_lstrcmpi_w(LPCWSTR a, LPCWSTR b) {
  return wpu::k32::compare(a, b, true);
}

// ---- strsafe formatting workers --------------------------------------------------

WPU_DECL HRESULT wpu_string_vprintf_a(LPSTR dest, size_t cch, LPCSTR format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  HRESULT hr = wpu::k32::vprintf_into(dest, cch, format, copy);
  va_end(copy);
  return hr;
}

WPU_DECL HRESULT wpu_string_vprintf_w(LPWSTR dest, size_t cch, LPCWSTR format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  HRESULT hr = wpu::k32::vprintf_into(dest, cch, format, copy);
  va_end(copy);
  return hr;
}

}  // extern "C"

#endif  // defined(WPU_POSIX)

#endif  // WPU_IMPL_KERNEL32_IPP
