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
#include <unordered_map>

WPU_NAMESPACE_BEGIN

namespace detail {

// The catalog's chain rule (catalog.hpp, add()). `chain_len_of(id)` is the
// ChainLen of the entry with that id, or -1 when there is none.
template <class ChainLenOf>
bool valid_chain(const WSAPROTOCOL_INFOW& info, ChainLenOf chain_len_of) {
  const int n = info.ProtocolChain.ChainLen;
  if (n < LAYERED_PROTOCOL || n > MAX_PROTOCOL_CHAIN) return false;
  for (int i = 0; n > BASE_PROTOCOL && i < n; ++i) {
    const int wanted = i == n - 1 ? BASE_PROTOCOL : LAYERED_PROTOCOL;
    if (chain_len_of(info.ProtocolChain.ChainEntries[i]) != wanted) return false;
  }
  return true;
}

// True when `info` is a chain entry whose ChainEntries name `id`.
inline bool chain_names(const WSAPROTOCOL_INFOW& info, DWORD id) noexcept {
  const int n = info.ProtocolChain.ChainLen;
  if (n <= BASE_PROTOCOL || n > MAX_PROTOCOL_CHAIN) return false;
  for (int i = 0; i < n; ++i)
    if (info.ProtocolChain.ChainEntries[i] == id) return true;
  return false;
}

}  // namespace detail

WPU_DECL bool catalog::valid_chain_locked(const WSAPROTOCOL_INFOW& info) const noexcept {
  return detail::valid_chain(info, [this](DWORD id) {
    const provider_entry* e = find_locked(id);
    return e == nullptr ? -1 : e->info.ProtocolChain.ChainLen;
  });
}

WPU_DECL int catalog::add(const WSAPROTOCOL_INFOW& info, wstring_view path, DWORD* id) noexcept {
  if (path.empty() || path.find(WCHAR(0)) != wstring_view::npos) return WSAEINVAL;
  try {
    provider_entry e{info, wstring(path)};
    std::unique_lock<std::shared_mutex> lock(mutex_);
    if (!valid_chain_locked(info)) return WSAEINVAL;
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
  for (const auto& e : entries_)
    if (detail::chain_names(e.info, id)) return WSAEINVAL;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->info.dwCatalogEntryId == id) {
      entries_.erase(it);
      return 0;
    }
  }
  return WSAEINVAL;
}

WPU_DECL int catalog::write_order(const DWORD* ids, std::size_t count) noexcept {
  if (ids == nullptr) return WSAEFAULT;
  try {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    if (count != entries_.size()) return WSAEINVAL;
    // from[k]: the index in entries_ of the entry that goes to position k.
    std::vector<std::size_t> from(count);
    std::vector<bool> taken(count, false);
    for (std::size_t k = 0; k < count; ++k) {
      std::size_t j = 0;
      while (j < count && entries_[j].info.dwCatalogEntryId != ids[k]) ++j;
      if (j == count || taken[j]) return WSAEINVAL;
      taken[j] = true;
      from[k] = j;
    }
    std::vector<provider_entry> reordered;
    reordered.reserve(count);
    for (std::size_t k = 0; k < count; ++k) reordered.push_back(std::move(entries_[from[k]]));
    entries_.swap(reordered);
    return 0;
  } catch (...) {
    return WSA_NOT_ENOUGH_MEMORY;
  }
}

