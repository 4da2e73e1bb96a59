// libFuzzer target: the catalog file parser (the one input wpu reads from
// outside the process). Checks the all-or-nothing rule and the invariants of
// every accepted entry.
#include <wpu/catalog.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  wpu::catalog cat;
  int line = -1;
  int rc = cat.load_text(text, &line);
  if (rc != 0) {
    if (rc != WSAEINVAL || line < 1 || cat.size() != 0) std::abort();
    return 0;
  }
  DWORD expected_id = wpu::catalog::first_id;
  for (const auto& e : cat.entries()) {
    if (e.path.empty() || e.info.dwCatalogEntryId != expected_id++) std::abort();
    if (e.info.szProtocol[WSAPROTOCOL_LEN] != 0) std::abort();
    WCHAR buf[8];
    int len = 8;
    GUID g = e.info.ProviderId;
    int prc = cat.provider_path(g, buf, &len);
    if (prc != 0 && (prc != WSAEFAULT || len < 2)) std::abort();
  }
  return 0;
}
