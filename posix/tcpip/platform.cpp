// posix/tcpip/platform.cpp - the platform layer's code in the module, for
// wpu's compiled mode with a shared libwpu.
//
// The module uses the platform layer for its wake-up fds (pollable_open, _set,
// _clear, _close; waits.cpp, sockets.cpp). In header-only mode
// <wpu/posix/platform.hpp> brings that code inline. A shared libwpu keeps the
// layer to itself (it exports only wpu's API), so the module compiles its own
// copy here, hidden in the module like the rest of its code. That is safe
// because a pollable belongs to whoever opened it: those functions keep no
// state a copy would have to share. A static libwpu linked into the module
// brings the code itself; meson.build leaves this file out then.
#include <wpu/config.hpp>

#if defined(WPU_HEADER_ONLY)
#  error "posix/tcpip/platform.cpp is for wpu's compiled mode only (see meson.build)"
#endif

#include <wpu/posix/impl/platform.ipp>