WPU_DECL int catalog::enum_protocols(const INT* protocols, WSAPROTOCOL_INFOW* buffer, DWORD* length,
                                     bool all, int* err) const noexcept {
  auto fail = [err](int code) {
    if (err != nullptr) *err = code;
    return static_cast<int>(SOCKET_ERROR);
  };
  if (length == nullptr) return fail(WSAEFAULT);
  auto wanted = [protocols, all](const WSAPROTOCOL_INFOW& info) {
    if (!all && (info.ProtocolChain.ChainLen == LAYERED_PROTOCOL ||
                 (info.dwProviderFlags & PFL_HIDDEN) != 0))
      return false;
    if (protocols == nullptr) return true;
    const std::int64_t low = info.iProtocol;
    const std::int64_t high = low + info.iProtocolMaxOffset;
    for (const INT* v = protocols; *v != 0; ++v)
      if (low <= *v && *v <= high) return true;
    return false;
  };
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::size_t count = 0;
  for (const auto& e : entries_)
    if (wanted(e.info)) ++count;
  const std::size_t needed = count * sizeof(WSAPROTOCOL_INFOW);
  if (buffer == nullptr || *length < needed) {
    *length = static_cast<DWORD>(needed);
    return fail(WSAENOBUFS);
  }
  for (const auto& e : entries_)
    if (wanted(e.info)) *buffer++ = e.info;
  return static_cast<int>(count);
}

WPU_DECL const provider_entry* catalog::find_locked(DWORD id) const noexcept {
  // Catalogs hold a handful of entries: a scan is faster than an index at
  // that size, and the catalog order is not the id order.
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

// UTF-16 to UTF-8; false for an unpaired surrogate.
inline bool utf16_to_utf8(wstring_view in, std::string* out) {
  out->clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    std::uint32_t cp = in[i];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < in.size() && in[i + 1] >= 0xDC00 &&
        in[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (in[++i] - 0xDC00u);
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      return false;
    }
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return true;
}

// The value of environment variable `name` into *value; false when it is
// not set (or, on POSIX, when its name or value is not valid UTF-16/UTF-8).
inline bool environment_value(wstring_view name, wstring* value) {
  if (name.empty() || name.find(WCHAR(0)) != wstring_view::npos) return false;
#if defined(_WIN32)
  // GetEnvironmentVariableW sets the last error; the caller's stays.
  const DWORD saved = ::GetLastError();
  wstring z(name);
  DWORD n = ::GetEnvironmentVariableW(z.c_str(), nullptr, 0);
  bool found = n != 0;
  while (found) {
    value->assign(n, WCHAR(0));
    DWORD got = ::GetEnvironmentVariableW(z.c_str(), &(*value)[0], n);
    if (got < n) {  // copied: got WCHARs without the NUL
      value->resize(got);
      break;
    }
    n = got;  // the variable grew in between: got is the new size
    found = n != 0;
  }
  ::SetLastError(saved);
  return found;
#else   // !defined(_WIN32)
  std::string utf8;
  if (!utf16_to_utf8(name, &utf8) || utf8.find('=') != std::string::npos) return false;
  const char* v = std::getenv(utf8.c_str());
  return v != nullptr && utf8_to_utf16(v, value);
#endif  // defined(_WIN32)
}

}  // namespace detail

WPU_DECL wstring expand_environment(wstring_view in) {
  wstring out;
  out.reserve(in.size());
  wstring value;
  std::size_t i = 0;
  while (i < in.size()) {
    std::size_t open = in.find(WCHAR('%'), i);
    if (open == wstring_view::npos) {
      out.append(in.substr(i));
      break;
    }
    out.append(in.substr(i, open - i));
    std::size_t close = in.find(WCHAR('%'), open + 1);
    if (close == wstring_view::npos) {  // a lone %: the rest as it is
      out.append(in.substr(open));
      break;
    }
    if (detail::environment_value(in.substr(open + 1, close - open - 1), &value))
      out.append(value);
    else
      out.append(in.substr(open, close - open + 1));
    i = close + 1;
  }
  return out;
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
  bool has_name = false;
  int first_line = 0;                   // the [provider] line
  int chain_len_line = 0;               // the last chain_len line, 0 if none
  int chain_line = 0;                   // the last chain line, 0 if none
  std::uint32_t given = 0;              // bit k: catalog_int_keys[k] was set
  std::vector<std::string_view> chain;  // its tokens, ids or names, resolved at the end
};

// Integer keys of the file format: the field each sets, whether it is a
// signed int (range INT32_MIN..INT32_MAX) or a DWORD (0..UINT32_MAX), and
// whether a chain entry that leaves it unset copies it from its base.
struct int_key {
  const char* name;
  bool is_signed;
  bool from_base;
  std::size_t offset;
};

