// The provider host through the C API (host-semantics.md §10): test
// providers (tests/providers/) loaded from a catalog the tests write, on
// both backends. The process host is process-wide: every test case starts
// with WSAStartup and ends with the last WSACleanup (a `session`), and removes
// the catalog entries it added (a `entries` scope), so cases run in any order.
//
// Module paths come from meson through the environment (WPU_TEST_*; Windows
// paths under Wine are the Unix paths on drive Z:). WPU_HOST_QUIET keeps the
// host's failure messages off stderr.
#include "host/support.hpp"

#include "host/startup.hpp"
#include "host/selection.hpp"
#include "host/errors.hpp"
#include "host/routing.hpp"
#include "host/select.hpp"
#include "host/overlapped.hpp"
#include "host/several.hpp"
#include "host/layered.hpp"
#include "host/wsa_ansi.hpp"
#include "host/threads.hpp"
