/* B8's installation of the flagship LSP (examples/lsp.c): its hidden layered
   entry, then one chain [LSP, TCP/IPv4 base], as an installer calling
   WSCInstallProvider would. A C file of its own because examples/lsp.h
   brings Winsock's names, which the Asio side of b8_echo.cpp must not see. */
#include "../../examples/lsp.h"

#include <wpu/wpu.h>

#include <stdlib.h>
#include <wchar.h>

/* 0 and *chain the installed chain entry, or -1. */
int b8_install_lsp(const char* module, const WSAPROTOCOL_INFOW* base, WSAPROTOCOL_INFOW* chain) {
  static const GUID lsp_guid = WPU_LSP_GUID_INIT;
  WCHAR path[1024];
  WSAPROTOCOL_INFOW layer, c;
  DWORD layer_id = 0, chain_id = 0;
  size_t i;
  for (i = 0; module[i] != 0; ++i) {
    if (i + 1 == sizeof path / sizeof path[0] || (unsigned char)module[i] > 0x7f) return -1;
    path[i] = (WCHAR)module[i];
  }
  path[i] = 0;
  layer = *base;
  layer.ProviderId = lsp_guid;
  layer.ProtocolChain.ChainLen = LAYERED_PROTOCOL;
  layer.dwServiceFlags1 &= ~(DWORD)XP1_IFS_HANDLES;
  layer.dwProviderFlags = 0;
  if (wpu_catalog_add(&layer, path, &layer_id) != 0) return -1;
  c = *base;
  c.ProviderId = lsp_guid;
  c.dwServiceFlags1 &= ~(DWORD)XP1_IFS_HANDLES;
  c.ProtocolChain.ChainLen = 2;
  c.ProtocolChain.ChainEntries[0] = layer_id;
  c.ProtocolChain.ChainEntries[1] = base->dwCatalogEntryId;
  if (wpu_catalog_add(&c, path, &chain_id) != 0) return -1;
  return wpu_catalog_get(chain_id, chain) == 0 ? 0 : -1;
}
