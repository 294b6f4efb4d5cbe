/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: host names, addresses and services through the system's
 * resolver. Include <netkit.h>, not this file.
 */
#ifndef NETKIT_RESOLVE_H
#define NETKIT_RESOLVE_H

#include "addr.h"
#include "deadline.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup resolve Names and services
 * Python's resolver helpers: `gethostname`, `gethostbyname`,
 * `gethostbyname_ex`, `gethostbyaddr`, `getservbyname`, `getservbyport`,
 * `getaddrinfo` and `getnameinfo`.
 *
 * Each call answers what CPython's `socket` module answers on the same
 * machine, for good and bad input alike: it takes the same steps (the
 * empty name is the wildcard 0.0.0.0, "<broadcast>" is
 * 255.255.255.255, numeric text skips the resolver, a name given to
 * netkit_gethostbyaddr() is resolved first) and where Python raises, it
 * returns the matching code: `-EINVAL` for Python's ValueError,
 * TypeError and OverflowError (including a host name label that is
 * empty or longer than 63 bytes, which Python's IDNA codec refuses),
 * and for the resolver:
 * - #NETKIT_ENONAME: no such name or address (Python's `gaierror`
 *   EAI_NONAME, or `herror` HOST_NOT_FOUND);
 * - #NETKIT_EAGAIN_RESOLVE: temporary failure, e.g. no DNS server
 *   reachable (EAI_AGAIN, TRY_AGAIN);
 * - #NETKIT_ENOSERVICE: no such service for that protocol (Python's
 *   `OSError: service/proto not found`);
 * - #NETKIT_ENOADDR: the name has no address of that family;
 * - #NETKIT_ERESOLVE: anything else.
 *
 * All of them are thread-safe and reentrant: they use getaddrinfo(),
 * getnameinfo() and the `_r` lookups, never a static buffer. Only
 * netkit_gethostbyname_ex(), netkit_gethostbyaddr() and
 * netkit_getaddrinfo() allocate, each with its NULL-safe free function.
 * Names that are not in the local hosts file may be looked up with DNS.
 *
 * **Deadlines.** netkit_getaddrinfo_until() bounds a lookup with a
 * deadline (see @ref time), even when the DNS server never answers.
 * It runs the lookup on a thread of its own ("netkit-resolve") and
 * waits until the deadline; a lookup left behind runs on to its end in
 * the background (no thread can stop getaddrinfo()) and is freed then.
 * Numeric text, a NULL host and #NETKIT_FOREVER need no
 * such thread. The other calls here have no deadline: given a name
 * (or, for netkit_getnameinfo() and netkit_gethostbyaddr(), an address
 * to name), each waits as long as the system's resolver does, which is
 * resolv.conf's timeout times its attempts (seconds, or more) when a
 * DNS server does not answer. Numeric text given to
 * netkit_gethostbyname(), netkit_gethostbyname_ex() or
 * netkit_getaddrinfo(), and netkit_getnameinfo() with
 * #NETKIT_NI_NUMERICHOST, never wait on a resolver. To bound a lookup
 * of a name, resolve it with netkit_getaddrinfo_until() first and hand
 * its numeric answer on (netkit_addr_ip()).
 *
 * **Text limits.** A text argument is read only up to its longest
 * useful length plus one byte, never on to a NUL however far away: a
 * host name of `NI_MAXHOST` (1025) bytes or more, a service or
 * protocol name of `NI_MAXSERV` (32) bytes or more, is refused without
 * reaching libc, with the answer libc gives for over-long names (as
 * Python on glibc: #NETKIT_ENONAME, #NETKIT_ENOSERVICE), not -EINVAL.
 * Names of 254 to 1024 bytes still go to libc, which refuses them.
 * @code
 * char name[256], ip[INET_ADDRSTRLEN];
 * netkit_hostent *h;
 *
 * netkit_gethostname(name, sizeof(name));                  // 'vm'
 * netkit_gethostbyname("localhost", ip, sizeof(ip));       // '127.0.0.1'
 * if (netkit_gethostbyaddr("127.0.0.1", &h) == 0) {
 *         // ('localhost', [], ['127.0.0.1'])
 *         printf("%s %s\n", h->name, h->addresses[0]);
 *         netkit_hostent_free(h);
 * }
 * printf("%d\n", netkit_getservbyname("ssh", NULL));       // 22
 * @endcode
 * @{
 */

/**
 * @brief The host name of this machine.
 * @param[out] buf  Receives the name and its NUL; untouched on failure.
 * @param len       Size of @p buf; 256 always suffices on Linux.
 * @return The length of the name.
 * @retval -EINVAL  @p buf is NULL.
 * @retval -ENOSPC  @p buf too small.
 * @retval -ENAMETOOLONG The system's name does not fit 255 bytes
 *                  (gethostname()'s own error; any other error of
 *                  gethostname() is returned too, as a negative errno).
 * @note Thread-safe. Python: `socket.gethostname()`.
 */
NETKIT_EXPORT int netkit_gethostname(char *buf, size_t len);

/**
 * @brief The first IPv4 address of a host name, as dotted text.
 *
 * Numeric IPv4 text is returned without a lookup, "" gives "0.0.0.0"
 * and "<broadcast>" gives "255.255.255.255", as in Python.
 * @param name      A host name or IPv4 text.
 * @param[out] buf  Receives the text and its NUL; untouched on failure.
 * @param len       Size of @p buf; `INET_ADDRSTRLEN` (16) suffices.
 * @return The length of the text.
 * @retval -EINVAL  NULL argument, or a name with an empty label or a
 *                  label of 64 bytes or more ("a..b").
 * @retval -ENOSPC  @p buf too small.
 * @retval NETKIT_ENONAME The name is not known.
 * @retval NETKIT_ENOADDR The name has no IPv4 address (e.g. "::1").
 * @retval NETKIT_EAGAIN_RESOLVE Temporary failure (no DNS reachable).
 * @note Thread-safe. Python: `socket.gethostbyname(name)`.
 */
NETKIT_EXPORT int netkit_gethostbyname(const char *name, char *buf, size_t len);

/**
 * A host's entry: Python's `(hostname, aliaslist, ipaddrlist)` tuple.
 * Allocated as one block by the call that returns it; release it with
 * netkit_hostent_free().
 */
typedef struct netkit_hostent {
	/** The canonical host name, e.g. "localhost". */
	char *name;
	/** Other names of the host: a NULL-terminated list, possibly empty. */
	char **aliases;
	/** The host's addresses as numeric text ("127.0.0.1"): a
	 *  NULL-terminated list. */
	char **addresses;
} netkit_hostent;

/**
 * @brief The host entry of a name: canonical name, aliases, IPv4
 *        addresses.
 *
 * As Python does, the name is first resolved with getaddrinfo() (whose
 * errors are returned), then looked up with gethostbyname_r().
 * @param name      A host name or IPv4 text.
 * @param[out] out  On success, a new entry to release with
 *                  netkit_hostent_free(); untouched on failure.
 * @retval 0        Success.
 * @retval -EINVAL  NULL argument or a malformed name (see
 *                  netkit_gethostbyname()).
 * @retval -ENOMEM  Out of memory.
 * @retval -ERANGE  The entry needs more than the 1 MiB of scratch space
 *                  that gethostbyname_r() is given at most (the buffer
 *                  starts at 16 KiB and doubles on each ERANGE).
 * @retval NETKIT_ENONAME The name is not known, or is 1025 bytes or
 *                  longer.
 * @retval NETKIT_ENOADDR The name has no IPv4 address.
 * @retval NETKIT_EAGAIN_RESOLVE Temporary failure.
 * @retval NETKIT_ERESOLVE Any other resolver failure.
 * @retval -EMFILE  A system error inside the lookup (h_errno
 *                  `NETDB_INTERNAL`), returned as its negative errno:
 *                  -EMFILE, -ENFILE, -ENOMEM...
 * @note Thread-safe. Python: `socket.gethostbyname_ex(name)`, e.g.
 *       ``('localhost', [], ['127.0.0.1'])``.
 */
NETKIT_EXPORT int netkit_gethostbyname_ex(const char *name,
					  netkit_hostent **out);

/**
 * @brief The host entry of an address: reverse lookup.
 *
 * @p ip may be IPv4 or IPv6 text, or a name: as in Python, a name is
 * resolved first and its first address is looked up, so "localhost"
 * gives the same answer as "127.0.0.1". The addresses of the entry are
 * of that address's family.
 * @param ip        IPv4 or IPv6 text, or a host name.
 * @param[out] out  On success, a new entry to release with
 *                  netkit_hostent_free(); untouched on failure.
 * @retval 0        Success.
 * @retval -EINVAL  NULL argument or a malformed name.
 * @retval -ENOMEM  Out of memory.
 * @retval -ERANGE  The entry needs more than 1 MiB of scratch space
 *                  (gethostbyaddr_r(), as netkit_gethostbyname_ex()).
 * @retval NETKIT_ENONAME No name is known for the address, or @p ip is
 *                  a name that is not known (or 1025 bytes or longer).
 * @retval NETKIT_EAGAIN_RESOLVE Temporary failure.
 * @retval NETKIT_ERESOLVE Any other failure; also for "", which means
 *                  both wildcards (Python: `OSError: wildcard resolved
 *                  to multiple address`).
 * @retval -EMFILE  A system error inside the lookup, as for
 *                  netkit_gethostbyname_ex().
 * @note Thread-safe. Python: ``socket.gethostbyaddr('127.0.0.1')``, which
 *       answers ``('localhost', [], ['127.0.0.1'])``.
 */
NETKIT_EXPORT int netkit_gethostbyaddr(const char *ip, netkit_hostent **out);

/**
 * @brief Releases a host entry.
 * @param h An entry from netkit_gethostbyname_ex() or
 *          netkit_gethostbyaddr(); NULL is accepted and ignored.
 */
NETKIT_EXPORT void netkit_hostent_free(netkit_hostent *h);

/**
 * @brief The port of a service, from the system's services database.
 * @param name   The service name or one of its aliases ("ssh", "www").
 * @param proto  "tcp", "udp", ... or NULL for any protocol.
 * @return The port, 0 to 65535.
 * @retval -EINVAL  @p name is NULL.
 * @retval -ENOMEM  Out of memory.
 * @retval -ERANGE  The entry needs more than 1 MiB of scratch space
 *                  (getservbyname_r()'s buffer starts at 1 KiB and
 *                  doubles on each ERANGE, up to 1 MiB).
 * @retval NETKIT_ENOSERVICE No such service for that protocol (Python:
 *                  `OSError: service/proto not found`); also for a
 *                  @p name or @p proto of 32 bytes or more.
 * @note Thread-safe (getservbyname_r()). Python:
 *       ``socket.getservbyname('ssh')`` is 22,
 *       ``socket.getservbyname('mysql')`` is 3306.
 */
NETKIT_EXPORT int netkit_getservbyname(const char *name, const char *proto);

/**
 * @brief The name of the service on a port.
 * @param port      0 to 65535.
 * @param proto     "tcp", "udp", ... or NULL for any protocol.
 * @param[out] buf  Receives the name and its NUL; untouched on failure.
 * @param len       Size of @p buf.
 * @return The length of the name.
 * @retval -EINVAL  @p buf is NULL or @p port is outside 0..65535
 *                  (Python: `OverflowError`).
 * @retval -ENOSPC  @p buf too small.
 * @retval -ENOMEM  Out of memory.
 * @retval -ERANGE  The entry needs more than 1 MiB of scratch space
 *                  (getservbyport_r(), as netkit_getservbyname()).
 * @retval NETKIT_ENOSERVICE No service known on that port (Python:
 *                  `OSError: port/proto not found`); also for a
 *                  @p proto of 32 bytes or more.
 * @note Thread-safe (getservbyport_r()). Python:
 *       `socket.getservbyport(22)` is 'ssh'.
 */
NETKIT_EXPORT int netkit_getservbyport(int port, const char *proto, char *buf,
				       size_t len);

/** netkit_getaddrinfo() flag: with a NULL host, the wildcard addresses
 *  (for bind) instead of loopback (AI_PASSIVE). */
#define NETKIT_AI_PASSIVE 0x01
/** netkit_getaddrinfo() flag: the host must be numeric text; never ask
 *  the resolver (AI_NUMERICHOST). */
#define NETKIT_AI_NUMERICHOST 0x02
/** netkit_getaddrinfo() flag: the service must be a port number
 *  (AI_NUMERICSERV). */
#define NETKIT_AI_NUMERICSERV 0x04
/** netkit_getaddrinfo() flag: fill ::netkit_addrinfo.canonname of the
 *  first result (AI_CANONNAME). */
#define NETKIT_AI_CANONNAME 0x08
/** Every NETKIT_AI_* flag. */
#define NETKIT_AI_ALL 0x0f

/**
 * One result of netkit_getaddrinfo(): Python's `(family, type, proto,
 * canonname, sockaddr)` tuple, in a list.
 */
typedef struct netkit_addrinfo {
	/** The next result, or NULL. */
	struct netkit_addrinfo *next;
	/** `AF_INET` or `AF_INET6`. */
	int family;
	/** `SOCK_STREAM`, `SOCK_DGRAM` or `SOCK_RAW`. */
	int type;
	/** The protocol for netkit_socket(): `IPPROTO_TCP`, `IPPROTO_UDP`
	 *  or 0. */
	int protocol;
	/** With #NETKIT_AI_CANONNAME, the host's canonical name on the first
	 *  result; otherwise NULL (Python's ''). */
	char *canonname;
	/** The address and port, ready for netkit_bind() or
	 *  netkit_connect(). */
	netkit_addr addr;
} netkit_addrinfo;

/**
 * @brief Resolves a host and a service into a list of socket addresses.
 * @param host      A name, numeric IPv4/IPv6 text, or NULL (loopback, or
 *                  the wildcard with #NETKIT_AI_PASSIVE).
 * @param service   A service name ("http"), a port number ("8080"), or
 *                  NULL for port 0. @p host and @p service are not both
 *                  NULL. A port number is 1 to 5 decimal digits, "0" to
 *                  "65535" (leading zeros allowed); text that starts
 *                  with another character (not a blank or a sign) is
 *                  a service name.
 * @param family    `AF_UNSPEC` (0) for any, `AF_INET` or `AF_INET6`.
 * @param type      0 for any, `SOCK_STREAM`, `SOCK_DGRAM` or `SOCK_RAW`.
 * @param flags     0 or NETKIT_AI_* flags or-ed together.
 * @param[out] out  On success, the first result of a new list to release
 *                  with netkit_addrinfo_free(); untouched on failure.
 * @return The number of results (at least 1).
 * @retval -EINVAL  @p out is NULL, unknown @p flags, a malformed host
 *                  name, or a @p service that is a number but no port:
 *                  empty, above 65535 ("99999"), or starting with a
 *                  blank or a sign (" 80", "+80", "-1"). glibc's
 *                  getaddrinfo() takes such text and wraps it
 *                  ("99999" is port 34463, "" and "65536" port 0, any
 *                  free port), and so does Python's
 *                  `socket.getaddrinfo()`; netkit never does.
 * @retval -ENOMEM  Out of memory.
 * @retval NETKIT_ENONAME Unknown name, non-numeric text with
 *                  #NETKIT_AI_NUMERICHOST, both @p host and
 *                  @p service NULL, or a @p host of 1025 bytes or more.
 * @retval NETKIT_ENOSERVICE Unknown service, or not for that @p type,
 *                  or a @p service of 32 bytes or more.
 * @retval NETKIT_ENOADDR No address of that family.
 * @retval NETKIT_EAGAIN_RESOLVE Temporary failure.
 * @retval NETKIT_ERESOLVE Any other failure, e.g. an unsupported
 *                  @p family (Python: EAI_FAMILY).
 * @note Thread-safe. Python:
 *       `socket.getaddrinfo(host, service, family, type, 0, flags)`,
 *       but for the port numbers above (Python's `bind()` and
 *       `create_server()` refuse them: `OverflowError`).
 */
NETKIT_EXPORT int netkit_getaddrinfo(const char *host, const char *service,
				     int family, int type, int flags,
				     netkit_addrinfo **out);

/**
 * What netkit_getaddrinfo_until() looks for: Python's `family`, `type`,
 * `proto` and `flags` arguments of `socket.getaddrinfo()`. All zero (or
 * a NULL pointer) asks for anything.
 */
typedef struct netkit_addrinfo_hints {
	/** `AF_UNSPEC` (0) for any, `AF_INET` or `AF_INET6`. */
	int family;
	/** 0 for any, `SOCK_STREAM`, `SOCK_DGRAM` or `SOCK_RAW`. */
	int type;
	/** 0 for any, or a protocol (`IPPROTO_TCP`, `IPPROTO_UDP`, ...)
	 *  that the results must have: every result has it (results of
	 *  another that the C library adds are left out: musl does, for
	 *  a protocol other than TCP and UDP with type 0), and with none
	 *  left the answer is #NETKIT_ENOSERVICE. A protocol that does not
	 *  go with ::netkit_addrinfo_hints.type (`IPPROTO_TCP` with
	 *  `SOCK_DGRAM`) is the C library's error: #NETKIT_ERESOLVE on
	 *  glibc (`EAI_SOCKTYPE`), #NETKIT_ENOSERVICE on musl
	 *  (`EAI_SERVICE`). Negative: `-EINVAL`. */
	int protocol;
	/** 0 or NETKIT_AI_* flags or-ed together. */
	int flags;
	/** Reserved: must be zero. */
	uint64_t reserved_[4];
} netkit_addrinfo_hints;

/**
 * @brief netkit_getaddrinfo() with a deadline, and a protocol.
 *
 * Answers `-ETIMEDOUT` when the deadline passes first, even when the
 * system's DNS server never answers; never earlier. Otherwise it gives
 * exactly netkit_getaddrinfo()'s answer (the same checks, codes and
 * list) for the same arguments:
 * - #NETKIT_FOREVER: it is netkit_getaddrinfo().
 * - A NULL @p host, numeric text (what getaddrinfo() takes with
 *   `AI_NUMERICHOST`: "127.0.0.1", "127.1", "::1", "fe80::1%lo") or
 *   #NETKIT_AI_NUMERICHOST: answered at once, even with #NETKIT_NOW.
 * - A name: getaddrinfo() runs on a thread of its own, detached, named
 *   "netkit-resolve", with every signal blocked, and the call waits for
 *   it until the deadline; signals neither end nor extend the wait. A
 *   lookup that misses the deadline is not cancelled (nothing can
 *   cancel getaddrinfo()): it runs on to its end in the background,
 *   bounded by resolv.conf's own timeouts, and its memory is freed
 *   then. At most 64 such threads run at once. With #NETKIT_NOW or a
 *   deadline past, a name is looked up but not waited for
 *   (`-ETIMEDOUT`, or the answer if it came in that instant).
 *
 * This works on any POSIX libc and under ThreadSanitizer, helgrind and
 * valgrind, which is why it is not glibc's getaddrinfo_a(): its
 * threads are made inside libc, out of the tools' sight, and
 * gai_cancel() leaks (glibc 2.36).
 * @param host      As for netkit_getaddrinfo().
 * @param service   As for netkit_getaddrinfo().
 * @param hints     The family, type, protocol and flags wanted, or NULL
 *                  for any.
 * @param[out] out  As for netkit_getaddrinfo(); untouched on failure.
 * @param deadline  See @ref time.
 * @return The number of results (at least 1), or a negative code.
 * @retval -ETIMEDOUT The deadline passed before the resolver answered.
 * @retval -EINVAL  As netkit_getaddrinfo(), a negative protocol or
 *                  reserved space not zero in @p hints, or @p deadline
 *                  below -1.
 * @retval -ENOMEM  Out of memory.
 * @retval NETKIT_EAGAIN_RESOLVE 64 lookups are already running (a DNS
 *                  server that does not answer), or no thread could be
 *                  started; try again later. Also as for
 *                  netkit_getaddrinfo().
 * @retval NETKIT_ENONAME As netkit_getaddrinfo().
 * @retval NETKIT_ENOSERVICE As netkit_getaddrinfo(), or no result of
 *                  the protocol of @p hints.
 * @retval NETKIT_ENOADDR As netkit_getaddrinfo().
 * @retval NETKIT_ERESOLVE As netkit_getaddrinfo(), or a protocol of
 *                  @p hints that does not go with its type (glibc).
 * @note Thread-safe; many lookups may wait at once, from any threads.
 *       Python has no deadline for `socket.getaddrinfo()`; the
 *       usual workaround is a thread pool and `future.result(timeout)`.
 */
NETKIT_EXPORT int netkit_getaddrinfo_until(const char *host,
					   const char *service,
					   const netkit_addrinfo_hints *hints,
					   netkit_addrinfo **out,
					   netkit_deadline deadline);

/**
 * @brief Releases a list from netkit_getaddrinfo().
 * @param list  The first result; NULL is accepted and ignored.
 */
NETKIT_EXPORT void netkit_addrinfo_free(netkit_addrinfo *list);

/** netkit_getnameinfo() flag: numeric host text, no reverse lookup
 *  (NI_NUMERICHOST). */
#define NETKIT_NI_NUMERICHOST 0x01
/** netkit_getnameinfo() flag: the port as a number (NI_NUMERICSERV). */
#define NETKIT_NI_NUMERICSERV 0x02
/** netkit_getnameinfo() flag: fail with #NETKIT_ENONAME rather than
 *  give numeric text when the address has no name (NI_NAMEREQD). */
#define NETKIT_NI_NAMEREQD 0x04
/** netkit_getnameinfo() flag: the service is UDP, not TCP (NI_DGRAM). */
#define NETKIT_NI_DGRAM 0x08
/** netkit_getnameinfo() flag: only the first label of a local host's
 *  name (NI_NOFQDN). */
#define NETKIT_NI_NOFQDN 0x10
/** Every NETKIT_NI_* flag. */
#define NETKIT_NI_ALL 0x1f

/**
 * @brief The host name and service name of a socket address.
 *
 * A name that is not known is given as numeric text, unless
 * #NETKIT_NI_NAMEREQD is set; so is a port with no service.
 *
 * **No deadline.** Without #NETKIT_NI_NUMERICHOST the host's name comes
 * from a reverse lookup (the hosts file, then DNS), which can take as
 * long as the system's resolver does (resolv.conf's timeout times its
 * attempts: seconds, or more, when a DNS server does not answer); there
 * is no `_until` variant of this call. With #NETKIT_NI_NUMERICHOST it
 * makes no reverse lookup and answers at once.
 * @param a          The address.
 * @param flags      0 or NETKIT_NI_* flags or-ed together.
 * @param[out] host  Receives the host's name; may be NULL if not
 *                   wanted. Untouched on failure.
 * @param hostlen    Size of @p host; 1025 (`NI_MAXHOST`) suffices.
 * @param[out] serv  Receives the service's name; may be NULL if not
 *                   wanted. Untouched on failure.
 * @param servlen    Size of @p serv; 32 (`NI_MAXSERV`) suffices.
 * @retval 0         Success.
 * @retval -EINVAL   An empty or NULL address, unknown flags, or both
 *                   @p host and @p serv NULL.
 * @retval -ENOSPC   @p host or @p serv too small (neither is written).
 * @retval NETKIT_ENONAME No name for the address with
 *                   #NETKIT_NI_NAMEREQD.
 * @retval NETKIT_EAGAIN_RESOLVE Temporary failure.
 * @retval NETKIT_ERESOLVE Any other resolver failure.
 * @retval -ENOMEM   Out of memory.
 * @retval -EMFILE   A system error of the lookup (EAI_SYSTEM), returned
 *                   as its negative errno: -EMFILE, -ENFILE...
 * @note Thread-safe. Python: `socket.getnameinfo((ip, port), flags)`;
 *       `(127.0.0.1, 22)` gives ``('localhost', 'ssh')``.
 */
NETKIT_EXPORT int netkit_getnameinfo(const netkit_addr *a, int flags,
				     char *host, size_t hostlen,
				     char *serv, size_t servlen);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_RESOLVE_H */
