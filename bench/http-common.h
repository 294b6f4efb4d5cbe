/* SPDX-License-Identifier: MIT */
/*
 * What the four benchmark HTTP servers (bench/http-*.c) share, beside
 * echo-common.h's listener and stopping rule: the replies and the
 * parsing, which is only what finding requests takes. A request ends at
 * its first "\r\n\r\n" (no bodies, no pipelining needed); "GET / " is
 * answered "Hello, World!", anything else 404. Every reply says
 * keep-alive and its length, which `ab -k` needs to keep the connection
 * (wrk speaks HTTP/1.1, where keep-alive is the default).
 *
 * The stopping rule is echo-common.h's with one change: a server exits
 * once every client has gone *after it answered a request*, since wrk
 * opens and closes a probe connection before its load.
 */
#ifndef HTTP_COMMON_H
#define HTTP_COMMON_H

#include "echo-common.h"

#include <string.h>

#define HTTP_BUF 4096

/* Requests answered so far; the stopping rule waits for the first. */
static long http_answered;

static const char http_hello[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Length: 13\r\n"
	"Connection: keep-alive\r\n"
	"\r\n"
	"Hello, World!";

static const char http_missing[] =
	"HTTP/1.1 404 Not Found\r\n"
	"Content-Length: 0\r\n"
	"Connection: keep-alive\r\n"
	"\r\n";

/* Where the first "\r\n\r\n" in p[0..n) ends, or 0: a memchr() per
 * line, since glibc's memmem() sets up a shift table on every call
 * (600 instructions a request, more than the servers' own work). */
static inline size_t
http_end(const char *p, size_t n)
{
	const char *nl = p, *end = p + n;

	while ((nl = memchr(nl, '\n', (size_t)(end - nl)))) {
		if (nl - p >= 3 && nl[-1] == '\r' && nl[-2] == '\n' &&
		    nl[-3] == '\r')
			return (size_t)(nl - p) + 1;
		nl++;
	}
	return 0;
}

/* The length of the first request in p[0..n), "\r\n\r\n" included, and
 * its reply in *reply and *len; 0 while the request is incomplete. */
static inline size_t
http_request(const char *p, size_t n, const char **reply, size_t *len)
{
	size_t used = http_end(p, n);

	if (!used)
		return 0;
	http_answered++;
	/* p[4] and p[5] are inside: with p[3] a space, the end is later. */
	if (p[0] == 'G' && p[1] == 'E' && p[2] == 'T' && p[3] == ' ' &&
	    p[4] == '/' && p[5] == ' ') {
		*reply = http_hello;
		*len = sizeof(http_hello) - 1;
	} else {
		*reply = http_missing;
		*len = sizeof(http_missing) - 1;
	}
	return used;
}

#endif /* HTTP_COMMON_H */
