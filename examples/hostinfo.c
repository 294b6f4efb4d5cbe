/* SPDX-License-Identifier: MIT */
/*
 * hostinfo: the tutorial's interactive session with Python's socket
 * helpers, as one C program on libnetkit, printed the way Python's
 * prompt shows it; then this machine's interfaces (the tutorial's
 * ifconfig).
 *
 * usage: hostinfo                 the session and the interfaces
 *        hostinfo NAME...         for each NAME: a host name or address
 *                                 (gethostbyname_ex, gethostbyaddr), a
 *                                 service name (getservbyname) or a
 *                                 port number (getservbyport)
 * Exits 1 if a call failed, printing netkit_strerror() for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netkit.h>

static int status;

static int
check(int rc)
{
	if (rc < 0) {
		printf("error: %s (%s)\n", netkit_strerror(rc),
		       netkit_errname(rc));
		status = 1;
	}
	return rc;
}

static void
print_list(char **l)
{
	printf("[");
	for (; *l; l++)
		printf("'%s'%s", *l, l[1] ? ", " : "");
	printf("]");
}

/* Python's repr of a (name, aliases, addresses) tuple. */
static void
print_host(const char *call, const char *arg)
{
	netkit_hostent *h = NULL;
	int rc;

	printf(">>> socket.%s('%s')\n", call, arg);
	rc = strcmp(call, "gethostbyaddr") == 0 ?
		netkit_gethostbyaddr(arg, &h) :
		netkit_gethostbyname_ex(arg, &h);
	if (check(rc) < 0)
		return;
	printf("('%s', ", h->name);
	print_list(h->aliases);
	printf(", ");
	print_list(h->addresses);
	printf(")\n");
	netkit_hostent_free(h);
}

static void
print_port(const char *name)
{
	int port;

	printf(">>> socket.getservbyname('%s')\n", name);
	port = check(netkit_getservbyname(name, NULL));
	if (port >= 0)
		printf("%d\n", port);
}

static void
print_ifconfig(void)
{
	static const struct { unsigned int bit; const char *name; } fl[] = {
		{ NETKIT_IFF_UP, "UP" }, { NETKIT_IFF_RUNNING, "RUNNING" },
		{ NETKIT_IFF_LOOPBACK, "LOOPBACK" },
		{ NETKIT_IFF_BROADCAST, "BROADCAST" },
		{ NETKIT_IFF_MULTICAST, "MULTICAST" },
		{ NETKIT_IFF_POINTOPOINT, "POINTOPOINT" } };
	netkit_iface *list = NULL;
	char ip[NETKIT_ADDRSTRLEN], mask[NETKIT_ADDRSTRLEN],
	     bc[NETKIT_ADDRSTRLEN];
	int i, n, b, sep;
	size_t j;

	printf("$ ifconfig\n");
	n = check(netkit_iface_list(&list));
	for (i = 0; i < n; i++) {
		printf("%s: index %d flags=<", list[i].name, list[i].index);
		for (b = 0, sep = 0; b < 6; b++)
			if (list[i].flags & fl[b].bit)
				printf("%s%s", sep++ ? "," : "", fl[b].name);
		printf(">\n");
		for (j = 0; j < list[i].naddrs; j++) {
			netkit_iface_addr *a = &list[i].addrs[j];

			netkit_addr_ip(&a->addr, ip, sizeof(ip));
			if (netkit_addr_family(&a->addr) == AF_INET6) {
				printf("        inet6 %s  prefixlen %d\n",
				       ip, a->prefix);
				continue;
			}
			if (netkit_addr_ip(&a->netmask, mask, sizeof(mask)) < 0)
				strcpy(mask, "?");
			printf("        inet %s  netmask %s", ip, mask);
			if (netkit_addr_ip(&a->broadcast, bc, sizeof(bc)) >= 0)
				printf("  broadcast %s", bc);
			printf("\n");
		}
	}
	netkit_iface_list_free(list);
}

static void
session(void)
{
	unsigned char ip[4];
	char name[256], text[64];

	printf(">>> socket.gethostname()\n");
	if (check(netkit_gethostname(name, sizeof(name))) >= 0) {
		printf("'%s'\n>>> socket.gethostbyname('%s')\n", name, name);
		if (check(netkit_gethostbyname(name, text, sizeof(text))) >= 0)
			printf("'%s'\n", text);
	}
	print_host("gethostbyaddr", "127.0.0.1");
	printf(">>> socket.inet_aton('192.168.1.2')\n");
	if (check(netkit_inet_aton("192.168.1.2", ip)) >= 0) {
		printf("b'\\x%02x\\x%02x\\x%02x\\x%02x'\n",
		       ip[0], ip[1], ip[2], ip[3]);
		printf(">>> socket.inet_ntoa("
		       "b'\\x%02x\\x%02x\\x%02x\\x%02x')\n",
		       ip[0], ip[1], ip[2], ip[3]);
		if (check(netkit_inet_ntoa(ip, text, sizeof(text))) >= 0)
			printf("'%s'\n", text);
	}
	print_port("ssh");
	print_port("mysql");
	print_ifconfig();
}

static void
lookup(const char *arg)
{
	char name[64];

	if (arg[0] && strspn(arg, "0123456789") == strlen(arg)) {
		/* Beyond INT_MAX it is out of range anyway: keep -1 for
		 * that. */
		long port = strlen(arg) > 9 ? -1 : strtol(arg, NULL, 10);

		printf(">>> socket.getservbyport(%s)\n", arg);
		if (check(netkit_getservbyport((int)port, NULL, name,
					       sizeof(name))) >= 0)
			printf("'%s'\n", name);
		return;
	}
	print_host("gethostbyname_ex", arg);
	print_host("gethostbyaddr", arg);
	print_port(arg);
}

int
main(int argc, char **argv)
{
	int i;

	if (argc < 2)
		session();
	for (i = 1; i < argc; i++)
		lookup(argv[i]);
	return status;
}
