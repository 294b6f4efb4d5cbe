/* SPDX-License-Identifier: MIT */
/*
 * A program outside the tree, built only from what
 * `pkg-config --cflags --libs netkit` gives: proves the installed header,
 * library and netkit.pc work together. It sends one message over
 * loopback to itself and checks it arrives.
 */
#include <netkit.h>
#include <stdio.h>
#include <string.h>

int
main(void)
{
	netkit_addr addr;
	char buf[16];
	int srv, cli, conn;
	ssize_t n;

	if (netkit_addr_from_ip(&addr, "127.0.0.1", 0) < 0)
		return 1;
	srv = netkit_socket(AF_INET, SOCK_STREAM, 0);
	if (srv < 0 || netkit_bind(srv, &addr) < 0 || netkit_listen(srv, 1) < 0 ||
	    netkit_local_addr(srv, &addr) < 0)
		return 1;
	cli = netkit_socket(AF_INET, SOCK_STREAM, 0);
	if (cli < 0 || netkit_connect(cli, &addr) < 0)
		return 1;
	conn = netkit_accept(srv, NULL);
	if (conn < 0 || netkit_send_all(cli, "ping", 4) != 4)
		return 1;
	n = netkit_recv_exact(conn, buf, 4);
	if (n != 4 || memcmp(buf, "ping", 4) != 0)
		return 1;
	netkit_close(conn);
	netkit_close(cli);
	netkit_close(srv);
	printf("consumer ok: libnetkit %s\n", netkit_version_string());
	return 0;
}
