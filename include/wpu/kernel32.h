/*
 * wpu/kernel32.h - the part of kernel32 (and <strsafe.h>) that Windows
 * service providers use, with Windows' names (POSIX). On Windows this is the
 * system's <windows.h> + <strsafe.h>: the names below are the real ones.
 *
 * Critical sections, private heaps, Interlocked*, TLS indexes, Sleep and the
 * clocks, GetSystemInfo, LoadLibrary/GetProcAddress/GetModuleFileName,
 * OutputDebugString, UTF-8 <-> UTF-16 conversion, lstr* and the StringCch* /
 * StringCb* functions. docs/kernel32.md documents each one: Windows'
 * semantics, which threads may call it, and where wpu deviates.
 *
 * On POSIX the exported functions are wpu's own, with a `wpu_` prefix (so a
 * process may also load WinPR or Wine's libraries, which export the plain
 * names), and Interlocked* and the strsafe functions are static inline; the
 * macros below map Windows' names onto them. Define WPU_NO_WINAPI_NAMES to
 * get only the prefixed names. The generic names (LoadLibrary, lstrlen,
 * StringCchCopy, ...) pick the W function when UNICODE is defined and the A
 * one otherwise, as Windows' headers do.
 *
 * The declarations are in <wpu/detail/kernel32_decls.h> and
 * <wpu/detail/strsafe_decls.h>, include-guarded; the name macros are here,
 * outside any include guard, as in <wpu/winapi.h>. The functions live in the
 * compiled library; header-only mode defines them in the translation units
 * that include <wpu/wpu.hpp> (C++).
 */
#include <wpu/detail/kernel32_decls.h>
#include <wpu/detail/strsafe_decls.h>

#if !defined(_WIN32) && !defined(WPU_NO_WINAPI_NAMES)

#  define LoadLibraryA wpu_load_library_a
#  define LoadLibraryW wpu_load_library_w
#  define LoadLibraryExA wpu_load_library_ex_a
#  define LoadLibraryExW wpu_load_library_ex_w
#  define GetProcAddress wpu_get_proc_address
#  define FreeLibrary wpu_free_library
#  define GetModuleHandleA wpu_get_module_handle_a
#  define GetModuleHandleW wpu_get_module_handle_w
#  define GetModuleFileNameA wpu_get_module_file_name_a
#  define GetModuleFileNameW wpu_get_module_file_name_w

#  define InitializeCriticalSection wpu_initialize_critical_section
#  define InitializeCriticalSectionAndSpinCount wpu_initialize_critical_section_and_spin_count
#  define InitializeCriticalSectionEx wpu_initialize_critical_section_ex
#  define EnterCriticalSection wpu_enter_critical_section
#  define TryEnterCriticalSection wpu_try_enter_critical_section
#  define LeaveCriticalSection wpu_leave_critical_section
#  define DeleteCriticalSection wpu_delete_critical_section
#  define SetCriticalSectionSpinCount wpu_set_critical_section_spin_count

#  define HeapCreate wpu_heap_create
#  define HeapDestroy wpu_heap_destroy
#  define HeapAlloc wpu_heap_alloc
#  define HeapReAlloc wpu_heap_re_alloc
#  define HeapFree wpu_heap_free
#  define HeapSize wpu_heap_size
#  define GetProcessHeap wpu_get_process_heap

#  define TlsAlloc wpu_tls_alloc
#  define TlsGetValue wpu_tls_get_value
#  define TlsSetValue wpu_tls_set_value
#  define TlsFree wpu_tls_free

#  define Sleep wpu_sleep
#  define GetTickCount wpu_get_tick_count
#  define GetTickCount64 wpu_get_tick_count_64
#  define QueryPerformanceCounter wpu_query_performance_counter
#  define QueryPerformanceFrequency wpu_query_performance_frequency
#  define GetCurrentProcessId wpu_get_current_process_id
#  define GetSystemInfo wpu_get_system_info
#  define GetNativeSystemInfo wpu_get_native_system_info

#  define OutputDebugStringA wpu_output_debug_string_a
#  define OutputDebugStringW wpu_output_debug_string_w

#  define MultiByteToWideChar wpu_multi_byte_to_wide_char
#  define WideCharToMultiByte wpu_wide_char_to_multi_byte

#  define lstrlenA wpu_lstrlen_a
#  define lstrlenW wpu_lstrlen_w
#  define lstrcpyA wpu_lstrcpy_a
#  define lstrcpyW wpu_lstrcpy_w
#  define lstrcpynA wpu_lstrcpyn_a
#  define lstrcpynW wpu_lstrcpyn_w
#  define lstrcatA wpu_lstrcat_a
#  define lstrcatW wpu_lstrcat_w
#  define lstrcmpA wpu_lstrcmp_a
#  define lstrcmpW wpu_lstrcmp_w
#  define lstrcmpiA wpu_lstrcmpi_a
#  define lstrcmpiW wpu_lstrcmpi_w

