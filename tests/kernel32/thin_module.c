/* tests/kernel32/thin_module.c - the module the kernel32-thin test loads with
   LoadLibrary: one exported function with a known result. */
#if defined(_WIN32)
#  define THIN_EXPORT __declspec(dllexport)
#else
#  define THIN_EXPORT __attribute__((visibility("default")))
#endif

THIN_EXPORT int thin_module_answer(void) {
  return 42;
}
