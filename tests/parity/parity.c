/* SPDX-License-Identifier: MIT */
/*
 * The netkit side of the Python conformance table: reads cases.txt and
 * prints, for each case, "N: FUNC ARGS -> ANSWER" in the canonical form
 * parity.py prints for CPython's socket module. An error is printed as
 * "error NAME" with NAME = netkit_errname(code).
 *
 * usage: parity CASES all|local   ("local" leaves out class "dns")
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netkit.h>

#define MAXARGS 6

/* One decoded argument: a string (or NULL for None), an integer, or
 * bytes. */
struct arg {
	char text[512];
	bool none;
	long long num;
	unsigned char bytes[64];
	size_t nbytes;
};

static const struct {
	const char *name;
	int value;
} constants[] = {
	{ "AF_UNSPEC", AF_UNSPEC }, { "AF_INET", AF_INET },
	{ "AF_INET6", AF_INET6 }, { "AF_UNIX", AF_UNIX },
	{ "SOCK_STREAM", SOCK_STREAM }, { "SOCK_DGRAM", SOCK_DGRAM },
	{ "SOCK_RAW", SOCK_RAW },
	{ "AI_PASSIVE", NETKIT_AI_PASSIVE },
	{ "AI_NUMERICHOST", NETKIT_AI_NUMERICHOST },
	{ "AI_NUMERICSERV", NETKIT_AI_NUMERICSERV },
	{ "AI_CANONNAME", NETKIT_AI_CANONNAME },
	{ "NI_NUMERICHOST", NETKIT_NI_NUMERICHOST },
	{ "NI_NUMERICSERV", NETKIT_NI_NUMERICSERV },
	{ "NI_NAMEREQD", NETKIT_NI_NAMEREQD },
	{ "NI_DGRAM", NETKIT_NI_DGRAM },
	{ "NI_NOFQDN", NETKIT_NI_NOFQDN },
};

static void
die(const char *what, const char *text)
{
	fprintf(stderr, "parity: %s: %s\n", what, text);
	exit(2);
}

static int
hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

static long long
constant(const char *text)
{
	char buf[128], *tok, *save = NULL;
	long long v = 0;
	size_t i;

	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save)) {
		for (i = 0; i < sizeof(constants) / sizeof(constants[0]); i++)
			if (strcmp(constants[i].name, tok) == 0)
				break;
		if (i == sizeof(constants) / sizeof(constants[0]))
			die("unknown constant", tok);
		v |= constants[i].value;
	}
	return v;
}

static void
decode(const char *tok, struct arg *a)
{
	const char *v = tok + 2;
	size_t n = 0;

	memset(a, 0, sizeof(*a));
	if (strlen(tok) < 2 || tok[1] != ':')
		die("bad argument", tok);
	switch (tok[0]) {
	case 's':
		for (; *v && n + 1 < sizeof(a->text); v++) {
			if (*v == '%' && isxdigit((unsigned char)v[1]) &&
			    isxdigit((unsigned char)v[2])) {
				a->text[n++] = (char)(hexval(v[1]) * 16 +
						      hexval(v[2]));
				v += 2;
			} else {
				a->text[n++] = *v;
			}
		}
		break;
	case 'n':
		a->none = true;
		break;
	case 'i':
		a->num = strtoll(v, NULL, 10);
		break;
	case 'c':
		a->num = constant(v);
		break;
	case 'b':
		for (; v[0] && v[1] && n < sizeof(a->bytes); v += 2)
			a->bytes[n++] = (unsigned char)(hexval(v[0]) * 16 +
							hexval(v[1]));
		a->nbytes = n;
		break;
	case 'h':
		if (netkit_gethostname(a->text, sizeof(a->text)) < 0)
			die("gethostname", "failed");
		break;
	default:
		die("bad argument", tok);
	}
}

static const char *
str(const struct arg *a)
{
	return a->none ? NULL : a->text;
}

