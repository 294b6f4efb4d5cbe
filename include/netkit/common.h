/*
 * libnetkit: shared definitions (export macro, version, error codes).
 * Include <netkit.h>, not this file.
 */
#ifndef NETKIT_COMMON_H
#define NETKIT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @cond INTERNAL */
#if defined(__GNUC__) && __GNUC__ >= 4
#define NETKIT_EXPORT __attribute__((visibility("default")))
#else
#define NETKIT_EXPORT
#endif
/** @endcond */

/**
 * @defgroup version Version
 * The library's version, at compile time and at run time.
 *
 * The macros give the version of the header a program was compiled
 * against; netkit_version_string() gives the version of the library it
 * runs with.
 * @code
 * printf("built with %d.%d.%d, running %s\n", NETKIT_VERSION_MAJOR,
 *        NETKIT_VERSION_MINOR, NETKIT_VERSION_PATCH,
 *        netkit_version_string());
 * @endcode
 * @{
 */
/** Major version: changes when the ABI breaks. */
#define NETKIT_VERSION_MAJOR 0
/** Minor version: changes when functions are added. */
#define NETKIT_VERSION_MINOR 1
/** Patch version: changes for fixes only. */
#define NETKIT_VERSION_PATCH 0

/**
 * The version of the running library, as "MAJOR.MINOR.PATCH".
 * @return A static string, never NULL.
 * @note Thread-safe.
 */
NETKIT_EXPORT const char *netkit_version_string(void);
/** @} */

/**
 * @defgroup error Errors
 * One convention for every call: `>= 0` is success, `< 0` an error code.
 *
 * A system error is the negative errno value (`-ECONNREFUSED`): compare
 * against `-E...` constants from `<errno.h>`. Resolver and library
 * errors are the `NETKIT_E...` codes below, all at or below -10000, so
 * they never collide with an errno value. `errno` itself is never the
 * channel: netkit leaves it unspecified.
 * @code
 * int rc = netkit_connect(fd, &addr);
 * if (rc < 0) {
 *         fprintf(stderr, "connect: %s (%s)\n", netkit_strerror(rc),
 *                 netkit_errname(rc));
 *         if (rc == -ECONNREFUSED)
 *                 ...;
 * }
 * @endcode
 * @{
 */
/** First library error code; every `NETKIT_E*` code is at or below it. */
#define NETKIT_EBASE (-10000)
/** The name is not known to the resolver (like Python's `socket.gaierror`,
 * EAI_NONAME). */
#define NETKIT_ENONAME (-10001)
/** Temporary resolver failure; trying again later may work (EAI_AGAIN). */
#define NETKIT_EAGAIN_RESOLVE (-10002)
/** The service name is not known for this protocol (Python's
 * `OSError: service/proto not found`). */
#define NETKIT_ENOSERVICE (-10003)
/** Any other resolver failure (EAI_FAIL and the rest). */
#define NETKIT_ERESOLVE (-10004)
/** The name exists but has no address of the requested family
 * (EAI_ADDRFAMILY). */
#define NETKIT_ENOADDR (-10005)
/** A line (or delimited record) is longer than the buffer it must fit
 * in: the caller's, or the reader's (see @ref reader). */
#define NETKIT_ETOOLONG (-10006)

/**
 * A human sentence for an error code.
 * @param err A code returned by a netkit call (negative); 0 and unknown
 *            codes are answered too.
 * @return A static string, never NULL.
 * @note Thread-safe; no allocation, no formatting.
 */
NETKIT_EXPORT const char *netkit_strerror(int err);

/**
 * The short symbolic name of an error code.
 * @param err A code returned by a netkit call, e.g. `-ECONNREFUSED`.
 * @return A static string such as "ECONNREFUSED" or "NETKIT_ENONAME";
 *         "OK" for 0 and positive values, "UNKNOWN" for codes it does
 *         not know. Never NULL.
 * @note Thread-safe.
 */
NETKIT_EXPORT const char *netkit_errname(int err);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_COMMON_H */
