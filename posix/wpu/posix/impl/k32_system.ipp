// wpu/posix/impl/k32_system.ipp - Sleep, the clocks (GetTickCount(64),
// QueryPerformanceCounter/Frequency), GetCurrentProcessId and GetSystemInfo
// of the thin kernel32 subset on POSIX. docs/kernel32.md.
//
// Every function may be called from any thread; none keeps state.
#ifndef WPU_POSIX_IMPL_K32_SYSTEM_IPP
#define WPU_POSIX_IMPL_K32_SYSTEM_IPP

#include <wpu/posix/k32.hpp>
#include <wpu/posix/platform.hpp>

#if defined(WPU_POSIX)

#  include <cerrno>
#  include <cstdint>
#  include <cstring>
#  include <sched.h>
#  include <time.h>
#  include <unistd.h>
#  if defined(__x86_64__) || defined(__i386__)
#    include <cpuid.h>
#  endif

extern "C" {

// ---- Time, process, system -------------------------------------------------------------

WPU_DECL void wpu_sleep(DWORD milliseconds) {
  if (milliseconds == 0) {
    ::sched_yield();
    return;
  }
  if (milliseconds == INFINITE) {
    for (;;) ::pause();
  }
  struct timespec left;
  left.tv_sec = static_cast<time_t>(milliseconds / 1000);
  left.tv_nsec = static_cast<long>(milliseconds % 1000) * 1000000L;
  while (::nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

// Milliseconds since boot, suspended time included where the system counts
// it (the platform layer's uptime clock, docs/platforms.md).
WPU_DECL ULONGLONG wpu_get_tick_count_64(void) {
  return static_cast<ULONGLONG>(wpu::posix::platform::uptime_ms());
}

WPU_DECL DWORD wpu_get_tick_count(void) {
  return static_cast<DWORD>(wpu_get_tick_count_64());
}

WPU_DECL BOOL wpu_query_performance_counter(LARGE_INTEGER* count) {
  if (count == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  // 100 ns units: the frequency below is fixed at 10 MHz.
  count->QuadPart = static_cast<LONGLONG>(wpu::posix::platform::monotonic_100ns());
  return TRUE;
}

WPU_DECL BOOL wpu_query_performance_frequency(LARGE_INTEGER* frequency) {
  if (frequency == nullptr) {
    wpu::k32::set_error(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  frequency->QuadPart = 10000000;
  return TRUE;
}

WPU_DECL DWORD wpu_get_current_process_id(void) {
  return static_cast<DWORD>(::getpid());
}

WPU_DECL void wpu_get_system_info(LPSYSTEM_INFO info) {
  if (info == nullptr) return;
  std::memset(info, 0, sizeof *info);
#  if defined(__x86_64__)
  info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_AMD64;
  info->dwProcessorType = PROCESSOR_AMD_X8664;
  const int va_bits = 47;
#  elif defined(__aarch64__)
  info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_ARM64;
  const int va_bits = 48;
#  elif defined(__i386__)
  info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_INTEL;
  info->dwProcessorType = PROCESSOR_INTEL_PENTIUM;
  const int va_bits = 31;
#  elif defined(__arm__)
  info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_ARM;
  const int va_bits = 31;
#  else
  info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_UNKNOWN;
  const int va_bits = sizeof(void*) == 8 ? 47 : 31;
#  endif
  const long page = ::sysconf(_SC_PAGESIZE);
  info->dwPageSize = page > 0 ? static_cast<DWORD>(page) : 4096u;
  // Windows' user address range: from 64 KiB to the top of the user half
  // less 64 KiB.
  info->lpMinimumApplicationAddress =
      reinterpret_cast<LPVOID>(static_cast<std::uintptr_t>(0x10000));
  info->lpMaximumApplicationAddress =
      reinterpret_cast<LPVOID>((static_cast<std::uintptr_t>(1) << va_bits) - 0x10000 - 1);
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  info->dwNumberOfProcessors = cpus > 0 ? static_cast<DWORD>(cpus) : 1u;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    for (unsigned i = 0; i < sizeof(DWORD_PTR) * 8 && i < CPU_SETSIZE; ++i)
      if (CPU_ISSET(i, &set)) info->dwActiveProcessorMask |= static_cast<DWORD_PTR>(1) << i;
  }
  info->dwAllocationGranularity = 65536;
#  if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0) {
    unsigned family = (eax >> 8) & 0xF, model = (eax >> 4) & 0xF;
    if (family == 0xF) family += (eax >> 20) & 0xFF;
    if (family == 6 || family >= 0xF) model |= ((eax >> 16) & 0xF) << 4;
    info->wProcessorLevel = static_cast<WORD>(family);
    info->wProcessorRevision = static_cast<WORD>((model << 8) | (eax & 0xF));
  }
#  endif
}

WPU_DECL void wpu_get_native_system_info(LPSYSTEM_INFO info) {
  wpu_get_system_info(info);
}

}  // extern "C"

#endif  // defined(WPU_POSIX)

#endif  // WPU_POSIX_IMPL_K32_SYSTEM_IPP