#define WPU_CATALOG_DWORD(name, from_base, field) \
  { name, false, from_base, offsetof(WSAPROTOCOL_INFOW, field) }
#define WPU_CATALOG_INT(name, from_base, field) \
  { name, true, from_base, offsetof(WSAPROTOCOL_INFOW, field) }
inline constexpr int_key catalog_int_keys[] = {
    WPU_CATALOG_DWORD("service_flags1", true, dwServiceFlags1),
    WPU_CATALOG_DWORD("service_flags2", true, dwServiceFlags2),
    WPU_CATALOG_DWORD("service_flags3", true, dwServiceFlags3),
    WPU_CATALOG_DWORD("service_flags4", true, dwServiceFlags4),
    WPU_CATALOG_DWORD("provider_flags", false, dwProviderFlags),
    WPU_CATALOG_INT("chain_len", false, ProtocolChain.ChainLen),
    WPU_CATALOG_INT("version", true, iVersion),
    WPU_CATALOG_INT("address_family", true, iAddressFamily),
    WPU_CATALOG_INT("max_sockaddr", true, iMaxSockAddr),
    WPU_CATALOG_INT("min_sockaddr", true, iMinSockAddr),
    WPU_CATALOG_INT("socket_type", true, iSocketType),
    WPU_CATALOG_INT("protocol_number", true, iProtocol),
    WPU_CATALOG_INT("protocol_max_offset", true, iProtocolMaxOffset),
    WPU_CATALOG_INT("network_byte_order", true, iNetworkByteOrder),
    WPU_CATALOG_INT("security_scheme", true, iSecurityScheme),
    WPU_CATALOG_DWORD("message_size", true, dwMessageSize),
    WPU_CATALOG_DWORD("provider_reserved", false, dwProviderReserved),
};
#undef WPU_CATALOG_DWORD
#undef WPU_CATALOG_INT
static_assert(std::size(catalog_int_keys) <= 32, "parsed_entry::given has 32 bits");

// An entry name: a letter or '_', then letters, digits, '_', '-' or '.'. It
// never looks like a number, so a chain token is one or the other.
inline bool is_entry_name(std::string_view s) noexcept {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (s.empty() || !letter(s[0])) return false;
  for (char c : s)
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.') return false;
  return true;
}

// One "key = value" line into `e` (the `name` key is the caller's); false
// when the key is unknown or the value malformed.
inline bool apply_catalog_key(parsed_entry& e, std::string_view key, std::string_view value,
                              int line) {
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
  if (key == "chain") {  // 1 to 7 catalog ids or entry names separated by spaces
    e.chain.clear();
    while (!(value = trim(value)).empty()) {
      std::size_t end = value.find_first_of(" \t");
      std::string_view token = value.substr(0, end);
      std::int64_t v;
      if (e.chain.size() == MAX_PROTOCOL_CHAIN ||
          !(is_entry_name(token) || (parse_integer(token, &v) && v >= 0)))
        return false;
      e.chain.push_back(token);
      value = end == std::string_view::npos ? std::string_view() : value.substr(end);
    }
    e.chain_line = line;
    return !e.chain.empty();
  }
  for (std::size_t k = 0; k < std::size(catalog_int_keys); ++k) {
    const int_key& ik = catalog_int_keys[k];
    if (key != ik.name) continue;
    std::int64_t v;
    if (!parse_integer(value, &v)) return false;
    if (ik.is_signed ? (v < INT32_MIN || v > INT32_MAX) : v < 0) return false;
    auto* field = reinterpret_cast<unsigned char*>(&e.info) + ik.offset;
    if (ik.is_signed) {
      auto iv = static_cast<std::int32_t>(v);
      std::memcpy(field, &iv, sizeof iv);
    } else {
      auto dv = static_cast<std::uint32_t>(v);
      std::memcpy(field, &dv, sizeof dv);
    }
    e.given |= std::uint32_t{1} << k;
    if (key == "chain_len") e.chain_len_line = line;
    return true;
  }
  return false;
}

