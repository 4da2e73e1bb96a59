/*
 * wpu/detail/kernel32_decls.h - the declarations of <wpu/kernel32.h> without
 * the macros that map Windows' names onto wpu's (POSIX). Include-guarded.
 *
 * Types with Windows' Win64 layout (CRITICAL_SECTION, SYSTEM_INFO,
 * LARGE_INTEGER, HMODULE, FARPROC, HRESULT), the wpu_* functions behind
 * kernel32's names, and the Interlocked* functions, which are static inline
 * here as they are compiler intrinsics on Windows. docs/kernel32.md describes
 * every function: its Windows semantics, the thread rules and the deviations.
 *
 * On Windows (_WIN32) this header declares nothing: the names are the
 * system's.
 */
#ifndef WPU_DETAIL_KERNEL32_DECLS_H
#define WPU_DETAIL_KERNEL32_DECLS_H

#include <wpu/detail/ws2spi_decls.h>
#include <wpu/detail/winapi_decls.h>

#if !defined(_WIN32)

#  include <stdarg.h>

#  ifdef __cplusplus
extern "C" {
#  endif

/* ---- HRESULT -----------------------------------------------------------
 * Shared with the other declaration headers of wpu: whichever is included
 * first defines it (WPU_HRESULT_DEFINED). */
#  ifndef WPU_HRESULT_DEFINED
#    define WPU_HRESULT_DEFINED
typedef int32_t HRESULT;
#    define S_OK ((HRESULT)0L)
#    define S_FALSE ((HRESULT)1L)
#    define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#    define FAILED(hr) (((HRESULT)(hr)) < 0)
#    define E_UNEXPECTED ((HRESULT)0x8000FFFFL)
#    define E_NOTIMPL ((HRESULT)0x80004001L)
#    define E_OUTOFMEMORY ((HRESULT)0x8007000EL)
#    define E_INVALIDARG ((HRESULT)0x80070057L)
#    define E_NOINTERFACE ((HRESULT)0x80004002L)
#    define E_POINTER ((HRESULT)0x80004003L)
#    define E_HANDLE ((HRESULT)0x80070006L)
#    define E_ABORT ((HRESULT)0x80004004L)
#    define E_FAIL ((HRESULT)0x80004005L)
#    define E_ACCESSDENIED ((HRESULT)0x80070005L)
#  endif /* WPU_HRESULT_DEFINED */

/* ---- More scalar types ---------------------------------------------------- */
typedef int16_t SHORT;
typedef uint16_t USHORT;
typedef uint8_t UCHAR;
typedef CHAR* LPCH;
typedef const CHAR* LPCCH;
typedef WCHAR* LPWCH;
typedef const WCHAR* LPCWCH;
typedef LONGLONG* PLONGLONG;
typedef ULONGLONG* PULONGLONG;
typedef SIZE_T* PSIZE_T;

/* ---- Error codes (winerror.h values) not in <wpu/detail/ws2spi_decls.h> -- */
#  define ERROR_FILE_NOT_FOUND 2L
#  define ERROR_NOT_SUPPORTED 50L
#  define ERROR_INSUFFICIENT_BUFFER 122L
#  define ERROR_MOD_NOT_FOUND 126L
#  define ERROR_PROC_NOT_FOUND 127L
#  define ERROR_INVALID_FLAGS 1004L
#  define ERROR_NO_UNICODE_TRANSLATION 1113L
#  define ERROR_DLL_INIT_FAILED 1114L

/* ---- Modules -------------------------------------------------------------- */
typedef HINSTANCE HMODULE;
typedef INT_PTR(WINAPI* FARPROC)(void);
typedef INT_PTR(WINAPI* NEARPROC)(void);
typedef INT_PTR(WINAPI* PROC)(void);

#  define DONT_RESOLVE_DLL_REFERENCES 0x00000001
#  define LOAD_LIBRARY_AS_DATAFILE 0x00000002
#  define LOAD_WITH_ALTERED_SEARCH_PATH 0x00000008
#  define LOAD_IGNORE_CODE_AUTHZ_LEVEL 0x00000010
#  define LOAD_LIBRARY_AS_IMAGE_RESOURCE 0x00000020
#  define LOAD_LIBRARY_AS_DATAFILE_EXCLUSIVE 0x00000040
#  define LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR 0x00000100
#  define LOAD_LIBRARY_SEARCH_APPLICATION_DIR 0x00000200
#  define LOAD_LIBRARY_SEARCH_USER_DIRS 0x00000400
#  define LOAD_LIBRARY_SEARCH_SYSTEM32 0x00000800
#  define LOAD_LIBRARY_SEARCH_DEFAULT_DIRS 0x00001000

/* LoadLibraryA/W: dlopen(path, RTLD_NOW | RTLD_LOCAL); W converts UTF-16 to
   UTF-8 first. The module handle is dlopen's handle; every successful call
   takes a reference that FreeLibrary drops. The name is passed to dlopen as
   is (no ".dll" is appended; a name without '/' is searched for as dlopen
   does). The module's exported DllMain, if any, gets DLL_PROCESS_ATTACH when
   its reference count (shared with wpu's provider host) goes 0 -> 1 and
   DLL_PROCESS_DETACH when FreeLibrary takes it 1 -> 0. NULL with
   ERROR_MOD_NOT_FOUND (dlopen failed: missing file, missing dependency,
   unresolved symbol), ERROR_DLL_INIT_FAILED (DllMain(DLL_PROCESS_ATTACH)
   returned FALSE; the module is unloaded again) or ERROR_INVALID_PARAMETER
   (NULL name). Any thread. */
WPU_C_API HMODULE wpu_load_library_a(LPCSTR file_name);
WPU_C_API HMODULE wpu_load_library_w(LPCWSTR file_name);
/* LoadLibraryExA/W: hFile must be NULL and dwFlags 0,
   LOAD_WITH_ALTERED_SEARCH_PATH or LOAD_LIBRARY_SEARCH_DEFAULT_DIRS (all
   three load as LoadLibrary does); anything else gives NULL with
   ERROR_INVALID_PARAMETER. */
WPU_C_API HMODULE wpu_load_library_ex_a(LPCSTR file_name, HANDLE file, DWORD flags);
WPU_C_API HMODULE wpu_load_library_ex_w(LPCWSTR file_name, HANDLE file, DWORD flags);
/* GetProcAddress: dlsym. An ordinal (a name below 0x10000) is not supported:
   NULL with ERROR_PROC_NOT_FOUND, as for a missing name. NULL with
   ERROR_MOD_NOT_FOUND for a handle that LoadLibrary/GetModuleHandle did not
   return (or that was freed). module NULL: the main program. */
WPU_C_API FARPROC wpu_get_proc_address(HMODULE module, LPCSTR proc_name);
/* FreeLibrary: drops one LoadLibrary reference (DllMain(DLL_PROCESS_DETACH)
   for the last one, then dlclose); TRUE. FALSE with
   ERROR_MOD_NOT_FOUND for a handle that holds no LoadLibrary reference. The
   main program's handle (GetModuleHandle(NULL)): TRUE, nothing happens. */
WPU_C_API BOOL wpu_free_library(HMODULE module);
/* GetModuleHandleA/W: NULL -> the main program; a name -> the module of that
   name if it is already loaded (dlopen RTLD_NOLOAD; no reference is kept),
   else NULL with ERROR_MOD_NOT_FOUND. */
WPU_C_API HMODULE wpu_get_module_handle_a(LPCSTR module_name);
WPU_C_API HMODULE wpu_get_module_handle_w(LPCWSTR module_name);
/* GetModuleFileNameA/W: the absolute path of the module (module NULL: the
   executable, /proc/self/exe). Returns its length in characters (A: UTF-8
   bytes, W: UTF-16 units) without the NUL. When it does not fit in `size`
   characters with its NUL: the first size-1 characters and a NUL, returns
   size, last error ERROR_INSUFFICIENT_BUFFER (size 0: returns 0, nothing
   written, ERROR_INSUFFICIENT_BUFFER). 0 with ERROR_MOD_NOT_FOUND for an
   unknown handle, ERROR_INVALID_PARAMETER for a NULL buffer. */
WPU_C_API DWORD wpu_get_module_file_name_a(HMODULE module, LPSTR file_name, DWORD size);
WPU_C_API DWORD wpu_get_module_file_name_w(HMODULE module, LPWSTR file_name, DWORD size);

/* ---- Critical sections -------------------------------------------------------
 * Windows' Win64 layout, 40 bytes. The lock lives in the structure itself
 * (no allocation, so initialization cannot fail): LockCount is the lock word
 * (-1 free, as on Windows; other values are wpu's own), OwningThread the
 * owner's thread id (GetCurrentThreadId) or NULL, RecursionCount the owner's
 * number of Enters not yet left, SpinCount the spin count. Waiting threads
 * sleep on one of a fixed set of process-wide condition variables, so the
 * section needs no destruction beyond DeleteCriticalSection's reset.
 * Recursive, as on Windows. Any thread. */
typedef struct _RTL_CRITICAL_SECTION_DEBUG* PRTL_CRITICAL_SECTION_DEBUG;
typedef struct _RTL_CRITICAL_SECTION {
  PRTL_CRITICAL_SECTION_DEBUG DebugInfo;
  LONG LockCount;
  LONG RecursionCount;
  HANDLE OwningThread;
  HANDLE LockSemaphore;
  ULONG_PTR SpinCount;
} RTL_CRITICAL_SECTION, *PRTL_CRITICAL_SECTION;
typedef RTL_CRITICAL_SECTION CRITICAL_SECTION, *PCRITICAL_SECTION, *LPCRITICAL_SECTION;

#  define CRITICAL_SECTION_NO_DEBUG_INFO 0x01000000

WPU_C_API void wpu_initialize_critical_section(LPCRITICAL_SECTION cs);
/* Always TRUE (as on Windows since Vista). */
WPU_C_API BOOL wpu_initialize_critical_section_and_spin_count(LPCRITICAL_SECTION cs,
                                                              DWORD spin_count);
/* flags: 0 or CRITICAL_SECTION_NO_DEBUG_INFO, else FALSE with
   ERROR_INVALID_PARAMETER. */
WPU_C_API BOOL wpu_initialize_critical_section_ex(LPCRITICAL_SECTION cs, DWORD spin_count,
                                                  DWORD flags);
/* Blocks until the calling thread owns the section; recursive. */
WPU_C_API void wpu_enter_critical_section(LPCRITICAL_SECTION cs);
/* TRUE when the calling thread now owns it (it was free, or it already owned
   it: RecursionCount goes up); FALSE at once when another thread owns it. */
WPU_C_API BOOL wpu_try_enter_critical_section(LPCRITICAL_SECTION cs);
/* Undoes one Enter of the owner; the last one frees the section and wakes a
   waiter. A call from a thread that does not own it does nothing (undefined
   on Windows). */
WPU_C_API void wpu_leave_critical_section(LPCRITICAL_SECTION cs);
/* Resets the structure; it must be free with no waiter (as on Windows). */
WPU_C_API void wpu_delete_critical_section(LPCRITICAL_SECTION cs);
/* Returns the previous spin count. */
WPU_C_API DWORD wpu_set_critical_section_spin_count(LPCRITICAL_SECTION cs, DWORD spin_count);

/* ---- Heaps ---------------------------------------------------------------- */
#  define HEAP_NO_SERIALIZE 0x00000001
#  define HEAP_GROWABLE 0x00000002
#  define HEAP_GENERATE_EXCEPTIONS 0x00000004
#  define HEAP_ZERO_MEMORY 0x00000008
#  define HEAP_REALLOC_IN_PLACE_ONLY 0x00000010
#  define HEAP_CREATE_ENABLE_EXECUTE 0x00040000

/* HeapCreate: a private heap (blocks from malloc, recorded in the heap so
   HeapDestroy frees them all and HeapFree/HeapSize/HeapReAlloc recognise
   foreign pointers). maximum_size 0: growable; else the total of the live
   blocks' sizes may not exceed max(maximum_size, initial_size). Options:
   HEAP_NO_SERIALIZE and HEAP_GENERATE_EXCEPTIONS are accepted (the heap
   always locks; failures never raise), HEAP_CREATE_ENABLE_EXECUTE gives NULL
   with ERROR_NOT_SUPPORTED. */
WPU_C_API HANDLE wpu_heap_create(DWORD options, SIZE_T initial_size, SIZE_T maximum_size);
/* HeapDestroy: frees every block of the heap; TRUE. FALSE with
   ERROR_INVALID_HANDLE for anything that is not a live private heap
   (GetProcessHeap()'s heap cannot be destroyed: FALSE). */
WPU_C_API BOOL wpu_heap_destroy(HANDLE heap);
/* HeapAlloc: 16-byte aligned; size 0 gives a unique block of size 0.
   HEAP_ZERO_MEMORY zeroes it. NULL when memory (or a fixed heap's maximum) is
   exhausted, or heap is not a live heap; HeapAlloc does not set the last
   error then (as on Windows). */
WPU_C_API LPVOID wpu_heap_alloc(HANDLE heap, DWORD flags, SIZE_T bytes);
/* HeapReAlloc: HEAP_ZERO_MEMORY zeroes the bytes beyond the old size;
   HEAP_REALLOC_IN_PLACE_ONLY returns the same pointer or NULL (the block is
   then unchanged). NULL, and the block unchanged, when memory is exhausted;
   NULL with ERROR_INVALID_PARAMETER when mem is not a live block of heap
   (ERROR_INVALID_HANDLE when heap is not a heap). */
WPU_C_API LPVOID wpu_heap_re_alloc(HANDLE heap, DWORD flags, LPVOID mem, SIZE_T bytes);
/* HeapFree: TRUE; mem NULL: TRUE, nothing done. FALSE with
   ERROR_INVALID_HANDLE (not a heap) or ERROR_INVALID_PARAMETER (not a live
   block of this heap). */
WPU_C_API BOOL wpu_heap_free(HANDLE heap, DWORD flags, LPVOID mem);
/* HeapSize: the size asked for; (SIZE_T)-1 with the same errors as
   HeapFree. */
WPU_C_API SIZE_T wpu_heap_size(HANDLE heap, DWORD flags, LPCVOID mem);
/* GetProcessHeap: the process heap (one per process, never destroyed). */
WPU_C_API HANDLE wpu_get_process_heap(void);

/* ---- Thread local storage ------------------------------------------------
 * 1088 indexes (TLS_MINIMUM_AVAILABLE 64 + 1024 expansion slots, as on
 * Windows). A thread's values are freed with the thread; TlsFree forgets the
 * index's value in every thread (a later TlsAlloc of the same index reads
 * NULL everywhere), as Windows does. Any thread. */
#  define TLS_OUT_OF_INDEXES ((DWORD)0xFFFFFFFF)
#  define TLS_MINIMUM_AVAILABLE 64
#  define ERROR_NO_MORE_ITEMS 259L
/* TlsAlloc: the lowest free index, or TLS_OUT_OF_INDEXES with
   ERROR_NO_MORE_ITEMS. Its value is NULL in every thread. */
WPU_C_API DWORD wpu_tls_alloc(void);
/* TlsGetValue: the calling thread's value, and the last error becomes
   ERROR_SUCCESS; NULL with ERROR_INVALID_PARAMETER for an index >= 1088. */
WPU_C_API LPVOID wpu_tls_get_value(DWORD index);
/* TlsSetValue: TRUE; FALSE with ERROR_INVALID_PARAMETER (index >= 1088) or
   ERROR_NOT_ENOUGH_MEMORY (the thread's first value needs a 13 KiB block). */
WPU_C_API BOOL wpu_tls_set_value(DWORD index, LPVOID value);
/* TlsFree: TRUE; FALSE with ERROR_INVALID_PARAMETER when the index is not
   allocated. */
WPU_C_API BOOL wpu_tls_free(DWORD index);

/* ---- Time, process, system --------------------------------------------------- */
typedef union _LARGE_INTEGER {
  WPU_EXTENSION struct {
    DWORD LowPart;
    LONG HighPart;
  };
  struct {
    DWORD LowPart;
    LONG HighPart;
  } u;
  LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;
typedef union _ULARGE_INTEGER {
  WPU_EXTENSION struct {
    DWORD LowPart;
    DWORD HighPart;
  };
  struct {
    DWORD LowPart;
    DWORD HighPart;
  } u;
  ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

/* Sleep: at least `milliseconds` (INFINITE: forever); 0 yields the processor
   (sched_yield). Not alertable: APCs wait (SleepEx is). */
WPU_C_API void wpu_sleep(DWORD milliseconds);
/* GetTickCount64: milliseconds since boot (CLOCK_BOOTTIME on Linux, so the
   time suspended counts, as on Windows; elsewhere CLOCK_MONOTONIC).
   GetTickCount: its low 32 bits (wraps after 49.7 days). */
WPU_C_API DWORD wpu_get_tick_count(void);
WPU_C_API ULONGLONG wpu_get_tick_count_64(void);
/* QueryPerformanceCounter: CLOCK_MONOTONIC in units of 100 ns;
   QueryPerformanceFrequency: 10000000 (10 MHz, as Windows 10 and later
   report). TRUE; FALSE with ERROR_INVALID_PARAMETER for NULL (Windows
   faults). */
WPU_C_API BOOL wpu_query_performance_counter(LARGE_INTEGER* count);
WPU_C_API BOOL wpu_query_performance_frequency(LARGE_INTEGER* frequency);
WPU_C_API DWORD wpu_get_current_process_id(void);

#  define PROCESSOR_ARCHITECTURE_INTEL 0
#  define PROCESSOR_ARCHITECTURE_ARM 5
#  define PROCESSOR_ARCHITECTURE_IA64 6
#  define PROCESSOR_ARCHITECTURE_AMD64 9
#  define PROCESSOR_ARCHITECTURE_ARM64 12
#  define PROCESSOR_ARCHITECTURE_UNKNOWN 0xFFFF
#  define PROCESSOR_INTEL_386 386
#  define PROCESSOR_INTEL_486 486
#  define PROCESSOR_INTEL_PENTIUM 586
#  define PROCESSOR_AMD_X8664 8664
#  define PROCESSOR_ARM 0

/* Win64 layout, 48 bytes. */
typedef struct _SYSTEM_INFO {
  WPU_EXTENSION union {
    DWORD dwOemId;
    WPU_EXTENSION struct {
      WORD wProcessorArchitecture;
      WORD wReserved;
    };
  };
  DWORD dwPageSize;
  LPVOID lpMinimumApplicationAddress;
  LPVOID lpMaximumApplicationAddress;
  DWORD_PTR dwActiveProcessorMask;
  DWORD dwNumberOfProcessors;
  DWORD dwProcessorType;
  DWORD dwAllocationGranularity;
  WORD wProcessorLevel;
  WORD wProcessorRevision;
} SYSTEM_INFO, *LPSYSTEM_INFO;

/* GetSystemInfo / GetNativeSystemInfo (the same here): docs/kernel32.md
   lists where each field comes from. */
WPU_C_API void wpu_get_system_info(LPSYSTEM_INFO info);
WPU_C_API void wpu_get_native_system_info(LPSYSTEM_INFO info);

/* ---- Debug output -------------------------------------------------------------
 * OutputDebugStringA/W: the text as one line (a '\n' is added unless it ends
 * with one) in a single write: appended to the file named by the environment
 * variable WPU_DEBUG_OUTPUT when it is set and non-empty, else to stderr. W
 * converts UTF-16 to UTF-8. NULL writes nothing. Any thread; lines of
 * concurrent calls do not interleave. */
WPU_C_API void wpu_output_debug_string_a(LPCSTR text);
WPU_C_API void wpu_output_debug_string_w(LPCWSTR text);

/* ---- Code page conversion ----------------------------------------------------- */
#  define CP_ACP 0
#  define CP_OEMCP 1
#  define CP_MACCP 2
#  define CP_THREAD_ACP 3
#  define CP_SYMBOL 42
#  define CP_UTF7 65000
#  define CP_UTF8 65001
#  define MB_PRECOMPOSED 0x00000001
#  define MB_COMPOSITE 0x00000002
#  define MB_USEGLYPHCHARS 0x00000004
#  define MB_ERR_INVALID_CHARS 0x00000008
#  define WC_COMPOSITECHECK 0x00000200
#  define WC_DISCARDNS 0x00000010
#  define WC_SEPCHARS 0x00000020
#  define WC_DEFAULTCHAR 0x00000040
#  define WC_ERR_INVALID_CHARS 0x00000080
#  define WC_NO_BEST_FIT_CHARS 0x00000400

/* MultiByteToWideChar for CP_UTF8, and CP_ACP / CP_OEMCP / CP_THREAD_ACP,
   which are UTF-8 on POSIX. Returns the UTF-16 units written (or, with
   cchWideChar 0, needed); cbMultiByte -1 converts up to and including the
   NUL. An invalid or truncated sequence becomes one U+FFFD per maximal
   ill-formed subpart, or with MB_ERR_INVALID_CHARS fails with
   ERROR_NO_UNICODE_TRANSLATION. 0 with ERROR_INSUFFICIENT_BUFFER (output too
   small; what fits was written), ERROR_INVALID_PARAMETER (another code page,
   NULL input, cbMultiByte 0 or cchWideChar < 0, input and output
   overlapping) or ERROR_INVALID_FLAGS (CP_UTF8: flags other than
   MB_ERR_INVALID_CHARS; the ACP: a flag other than MB_PRECOMPOSED,
   MB_COMPOSITE, MB_USEGLYPHCHARS, MB_ERR_INVALID_CHARS, or both of the first
   two; the ACP ignores MB_PRECOMPOSED/MB_COMPOSITE/MB_USEGLYPHCHARS). Any
   thread. */
WPU_C_API int wpu_multi_byte_to_wide_char(UINT code_page, DWORD flags, LPCCH multi_byte,
                                          int cb_multi_byte, LPWSTR wide_char, int cch_wide_char);
/* WideCharToMultiByte, the other way: a lone surrogate becomes U+FFFD
   (EF BF BD) or, with WC_ERR_INVALID_CHARS, fails with
   ERROR_NO_UNICODE_TRANSLATION. For UTF-8 default_char and used_default_char
   must be NULL (else ERROR_INVALID_PARAMETER) and flags 0 or
   WC_ERR_INVALID_CHARS (else ERROR_INVALID_FLAGS); for the ACP,
   used_default_char, if given, becomes FALSE. */
WPU_C_API int wpu_wide_char_to_multi_byte(UINT code_page, DWORD flags, LPCWCH wide_char,
                                          int cch_wide_char, LPSTR multi_byte, int cb_multi_byte,
                                          LPCCH default_char, LPBOOL used_default_char);

/* ---- lstr* ----------------------------------------------------------------
 * Windows' NULL handling: lstrlen(NULL) is 0, lstrcpy/lstrcat with a NULL
 * argument return NULL, lstrcmp orders NULL before everything. lstrcmp and
 * lstrcmpi return -1, 0 or 1 with Windows' word-sort classes for ASCII
 * (punctuation < digits < letters; letters compared case-insensitively first,
 * then lowercase before uppercase); other characters compare by code unit
 * (docs/kernel32.md: deviations). lstrcmpi folds ASCII, Latin-1, Greek and
 * Cyrillic letters. */
WPU_C_API int wpu_lstrlen_a(LPCSTR s);
WPU_C_API int wpu_lstrlen_w(LPCWSTR s);
WPU_C_API LPSTR wpu_lstrcpy_a(LPSTR dst, LPCSTR src);
WPU_C_API LPWSTR wpu_lstrcpy_w(LPWSTR dst, LPCWSTR src);
/* lstrcpyn: at most n-1 characters and a NUL (n 0: nothing written);
   returns dst. */
WPU_C_API LPSTR wpu_lstrcpyn_a(LPSTR dst, LPCSTR src, int n);
WPU_C_API LPWSTR wpu_lstrcpyn_w(LPWSTR dst, LPCWSTR src, int n);
WPU_C_API LPSTR wpu_lstrcat_a(LPSTR dst, LPCSTR src);
WPU_C_API LPWSTR wpu_lstrcat_w(LPWSTR dst, LPCWSTR src);
WPU_C_API int wpu_lstrcmp_a(LPCSTR a, LPCSTR b);
WPU_C_API int wpu_lstrcmp_w(LPCWSTR a, LPCWSTR b);
WPU_C_API int wpu_lstrcmpi_a(LPCSTR a, LPCSTR b);
WPU_C_API int wpu_lstrcmpi_w(LPCWSTR a, LPCWSTR b);

/* ---- Interlocked ------------------------------------------------------------
 * Sequentially consistent read-modify-write operations (full barriers, as on
 * Windows) on naturally aligned volatile variables. Increment/Decrement
 * return the new value; Exchange, ExchangeAdd, And, Or, Xor return the old
 * one; CompareExchange stores `exchange` if the value equals `comparand` and
 * returns the old value. Any thread. */
static inline LONG wpu_interlocked_increment(LONG volatile* addend) {
  return __atomic_add_fetch(addend, 1, __ATOMIC_SEQ_CST);
}
static inline LONG wpu_interlocked_decrement(LONG volatile* addend) {
  return __atomic_sub_fetch(addend, 1, __ATOMIC_SEQ_CST);
}
static inline LONG wpu_interlocked_exchange(LONG volatile* target, LONG value) {
  return __atomic_exchange_n(target, value, __ATOMIC_SEQ_CST);
}
static inline LONG wpu_interlocked_exchange_add(LONG volatile* addend, LONG value) {
  return __atomic_fetch_add(addend, value, __ATOMIC_SEQ_CST);
}
static inline LONG wpu_interlocked_compare_exchange(LONG volatile* destination, LONG exchange,
                                                    LONG comparand) {
  __atomic_compare_exchange_n(destination, &comparand, exchange, 0, __ATOMIC_SEQ_CST,
                              __ATOMIC_SEQ_CST);
  return comparand; /* the old value: unchanged on success, loaded on failure */
}
static inline LONG wpu_interlocked_and(LONG volatile* destination, LONG value) {
  return __atomic_fetch_and(destination, value, __ATOMIC_SEQ_CST);
}
static inline LONG wpu_interlocked_or(LONG volatile* destination, LONG value) {
  return __atomic_fetch_or(destination, value, __ATOMIC_SEQ_CST);
}
static inline LONG wpu_interlocked_xor(LONG volatile* destination, LONG value) {
  return __atomic_fetch_xor(destination, value, __ATOMIC_SEQ_CST);
}
static inline LONGLONG wpu_interlocked_increment_64(LONGLONG volatile* addend) {
  return __atomic_add_fetch(addend, 1, __ATOMIC_SEQ_CST);
}
static inline LONGLONG wpu_interlocked_decrement_64(LONGLONG volatile* addend) {
  return __atomic_sub_fetch(addend, 1, __ATOMIC_SEQ_CST);
}
static inline LONGLONG wpu_interlocked_exchange_64(LONGLONG volatile* target, LONGLONG value) {
  return __atomic_exchange_n(target, value, __ATOMIC_SEQ_CST);
}
static inline LONGLONG wpu_interlocked_exchange_add_64(LONGLONG volatile* addend, LONGLONG value) {
  return __atomic_fetch_add(addend, value, __ATOMIC_SEQ_CST);
}
static inline LONGLONG wpu_interlocked_compare_exchange_64(LONGLONG volatile* destination,
                                                           LONGLONG exchange, LONGLONG comparand) {
  __atomic_compare_exchange_n(destination, &comparand, exchange, 0, __ATOMIC_SEQ_CST,
                              __ATOMIC_SEQ_CST);
  return comparand;
}
static inline LONGLONG wpu_interlocked_and_64(LONGLONG volatile* destination, LONGLONG value) {
  return __atomic_fetch_and(destination, value, __ATOMIC_SEQ_CST);
}
static inline LONGLONG wpu_interlocked_or_64(LONGLONG volatile* destination, LONGLONG value) {
  return __atomic_fetch_or(destination, value, __ATOMIC_SEQ_CST);
}
static inline LONGLONG wpu_interlocked_xor_64(LONGLONG volatile* destination, LONGLONG value) {
  return __atomic_fetch_xor(destination, value, __ATOMIC_SEQ_CST);
}
static inline PVOID wpu_interlocked_exchange_pointer(PVOID volatile* target, PVOID value) {
  return __atomic_exchange_n(target, value, __ATOMIC_SEQ_CST);
}
static inline PVOID wpu_interlocked_compare_exchange_pointer(PVOID volatile* destination,
                                                             PVOID exchange, PVOID comparand) {
  __atomic_compare_exchange_n(destination, &comparand, exchange, 0, __ATOMIC_SEQ_CST,
                              __ATOMIC_SEQ_CST);
  return comparand;
}
/* MemoryBarrier: a full (sequentially consistent) fence. */
static inline void wpu_memory_barrier(void) {
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

#  ifdef __cplusplus
}
#  endif

#endif /* !defined(_WIN32) */

#endif /* WPU_DETAIL_KERNEL32_DECLS_H */