static void
print_error(int rc)
{
	printf("error %s", netkit_errname(rc));
}

static void
print_bytes(const unsigned char *b, size_t n)
{
	size_t i;

	printf("bytes ");
	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
}

static void
print_text(int rc, const char *buf)
{
	if (rc < 0)
		print_error(rc);
	else
		printf("'%s'", buf);
}

static void
print_list(char **list)
{
	printf("[");
	for (; *list; list++)
		printf("'%s'%s", *list, list[1] ? ", " : "");
	printf("]");
}

static void
print_hostent(int rc, netkit_hostent *h)
{
	if (rc < 0) {
		print_error(rc);
		return;
	}
	printf("('%s', ", h->name);
	print_list(h->aliases);
	printf(", ");
	print_list(h->addresses);
	printf(")");
	netkit_hostent_free(h);
}

static void
print_addrinfo(int rc, netkit_addrinfo *list)
{
	netkit_addrinfo *ai;
	char ip[NETKIT_ADDRSTRLEN];

	if (rc < 0) {
		print_error(rc);
		return;
	}
	for (ai = list; ai; ai = ai->next) {
		if (netkit_addr_ip(&ai->addr, ip, sizeof(ip)) < 0)
			die("addr_ip", "failed");
		printf("%d %d %d '%s' %s %d%s", ai->family, ai->type,
		       ai->protocol, ai->canonname ? ai->canonname : "", ip,
		       netkit_addr_port(&ai->addr), ai->next ? "; " : "");
	}
	netkit_addrinfo_free(list);
}

/* Python's if_nameindex(): (index, name) pairs, by index. Address
 * labels ("eth0:1") are not interfaces of their own there. */
static void
print_nameindex(void)
{
	netkit_iface *list;
	int n, i, best, last = 0, printed = 0;

	n = netkit_iface_list(&list);
	if (n < 0) {
		print_error(n);
		return;
	}
	printf("[");
	for (;;) {
		best = -1;
		for (i = 0; i < n; i++)
			if (list[i].index > last &&
			    !strchr(list[i].name, ':') &&
			    (best < 0 || list[i].index < list[best].index))
				best = i;
		if (best < 0)
			break;
		printf("%s(%d, '%s')", printed++ ? ", " : "",
		       list[best].index, list[best].name);
		last = list[best].index;
	}
	printf("]");
	netkit_iface_list_free(list);
}

static void
run_nameinfo(const struct arg *a)
{
	netkit_addr addr;
	char host[1025], serv[32];
	int rc;

	if (a[1].num < 0 || a[1].num > 65535 ||
	    netkit_addr_from_ip(&addr, a[0].text, (int)a[1].num) < 0)
		die("getnameinfo wants a numeric address and a port",
		    a[0].text);
	rc = netkit_getnameinfo(&addr, (int)a[2].num, host, sizeof(host),
				serv, sizeof(serv));
	if (rc < 0)
		print_error(rc);
	else
		printf("('%s', '%s')", host, serv);
}

