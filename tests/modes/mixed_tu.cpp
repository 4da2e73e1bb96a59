// One translation unit of tests/modes/modes.py's link check, compiled in
// either mode (WPU_HEADER_ONLY or WPU_SEPARATE_COMPILATION) under the name
// MIXED_TU_NAME. It uses the process catalog, so a compiled-mode copy needs
// the library.
#include <wpu/catalog.hpp>

int MIXED_TU_NAME() {
  return wpu::process_catalog_status();
}
