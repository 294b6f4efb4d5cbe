/* SPDX-License-Identifier: MIT */
/*
 * AF_UNIX addresses in a netkit_addr: paths, Linux abstract names and
 * the unnamed address, and their text forms ("unix:/path", "unix:@name",
 * "unix:"). No system calls; addr.c hands AF_UNIX addresses here.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "netkit-private.h"

#define SUN_OFF offsetof(struct sockaddr_un, sun_path)
/* The longest name: a path and its NUL, or an abstract name after its
 * leading NUL, fill sun_path. */
#define NAME_MAX_LEN (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

_Static_assert(sizeof(struct sockaddr_un) <= sizeof(struct sockaddr_storage),
	       "sockaddr_un must fit a netkit_addr");
/* "unix:" + "@" + every byte of sun_path as \xHH + NUL */
_Static_assert(NETKIT_UNIX_ADDRSTRLEN >=
	       5 + 1 + 4 * sizeof(((struct sockaddr_un *)0)->sun_path) + 1,
	       "NETKIT_UNIX_ADDRSTRLEN too small");

enum unix_kind { UNIX_UNNAMED, UNIX_PATH, UNIX_ABSTRACT };

/* A Unix address's kind and the bytes of its name. */
struct unix_name {
	enum unix_kind kind;
	const char *bytes;
	size_t n;
};

bool
netkit__unix_valid(const netkit_addr *a)
{
	return a && a->ss.ss_family == AF_UNIX && a->len >= SUN_OFF &&
	       a->len <= sizeof(struct sockaddr_un);
}

static struct unix_name
name_of(const netkit_addr *a)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&a->ss;
	size_t room = a->len - SUN_OFF;
	struct unix_name u = { UNIX_UNNAMED, sun->sun_path, 0 };

	assert(netkit__unix_valid(a));
	if (room == 0)
		return u;
	if (sun->sun_path[0] == '\0') {
		u.kind = UNIX_ABSTRACT;
		u.bytes = sun->sun_path + 1;
		u.n = room - 1;
		return u;
	}
	/* The kernel's length may or may not count the path's NUL. */
	u.kind = UNIX_PATH;
	u.n = strnlen(sun->sun_path, room);
	return u;
}

bool
netkit__unix_equal(const netkit_addr *a, const netkit_addr *b)
{
	struct unix_name x = name_of(a), y = name_of(b);

	return x.kind == y.kind && x.n == y.n &&
	       memcmp(x.bytes, y.bytes, x.n) == 0;
}

/* Builds the address of a kind from n bytes of name (n <= NAME_MAX_LEN,
 * already checked). */
static void
unix_make(netkit_addr *out, enum unix_kind kind, const char *bytes,
	  size_t n)
{
	netkit_addr tmp;
	struct sockaddr_un *sun = (struct sockaddr_un *)&tmp.ss;

	memset(&tmp, 0, sizeof(tmp));
	sun->sun_family = AF_UNIX;
	tmp.len = SUN_OFF;
	if (kind == UNIX_PATH) {
		memcpy(sun->sun_path, bytes, n);
		tmp.len = (socklen_t)(SUN_OFF + n + 1);
	} else if (kind == UNIX_ABSTRACT) {
		memcpy(sun->sun_path + 1, bytes, n);
		tmp.len = (socklen_t)(SUN_OFF + 1 + n);
	}
	*out = tmp;
}

NETKIT_EXPORT int
netkit_addr_from_path(netkit_addr *out, const char *path)
{
	size_t n;

	if (!out || !path || path[0] == '\0')
		return -EINVAL;
	n = strnlen(path, NAME_MAX_LEN + 1);
	if (n > NAME_MAX_LEN)
		return -ENAMETOOLONG;
	unix_make(out, UNIX_PATH, path, n);
	return 0;
}

NETKIT_EXPORT int
netkit_addr_from_abstract(netkit_addr *out, const void *name, size_t len)
{
	if (!out || !name)
		return -EINVAL;
	if (len > NAME_MAX_LEN)
		return -ENAMETOOLONG;
	unix_make(out, UNIX_ABSTRACT, name, len);
	return 0;
}

/* Appends byte c to text at *n as Python's bytes literals show it:
 * printable ASCII as itself, '\' as "\\", anything else as "\xHH".
 * A path's leading '@' is escaped too (raw, it means abstract). */
static void
put_byte(char *text, size_t *n, unsigned char c, bool escape_at)
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\\') {
		text[(*n)++] = '\\';
		text[(*n)++] = '\\';
	} else if (c >= 0x20 && c <= 0x7e && !(escape_at && c == '@')) {
		text[(*n)++] = (char)c;
	} else {
		text[(*n)++] = '\\';
		text[(*n)++] = 'x';
		text[(*n)++] = hex[c >> 4];
		text[(*n)++] = hex[c & 0xf];
	}
}

int
netkit__unix_format(const netkit_addr *a, char *buf, size_t len)
{
	char text[NETKIT_UNIX_ADDRSTRLEN];
	struct unix_name u = name_of(a);
	size_t n = 0, i;

	memcpy(text, "unix:", 5);
	n = 5;
	if (u.kind == UNIX_ABSTRACT)
		text[n++] = '@';
	for (i = 0; i < u.n; i++)
		put_byte(text, &n, (unsigned char)u.bytes[i],
			 i == 0 && u.kind == UNIX_PATH);
	text[n] = '\0';
	return netkit__copy_text(buf, len, text);
}

/* The value of one hex digit, or -1. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the next byte of escaped text at *p into *c and moves *p on.
 * Returns 0 or -EINVAL for a '\' not followed by '\' or xHH. */
static int
take_byte(const char **p, char *c)
{
	const char *s = *p;
	int hi, lo;

	if (s[0] != '\\') {
		*c = s[0];
		*p = s + 1;
		return 0;
	}
	if (s[1] == '\\') {
		*c = '\\';
		*p = s + 2;
		return 0;
	}
	if (s[1] != 'x')
		return -EINVAL;
	hi = hex_value(s[2]);
	lo = hi < 0 ? -1 : hex_value(s[3]);
	if (lo < 0)
		return -EINVAL;
	*c = (char)(hi << 4 | lo);
	*p = s + 4;
	return 0;
}

int
netkit__unix_parse(netkit_addr *out, const char *text)
{
	char name[NAME_MAX_LEN + 1];
	enum unix_kind kind = UNIX_PATH;
	size_t n = 0;
	int rc;

	assert(out && text);
	/* text follows "unix:": the whole is read at most
	 * NETKIT_UNIX_ADDRSTRLEN bytes far. */
	if (strnlen(text, NETKIT_UNIX_ADDRSTRLEN - 5) ==
	    NETKIT_UNIX_ADDRSTRLEN - 5)
		return -EINVAL;
	if (text[0] == '\0') {
		unix_make(out, UNIX_UNNAMED, NULL, 0);
		return 0;
	}
	if (text[0] == '@') {
		kind = UNIX_ABSTRACT;
		text++;
	}
	while (*text) {
		if (n == NAME_MAX_LEN)
			return -ENAMETOOLONG;
		rc = take_byte(&text, &name[n]);
		if (rc < 0)
			return rc;
		/* A path ends at its first NUL: it cannot hold one. */
		if (kind == UNIX_PATH && name[n] == '\0')
			return -EINVAL;
		n++;
	}
	unix_make(out, kind, name, n);
	return 0;
}