static void
run(const char *func, const struct arg *a, int nargs)
{
	unsigned char b[16];
	char buf[1100];
	netkit_hostent *h = NULL;
	netkit_addrinfo *ai = NULL;
	int rc;

	if (strcmp(func, "inet_aton") == 0) {
		rc = netkit_inet_aton(a[0].text, b);
		rc < 0 ? print_error(rc) : print_bytes(b, 4);
	} else if (strcmp(func, "inet_ntoa") == 0) {
		print_text(netkit_inet_ntoa(a[0].bytes, buf, sizeof(buf)), buf);
	} else if (strcmp(func, "inet_pton") == 0) {
		rc = netkit_inet_pton((int)a[0].num, a[1].text, b);
		rc < 0 ? print_error(rc) :
			 print_bytes(b, a[0].num == AF_INET ? 4 : 16);
	} else if (strcmp(func, "inet_ntop") == 0) {
		print_text(netkit_inet_ntop((int)a[0].num, a[1].bytes, buf,
					    sizeof(buf)), buf);
	} else if (strcmp(func, "gethostname") == 0) {
		print_text(netkit_gethostname(buf, sizeof(buf)), buf);
	} else if (strcmp(func, "gethostbyname") == 0) {
		print_text(netkit_gethostbyname(a[0].text, buf, sizeof(buf)),
			   buf);
	} else if (strcmp(func, "gethostbyname_ex") == 0) {
		rc = netkit_gethostbyname_ex(a[0].text, &h);
		print_hostent(rc, h);
	} else if (strcmp(func, "gethostbyaddr") == 0) {
		rc = netkit_gethostbyaddr(a[0].text, &h);
		print_hostent(rc, h);
	} else if (strcmp(func, "getservbyname") == 0) {
		rc = netkit_getservbyname(a[0].text, str(&a[1]));
		rc < 0 ? print_error(rc) : (void)printf("%d", rc);
	} else if (strcmp(func, "getservbyport") == 0) {
		print_text(netkit_getservbyport((int)a[0].num, str(&a[1]), buf,
						sizeof(buf)), buf);
	} else if (strcmp(func, "getaddrinfo") == 0) {
		rc = netkit_getaddrinfo(str(&a[0]), str(&a[1]), (int)a[2].num,
					(int)a[3].num, (int)a[4].num, &ai);
		print_addrinfo(rc, ai);
	} else if (strcmp(func, "getnameinfo") == 0) {
		run_nameinfo(a);
	} else if (strcmp(func, "if_nameindex") == 0) {
		print_nameindex();
	} else if (strcmp(func, "if_nametoindex") == 0) {
		rc = netkit_if_nametoindex(a[0].text);
		rc < 0 ? print_error(rc) : (void)printf("%d", rc);
	} else if (strcmp(func, "if_indextoname") == 0) {
		print_text(netkit_if_indextoname((int)a[0].num, buf,
						 sizeof(buf)), buf);
	} else {
		die("unknown function", func);
	}
	(void)nargs;
}

/* Handles one line of the file; returns false for comments and skipped
 * classes. */
static bool
one_case(char *line, int lineno, bool all)
{
	struct arg args[MAXARGS];
	char *text, *p, *tok, *save = NULL, *func;
	char echo[1024];
	int nargs = 0;

	memset(args, 0, sizeof(args));
	line[strcspn(line, "\n")] = '\0';
	if (line[0] == '\0' || line[0] == '#')
		return false;
	p = strstr(line, " ## ");
	if (p)
		*p = '\0';
	text = strchr(line, ' ');
	if (!text)
		text = line + strlen(line);
	else
		*text++ = '\0';
	if (strcmp(line, "dns") == 0 && !all)
		return false;
	if (strcmp(line, "dns") && strcmp(line, "local") &&
	    strcmp(line, "pure"))
		die("bad class", line);
	snprintf(echo, sizeof(echo), "%s", text);
	func = strtok_r(text, " ", &save);
	if (!func)
		die("no function", echo);
	while ((tok = strtok_r(NULL, " ", &save))) {
		if (nargs == MAXARGS)
			die("too many arguments", echo);
		decode(tok, &args[nargs++]);
	}
	printf("%d: %s -> ", lineno, echo);
	run(func, args, nargs);
	printf("\n");
	return true;
}

int
main(int argc, char **argv)
{
	char line[2048];
	FILE *f;
	int lineno = 0;

	if (argc != 3 || (strcmp(argv[2], "all") && strcmp(argv[2], "local"))) {
		fprintf(stderr, "usage: %s CASES all|local\n", argv[0]);
		return 2;
	}
	f = fopen(argv[1], "re");
	if (!f)
		die("cannot open", argv[1]);
	while (fgets(line, sizeof(line), f))
		one_case(line, ++lineno, strcmp(argv[2], "all") == 0);
	fclose(f);
	return 0;
}
