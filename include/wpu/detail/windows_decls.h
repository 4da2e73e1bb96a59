/*
 * wpu/detail/windows_decls.h - the declaration-only names of Windows'
 * <windows.h> (winnt.h, windef.h, minwindef.h, specstrings.h, winerror.h)
 * that provider source uses, for POSIX: annotations (IN, OUT, OPTIONAL, SAL),
 * calling conventions and __declspec, the scalar types wpu's SPI header does
 * not already define, HRESULT and its macros, LIST_ENTRY, TCHAR and TEXT,
 * __try/__except, and a few helpers (UNREFERENCED_PARAMETER, ARRAYSIZE,
 * CONTAINING_RECORD...). Include-guarded; nothing here renames a name the C
 * library owns (that is <wpu/detail/compat_end.h>, un-guarded).
 *
 * On Windows this header includes the system's <winsock2.h> and
 * <windows.h> (through <wpu/detail/ws2spi_decls.h>) and defines nothing.
 *
 * The compatibility folder (include/wpu/compat, dependency('wpu-windows'))
 * includes this from its <windows.h>; wpu's own headers never do, so a Linux
 * program that only uses <wpu/...> does not see IN, OUT, _In_ or TCHAR.
 *
 * It includes <wpu/detail/winapi_decls.h> and <wpu/detail/kernel32_decls.h>,
 * which define HINSTANCE, HMODULE, FARPROC, LARGE_INTEGER, SHORT, USHORT,
 * UCHAR and HRESULT; the HRESULT macros here are each #ifndef-guarded, and
 * HRESULT itself is shared through WPU_HRESULT_DEFINED.
 *
 * Everything here is a declaration, a macro or a static inline function
 * without state: any thread, no initialisation.
 */
#ifndef WPU_DETAIL_WINDOWS_DECLS_H
#define WPU_DETAIL_WINDOWS_DECLS_H

#if defined(_WIN32)

/* <winsock2.h> before <windows.h>, as Windows requires. */
#  include <wpu/detail/ws2spi_decls.h>

#else /* !defined(_WIN32) */

/* First: the system headers whose identifiers the names below would
   otherwise reach (SAL's __in/__out are parameter names there). */
#  include <wpu/detail/compat_system.h>
#  include <wpu/detail/ws2spi_decls.h>
/* HMODULE, FARPROC, LARGE_INTEGER, SHORT, USHORT, UCHAR, LPCH... and
   HRESULT come from the kernel32 declarations; HINSTANCE from winapi's. */
#  include <wpu/detail/winapi_decls.h>
#  include <wpu/detail/kernel32_decls.h>

