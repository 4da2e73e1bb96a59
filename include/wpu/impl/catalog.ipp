// wpu/impl/catalog.ipp - the provider catalog and its file format.
#ifndef WPU_IMPL_CATALOG_IPP
#define WPU_IMPL_CATALOG_IPP

#include <wpu/catalog.hpp>
#include <wpu/detail/process_objects.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <new>
#include <sstream>

WPU_NAMESPACE_BEGIN

WPU_DECL int catalog::add(const WSAPROTOCOL_INFOW& info, wstring_view path, DWORD* id) noexcept {
  if (path.empty() || path.find(WCHAR(0)) != wstring_view::npos) return WSAEINVAL;
  try {
    provider_entry e{info, wstring(path)};
    std::unique_lock<std::shared_mutex> lock(mutex_);
    e.info.dwCatalogEntryId = next_id_;
    entries_.push_back(std::move(e));
    if (id != nullptr) *id = next_id_;
    ++next_id_;
    return 0;
  } catch (...) {
    return WSA_NOT_ENOUGH_MEMORY;
  }
}

WPU_DECL int catalog::remove(DWORD id) noexcept {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->info.dwCatalogEntryId == id) {
      entries_.erase(it);
      return 0;
    }
  }
  return WSAEINVAL;
}

WPU_DECL const provider_entry* catalog::find_locked(DWORD id) const noexcept {
  // Ids are increasing in entries_, so a binary search would do; catalogs
  // hold a handful of entries and a scan is faster at that size.
  for (const auto& e : entries_)
    if (e.info.dwCatalogEntryId == id) return &e;
  return nullptr;
}

WPU_DECL bool catalog::contains(DWORD id) const noexcept {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return find_locked(id) != nullptr;
}

WPU_DECL int catalog::protocol_info(DWORD id, WSAPROTOCOL_INFOW* out) const noexcept {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  const provider_entry* e = find_locked(id);
  if (e == nullptr) return WSAEINVAL;
  if (out == nullptr) return WSAEFAULT;
  *out = e->info;
  return 0;
}

WPU_DECL int catalog::provider_path(const GUID& provider, WCHAR* path, int* len) const noexcept {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  for (const auto& e : entries_) {
    if (!same_guid(e.info.ProviderId, provider)) continue;
    auto needed = static_cast<int>(e.path.size() + 1);
    if (path == nullptr || *len < needed) {
      *len = needed;
      return WSAEFAULT;
    }
    std::memcpy(path, e.path.data(), e.path.size() * sizeof(WCHAR));
    path[e.path.size()] = 0;
    *len = needed - 1;
    return 0;
  }
  return WSAEINVAL;
}

WPU_DECL std::vector<provider_entry> catalog::entries() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return entries_;
}

WPU_DECL std::size_t catalog::size() const noexcept {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return entries_.size();
}

