/* SPDX-License-Identifier: MIT */
/*
 * Descriptor passing, the receiving side: connects to fd-pass-server's
 * Unix socket, receives an open file (SCM_RIGHTS) and copies what it
 * reads through it to standard output.
 *
 *   fd-pass-client SOCKET          (a path, or "@name": abstract)
 */
#include <netkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
die(const char *what, int rc)
{
	fprintf(stderr, "fd-pass-client: %s: %s\n", what, netkit_strerror(rc));
	exit(1);
}

int
main(int argc, char **argv)
{
	netkit_addr addr;
	char tag, buf[4096];
	size_t n, got;
	FILE *f;
	int sock, fd, rc;

	if (argc != 2) {
		fputs("usage: fd-pass-client SOCKET\n", stderr);
		return 2;
	}
	if (argv[1][0] == '@')
		rc = netkit_addr_from_abstract(&addr, argv[1] + 1,
					       strlen(argv[1] + 1));
	else
		rc = netkit_addr_from_path(&addr, argv[1]);
	if (rc < 0)
		die(argv[1], rc);
	if ((sock = netkit_socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		die("socket", sock);
	if ((rc = netkit_connect(sock, &addr)) < 0)
		die(argv[1], rc);
	/* Python: msg, fds, flags, addr = socket.recv_fds(sock, 1, 1);
	 * here a second descriptor would be an error, not lost. */
	rc = (int)netkit_recv_fds(sock, &tag, 1, &fd, 1, &got,
				  netkit_deadline_in(10000));
	if (rc < 0)
		die("recv_fds", rc);
	if (rc == 0 || got != 1) {
		fputs("fd-pass-client: no descriptor came\n", stderr);
		return 1;
	}
	netkit_close(sock);
	if (!(f = fdopen(fd, "r"))) {
		perror("fdopen");
		return 1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}