#  ifdef __cplusplus
extern "C" {
#  endif

/* ---- Annotations: parameter direction and pointer kinds (empty) ---------- */
#  ifndef IN
#    define IN
#  endif
#  ifndef OUT
#    define OUT
#  endif
#  ifndef OPTIONAL
#    define OPTIONAL
#  endif
#  ifndef FAR
#    define FAR
#  endif
#  ifndef NEAR
#    define NEAR
#  endif
#  ifndef CONST
#    define CONST const
#  endif
#  ifndef VOID
#    define VOID void
#  endif
#  ifndef UNALIGNED
#    define UNALIGNED
#  endif

/* ---- Calling conventions (the platform's one; wpu ports source) --------- */
#  ifndef PASCAL
#    define PASCAL
#  endif
#  ifndef APIENTRY
#    define APIENTRY WINAPI
#  endif
#  ifndef WINAPIV
#    define WINAPIV
#  endif
#  ifndef STDAPICALLTYPE
#    define STDAPICALLTYPE
#  endif
#  ifndef NTAPI
#    define NTAPI
#  endif
#  ifndef CDECL
#    define CDECL
#  endif
#  ifndef __cdecl
#    define __cdecl
#  endif
#  ifndef __stdcall
#    define __stdcall
#  endif
#  ifndef __fastcall
#    define __fastcall
#  endif
#  ifndef _cdecl
#    define _cdecl
#  endif
#  ifndef _stdcall
#    define _stdcall
#  endif

/* __forceinline / FORCEINLINE: C++ `inline`; in C a C99 inline definition
   that is always inlined (so a non-static one needs no external definition
   as long as its address is not taken: docs/porting.md). */
#  ifndef __forceinline
#    if defined(__GNUC__)
#      define __forceinline __inline__ __attribute__((__always_inline__))
#    else
#      define __forceinline inline
#    endif
#  endif
#  ifndef FORCEINLINE
#    define FORCEINLINE __forceinline
#  endif
#  ifndef __inline
#    define __inline __inline__
#  endif

/* __declspec(x) -> WPU_DECLSPEC_x: dllexport is default visibility (the
   symbol is exported from the module), dllimport nothing (ELF resolves at
   load time), thread __thread, align(n) aligned(n), the rest their GCC
   attribute or nothing. An unknown x is a compile error naming
   WPU_DECLSPEC_x. */
#  ifndef __declspec
#    define __declspec(x) WPU_DECLSPEC_##x
#  endif
#  if defined(__GNUC__)
#    define WPU_DECLSPEC_dllexport __attribute__((visibility("default")))
#    define WPU_DECLSPEC_noinline __attribute__((noinline))
#    define WPU_DECLSPEC_noreturn __attribute__((noreturn))
#    define WPU_DECLSPEC_nothrow __attribute__((nothrow))
#    define WPU_DECLSPEC_selectany __attribute__((weak))
#    define WPU_DECLSPEC_deprecated __attribute__((deprecated))
#    define WPU_DECLSPEC_align(n) __attribute__((aligned(n)))
#    define WPU_DECLSPEC_thread __thread
#  else
#    define WPU_DECLSPEC_dllexport
#    define WPU_DECLSPEC_noinline
#    define WPU_DECLSPEC_noreturn
#    define WPU_DECLSPEC_nothrow
#    define WPU_DECLSPEC_selectany
#    define WPU_DECLSPEC_deprecated
#    define WPU_DECLSPEC_align(n)
#    define WPU_DECLSPEC_thread _Thread_local
#  endif
#  define WPU_DECLSPEC_dllimport
#  define WPU_DECLSPEC_novtable
#  define WPU_DECLSPEC_uuid(x)
#  ifndef DECLSPEC_NOINLINE
#    define DECLSPEC_NOINLINE __declspec(noinline)
#  endif
#  ifndef DECLSPEC_NORETURN
#    define DECLSPEC_NORETURN __declspec(noreturn)
#  endif
#  ifndef DECLSPEC_SELECTANY
#    define DECLSPEC_SELECTANY __declspec(selectany)
#  endif
#  ifndef DECLSPEC_ALIGN
#    define DECLSPEC_ALIGN(n) __declspec(align(n))
#  endif
#  ifndef DECLSPEC_IMPORT
#    define DECLSPEC_IMPORT
#  endif
#  ifndef DECLSPEC_EXPORT
#    define DECLSPEC_EXPORT __declspec(dllexport)
#  endif

/* ---- SAL annotations (specstrings.h / sal.h), all empty ---------------- */
#  define _In_
#  define _In_opt_
#  define _In_z_
#  define _In_opt_z_
#  define _In_reads_(n)
#  define _In_reads_opt_(n)
#  define _In_reads_bytes_(n)
#  define _In_reads_bytes_opt_(n)
#  define _In_reads_z_(n)
#  define _In_range_(lo, hi)
#  define _Out_
#  define _Out_opt_
#  define _Out_writes_(n)
#  define _Out_writes_opt_(n)
#  define _Out_writes_z_(n)
#  define _Out_writes_bytes_(n)
#  define _Out_writes_bytes_opt_(n)
#  define _Out_writes_to_(n, m)
#  define _Out_writes_to_opt_(n, m)
#  define _Out_writes_bytes_to_(n, m)
#  define _Out_writes_bytes_to_opt_(n, m)
#  define _Out_writes_all_(n)
#  define _Out_writes_bytes_all_(n)
#  define _Out_range_(lo, hi)
#  define _Inout_
#  define _Inout_opt_
#  define _Inout_z_
#  define _Inout_updates_(n)
#  define _Inout_updates_opt_(n)
#  define _Inout_updates_bytes_(n)
#  define _Inout_updates_bytes_opt_(n)
#  define _Outptr_
#  define _Outptr_opt_
#  define _Outptr_result_maybenull_
#  define _Outptr_opt_result_maybenull_
#  define _Outptr_result_buffer_(n)
#  define _Outptr_result_bytebuffer_(n)
#  define _Deref_out_
#  define _Deref_out_opt_
#  define _Ret_
#  define _Ret_opt_
#  define _Ret_z_
#  define _Ret_maybenull_
#  define _Ret_notnull_
#  define _Ret_writes_(n)
#  define _Ret_writes_bytes_(n)
#  define _Ret_range_(lo, hi)
#  define _Result_nullonfailure_
#  define _Result_zeroonfailure_
#  define _Success_(expr)
#  define _Check_return_
#  define _Must_inspect_result_
#  define _Null_terminated_
#  define _NullNull_terminated_
#  define _Notnull_
#  define _Maybenull_
#  define _Field_size_(n)
#  define _Field_size_opt_(n)
#  define _Field_size_bytes_(n)
#  define _Field_size_bytes_opt_(n)
#  define _Field_size_part_(n, m)
#  define _Field_size_bytes_part_(n, m)
#  define _Field_range_(lo, hi)
#  define _Field_z_
#  define _Struct_size_bytes_(n)
#  define _Use_decl_annotations_
#  define _Pre_
#  define _Post_
#  define _Pre_z_
#  define _Post_z_
#  define _Pre_notnull_
#  define _Pre_maybenull_
#  define _Post_invalid_
#  define _Post_ptr_invalid_
#  define _Post_writable_byte_size_(n)
#  define _Post_equal_to_(x)
#  define _Pre_satisfies_(x)
#  define _Post_satisfies_(x)
#  define _When_(cond, ann)
#  define _At_(target, ann)
#  define _Acquires_lock_(x)
#  define _Releases_lock_(x)
#  define _Requires_lock_held_(x)
#  define _Requires_lock_not_held_(x)
#  define _Guarded_by_(x)
#  define _Interlocked_operand_
#  define _Analysis_assume_(expr)
#  define _Frees_ptr_
#  define _Frees_ptr_opt_
#  define _Printf_format_string_
#  define _Reserved_
#  define _Strict_type_match_
#  define _Always_(ann)
#  define _Kernel_float_saved_
#  define _IRQL_requires_max_(x)
/* The older specstrings.h spellings. libstdc++ and glibc do not use these
   names (libstdc++ lists them as reserved by SAL). */
#  define __in
#  define __out
#  define __inout
#  define __in_opt
#  define __out_opt
#  define __inout_opt
#  define __in_z
#  define __in_z_opt
#  define __out_z
#  define __in_bcount(n)
#  define __in_bcount_opt(n)
#  define __in_ecount(n)
#  define __in_ecount_opt(n)
#  define __out_bcount(n)
#  define __out_bcount_opt(n)
#  define __out_ecount(n)
#  define __out_ecount_opt(n)
#  define __out_bcount_part(n, m)
#  define __out_ecount_part(n, m)
#  define __out_bcount_part_opt(n, m)
#  define __out_ecount_part_opt(n, m)
#  define __inout_bcount(n)
#  define __inout_ecount(n)
#  define __inout_bcount_opt(n)
#  define __inout_ecount_opt(n)
#  define __deref_out
#  define __deref_out_opt
#  define __deref_opt_out
#  define __deref_inout
#  define __checkReturn
#  define __success(expr)
#  define __reserved
#  define __callback
#  define __nullterminated
#  define __field_bcount(n)
#  define __field_ecount(n)
#  define __format_string
#  define __analysis_assume(expr)

/* ---- Scalar types wpu's SPI header does not define (LLP64) ------------- */
#  ifndef WPU_BOOLEAN_DEFINED
#    define WPU_BOOLEAN_DEFINED
typedef uint8_t BOOLEAN, *PBOOLEAN;
#  endif
#  ifndef WPU_INTN_DEFINED
#    define WPU_INTN_DEFINED
typedef int8_t INT8, *PINT8;
typedef uint8_t UINT8, *PUINT8;
typedef int16_t INT16, *PINT16;
typedef uint16_t UINT16, *PUINT16;
typedef int32_t INT32, *PINT32;
typedef uint32_t UINT32, *PUINT32;
typedef int64_t INT64, *PINT64;
typedef uint64_t UINT64, *PUINT64;
typedef int32_t LONG32, *PLONG32;
typedef uint32_t ULONG32, *PULONG32;
typedef uint32_t DWORD32, *PDWORD32;
typedef int64_t LONG64, *PLONG64;
typedef uint64_t ULONG64, *PULONG64;
typedef uint64_t DWORD64, *PDWORD64;
typedef DWORD64 QWORD;
#  endif
#  ifndef WPU_SMALL_SCALARS_DEFINED
#    define WPU_SMALL_SCALARS_DEFINED
typedef SHORT* PSHORT;
typedef USHORT* PUSHORT;
typedef UCHAR* PUCHAR;
typedef char CCHAR;
typedef float FLOAT, *PFLOAT;
typedef char *PSTR, *PCH, *NPSTR;
typedef const char *PCSTR, *PCCH;
typedef WCHAR *PWCH, *NWPSTR;
typedef const WCHAR* PCWCH;
typedef DWORD COLORREF, *LPCOLORREF;
typedef INT_PTR SSIZE_T, *PSSIZE_T;
typedef DWORD LCID;
typedef WORD LANGID;
#  endif

/* Winsock's u_long is 32 bits (LLP64); glibc's <sys/types.h> makes u_long
   64 bits. <wpu/detail/compat_end.h> maps the name onto this type in the
   units that include the compatibility headers (docs/porting.md). */
typedef ULONG wpu_u_long;
typedef uint64_t u_int64;

/* MSVC's sized integer keywords. */
#  ifndef __int64
#    define __int64 long long
#  endif
#  ifndef __int32
#    define __int32 int
#  endif
#  ifndef __int16
#    define __int16 short
#  endif
#  ifndef __int8
#    define __int8 char
#  endif

/* getaddrinfo's record (ws2tcpip.h ADDRINFOA): the C library's, whose
   functions <ws2tcpip.h> leaves in place. Same field names as Windows';
   ai_canonname and ai_addr are in the other order, ai_addrlen is a
   socklen_t, and the AI_* and EAI_* values are the C library's. */
typedef struct addrinfo ADDRINFOA, *PADDRINFOA;

/* ---- HRESULT (winerror.h) ---------------------------------------------- */
#  ifndef WPU_HRESULT_DEFINED
#    define WPU_HRESULT_DEFINED
typedef LONG HRESULT;
#  endif
#  ifndef SUCCEEDED
#    define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#  endif
#  ifndef FAILED
#    define FAILED(hr) (((HRESULT)(hr)) < 0)
#  endif
#  ifndef IS_ERROR
#    define IS_ERROR(status) (((unsigned long)(status)) >> 31 == 1)
#  endif
#  ifndef SEVERITY_SUCCESS
#    define SEVERITY_SUCCESS 0
#  endif
#  ifndef SEVERITY_ERROR
#    define SEVERITY_ERROR 1
#  endif
#  ifndef FACILITY_NULL
#    define FACILITY_NULL 0
#  endif
#  ifndef FACILITY_WIN32
#    define FACILITY_WIN32 7
#  endif
#  ifndef MAKE_HRESULT
#    define MAKE_HRESULT(sev, fac, code) \
      ((HRESULT)(((DWORD)(sev) << 31) | ((DWORD)(fac) << 16) | ((DWORD)(code))))
#  endif
#  ifndef HRESULT_CODE
#    define HRESULT_CODE(hr) ((hr)&0xFFFF)
#  endif
#  ifndef HRESULT_FACILITY
#    define HRESULT_FACILITY(hr) (((hr) >> 16) & 0x1fff)
#  endif
#  ifndef HRESULT_SEVERITY
#    define HRESULT_SEVERITY(hr) (((hr) >> 31) & 0x1)
#  endif
/* A Win32 error code as an HRESULT: 0 and negative values as they are,
   others FACILITY_WIN32 with the severity bit (winerror.h's definition). */
#  ifndef HRESULT_FROM_WIN32
#    define HRESULT_FROM_WIN32(x)                                                               \
      ((HRESULT)(x) <= 0 ? ((HRESULT)(x))                                                       \
                         : ((HRESULT)(((DWORD)(x)&0x0000FFFF) | ((DWORD)FACILITY_WIN32 << 16) | \
                                      (DWORD)0x80000000)))
#  endif
#  ifndef S_OK
#    define S_OK ((HRESULT)0L)
#  endif
#  ifndef S_FALSE
#    define S_FALSE ((HRESULT)1L)
#  endif
#  ifndef E_NOTIMPL
#    define E_NOTIMPL ((HRESULT)0x80004001L)
#  endif
#  ifndef E_NOINTERFACE
#    define E_NOINTERFACE ((HRESULT)0x80004002L)
#  endif
#  ifndef E_POINTER
#    define E_POINTER ((HRESULT)0x80004003L)
#  endif
#  ifndef E_ABORT
#    define E_ABORT ((HRESULT)0x80004004L)
#  endif
#  ifndef E_FAIL
#    define E_FAIL ((HRESULT)0x80004005L)
#  endif
#  ifndef E_UNEXPECTED
#    define E_UNEXPECTED ((HRESULT)0x8000FFFFL)
#  endif
#  ifndef E_ACCESSDENIED
#    define E_ACCESSDENIED ((HRESULT)0x80070005L)
#  endif
#  ifndef E_HANDLE
#    define E_HANDLE ((HRESULT)0x80070006L)
#  endif
#  ifndef E_OUTOFMEMORY
#    define E_OUTOFMEMORY ((HRESULT)0x8007000EL)
#  endif
#  ifndef E_INVALIDARG
#    define E_INVALIDARG ((HRESULT)0x80070057L)
#  endif

/* ---- Small helpers (winnt.h, minwindef.h, stdlib.h) -------------------- */
#  ifndef MAX_PATH
#    define MAX_PATH 260
#  endif
#  ifndef UNREFERENCED_PARAMETER
#    define UNREFERENCED_PARAMETER(p) ((void)(p))
#  endif
#  ifndef UNREFERENCED_LOCAL_VARIABLE
#    define UNREFERENCED_LOCAL_VARIABLE(v) ((void)(v))
#  endif
#  ifndef DBG_UNREFERENCED_PARAMETER
#    define DBG_UNREFERENCED_PARAMETER(p) ((void)(p))
#  endif
#  ifndef DBG_UNREFERENCED_LOCAL_VARIABLE
#    define DBG_UNREFERENCED_LOCAL_VARIABLE(v) ((void)(v))
#  endif
#  ifndef ARRAYSIZE
#    define ARRAYSIZE(a) (sizeof(a) / sizeof((a)[0]))
#  endif
#  ifndef RTL_NUMBER_OF
#    define RTL_NUMBER_OF(a) (sizeof(a) / sizeof((a)[0]))
#  endif
#  ifndef _countof
#    define _countof(a) (sizeof(a) / sizeof((a)[0]))
#  endif
#  ifndef FIELD_OFFSET
#    define FIELD_OFFSET(type, field) ((LONG)offsetof(type, field))
#  endif
#  ifndef RTL_FIELD_SIZE
#    define RTL_FIELD_SIZE(type, field) (sizeof(((type*)0)->field))
#  endif
/* The address of the structure of type `type` whose member `field` is at
   `address`. */
#  ifndef CONTAINING_RECORD
#    define CONTAINING_RECORD(address, type, field) \
      ((type*)((char*)(address)-offsetof(type, field)))
#  endif
#  ifndef ANYSIZE_ARRAY
#    define ANYSIZE_ARRAY 1
#  endif
#  ifndef MAXDWORD
#    define MAXDWORD 0xffffffffu
#  endif
#  ifndef MAXLONG
#    define MAXLONG 0x7fffffff
#  endif
#  ifndef MAXWORD
#    define MAXWORD 0xffff
#  endif
#  ifndef MAXBYTE
#    define MAXBYTE 0xff
#  endif
#  ifndef MAXULONG_PTR
#    define MAXULONG_PTR (~((ULONG_PTR)0))
#  endif
#  ifndef MAXSIZE_T
#    define MAXSIZE_T (~((SIZE_T)0))
#  endif
/* min/max as minwindef.h has them: C only here (in C++ they would break
   std::min), and not with NOMINMAX. */
#  if !defined(__cplusplus) && !defined(NOMINMAX)
#    ifndef min
#      define min(a, b) (((a) < (b)) ? (a) : (b))
#    endif
#    ifndef max
#      define max(a, b) (((a) > (b)) ? (a) : (b))
#    endif
#  endif

/* ---- LIST_ENTRY (winnt.h) and the list helpers (wdm.h) ------------------
 * The type and CONTAINING_RECORD are user-mode Windows names. The helpers
 * are wdm.h's (kernel mode): user-mode providers write their own, so they are
 * here as wpu_ static inline functions, and <wpu/detail/compat_end.h>
 * gives them Windows' names only when WPU_LIST_HELPERS is defined. A list
 * is a head whose Flink is the first entry and Blink the last; an empty
 * list's head points at itself. Not thread-safe: the caller locks. */
typedef struct _LIST_ENTRY {
  struct _LIST_ENTRY* Flink;
  struct _LIST_ENTRY* Blink;
} LIST_ENTRY, *PLIST_ENTRY, *PRLIST_ENTRY;

typedef struct _SINGLE_LIST_ENTRY {
  struct _SINGLE_LIST_ENTRY* Next;
} SINGLE_LIST_ENTRY, *PSINGLE_LIST_ENTRY;

static inline void wpu_initialize_list_head(PLIST_ENTRY head) {
  head->Flink = head->Blink = head;
}

static inline BOOLEAN wpu_is_list_empty(const LIST_ENTRY* head) {
  return (BOOLEAN)(head->Flink == head);
}

/* Unlinks `entry`; TRUE when the list is empty afterwards. */
static inline BOOLEAN wpu_remove_entry_list(PLIST_ENTRY entry) {
  PLIST_ENTRY next = entry->Flink;
  PLIST_ENTRY prev = entry->Blink;
  prev->Flink = next;
  next->Blink = prev;
  return (BOOLEAN)(next == prev);
}

/* Unlinks and returns the first entry; an empty list returns the head
   itself, unchanged (as wdm.h's). */
static inline PLIST_ENTRY wpu_remove_head_list(PLIST_ENTRY head) {
  PLIST_ENTRY entry = head->Flink;
  PLIST_ENTRY next = entry->Flink;
  head->Flink = next;
  next->Blink = head;
  return entry;
}

/* Unlinks and returns the last entry; an empty list returns the head. */
static inline PLIST_ENTRY wpu_remove_tail_list(PLIST_ENTRY head) {
  PLIST_ENTRY entry = head->Blink;
  PLIST_ENTRY prev = entry->Blink;
  head->Blink = prev;
  prev->Flink = head;
  return entry;
}

static inline void wpu_insert_head_list(PLIST_ENTRY head, PLIST_ENTRY entry) {
  PLIST_ENTRY first = head->Flink;
  entry->Flink = first;
  entry->Blink = head;
  first->Blink = entry;
  head->Flink = entry;
}

static inline void wpu_insert_tail_list(PLIST_ENTRY head, PLIST_ENTRY entry) {
  PLIST_ENTRY last = head->Blink;
  entry->Flink = head;
  entry->Blink = last;
  last->Flink = entry;
  head->Blink = entry;
}

/* Appends the list headed by `list` (the head not included) to `head`'s. */
static inline void wpu_append_tail_list(PLIST_ENTRY head, PLIST_ENTRY list) {
  PLIST_ENTRY last = head->Blink;
  head->Blink->Flink = list;
  head->Blink = list->Blink;
  list->Blink->Flink = head;
  list->Blink = last;
}

static inline void wpu_push_entry_list(PSINGLE_LIST_ENTRY head, PSINGLE_LIST_ENTRY entry) {
  entry->Next = head->Next;
  head->Next = entry;
}

/* The first entry, unlinked, or NULL when the list is empty. */
static inline PSINGLE_LIST_ENTRY wpu_pop_entry_list(PSINGLE_LIST_ENTRY head) {
  PSINGLE_LIST_ENTRY first = head->Next;
  if (first != NULL) head->Next = first->Next;
  return first;
}

/* ---- UTF-16 string helpers behind tchar.h's _tcs* names under _UNICODE --
 * NUL-terminated WCHAR strings; the C library's wcs* functions work on
 * 32-bit wchar_t and cannot be used. Same contracts as strlen, strcpy,
 * strncpy (pads with NULs, no terminator when src is n long or longer),
 * strcmp (sign of the first differing code unit), strncmp, strcat, strchr. */
static inline size_t wpu_wcs16_len(const WCHAR* s) {
  const WCHAR* p = s;
  while (*p != 0) ++p;
  return (size_t)(p - s);
}
static inline WCHAR* wpu_wcs16_cpy(WCHAR* dst, const WCHAR* src) {
  WCHAR* d = dst;
  while ((*d++ = *src++) != 0) {
  }
  return dst;
}
static inline WCHAR* wpu_wcs16_ncpy(WCHAR* dst, const WCHAR* src, size_t n) {
  size_t i = 0;
  for (; i < n && src[i] != 0; ++i) dst[i] = src[i];
  for (; i < n; ++i) dst[i] = 0;
  return dst;
}
static inline int wpu_wcs16_ncmp(const WCHAR* a, const WCHAR* b, size_t n) {
  size_t i;
  for (i = 0; i < n; ++i) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    if (a[i] == 0) return 0;
  }
  return 0;
}
static inline int wpu_wcs16_cmp(const WCHAR* a, const WCHAR* b) {
  return wpu_wcs16_ncmp(a, b, (size_t)-1);
}
static inline WCHAR* wpu_wcs16_cat(WCHAR* dst, const WCHAR* src) {
  wpu_wcs16_cpy(dst + wpu_wcs16_len(dst), src);
  return dst;
}
/* The first c in s (the terminator included, as strchr), or NULL. */
static inline WCHAR* wpu_wcs16_chr(const WCHAR* s, WCHAR c) {
  for (;; ++s) {
    if (*s == c) return (WCHAR*)s;
    if (*s == 0) return NULL;
  }
}