WPU_DECL bool utf8_to_utf16(std::string_view in, wstring* out) {
  out->clear();
  std::size_t i = 0;
  while (i < in.size()) {
    auto b0 = static_cast<unsigned char>(in[i]);
    std::uint32_t cp;
    std::size_t n;
    if (b0 < 0x80) {
      cp = b0, n = 1;
    } else if ((b0 & 0xE0) == 0xC0) {
      cp = b0 & 0x1Fu, n = 2;
    } else if ((b0 & 0xF0) == 0xE0) {
      cp = b0 & 0x0Fu, n = 3;
    } else if ((b0 & 0xF8) == 0xF0) {
      cp = b0 & 0x07u, n = 4;
    } else {
      return false;
    }
    if (in.size() - i < n) return false;
    for (std::size_t k = 1; k < n; ++k) {
      auto b = static_cast<unsigned char>(in[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    static constexpr std::uint32_t min_for_length[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out->push_back(static_cast<WCHAR>(0xD800 + (cp >> 10)));
      out->push_back(static_cast<WCHAR>(0xDC00 + (cp & 0x3FF)));
    } else {
      out->push_back(static_cast<WCHAR>(cp));
    }
    i += n;
  }
  return true;
}

namespace detail {

inline int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

inline bool parse_hex(std::string_view s, std::uint64_t* out) noexcept {
  if (s.empty() || s.size() > 16) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    int d = hex_digit(c);
    if (d < 0) return false;
    v = (v << 4) | static_cast<unsigned>(d);
  }
  *out = v;
  return true;
}

// Decimal, or hexadecimal with 0x; an optional leading '-'. The result must
// fit the field: [INT32_MIN, UINT32_MAX] is checked by the caller's range.
inline bool parse_integer(std::string_view s, std::int64_t* out) noexcept {
  bool negative = false;
  if (!s.empty() && s[0] == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  std::uint64_t v = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    if (!parse_hex(s.substr(2), &v) || v > 0xFFFFFFFFu) return false;
  } else {
    if (s.empty() || s.size() > 10) return false;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 0xFFFFFFFFu) return false;
  }
  *out = negative ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
  return true;
}

inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

struct parsed_entry {
  WSAPROTOCOL_INFOW info{};
  wstring path;
  bool has_guid = false;
  int first_line = 0;
};

// Integer keys of the file format: the field each sets and whether it is a
// signed int (range INT32_MIN..INT32_MAX) or a DWORD (0..UINT32_MAX).
struct int_key {
  const char* name;
  bool is_signed;
  std::size_t offset;
};

#define WPU_CATALOG_DWORD(name, field) \
  { name, false, offsetof(WSAPROTOCOL_INFOW, field) }
#define WPU_CATALOG_INT(name, field) \
  { name, true, offsetof(WSAPROTOCOL_INFOW, field) }
inline constexpr int_key catalog_int_keys[] = {
    WPU_CATALOG_DWORD("service_flags1", dwServiceFlags1),
    WPU_CATALOG_DWORD("service_flags2", dwServiceFlags2),
    WPU_CATALOG_DWORD("service_flags3", dwServiceFlags3),
    WPU_CATALOG_DWORD("service_flags4", dwServiceFlags4),
    WPU_CATALOG_DWORD("provider_flags", dwProviderFlags),
    WPU_CATALOG_INT("chain_len", ProtocolChain.ChainLen),
    WPU_CATALOG_INT("version", iVersion),
    WPU_CATALOG_INT("address_family", iAddressFamily),
    WPU_CATALOG_INT("max_sockaddr", iMaxSockAddr),
    WPU_CATALOG_INT("min_sockaddr", iMinSockAddr),
    WPU_CATALOG_INT("socket_type", iSocketType),
    WPU_CATALOG_INT("protocol_number", iProtocol),
    WPU_CATALOG_INT("protocol_max_offset", iProtocolMaxOffset),
    WPU_CATALOG_INT("network_byte_order", iNetworkByteOrder),
    WPU_CATALOG_INT("security_scheme", iSecurityScheme),
    WPU_CATALOG_DWORD("message_size", dwMessageSize),
    WPU_CATALOG_DWORD("provider_reserved", dwProviderReserved),
};
#undef WPU_CATALOG_DWORD
#undef WPU_CATALOG_INT

// One "key = value" line into `e`; false when the key is unknown or the
// value malformed.
inline bool apply_catalog_key(parsed_entry& e, std::string_view key, std::string_view value) {
  if (key == "guid") {
    if (e.has_guid || !parse_guid(value, &e.info.ProviderId)) return false;
    e.has_guid = true;
    return true;
  }
  if (key == "path") {
    return e.path.empty() && utf8_to_utf16(value, &e.path) && !e.path.empty() &&
           e.path.find(WCHAR(0)) == wstring::npos;
  }
  if (key == "protocol") {
    wstring name;
    if (!utf8_to_utf16(value, &name) || name.size() > WSAPROTOCOL_LEN ||
        name.find(WCHAR(0)) != wstring::npos)
      return false;
    std::memset(e.info.szProtocol, 0, sizeof e.info.szProtocol);
    std::memcpy(e.info.szProtocol, name.data(), name.size() * sizeof(WCHAR));
    return true;
  }
  if (key == "chain") {  // up to 7 catalog ids separated by spaces
    int n = 0;
    while (!(value = trim(value)).empty()) {
      std::size_t end = value.find_first_of(" \t");
      std::int64_t v;
      if (n == MAX_PROTOCOL_CHAIN || !parse_integer(value.substr(0, end), &v) || v < 0)
        return false;
      e.info.ProtocolChain.ChainEntries[n++] = static_cast<DWORD>(v);
      value = end == std::string_view::npos ? std::string_view() : value.substr(end);
    }
    return n > 0;
  }
  for (const auto& k : catalog_int_keys) {
    if (key != k.name) continue;
    std::int64_t v;
    if (!parse_integer(value, &v)) return false;
    if (k.is_signed ? (v < INT32_MIN || v > INT32_MAX) : v < 0) return false;
    auto* field = reinterpret_cast<unsigned char*>(&e.info) + k.offset;
    if (k.is_signed) {
      auto iv = static_cast<std::int32_t>(v);
      std::memcpy(field, &iv, sizeof iv);
    } else {
      auto dv = static_cast<std::uint32_t>(v);
      std::memcpy(field, &dv, sizeof dv);
    }
    return true;
  }
  return false;
}

}  // namespace detail

WPU_DECL bool parse_guid(std::string_view s, GUID* out) noexcept {
  if (s.size() == 38 && s.front() == '{' && s.back() == '}') s = s.substr(1, 36);
  if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
  std::uint64_t a, b, c, d, e;
  if (!detail::parse_hex(s.substr(0, 8), &a) || !detail::parse_hex(s.substr(9, 4), &b) ||
      !detail::parse_hex(s.substr(14, 4), &c) || !detail::parse_hex(s.substr(19, 4), &d) ||
      !detail::parse_hex(s.substr(24, 12), &e))
    return false;
  out->Data1 = static_cast<std::uint32_t>(a);
  out->Data2 = static_cast<std::uint16_t>(b);
  out->Data3 = static_cast<std::uint16_t>(c);
  out->Data4[0] = static_cast<std::uint8_t>(d >> 8);
  out->Data4[1] = static_cast<std::uint8_t>(d);
  for (int i = 0; i < 6; ++i) out->Data4[2 + i] = static_cast<std::uint8_t>(e >> (40 - 8 * i));
  return true;
}

WPU_DECL int catalog::load_text(std::string_view text, int* error_line) noexcept {
  try {
    std::vector<detail::parsed_entry> parsed;
    int line_no = 0;
    auto fail = [&](int line) {
      if (error_line != nullptr) *error_line = line;
      return static_cast<int>(WSAEINVAL);
    };
    auto complete = [](const detail::parsed_entry& e) { return e.has_guid && !e.path.empty(); };
    while (!text.empty()) {
      ++line_no;
      std::size_t nl = text.find('\n');
      std::string_view line = detail::trim(text.substr(0, nl));
      text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
      if (line.empty() || line[0] == '#' || line[0] == ';') continue;
      if (line == "[provider]") {
        if (!parsed.empty() && !complete(parsed.back())) return fail(parsed.back().first_line);
        parsed.emplace_back();
        parsed.back().info.ProtocolChain.ChainLen = BASE_PROTOCOL;
        parsed.back().first_line = line_no;
        continue;
      }
      std::size_t eq = line.find('=');
      if (parsed.empty() || eq == std::string_view::npos) return fail(line_no);
      if (!detail::apply_catalog_key(parsed.back(), detail::trim(line.substr(0, eq)),
                                     detail::trim(line.substr(eq + 1))))
        return fail(line_no);
    }
    if (!parsed.empty() && !complete(parsed.back())) return fail(parsed.back().first_line);
    std::unique_lock<std::shared_mutex> lock(mutex_);
    entries_.reserve(entries_.size() + parsed.size());
    for (auto& p : parsed) {
      p.info.dwCatalogEntryId = next_id_++;
      entries_.push_back(provider_entry{p.info, std::move(p.path)});
    }
    return 0;
  } catch (...) {
    return WSA_NOT_ENOUGH_MEMORY;
  }
}

WPU_DECL int catalog::load_file(const char* file, int* error_line) noexcept {
  if (file == nullptr) return WSAEFAULT;
  try {
    std::ifstream in(file, std::ios::binary);
    if (!in) return WSASYSNOTREADY;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return WSASYSNOTREADY;
    return load_text(text, error_line);
  } catch (...) {
    return WSA_NOT_ENOUGH_MEMORY;
  }
}

namespace detail {
struct process_catalog_state {
  catalog cat;
  int status = 0;
  process_catalog_state() noexcept {
    if (const char* file = std::getenv("WPU_CATALOG"); file != nullptr && *file != '\0')
      status = cat.load_file(file);
  }
};

// Never destroyed: providers may still call upcalls from static destructors.
inline process_catalog_state& process_catalog_instance() noexcept {
  static process_catalog_state* state =
      claim_process_object(process_object::catalog, new process_catalog_state());
  return *state;
}
}  // namespace detail

WPU_DECL catalog& process_catalog() noexcept {
  return detail::process_catalog_instance().cat;
}

WPU_DECL int process_catalog_status() noexcept {
  return detail::process_catalog_instance().status;
}

WPU_NAMESPACE_END

#endif  // WPU_IMPL_CATALOG_IPP
