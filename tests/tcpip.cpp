// The base provider's conformance suite (wpu tcpip, docs/tcpip.md): the
// application API through wpu's host, with the default catalog (WPU_CATALOG
// unset) naming the provider built here (WPU_TCPIP_PROVIDER, set by meson).
// The same source runs natively against the POSIX provider and under Wine
// against the Win32 provider; expected results are Windows' documented
// behaviour, Wine standing in for Windows. Every test case starts Winsock
// and ends with WSACleanup, closes what it opened, and uses loopback only.
#include "tcpip/support.hpp"

#include "tcpip/catalog.hpp"
#include "tcpip/blocking.hpp"
#include "tcpip/nonblocking.hpp"
#include "tcpip/select.hpp"
#include "tcpip/event_select.hpp"
#include "tcpip/async_select.hpp"
#include "tcpip/overlapped.hpp"
#include "tcpip/cancel.hpp"
#include "tcpip/errors.hpp"
#include "tcpip/options.hpp"
#include "tcpip/extensions.hpp"
#include "tcpip/stress.hpp"
#include "tcpip/ansi.hpp"