// A chain entry's copy of the fields it leaves unset from its base.
inline void copy_from_base(parsed_entry& e, const WSAPROTOCOL_INFOW& base) noexcept {
  for (std::size_t k = 0; k < std::size(catalog_int_keys); ++k) {
    const int_key& ik = catalog_int_keys[k];
    if (!ik.from_base || (e.given & (std::uint32_t{1} << k)) != 0) continue;
    std::memcpy(reinterpret_cast<unsigned char*>(&e.info) + ik.offset,
                reinterpret_cast<const unsigned char*>(&base) + ik.offset, sizeof(std::int32_t));
  }
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
    std::unordered_map<std::string_view, std::size_t> names;  // name -> index in parsed
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
      std::string_view key = detail::trim(line.substr(0, eq));
      std::string_view value = detail::trim(line.substr(eq + 1));
      if (key == "name") {  // at most one per entry, unique in the file
        if (parsed.back().has_name || !detail::is_entry_name(value) ||
            !names.emplace(value, parsed.size() - 1).second)
          return fail(line_no);
        parsed.back().has_name = true;
        continue;
      }
      if (!detail::apply_catalog_key(parsed.back(), key, value, line_no)) return fail(line_no);
    }
    if (!parsed.empty() && !complete(parsed.back())) return fail(parsed.back().first_line);

    // Ids, chains and copies from bases need the ids the file's entries will
    // get, so the rest runs under the lock; nothing changes until it passes.
    std::unique_lock<std::shared_mutex> lock(mutex_);
    const DWORD first = next_id_;
    auto info_of = [&](DWORD id) -> const WSAPROTOCOL_INFOW* {
      if (id - first < parsed.size()) return &parsed[id - first].info;
      const provider_entry* e = find_locked(id);
      return e == nullptr ? nullptr : &e->info;
    };
    for (auto& p : parsed) {
      auto& chain = p.info.ProtocolChain;
      const int n = chain.ChainLen;
      if (n < LAYERED_PROTOCOL || n > MAX_PROTOCOL_CHAIN) return fail(p.chain_len_line);
      for (std::size_t k = 0; k < p.chain.size(); ++k) {
        std::int64_t v;
        if (detail::parse_integer(p.chain[k], &v)) {
          chain.ChainEntries[k] = static_cast<DWORD>(v);
        } else if (auto it = names.find(p.chain[k]); it != names.end()) {
          chain.ChainEntries[k] = first + static_cast<DWORD>(it->second);
        } else {
          return fail(p.chain_line);
        }
      }
      if (n <= BASE_PROTOCOL) continue;  // ChainEntries kept as given, never read
      if (p.chain_line == 0) return fail(p.first_line);
      if (p.chain.size() != static_cast<std::size_t>(n)) return fail(p.chain_line);
      bool ok = detail::valid_chain(p.info, [&](DWORD id) {
        const WSAPROTOCOL_INFOW* i = info_of(id);
        return i == nullptr ? -1 : i->ProtocolChain.ChainLen;
      });
      if (!ok) return fail(p.chain_line);
      // The base of a valid chain has ChainLen 1 and copies nothing itself,
      // so it is final whether it comes before or after this entry.
      detail::copy_from_base(p, *info_of(chain.ChainEntries[n - 1]));
    }
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

// The installed "wpu tcpip" module, given by the build (lib/meson.build);
// header-only users outside wpu's Meson build get the bare file name, which
// the loader looks up on its search path.
#if !defined(WPU_TCPIP_DEFAULT_PATH)
#  if defined(_WIN32)
#    define WPU_TCPIP_DEFAULT_PATH "wpu-tcpip.dll"
#  else
#    define WPU_TCPIP_DEFAULT_PATH "wpu-tcpip.so"
#  endif
#endif

