// wpu/detail/impl/process_objects.ipp
#ifndef WPU_DETAIL_IMPL_PROCESS_OBJECTS_IPP
#define WPU_DETAIL_IMPL_PROCESS_OBJECTS_IPP

#include <wpu/detail/process_objects.hpp>

#if defined(__ELF__)

#  include <link.h>

#  include <atomic>
#  include <cstdint>
#  include <cstdio>
#  include <cstdlib>
#  include <cstring>

// This module's claim record: one slot per process_object, null until this
// module's code creates that object. Hidden, so each executable or shared
// object has its own; a COMDAT group, so header-only translation units of one
// module share one. The note in the same group gives other modules its
// address (relative to the note, so it needs no run-time relocation).
extern "C" __attribute__((visibility("hidden"))) std::atomic<void*> wpu_process_objects_v1[4];

#  if defined(__arm__)
#    define WPU_ELF_TYPE "%"
#  else  // !defined(__arm__)
#    define WPU_ELF_TYPE "@"
#  endif  // defined(__arm__)
__asm__(".pushsection .bss.wpu_process_objects_v1,\"awG\"," WPU_ELF_TYPE
        "nobits,wpu_process_objects_v1,comdat\n\t"
        ".weak wpu_process_objects_v1\n\t"
        ".hidden wpu_process_objects_v1\n\t"
        ".type wpu_process_objects_v1," WPU_ELF_TYPE
        "object\n\t"
        ".balign 8\n"
        "wpu_process_objects_v1:\n\t"
        ".zero 4*8\n\t"
        ".size wpu_process_objects_v1, 4*8\n\t"
        ".popsection\n\t"
        ".pushsection .note.wpu,\"aG\"," WPU_ELF_TYPE
        "note,wpu_process_objects_v1,comdat\n\t"
        ".balign 4\n\t"
        ".long 4\n\t"                           // n_namesz
        ".long 4\n\t"                           // n_descsz
        ".long 0x31757077\n\t"                  // n_type: "wpu1"
        ".asciz \"wpu\"\n\t"                    // name
        ".long wpu_process_objects_v1 - .\n\t"  // desc: the record, self-relative
        ".popsection");
#  undef WPU_ELF_TYPE

WPU_NAMESPACE_BEGIN
namespace detail {

struct process_object_scan {
  unsigned which;
  void* object;
  const char* own_module;
  const char* other_module;
};

// dl_iterate_phdr callback: finds the wpu notes of one module and compares
// that module's record with this one's.
inline int scan_process_objects(dl_phdr_info* info, std::size_t, void* arg) noexcept {
  constexpr std::uint32_t note_type = 0x31757077;
  auto* scan = static_cast<process_object_scan*>(arg);
  const char* module =
      info->dlpi_name != nullptr && info->dlpi_name[0] != '\0' ? info->dlpi_name : "the executable";
  for (unsigned i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const std::size_t align = ph.p_align == 8 ? 8 : 4;
    const auto round = [align](std::size_t n) { return (n + align - 1) & ~(align - 1); };
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    const char* const end = p + ph.p_memsz;
    while (end - p >= 12) {
      std::uint32_t header[3];  // n_namesz, n_descsz, n_type
      std::memcpy(header, p, sizeof header);
      const char* name = p + 12;
      const char* desc = name + round(header[0]);
      if (desc > end || static_cast<std::size_t>(end - desc) < round(header[1])) break;
      const char* next = desc + round(header[1]);
      if (header[2] == note_type && header[0] == 4 && header[1] == 4 &&
          std::memcmp(name, "wpu", 4) == 0) {
        std::int32_t offset;
        std::memcpy(&offset, desc, sizeof offset);
        auto* record = reinterpret_cast<std::atomic<void*>*>(const_cast<char*>(desc) + offset);
        if (record == wpu_process_objects_v1) {
          scan->own_module = module;
        } else {
          void* other = record[scan->which].load(std::memory_order_seq_cst);
          if (other != nullptr && other != scan->object) scan->other_module = module;
        }
      }
      p = next;
    }
  }
  return 0;
}

WPU_DECL void* claim_process_object(process_object which, void* object) noexcept {
  static const char* const names[] = {"process catalog", "object manager (events, windows, ports)",
                                      "default backend (socket handles)"};
  process_object_scan scan{static_cast<unsigned>(which), object, "an unnamed module", nullptr};
  wpu_process_objects_v1[scan.which].store(object, std::memory_order_seq_cst);
  ::dl_iterate_phdr(scan_process_objects, &scan);
  if (scan.other_module == nullptr) return object;
  std::fprintf(stderr,
               "wpu: two copies of wpu's %s in one process, one made by %s and one by %s%s.\n"
               "wpu: They would not see each other's catalog entries, sockets, events or "
               "messages, so the process stops here.\n"
               "wpu: Use one mode in the whole process. In header-only mode link the "
               "executable with -Wl,--export-dynamic-symbol='*3wpu14v1_header_only*' "
               "(Meson's dependency('wpu') adds it) or -rdynamic, and never link a module "
               "that uses wpu with -Bsymbolic. See README.md, \"Modes\".\n",
               names[scan.which], scan.other_module, scan.own_module,
#  if defined(WPU_HEADER_ONLY)
               " (header-only)"
#  else   // !defined(WPU_HEADER_ONLY)
               " (the compiled library)"
#  endif  // defined(WPU_HEADER_ONLY)
  );
  std::fflush(stderr);
  std::abort();
}

}  // namespace detail
WPU_NAMESPACE_END

#else  // !defined(__ELF__)

WPU_NAMESPACE_BEGIN
namespace detail {

WPU_DECL void* claim_process_object(process_object, void* object) noexcept {
  return object;
}

}  // namespace detail
WPU_NAMESPACE_END

#endif  // defined(__ELF__)

#endif  // WPU_DETAIL_IMPL_PROCESS_OBJECTS_IPP
