// A provider module for tests/modes/host.cpp: a shared object the host loads
// with dlopen(RTLD_LOCAL), built like a real provider (-fvisibility=hidden
// -fvisibility-inlines-hidden) in the same mode as the host. Everything it
// does goes through its own copy of wpu's code (its own wpu_get_upcall_table,
// its own wpu_* client functions), so the host sees the result only if the
// process has one catalog, one default backend and one object manager.
#include <wpu/wpu.hpp>
#include <wpu/winapi.h>

#define PROVIDER_API extern "C" __attribute__((visibility("default")))

// The C functions of <wpu/wpu.h> have default visibility in every module, so
// an unoptimised provider's calls to them may bind to another module's copy;
// the C++ interface is this module's own unless the executable exports its
// wpu symbols. provider_catalog_name uses it, so the provider surely uses its
// own copy of the catalog when the process has two.

/// The protocol name of catalog entry `id` (UTF-16, first 8 characters as
/// ASCII) into `name`, through wpu::process_catalog(); its error otherwise.
PROVIDER_API int provider_catalog_name(DWORD id, char* name) {
  WSAPROTOCOL_INFOW info{};
  if (int rc = wpu::process_catalog().protocol_info(id, &info); rc != 0) return rc;
  for (int i = 0; i < 8; ++i) name[i] = static_cast<char>(info.szProtocol[i]);
  name[8] = '\0';
  return 0;
}

/// Adds a catalog entry named "provider"; its id, or 0.
PROVIDER_API DWORD provider_catalog_add() {
  WSAPROTOCOL_INFOW info{};
  const char16_t name[] = u"provider";
  for (int i = 0; name[i] != 0; ++i) info.szProtocol[i] = name[i];
  DWORD id = 0;
  return wpu_catalog_add(&info, u"provider.so", &id) == 0 ? id : 0;
}

/// A socket handle for catalog entry `id` with context `context`, made
/// through the upcall table of this module's wpu_get_upcall_table.
PROVIDER_API SOCKET provider_create_socket(DWORD id, DWORD_PTR context, int* err) {
  WSPUPCALLTABLE table;
  if ((*err = wpu_get_upcall_table(&table)) != 0) return INVALID_SOCKET;
  return table.lpWPUCreateSocketHandle(id, context, err);
}

/// WPUQuerySocketHandleContext through this module's table: 0 or the error.
PROVIDER_API int provider_query_socket(SOCKET s, DWORD_PTR* context) {
  WSPUPCALLTABLE table;
  int err = wpu_get_upcall_table(&table);
  if (err != 0) return err;
  return table.lpWPUQuerySocketHandleContext(s, context, &err) == 0 ? 0 : err;
}

/// WSASetEvent: 0 or the last error.
PROVIDER_API int provider_set_event(WSAEVENT event) {
  return wpu_wsa_set_event(event) ? 0 : wpu_wsa_get_last_error();
}

/// WSASetLastError on the calling thread.
PROVIDER_API void provider_set_last_error(int error) {
  wpu_wsa_set_last_error(error);
}