/* ---- TCHAR (winnt.h): UNICODE selects WCHAR -----------------------------
 * TEXT("x") is u"x" under UNICODE: a char16_t literal, which is WCHAR in
 * C++ and, in C11, an array of uint_least16_t = uint16_t = WCHAR. C99 has no
 * UTF-16 literals: there TEXT under UNICODE names an undeclared identifier
 * that says so (build that unit with c_std=c11 or later). */
#  if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L)
#    define WPU_UTF16_LITERAL(s) u##s
#  else
#    define WPU_UTF16_LITERAL(s) wpu_utf16_literals_need_c11_or_cxx
#  endif
#  ifdef UNICODE
typedef WCHAR TCHAR, *PTCHAR;
typedef WCHAR TBYTE, *PTBYTE;
typedef LPWSTR LPTSTR, PTSTR, LPTCH, PTCH;
typedef LPCWSTR LPCTSTR, PCTSTR, LPCTCH, PCTCH;
#    define __TEXT(s) WPU_UTF16_LITERAL(s)
#  else
typedef char TCHAR, *PTCHAR;
typedef unsigned char TBYTE, *PTBYTE;
typedef LPSTR LPTSTR, PTSTR, LPTCH, PTCH;
typedef LPCSTR LPCTSTR, PCTSTR, LPCTCH, PCTCH;
#    define __TEXT(s) s
#  endif
#  define TEXT(s) __TEXT(s)