WPU_DECL int add_tcpip_entries(catalog& c, DWORD* first_id) noexcept {
  try {
    wstring path;
#if defined(_WIN32)
    if (const wchar_t* v = ::_wgetenv(L"WPU_TCPIP_PROVIDER"); v != nullptr && *v != L'\0')
      for (; *v != L'\0'; ++v) path.push_back(static_cast<WCHAR>(*v));
#else
    if (const char* v = std::getenv("WPU_TCPIP_PROVIDER"); v != nullptr && *v != '\0')
      if (!utf8_to_utf16(v, &path)) path.clear();
#endif
    if (path.empty() && !utf8_to_utf16(WPU_TCPIP_DEFAULT_PATH, &path)) return WSAEINVAL;
    struct row {
      int family, type, protocol, sockaddr_len;
      DWORD flags1, message_size;
      const char* name;
    };
    // As Windows' MSAFD Tcpip entries; on POSIX without multipoint (the
    // provider has no WSPJoinLeaf; the Windows DLL passes it to the system).
    // The message sizes are the largest UDP payloads Linux sends over IPv4
    // and IPv6.
    constexpr DWORD tcp_flags = XP1_GUARANTEED_DELIVERY | XP1_GUARANTEED_ORDER |
                                XP1_GRACEFUL_CLOSE | XP1_EXPEDITED_DATA | XP1_IFS_HANDLES;
#if defined(_WIN32)
    constexpr DWORD udp_flags = XP1_CONNECTIONLESS | XP1_MESSAGE_ORIENTED | XP1_SUPPORT_BROADCAST |
                                XP1_SUPPORT_MULTIPOINT | XP1_IFS_HANDLES;
#else
    constexpr DWORD udp_flags =
        XP1_CONNECTIONLESS | XP1_MESSAGE_ORIENTED | XP1_SUPPORT_BROADCAST | XP1_IFS_HANDLES;
#endif
    constexpr int af_inet6 = 23;  // Winsock's AF_INET6 on every platform
    const row rows[] = {
        {2, 1, 6, 16, tcp_flags, 0, "wpu Tcpip [TCP/IP]"},
        {2, 2, 17, 16, udp_flags, 65507, "wpu Tcpip [UDP/IP]"},
        {af_inet6, 1, 6, 28, tcp_flags, 0, "wpu Tcpip [TCP/IPv6]"},
        {af_inet6, 2, 17, 28, udp_flags, 65527, "wpu Tcpip [UDP/IPv6]"},
    };
    GUID id{};
    parse_guid(tcpip_provider_guid, &id);
    for (std::size_t i = 0; i < sizeof rows / sizeof rows[0]; ++i) {
      const row& r = rows[i];
      WSAPROTOCOL_INFOW info{};
      info.dwServiceFlags1 = r.flags1;
      info.dwProviderFlags = PFL_MATCHES_PROTOCOL_ZERO;
      info.ProviderId = id;
      info.ProtocolChain.ChainLen = BASE_PROTOCOL;
      info.iVersion = 2;
      info.iAddressFamily = r.family;
      info.iMaxSockAddr = r.sockaddr_len;
      info.iMinSockAddr = r.sockaddr_len;
      info.iSocketType = r.type;
      info.iProtocol = r.protocol;
      info.iNetworkByteOrder = 0;  // BIGENDIAN
      info.dwMessageSize = r.message_size;
      for (int k = 0; r.name[k] != '\0'; ++k) info.szProtocol[k] = static_cast<WCHAR>(r.name[k]);
      DWORD got = 0;
      if (int rc = c.add(info, path, &got); rc != 0) return rc;
      if (i == 0 && first_id != nullptr) *first_id = got;
    }
    return 0;
  } catch (...) {
    return WSA_NOT_ENOUGH_MEMORY;
  }
}

namespace detail {
struct process_catalog_state {
  catalog cat;
  int status = 0;
  // WPU_CATALOG names the whole catalog; without it the catalog holds the
  // base provider's four entries, as a Windows catalog holds MSAFD's.
  process_catalog_state() noexcept {
    if (const char* file = std::getenv("WPU_CATALOG"); file != nullptr && *file != '\0')
      status = cat.load_file(file);
    else
      status = add_tcpip_entries(cat, nullptr);
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
