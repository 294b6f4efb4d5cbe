/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: network programming with sockets, as easy as Python's
 * socket module. This is the one header to include.
 */
#ifndef NETKIT_H
#define NETKIT_H

#include "netkit/common.h"
#include "netkit/deadline.h"
#include "netkit/addr.h"
#include "netkit/socket.h"
#include "netkit/inet.h"
#include "netkit/resolve.h"
#include "netkit/iface.h"
#include "netkit/reader.h"
#include "netkit/endpoint.h"
#include "netkit/sockopt.h"
#include "netkit/udp.h"
#include "netkit/unix.h"
#include "netkit/poller.h"
#include "netkit/file.h"
#include "netkit/loop.h"
#include "netkit/tls.h"

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
 * @section conventions The rules of every call
 * - **Errors.** Every call that can fail returns `>= 0` on success and a
 *   negative code on failure: `-errno` for a system error
 *   (`-ECONNREFUSED`), `NETKIT_E...` for the resolver and the library.
 *   `errno` is never the channel; netkit_strerror() and netkit_errname()
 *   describe any code.
 * - **Descriptors.** A socket is a plain `int`: mix netkit calls with
 *   any POSIX call on it. Every descriptor netkit makes is
 *   close-on-exec; no call raises SIGPIPE; EINTR is retried inside.
 * - **Deadlines.** A deadline is a ::netkit_deadline, a time on the
 *   monotonic clock: netkit_deadline_in(ms) from now, #NETKIT_FOREVER
 *   (never), #NETKIT_NOW (try once, do not block), or
 *   netkit_deadline_at(t). An integer is not a deadline: the compiler
 *   refuses one. Only calls whose name ends in `_for` or `_in` take a
 *   relative time in milliseconds.
 * - **Blocking calls.** The tutorial's calls (0.1) make exactly the
 *   system call they name, and each that can block has a twin ending in
 *   `_until` that takes a deadline. Every blocking call added since
 *   takes a deadline and has no twin: pass #NETKIT_FOREVER to block.
 * - **Argument order.** First what the call acts on or makes (the
 *   descriptor, the poller, the reader, the object a constructor
 *   fills); then its inputs; then its outputs; the deadline always last.
 * - **Counts.** A call that moves a whole message says how many bytes
 *   moved, on success and on every error.
 * - **Structs that grow.** Options and hints structs end in reserved
 *   space that must be zero: initialize them with `= { 0 }` or
 *   designated initializers, and a later release can add fields without
 *   changing their size.
 *
 * See @ref error for the codes and their texts, and @ref time for what
 * a deadline guarantees.
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
 * | `socket.create_connection((host, port), t)` | `fd = netkit_create_connection(host, port, NULL, NULL, netkit_deadline_in(t))` |
 * | `socket.create_server((host, port))` | `fd = netkit_create_server(host, port, NULL, NETKIT_FOREVER)` |
 * | `socket.gethostname()` | `netkit_gethostname(buf, sizeof(buf))` |
 * | ``socket.gethostbyname('localhost')`` | `netkit_gethostbyname("localhost", buf, sizeof(buf))` |
 * | `socket.gethostbyname_ex(name)` | `netkit_gethostbyname_ex(name, &h)` |
 * | ``socket.gethostbyaddr('127.0.0.1')`` | `netkit_gethostbyaddr("127.0.0.1", &h)`, then netkit_hostent_free() |
 * | ``socket.inet_aton('192.168.1.2')`` | `netkit_inet_aton("192.168.1.2", bytes)` |
 * | `socket.inet_ntoa(packed)` | `netkit_inet_ntoa(bytes, buf, sizeof(buf))` |
 * | ``socket.inet_pton(AF_INET6, '::1')`` / `inet_ntop` | netkit_inet_pton() / netkit_inet_ntop() |
 * | ``socket.getservbyname('ssh')`` | `netkit_getservbyname("ssh", NULL)` |
 * | `socket.getservbyport(22)` | `netkit_getservbyport(22, NULL, buf, sizeof(buf))` |
 * | `socket.getaddrinfo(host, port)` / `getnameinfo` | netkit_getaddrinfo() / netkit_getnameinfo() |
 * | ``socket.if_nametoindex('lo')`` / `if_indextoname` | netkit_if_nametoindex() / netkit_if_indextoname() |
 * | `ifconfig` | netkit_iface_list() |
 *
 * @section groups The reference, by topic
 * - @ref socket, the tutorial's calls.
 * - @ref io, sending everything, receiving an exact count.
 * - @ref reader, whole conversations: lines, delimited records and exact
 *   counts through one buffer.
 * - @ref time, the monotonic clock and the deadline of every blocking
 *   call.
 * - @ref addr, IPv4/IPv6 addresses and ports.
 * - @ref inet, address text to bytes and back.
 * - @ref resolve, host names, addresses and services.
 * - @ref iface, this machine's interfaces (ifconfig).
 * - @ref endpoint, a connected client (Happy Eyeballs) or a listening
 *   server in one call.
 * - @ref sockopt, socket options by name, checked.
 * - @ref udp, datagrams never cut in silence, broadcast and multicast.
 * - @ref unix, Unix domain sockets: paths and abstract names, socket
 *   pairs, descriptor passing, peer credentials.
 * - @ref poller, many clients in one thread: descriptors, timers and a
 *   wake-up (Python's `selectors`).
 * - @ref loop, many clients in one thread with the work done: accepting,
 *   buffered input, bounded output, timeouts (asyncio's streams). The
 *   guide @ref serving shows a whole server and says why it works so.
 * - @ref tls, TLS on a connected socket: verified by default, with
 *   deadlines, no SIGPIPE (optional: OpenSSL 3).
 * - @ref file, sendfile from a file to a socket, and from a socket
 *   into a file.
 * - @ref error, codes and their messages.
 * - @ref version, version macros.
 *
 * @section examples Examples
 * The tutorial's programs, rebuilt on netkit (each name opens its
 * source):
 * - @ref tcp-oneshot-server.c "tcp-oneshot-server.c": accepts one
 *   client, prints what it sends, answers "Hello, I'm the server".
 * - @ref tcp-echo-server.c "tcp-echo-server.c": the tutorial's message
 *   server.
 * - @ref tcp-client.c "tcp-client.c": the tutorial's interactive client.
 * - @ref hostinfo.c "hostinfo.c": the tutorial's session with the socket
 *   helpers, and the interfaces.
 * - @ref nkcat.c "nkcat.c": a small netcat on netkit_create_connection()
 *   and netkit_create_server(), with a `-w` deadline.
 * - @ref fd-pass-server.c and @ref fd-pass-client.c "fd-pass-client.c":
 *   one process opens a file and hands the open descriptor to another
 *   over a Unix socket.
 * - @ref multi-echo-server.c "multi-echo-server.c": the echo server for
 *   any number of clients at once, on the connection layer (@ref loop),
 *   with an idle timeout.
 * - @ref udp-receiver.c and @ref udp-sender.c "udp-sender.c": datagrams,
 *   printed with the sender as Python prints its address tuple.
 * - @ref file-server.c and @ref file-client.c "file-client.c": a file
 *   sent with sendfile, saved and checked with a CRC-32.
 * - @ref chat-server.c and @ref chat-client.c "chat-client.c": the
 *   tutorial's group chat, a room where every line goes to all the
 *   others; the server on the connection layer, the client on the
 *   poller.
 * - @ref http-hello.c "http-hello.c": an HTTP/1.1 server answering
 *   "Hello, World!", with keep-alive and pipelining, on the connection
 *   layer (@ref loop).
 * - @ref resp-server.c "resp-server.c": a key-value server speaking the
 *   Redis protocol (PING, ECHO, SET, GET, DEL), on the connection layer.
 * - @ref https-get.c "https-get.c": an HTTPS client with one deadline
 *   for the lookup, connection, handshake, request and response (@ref
 *   tls).
 * - @ref tls-echo-server.c "tls-echo-server.c": the tutorial's echo
 *   server over TLS, many clients on one thread (@ref tls on the
 *   connection layer: netkit_conn_start_tls()); `tcp-client --tls`
 *   talks to it.
 *
 * @example multi-echo-server.c
 * The tutorial's echo server on the connection layer: many clients at
 * once, each dropped after `-i SECONDS` of silence.
 * @example chat-server.c
 * A chat room: every line a client sends goes to all the others, with
 * join and leave notices; bounded output per client, and a reader too
 * slow for the room is dropped with a notice.
 * @example chat-client.c
 * The chat room's client: standard input and the socket at once on the
 * poller; the end of input half-closes and ends it.
 * @example tcp-oneshot-server.c
 * The tutorial's first server: one client, one message, one reply.
 * @example tcp-echo-server.c
 * The tutorial's message server: answers every message until the client
 * closes.
 * @example tcp-client.c
 * The tutorial's interactive client: `Msg>>` prompt, empty line to quit.
 * @example nkcat.c
 * A small netcat: connect by name (Happy Eyeballs) or listen, copy
 * standard input to the socket and the socket to standard output,
 * half-close at the end of input; `-w SECONDS` bounds the connect and
 * idle time.
 * @example fd-pass-server.c
 * Opens a file, waits on a Unix socket (a path or "@abstract") for one
 * client, hands it the descriptor and names the client (SO_PEERCRED).
 * @example fd-pass-client.c
 * Receives an open file over a Unix socket and copies it to standard
 * output through the received descriptor.
 * @example udp-receiver.c
 * Binds a UDP socket and prints each datagram with its sender, as
 * Python prints the tuple: ``('127.0.0.1', 40000) hello``.
 * @example udp-sender.c
 * Sends each line of standard input as one datagram.
 * @example file-server.c
 * Sends a file with netkit_sendfile() to every client that
 * connects.
 * @example file-client.c
 * Saves what file-server sends with netkit_recv_to_file() and
 * prints its size and CRC-32.
 * @example hostinfo.c
 * The tutorial's session with the socket helpers, printed as Python
 * prints it, then the machine's interfaces; or lookups of the names
 * given on the command line.
 * @example http-hello.c
 * HTTP on the connection layer: `GET /` is answered "Hello, World!",
 * anything else 404; keep-alive, pipelined requests answered in one
 * send, a bounded request head, nothing printed per request.
 * @example resp-server.c
 * The Redis protocol on the connection layer: RESP arrays and inline
 * commands, PING, ECHO, SET, GET and DEL over a bounded in-memory
 * table, pipelining; redis-cli and redis-benchmark talk to it.
 * @example https-get.c
 * `https-get [--cafile FILE] [--insecure] [--timeout MS] URL`: a GET
 * over TLS, the response printed as it comes; a refused certificate, a
 * response cut without close_notify or the deadline is one line on
 * standard error and status 1.
 * @example tls-echo-server.c
 * The echo server over TLS: multi-echo-server's loop plus
 * netkit_conn_start_tls() at each OPEN event, a deadline on each
 * handshake, close_notify to every client at SIGTERM.
 */
