/*
 * libnetkit: network programming with sockets, as easy as Python's
 * socket module. This is the one header to include.
 */
#ifndef NETKIT_H
#define NETKIT_H

#include "netkit/common.h"
#include "netkit/addr.h"
#include "netkit/socket.h"

#endif /* NETKIT_H */

/**
 * @mainpage libnetkit
 *
 * libnetkit is a small C library for socket programming. It keeps the
 * shape of Python's `socket` module, with C's plain descriptors and one
 * error convention, and none of BSD sockets' traps: every descriptor is
 * close-on-exec, no call raises SIGPIPE, signals never surface as EINTR,
 * and every bad argument is answered with an error code.
 *
 * @section start Building against it
 * @code
 * #include <netkit.h>
 * @endcode
 * and link with `cc app.c $(pkg-config --cflags --libs netkit)`.
 *
 * @section errors One error convention
 * Every call returns `>= 0` on success and a negative code on failure:
 * `-ECONNREFUSED` for a system error, `NETKIT_E...` for a resolver error.
 * netkit_strerror() and netkit_errname() describe any code. Where Python
 * raises an exception, netkit returns its code. See @ref error.
 *
 * @section python From Python's socket to netkit
 * | Python | netkit |
 * | --- | --- |
 * | `s = socket(AF_INET, SOCK_STREAM)` | `fd = netkit_socket(AF_INET, SOCK_STREAM, 0)` |
 * | `s.bind(("127.0.0.1", 6666))` | `netkit_addr_from_ip(&a, "127.0.0.1", 6666); netkit_bind(fd, &a)` |
 * | `s.listen(5)` | `netkit_listen(fd, 5)` |
 * | `conn, addr = s.accept()` | `conn = netkit_accept(fd, &addr)` |
 * | `s.connect((host, port))` | `netkit_connect(fd, &a)` |
 * | `data = s.recv(1024)` | `n = netkit_recv(fd, buf, 1024)` (0: peer closed) |
 * | `n = s.send(data)` | `n = netkit_send(fd, data, len)` |
 * | `s.sendall(data)` | `netkit_send_all(fd, data, len)` |
 * | `s.sendto(data, addr)` / `s.recvfrom(n)` | netkit_sendto() / netkit_recvfrom() |
 * | `s.shutdown(SHUT_WR)` | `netkit_shutdown(fd, SHUT_WR)` |
 * | `s.close()` | `netkit_close(fd)` |
 * | `s.getsockname()` / `s.getpeername()` | netkit_local_addr() / netkit_peer_addr() |
 *
 * @section groups The reference, by topic
 * - @ref socket: the tutorial's calls.
 * - @ref io: sending everything, receiving an exact count.
 * - @ref addr: IPv4/IPv6 addresses and ports.
 * - @ref error: codes and their messages.
 * - @ref version: version macros.
 *
 * @section examples Examples
 * The tutorial's programs, rebuilt on netkit:
 * - tcp-oneshot-server.c: accepts one client, prints what it sends,
 *   answers "Hello, I'm the server".
 * - tcp-echo-server.c: the tutorial's message server.
 * - tcp-client.c: the tutorial's interactive client.
 *
 * @example tcp-oneshot-server.c
 * The tutorial's first server: one client, one message, one reply.
 * @example tcp-echo-server.c
 * The tutorial's message server: answers every message until the client
 * closes.
 * @example tcp-client.c
 * The tutorial's interactive client: `Msg>>` prompt, empty line to quit.
 */