#  define InterlockedIncrement wpu_interlocked_increment
#  define InterlockedDecrement wpu_interlocked_decrement
#  define InterlockedExchange wpu_interlocked_exchange
#  define InterlockedExchangeAdd wpu_interlocked_exchange_add
#  define InterlockedCompareExchange wpu_interlocked_compare_exchange
#  define InterlockedAnd wpu_interlocked_and
#  define InterlockedOr wpu_interlocked_or
#  define InterlockedXor wpu_interlocked_xor
#  define InterlockedIncrement64 wpu_interlocked_increment_64
#  define InterlockedDecrement64 wpu_interlocked_decrement_64
#  define InterlockedExchange64 wpu_interlocked_exchange_64
#  define InterlockedExchangeAdd64 wpu_interlocked_exchange_add_64
#  define InterlockedCompareExchange64 wpu_interlocked_compare_exchange_64
#  define InterlockedAnd64 wpu_interlocked_and_64
#  define InterlockedOr64 wpu_interlocked_or_64
#  define InterlockedXor64 wpu_interlocked_xor_64
#  define InterlockedExchangePointer wpu_interlocked_exchange_pointer
#  define InterlockedCompareExchangePointer wpu_interlocked_compare_exchange_pointer
#  define MemoryBarrier wpu_memory_barrier

#  define StringCchCopyA wpu_string_cch_copy_a
#  define StringCchCopyW wpu_string_cch_copy_w
#  define StringCbCopyA wpu_string_cb_copy_a
#  define StringCbCopyW wpu_string_cb_copy_w
#  define StringCchCopyNA wpu_string_cch_copy_n_a
#  define StringCchCopyNW wpu_string_cch_copy_n_w
#  define StringCbCopyNA wpu_string_cb_copy_n_a
#  define StringCbCopyNW wpu_string_cb_copy_n_w
#  define StringCchCatA wpu_string_cch_cat_a
#  define StringCchCatW wpu_string_cch_cat_w
#  define StringCbCatA wpu_string_cb_cat_a
#  define StringCbCatW wpu_string_cb_cat_w
#  define StringCchCatNA wpu_string_cch_cat_n_a
#  define StringCchCatNW wpu_string_cch_cat_n_w
#  define StringCbCatNA wpu_string_cb_cat_n_a
#  define StringCbCatNW wpu_string_cb_cat_n_w
#  define StringCchLengthA wpu_string_cch_length_a
#  define StringCchLengthW wpu_string_cch_length_w
#  define StringCbLengthA wpu_string_cb_length_a
#  define StringCbLengthW wpu_string_cb_length_w
#  define StringCchPrintfA wpu_string_cch_printf_a
#  define StringCchPrintfW wpu_string_cch_printf_w
#  define StringCbPrintfA wpu_string_cb_printf_a
#  define StringCbPrintfW wpu_string_cb_printf_w
#  define StringCchVPrintfA wpu_string_cch_vprintf_a
#  define StringCchVPrintfW wpu_string_cch_vprintf_w
#  define StringCbVPrintfA wpu_string_cb_vprintf_a
#  define StringCbVPrintfW wpu_string_cb_vprintf_w

#  ifdef UNICODE
#    define LoadLibrary LoadLibraryW
#    define LoadLibraryEx LoadLibraryExW
#    define GetModuleHandle GetModuleHandleW
#    define GetModuleFileName GetModuleFileNameW
#    define OutputDebugString OutputDebugStringW
#    define lstrlen lstrlenW
#    define lstrcpy lstrcpyW
#    define lstrcpyn lstrcpynW
#    define lstrcat lstrcatW
#    define lstrcmp lstrcmpW
#    define lstrcmpi lstrcmpiW
#    define StringCchCopy StringCchCopyW
#    define StringCbCopy StringCbCopyW
#    define StringCchCopyN StringCchCopyNW
#    define StringCbCopyN StringCbCopyNW
#    define StringCchCat StringCchCatW
#    define StringCbCat StringCbCatW
#    define StringCchCatN StringCchCatNW
#    define StringCbCatN StringCbCatNW
#    define StringCchLength StringCchLengthW
#    define StringCbLength StringCbLengthW
#    define StringCchPrintf StringCchPrintfW
#    define StringCbPrintf StringCbPrintfW
#    define StringCchVPrintf StringCchVPrintfW
#    define StringCbVPrintf StringCbVPrintfW
#  else
#    define LoadLibrary LoadLibraryA
#    define LoadLibraryEx LoadLibraryExA
#    define GetModuleHandle GetModuleHandleA
#    define GetModuleFileName GetModuleFileNameA
#    define OutputDebugString OutputDebugStringA
#    define lstrlen lstrlenA
#    define lstrcpy lstrcpyA
#    define lstrcpyn lstrcpynA
#    define lstrcat lstrcatA
#    define lstrcmp lstrcmpA
#    define lstrcmpi lstrcmpiA
#    define StringCchCopy StringCchCopyA
#    define StringCbCopy StringCbCopyA
#    define StringCchCopyN StringCchCopyNA
#    define StringCbCopyN StringCbCopyNA
#    define StringCchCat StringCchCatA
#    define StringCbCat StringCbCatA
#    define StringCchCatN StringCchCatNA
#    define StringCbCatN StringCbCatNA
#    define StringCchLength StringCchLengthA
#    define StringCbLength StringCbLengthA
#    define StringCchPrintf StringCchPrintfA
#    define StringCbPrintf StringCbPrintfA
#    define StringCchVPrintf StringCchVPrintfA
#    define StringCbVPrintf StringCbVPrintfA
#  endif /* UNICODE */

#endif /* !defined(_WIN32) && !defined(WPU_NO_WINAPI_NAMES) */
