// wpu/catalog.hpp - the provider catalog.
//
// Each entry is one protocol of one provider: a WSAPROTOCOL_INFOW (with the
// provider GUID in ProviderId) plus the provider module path, kept in UTF-16
// and unexpanded, exactly as WSCGetProviderPath/WPUGetProviderPath return it.
// Catalog ids are given out from 1001 upwards, as Windows does, and are never
// reused within a process. The catalog ORDER (the order entries() and
// enum_protocols() return, and the order socket creation searches) is separate
// from the ids: new entries go at the end, write_order() rearranges them.
//
// Entries are of three kinds, by ProtocolChain.ChainLen, as on Windows:
// 0 (LAYERED_PROTOCOL) a layered provider's hidden entry, 1 (BASE_PROTOCOL) a
// base protocol, 2..7 a protocol chain whose ChainEntries[0..n-2] name
// layered entries and ChainEntries[n-1] a base entry. The catalog refuses
// anything else, and refuses to remove an entry that a chain names, so every
// chain in it is always complete. The file format read by load_file() (and
// from the file named by the WPU_CATALOG environment variable) is described
// in docs/catalog.md.
//
// Threads: every member may be called from any thread; readers share a lock,
// writers take it exclusively. No member calls out of the catalog while it
// holds its lock, so a provider may call any of them (through
// WSCEnumProtocols, WSCGetProviderPath, ...) from inside its WSPStartup while
// a host on the same thread is in the middle of loading it.
#ifndef WPU_CATALOG_HPP
#define WPU_CATALOG_HPP

#include <wpu/config.hpp>
#include <wpu/detail/ws2spi_decls.h>

#include <cstddef>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

WPU_NAMESPACE_BEGIN

using wstring = std::basic_string<WCHAR>;
using wstring_view = std::basic_string_view<WCHAR>;

struct provider_entry {
  WSAPROTOCOL_INFOW info;  // info.dwCatalogEntryId is the entry's catalog id
  wstring path;            // module path (UTF-16, WCHAR), not expanded
};

class WPU_API catalog {
 public:
  static constexpr DWORD first_id = 1001;

  catalog() = default;
  catalog(const catalog&) = delete;
  catalog& operator=(const catalog&) = delete;

  /// Adds a protocol entry at the end of the catalog order. The catalog id is
  /// assigned here (info's own dwCatalogEntryId is ignored) and returned in
  /// *id when id is not NULL. The entry is stored as given: nothing is copied
  /// from a chain's base (only load_text() does that). Returns 0; WSAEINVAL
  /// for an empty path or one with a NUL in it, a ChainLen outside 0..7, or a
  /// chain (ChainLen 2..7) whose ChainEntries[0..n-2] are not all existing
  /// layered (ChainLen 0) entries or whose ChainEntries[n-1] is not an
  /// existing base (ChainLen 1) entry; or WSA_NOT_ENOUGH_MEMORY. ChainEntries
  /// of layered and base entries are kept as given and never read.
  WPU_DECL int add(const WSAPROTOCOL_INFOW& info, wstring_view path, DWORD* id) noexcept;

  /// Removes an entry. Returns 0, or WSAEINVAL for an unknown id or for an
  /// entry that a chain entry (ChainLen 2..7) names in its ChainEntries:
  /// remove the chain entries first.
  WPU_DECL int remove(DWORD id) noexcept;

  /// WSCWriteProviderOrder: makes ids[0..count-1] the catalog order. The ids
  /// must be exactly a permutation of every current id (count == size(), each
  /// once); otherwise WSAEINVAL and nothing changes. WSAEFAULT for NULL ids.
  WPU_DECL int write_order(const DWORD* ids, std::size_t count) noexcept;

  /// WSCEnumProtocols (all = true: every entry, layered and PFL_HIDDEN ones
  /// included) or WSAEnumProtocolsW (all = false: neither ChainLen-0 nor
  /// PFL_HIDDEN entries), in catalog order. `protocols` NULL means every
  /// protocol; otherwise a 0-terminated list, and an entry is returned if some
  /// value v in it has iProtocol <= v <= iProtocol + iProtocolMaxOffset.
  /// Returns the number of entries copied to `buffer`, or SOCKET_ERROR with
  /// *err (when err is not NULL) = WSAEFAULT for a NULL length, or WSAENOBUFS
  /// with *length = the bytes needed when buffer is NULL or *length is less
  /// than that. *length is left alone on success.
  WPU_DECL int enum_protocols(const INT* protocols, WSAPROTOCOL_INFOW* buffer, DWORD* length,
                              bool all, int* err) const noexcept;

  /// True when `id` names an entry.
  WPU_DECL bool contains(DWORD id) const noexcept;

  /// Copies the entry's protocol info. Returns 0 or WSAEINVAL.
  WPU_DECL int protocol_info(DWORD id, WSAPROTOCOL_INFOW* out) const noexcept;

