/* SPDX-License-Identifier: MIT */
/*
 * Descriptor passing, the giving side: opens FILE, waits on a Unix
 * socket for one client, hands it the open file (SCM_RIGHTS) and says
 * who took it (SO_PEERCRED).
 *
 *   fd-pass-server SOCKET FILE
 *
 * SOCKET is a path ("/tmp/fd.sock", must not exist yet) or "@name" for
 * a Linux abstract name. The client reads the file through the
 * descriptor it receives: it needs no permission to open FILE itself.
 */
#include <netkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
die(const char *what, int rc)
{
	fprintf(stderr, "fd-pass-server: %s: %s\n", what, netkit_strerror(rc));
	exit(1);
}

/* "@name" is an abstract name, anything else a path. */
static int
unix_addr(netkit_addr *a, const char *text)
{
	if (text[0] == '@')
		return netkit_addr_from_abstract(a, text + 1, strlen(text + 1));
	return netkit_addr_from_path(a, text);
}

int
main(int argc, char **argv)
{
	netkit_addr addr;
	netkit_cred who;
	FILE *f;
	int lfd, conn, fd, rc;

	if (argc != 3) {
		fputs("usage: fd-pass-server SOCKET FILE\n", stderr);
		return 2;
	}
	f = fopen(argv[2], "re");	/* "e": close-on-exec, as netkit's */
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	fd = fileno(f);
	if ((rc = unix_addr(&addr, argv[1])) < 0)
		die(argv[1], rc);
	/* Python: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) */
	if ((lfd = netkit_socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		die("socket", lfd);
	if ((rc = netkit_bind(lfd, &addr)) < 0)
		die(argv[1], rc);
	if ((rc = netkit_listen(lfd, 1)) < 0)
		die("listen", rc);
	if ((conn = netkit_accept(lfd, NULL)) < 0)
		die("accept", conn);
	/* Python: socket.send_fds(conn, [b'F'], [f.fileno()]) */
	rc = (int)netkit_send_fds(conn, "F", 1, &fd, 1, NETKIT_FOREVER);
	if (rc < 0)
		die("send_fds", rc);
	if ((rc = netkit_peer_cred(conn, &who)) < 0)
		die("peer_cred", rc);
	printf("sent %s to pid %ld (uid %ld, gid %ld)\n", argv[2],
	       (long)who.pid, (long)who.uid, (long)who.gid);
	netkit_close(conn);
	netkit_close(lfd);
	fclose(f);
	if (argv[1][0] != '@')
		remove(argv[1]);	/* a path socket outlives its socket */
	return 0;
}
