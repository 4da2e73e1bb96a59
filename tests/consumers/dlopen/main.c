/* main.c (tests/consumers/dlopen): a program that does not link wpu. It
 * loads the host shared object (argv[1], host.c) with dlopen, which brings
 * libwpu with it, and runs its consumer_host_run, which hosts the provider
 * module the WPU_CATALOG file names. Prints the result; exit status 0 when
 * the host reported no failure. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char** argv) {
  void* host;
  int (*run)(void);
  int failures;
  if (argc != 2) {
    fprintf(stderr, "usage: %s <host shared object>\n", argv[0]);
    return 2;
  }
  host = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (host == NULL) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  *(void**)&run = dlsym(host, "consumer_host_run");
  if (run == NULL) {
    printf("dlsym consumer_host_run: %s\n", dlerror());
    return 1;
  }
  failures = run();
  printf("%s\n", failures == 0 ? "ok: a provider hosted from a dlopen'd host" : "FAILED");
  return failures == 0 ? 0 : 1;
}
