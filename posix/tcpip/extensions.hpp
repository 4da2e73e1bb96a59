// posix/tcpip/extensions.hpp - what the extension function files of "wpu
// tcpip" (extensions.cpp, extensions_transmit.cpp, extensions_msg.cpp)
// share: the helpers and the functions extension_function hands out.
// Internal to the module.
//
// The extension functions report errors as Windows' do: FALSE or
// SOCKET_ERROR with the calling thread's last error (WSASetLastError), and
// ERROR_IO_PENDING (WSA_IO_PENDING) for an overlapped request that waits.
// Any thread.
#ifndef WPU_TCPIP_EXTENSIONS_HPP
#define WPU_TCPIP_EXTENSIONS_HPP

#include "provider.hpp"

namespace wpu_tcpip {

// `e` becomes the calling thread's last error; fail_last returns FALSE (the
// BOOL functions), msg_fail_last SOCKET_ERROR (WSARecvMsg / WSASendMsg).
bool fail_last(int e) noexcept;
int msg_fail_last(int e) noexcept;

// A fresh unconnected fd of the socket's kind with Windows' defaults, or -1
// with errno.
int fresh_fd(const sock& k) noexcept;
// Makes `k` refer to `fd` under its SOCKET value (dup3 over k.fd; `fd` is
// closed), its reactor descriptor released first. With k.m held.
void replace_fd(sock& k, int fd) noexcept;
// Runs an extension function's overlapped request in the direction `reads`:
// at once, or queued behind the socket's earlier requests. TRUE when it
// finished successfully at once (its completion is delivered too), FALSE
// with WSA_IO_PENDING or the error as the thread's last error.
bool run_ext(const use& u, op_ptr o, LPDWORD done, bool reads);

// The functions extension_function returns (the LPFN_* types of mswsock.h).
BOOL accept_ex(SOCKET sListenSocket, SOCKET sAcceptSocket, PVOID lpOutputBuffer,
               DWORD dwReceiveDataLength, DWORD dwLocalAddressLength, DWORD dwRemoteAddressLength,
               LPDWORD lpdwBytesReceived, LPOVERLAPPED lpOverlapped);
void get_accept_ex_sockaddrs(PVOID lpOutputBuffer, DWORD dwReceiveDataLength,
                             DWORD dwLocalAddressLength, DWORD dwRemoteAddressLength,
                             sockaddr** LocalSockaddr, LPINT LocalSockaddrLength,
                             sockaddr** RemoteSockaddr, LPINT RemoteSockaddrLength);
BOOL connect_ex(SOCKET s, const sockaddr* name, int namelen, PVOID lpSendBuffer,
                DWORD dwSendDataLength, LPDWORD lpdwBytesSent, LPOVERLAPPED lpOverlapped);
BOOL disconnect_ex(SOCKET s, LPOVERLAPPED lpOverlapped, DWORD dwFlags, DWORD dwReserved);
BOOL transmit_file(SOCKET hSocket, HANDLE hFile, DWORD nNumberOfBytesToWrite,
                   DWORD nNumberOfBytesPerSend, LPOVERLAPPED lpOverlapped,
                   LPTRANSMIT_FILE_BUFFERS lpTransmitBuffers, DWORD dwReserved);
INT wsa_recv_msg(SOCKET s, LPWSAMSG lpMsg, LPDWORD lpdwNumberOfBytesRecvd,
                 LPWSAOVERLAPPED lpOverlapped,
                 LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
INT wsa_send_msg(SOCKET s, LPWSAMSG lpMsg, DWORD dwFlags, LPDWORD lpNumberOfBytesSent,
                 LPWSAOVERLAPPED lpOverlapped,
                 LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);

}  // namespace wpu_tcpip

#endif  // WPU_TCPIP_EXTENSIONS_HPP
