// libFuzzer target: the catalog file parser (the one input wpu reads from
// outside the process). Checks the all-or-nothing rule, the invariants of
// every accepted entry (ids in file order, complete chains), and that the
// order, enumeration and removal rules hold on whatever was accepted.
#include <wpu/catalog.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace {

int chain_len_of(const wpu::catalog& cat, DWORD id) {
  WSAPROTOCOL_INFOW info;
  return cat.protocol_info(id, &info) == 0 ? info.ProtocolChain.ChainLen : -1;
}

bool named_by_a_chain(const std::vector<wpu::provider_entry>& entries, DWORD id) {
  for (const auto& e : entries) {
    const auto& c = e.info.ProtocolChain;
    for (int i = 0; c.ChainLen > BASE_PROTOCOL && i < c.ChainLen; ++i)
      if (c.ChainEntries[i] == id) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  wpu::catalog cat;
  int line = -1;
  int rc = cat.load_text(text, &line);
  if (rc != 0) {
    if (rc != WSAEINVAL || line < 1 || cat.size() != 0) std::abort();
    return 0;
  }
  const auto entries = cat.entries();
  DWORD expected_id = wpu::catalog::first_id;
  for (const auto& e : entries) {
    if (e.path.empty() || e.info.dwCatalogEntryId != expected_id++) std::abort();
    if (e.info.szProtocol[WSAPROTOCOL_LEN] != 0) std::abort();
    const auto& c = e.info.ProtocolChain;
    if (c.ChainLen < LAYERED_PROTOCOL || c.ChainLen > MAX_PROTOCOL_CHAIN) std::abort();
    for (int i = 0; c.ChainLen > BASE_PROTOCOL && i < c.ChainLen; ++i) {
      const int want = i == c.ChainLen - 1 ? BASE_PROTOCOL : LAYERED_PROTOCOL;
      if (chain_len_of(cat, c.ChainEntries[i]) != want) std::abort();
    }
    WCHAR buf[8];
    int len = 8;
    GUID g = e.info.ProviderId;
    int prc = cat.provider_path(g, buf, &len);
    if (prc != 0 && (prc != WSAEFAULT || len < 2)) std::abort();
  }

  // Enumeration: every entry for WSCEnumProtocols, in catalog order; the
  // exact byte count when the buffer is short.
  DWORD bytes = 0;
  int err = 0;
  if (cat.enum_protocols(nullptr, nullptr, &bytes, true, &err) != SOCKET_ERROR ||
      err != WSAENOBUFS || bytes != entries.size() * sizeof(WSAPROTOCOL_INFOW))
    std::abort();
  std::vector<WSAPROTOCOL_INFOW> all(entries.size() + 1);  // never NULL, even for none
  if (cat.enum_protocols(nullptr, all.data(), &bytes, true, &err) !=
      static_cast<int>(entries.size()))
    std::abort();

  // The reversed order is a permutation write_order accepts; one id short is not.
  std::vector<DWORD> reversed;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it)
    reversed.push_back(it->info.dwCatalogEntryId);
  const DWORD none = 0;
  if (cat.write_order(reversed.empty() ? &none : reversed.data(), reversed.size()) != 0)
    std::abort();
  if (!reversed.empty() && cat.write_order(reversed.data(), reversed.size() - 1) != WSAEINVAL)
    std::abort();
  const auto after = cat.entries();
  for (std::size_t i = 0; i < after.size(); ++i)
    if (after[i].info.dwCatalogEntryId != reversed[i]) std::abort();

  // remove() refuses exactly the entries a chain names.
  for (const auto& e : entries) {
    const DWORD id = e.info.dwCatalogEntryId;
    const bool named = named_by_a_chain(cat.entries(), id);
    const int r = cat.remove(id);
    if (named ? r != WSAEINVAL : r != 0) std::abort();
  }
  return 0;
}
