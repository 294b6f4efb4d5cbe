/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: IP address text to bytes and back. Include <netkit.h>, not
 * this file.
 */
#ifndef NETKIT_INET_H
#define NETKIT_INET_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup inet Address conversions
 * Python's `inet_aton`, `inet_ntoa`, `inet_pton` and `inet_ntop`: IP
 * addresses between their text form and their bytes (network order).
 *
 * These calls touch neither the network nor the resolver: they are
 * pure functions of their arguments, thread-safe, and accept exactly
 * the inputs Python accepts on the same machine. On glibc,
 * netkit_inet_aton() takes the classic BSD forms Python takes: short
 * forms ("127.1"), hexadecimal and octal parts ("0x7f.0.0.01"), and it
 * ignores anything after a space ("1.2.3.4 junk"). netkit_inet_pton()
 * is strict: four decimal parts for IPv4, standard text for IPv6.
 * @code
 * unsigned char ip[4];
 * char text[INET_ADDRSTRLEN];
 *
 * if (netkit_inet_aton("192.168.1.2", ip) == 0)      // b'\xc0\xa8\x01\x02'
 *         printf("%02x%02x%02x%02x\n", ip[0], ip[1], ip[2], ip[3]);
 * if (netkit_inet_ntoa(ip, text, sizeof(text)) >= 0) // '192.168.1.2'
 *         puts(text);
 * @endcode
 * @{
 */

/**
 * @brief Parses IPv4 text the way `socket.inet_aton()` does.
 *
 * Calls the platform's inet_aton(), as CPython does, so the accepted
 * forms are those of Python on the same machine: "1.2.3.4", "1.2.3"
 * (the last part fills 16 bits), "1.2", "16909060", hexadecimal
 * ("0x7f.1") and octal ("010.0.0.1") parts, and on glibc any text after
 * the first whitespace is ignored.
 *
 * Unlike the other text calls, this one has no length limit: Python
 * takes any number of leading zeros ("000...01.2.3.4", 100 KB of them)
 * and any junk after the whitespace, so any cut-off would refuse what
 * Python accepts. The text is read up to its first byte that cannot
 * continue an address (NUL, whitespace, ...).
 * @param text      NUL-terminated text.
 * @param[out] out  The 4 address bytes in network order; written only
 *                  on success.
 * @retval 0        Success.
 * @retval -EINVAL  NULL argument or text that is not an IPv4 address
 *                  (Python: `OSError: illegal IP address string passed
 *                  to inet_aton`).
 * @note Thread-safe; no allocation. Python: `socket.inet_aton(text)`.
 */
NETKIT_EXPORT int netkit_inet_aton(const char *text, unsigned char out[4]);

/**
 * @brief Formats 4 address bytes as dotted decimal text.
 * @param in        The 4 bytes, network order.
 * @param[out] buf  Receives "a.b.c.d" and its NUL; untouched on failure.
 * @param len       Size of @p buf; `INET_ADDRSTRLEN` (16) always
 *                  suffices.
 * @return The length of the text (7 to 15).
 * @retval -EINVAL  NULL argument.
 * @retval -ENOSPC  @p buf too small for the text and its NUL.
 * @note Thread-safe, unlike the libc inet_ntoa(). Python:
 *       ``socket.inet_ntoa(b'\xc0\xa8\x01\x02')``.
 */
NETKIT_EXPORT int netkit_inet_ntoa(const unsigned char in[4], char *buf,
				   size_t len);

/**
 * @brief Parses IPv4 or IPv6 text strictly, like `socket.inet_pton()`.
 * @param family    `AF_INET` or `AF_INET6`.
 * @param text      NUL-terminated text: four decimal parts for IPv4
 *                  ("1.2.3.4"), standard text for IPv6 ("::1",
 *                  "::ffff:1.2.3.4"); no scope ("%eth0"). Read at most
 *                  `INET_ADDRSTRLEN` (16) or `INET6_ADDRSTRLEN` (46)
 *                  bytes far: no valid text is longer.
 * @param[out] out  4 (IPv4) or 16 (IPv6) bytes in network order;
 *                  written only on success.
 * @retval 0        Success.
 * @retval -EINVAL  NULL argument, text that is not an address of that
 *                  family, or text of 16 (IPv4) or 46 (IPv6) bytes or
 *                  more (Python: `OSError: illegal IP address string
 *                  passed to inet_pton`).
 * @retval -EAFNOSUPPORT @p family is neither AF_INET nor AF_INET6
 *                  (Python: `OSError` with errno EAFNOSUPPORT).
 * @note Thread-safe. Python: `socket.inet_pton(family, text)`.
 */
NETKIT_EXPORT int netkit_inet_pton(int family, const char *text, void *out);

/**
 * @brief Formats 4 or 16 address bytes as text, like `socket.inet_ntop()`.
 * @param family    `AF_INET` (4 bytes) or `AF_INET6` (16 bytes).
 * @param in        The address bytes, network order.
 * @param[out] buf  Receives the text and its NUL; untouched on failure.
 * @param len       Size of @p buf; `INET6_ADDRSTRLEN` (46) always
 *                  suffices.
 * @return The length of the text.
 * @retval -EINVAL  NULL argument, or a family other than AF_INET and
 *                  AF_INET6 (Python: `ValueError: unknown address
 *                  family`).
 * @retval -ENOSPC  @p buf too small.
 * @note Thread-safe. Python: `socket.inet_ntop(family, packed)`.
 */
NETKIT_EXPORT int netkit_inet_ntop(int family, const void *in, char *buf,
				   size_t len);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_INET_H */