  /// WPUGetProviderPath's rule: WSAEINVAL for a GUID no entry has; WSAEFAULT,
  /// with *len set to the length needed including the NUL, when `path` is NULL
  /// or *len is smaller than that; otherwise copies the path with its NUL, sets
  /// *len to the length without it and returns 0.
  WPU_DECL int provider_path(const GUID& provider, WCHAR* path, int* len) const noexcept;

  /// Parses catalog text and adds all its entries, or none, at the end of the
  /// catalog order with ids in file order: returns 0, or WSAEINVAL with the
  /// 1-based line of the first error in *error_line. A chain entry's `chain`
  /// may name entries of the same file (forward references included) or
  /// existing catalog ids, and it copies from its base the selection fields
  /// the file leaves unset (docs/catalog.md, "Protocol chains").
  WPU_DECL int load_text(std::string_view text, int* error_line = nullptr) noexcept;

  /// load_text() on a file's contents; WSASYSNOTREADY if it cannot be read.
  WPU_DECL int load_file(const char* file, int* error_line = nullptr) noexcept;

  /// A copy of every entry, in catalog order.
  WPU_DECL std::vector<provider_entry> entries() const;

  WPU_DECL std::size_t size() const noexcept;

 private:
  const provider_entry* find_locked(DWORD id) const noexcept;
  // True when `info`'s ChainLen and ChainEntries are ones add() accepts,
  // against the entries now in the catalog.
  bool valid_chain_locked(const WSAPROTOCOL_INFOW& info) const noexcept;

  mutable std::shared_mutex mutex_;
  std::vector<provider_entry> entries_;  // in catalog order
  DWORD next_id_ = first_id;
};

/// The ProviderId of wpu's base provider, "wpu tcpip" (docs/tcpip.md).
constexpr const char* tcpip_provider_guid = "{6A3F2C10-8B4D-4E5F-9C21-7D0E1B2A3C4D}";

/// Adds the four base entries of "wpu tcpip" at the end of `c`'s order, as
/// Windows' MSAFD Tcpip entries: TCP/IP, UDP/IP, TCP/IPv6, UDP/IPv6 (address
/// families 2 and Winsock's 23), ChainLen 1, XP1_IFS_HANDLES,
/// PFL_MATCHES_PROTOCOL_ZERO, ProviderId tcpip_provider_guid, szProtocol
/// "wpu Tcpip [TCP/IP]" and so on. The path is $WPU_TCPIP_PROVIDER when set
/// and not empty, else the installed module (POSIX: the absolute
/// <prefix>/<libdir>/wpu/wpu-tcpip.so of the build; Windows: wpu-tcpip.dll).
/// *first_id (if not NULL) gets the first entry's id; the others follow it.
/// 0, or the error of catalog::add. Any thread.
WPU_API WPU_DECL int add_tcpip_entries(catalog& c, DWORD* first_id = nullptr) noexcept;

/// The process's catalog, used by the default backend. On first use it loads
/// the file named by WPU_CATALOG when that variable is set and not empty;
/// otherwise it holds add_tcpip_entries()' four entries (the default catalog).
WPU_API WPU_DECL catalog& process_catalog() noexcept;

/// 0, or the error from loading WPU_CATALOG (WSASYSNOTREADY: unreadable,
/// WSAEINVAL: malformed, nothing loaded).
WPU_API WPU_DECL int process_catalog_status() noexcept;

/// Parses a GUID in registry form, 8-4-4-4-12 hex digits such as
/// {E70F1AA0-AB8B-11CF-8CA3-00805F48A192}; the braces are optional.
WPU_API WPU_DECL bool parse_guid(std::string_view text, GUID* out) noexcept;

/// UTF-8 to UTF-16; false for malformed UTF-8 (overlong, surrogates, > U+10FFFF).
WPU_API WPU_DECL bool utf8_to_utf16(std::string_view in, wstring* out);

/// ExpandEnvironmentStringsW's rule: each %NAME% whose NAME is a set
/// environment variable becomes its value; %NAME% with an unknown (or empty)
/// NAME, and a % with no closing %, stay as they are, and scanning goes on
/// after the closing %. POSIX: getenv(NAME), case-sensitive, the value
/// decoded from UTF-8 (a variable whose value or name is not valid UTF-8/16
/// counts as unknown). Windows: the process environment (GetEnvironmentVariableW,
/// case-insensitive). Throws std::bad_alloc. Any thread (the environment must
/// not be changed concurrently, as getenv requires).
WPU_API WPU_DECL wstring expand_environment(wstring_view in);

inline bool same_guid(const GUID& a, const GUID& b) noexcept {
  if (a.Data1 != b.Data1 || a.Data2 != b.Data2 || a.Data3 != b.Data3) return false;
  for (int i = 0; i < 8; ++i)
    if (a.Data4[i] != b.Data4[i]) return false;
  return true;
}

WPU_NAMESPACE_END

#if defined(WPU_HEADER_ONLY)
#  include <wpu/impl/catalog.ipp>
#endif  // defined(WPU_HEADER_ONLY)

#endif  // WPU_CATALOG_HPP
