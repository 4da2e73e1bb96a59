// Test runner: one doctest implementation per executable, with wpu's defaults.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

int main(int argc, char** argv) {
  doctest::Context context;
  context.setOption("no-colors", true);
  context.applyCommandLine(argc, argv);
  int rc = context.run();
  if (context.shouldExit()) return rc;
  return rc;
}
