/* tests/kernel32/thin_module.c - the module the kernel32-thin test loads with
   LoadLibrary: one exported function with a known result, and a constructor
   that calls GetModuleHandle and GetProcAddress while LoadLibrary is loading
   the module (they must not wait for the LoadLibrary in progress). */
#if defined(_WIN32)
#  include <windows.h>
#  define THIN_EXPORT __declspec(dllexport)
#  define THIN_MODULE_CALLS_KERNEL32 1
#else
#  define THIN_EXPORT __attribute__((visibility("default")))
#  if defined(THIN_MODULE_WITH_WPU)
#    include <wpu/winapi.h>
#    include <wpu/kernel32.h>
#    define THIN_MODULE_CALLS_KERNEL32 1
#  endif
#endif

THIN_EXPORT int thin_module_answer(void);
THIN_EXPORT int thin_module_answer(void) {
  return 42;
}

#if defined(THIN_MODULE_CALLS_KERNEL32)
static int constructor_result = 0;

__attribute__((constructor)) static void thin_module_loaded(void) {
  HMODULE main_program = GetModuleHandleA(NULL);
  constructor_result =
      main_program != NULL && GetProcAddress(main_program, "thin_module_no_such_symbol") == NULL
          ? 1
          : -1;
}

/* 1 when the constructor ran and both calls answered. */
THIN_EXPORT int thin_module_constructor_result(void);
THIN_EXPORT int thin_module_constructor_result(void) {
  return constructor_result;
}
#endif
