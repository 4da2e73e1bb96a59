/*
 * examples/lsp.h - what examples/lsp.c (a layered service provider) and the
 * applications that install and query it share: its provider GUID, its
 * private ioctl and the record that ioctl returns.
 *
 * It includes <winsock2.h>: the system's on Windows, wpu's compatibility
 * header on POSIX (dependency('wpu-windows')), so an application that
 * includes it is built the way the LSP is.
 */
#ifndef WPU_EXAMPLES_LSP_H
#define WPU_EXAMPLES_LSP_H

#include <winsock2.h>

/* The LSP's ProviderId: its hidden entry and every chain entry it installs
   carry it. */
#define WPU_LSP_GUID_INIT                            \
  {                                                  \
    0x5d0f4b2e, 0x7a19, 0x4c63, {                    \
      0xb8, 0xe4, 0x2f, 0x6a, 0x1c, 0x9d, 0x0e, 0x57 \
    }                                                \
  }

/* WSAIoctl(s, SIO_WPU_LSP_STATS, NULL, 0, &stats, sizeof stats, &returned,
   NULL, NULL) on a socket of the LSP: the socket's counters, answered by
   the LSP itself (never passed down). WSAEFAULT when the output buffer is
   NULL or shorter than struct wpu_lsp_stats. */
#define SIO_WPU_LSP_STATS _WSAIOR(IOC_VENDOR, 0x5750)

/* Bits of wpu_lsp_stats.upcalls: the slot index of the upcall in
   WSPUPCALLTABLE order, and bit 15 for WPUCompleteOverlappedRequest (which
   ws2_32 exports instead of putting it in the table). */
enum wpu_lsp_upcall_bit {
  WPU_LSP_UP_CLOSE_EVENT = 0,
  WPU_LSP_UP_CLOSE_SOCKET_HANDLE = 1,
  WPU_LSP_UP_CREATE_EVENT = 2,
  WPU_LSP_UP_CREATE_SOCKET_HANDLE = 3,
  WPU_LSP_UP_FD_IS_SET = 4,
  WPU_LSP_UP_GET_PROVIDER_PATH = 5,
  WPU_LSP_UP_MODIFY_IFS_HANDLE = 6,
  WPU_LSP_UP_POST_MESSAGE = 7,
  WPU_LSP_UP_QUERY_BLOCKING_CALLBACK = 8,
  WPU_LSP_UP_QUERY_SOCKET_HANDLE_CONTEXT = 9,
  WPU_LSP_UP_QUEUE_APC = 10,
  WPU_LSP_UP_RESET_EVENT = 11,
  WPU_LSP_UP_SET_EVENT = 12,
  WPU_LSP_UP_OPEN_CURRENT_THREAD = 13,
  WPU_LSP_UP_CLOSE_THREAD = 14,
  WPU_LSP_UP_COMPLETE_OVERLAPPED_REQUEST = 15
};

/* One socket's counters: the payload bytes that went through the LSP in
   each direction (counted when a send or receive completed successfully,
   a receive with MSG_PEEK not at all,
   overlapped ones when the completion reached the LSP), and the upcalls the
   LSP made on the socket's behalf (1u << wpu_lsp_upcall_bit). */
struct wpu_lsp_stats {
  unsigned long long bytes_sent, bytes_received;
  unsigned int upcalls;
};

#endif /* WPU_EXAMPLES_LSP_H */