/* ---- Structured exception handling: compiles, protects nothing ---------
 * __try { A } __except (filter) { B }  runs A; B and the filter never run
 *                                       (the filter is compiled, not evaluated).
 * __try { A } __finally { B }          runs A, then B when A completes
 *                                       normally (not after return, goto or
 *                                       break out of A).
 * A fault inside A is a signal, as in any POSIX program. __leave has no
 * equivalent and is a compile error naming wpu_leave_is_not_supported
 * (docs/porting.md, "What cannot be emulated"). */
/* clang-format off */
#  if defined(__cplusplus)
/* C++: a handler for a type nothing throws, so C++ exceptions pass through;
   `try`/`if (true)` are exactly libstdc++'s own __try, so the two
   definitions agree whichever comes first. The filter is not compiled. */
struct wpu_seh_never_thrown_ {
  int unused_;
};
#    if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#      define __try try
#      define __except(filter) catch (wpu_seh_never_thrown_&)
#      define __finally                  \
        catch (wpu_seh_never_thrown_&) { \
        }                                \
        if (1)
#    else
#      define __try if (true)
#      define __except(filter) else if (false)
#      define __finally if (true)
#    endif
#  else
#    define __try if (1)
#    define __except(filter) else if (0 && (filter))
#    define __finally if (1)
#  endif
/* clang-format on */
#  define __leave wpu_leave_is_not_supported
#  define GetExceptionCode() ((DWORD)0)
#  define GetExceptionInformation() ((void*)0)
#  define AbnormalTermination() 0
#  define _exception_code() ((DWORD)0)
#  define EXCEPTION_EXECUTE_HANDLER 1
#  define EXCEPTION_CONTINUE_SEARCH 0
#  define EXCEPTION_CONTINUE_EXECUTION (-1)

/* ---- Module entry point values (the host calls an exported DllMain) ------ */
#  ifndef DLL_PROCESS_ATTACH
#    define DLL_PROCESS_DETACH 0
#    define DLL_PROCESS_ATTACH 1
#    define DLL_THREAD_ATTACH 2
#    define DLL_THREAD_DETACH 3
#  endif

#  if UINTPTR_MAX == 0xffffffffffffffffu
WPU_STATIC_ASSERT(sizeof(LIST_ENTRY) == 16 && sizeof(LARGE_INTEGER) == 8, "LIST_ENTRY");
WPU_STATIC_ASSERT(sizeof(BOOLEAN) == 1 && sizeof(USHORT) == 2 && sizeof(LONG64) == 8, "scalars");
WPU_STATIC_ASSERT(sizeof(HRESULT) == 4 && sizeof(wpu_u_long) == 4, "HRESULT, u_long");
#  endif

#  ifdef __cplusplus
} /* extern "C" */
#  endif

#endif /* defined(_WIN32) */

#endif /* WPU_DETAIL_WINDOWS_DECLS_H */
