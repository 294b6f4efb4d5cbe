/* SPDX-License-Identifier: MIT */
/*
 * A file server, on libnetkit: sends FILE with sendfile(2) to every
 * client that connects, one after the other.
 *
 *   file-server [--stall SECONDS] FILE [host [port]]
 *                                    (default 30 s, 127.0.0.1 9999)
 *
 * The protocol, one line each way, then the bytes:
 *   client: the offset it has, "%20llu\n" (0 for a new file);
 *   server: the whole file's size and CRC-32, "%20llu %08lx\n", then
 *           the file's bytes from that offset to its end.
 * A client with a partial file asks for the rest. Each client is given
 * up on when no byte has moved for the stall time, however long the
 * whole file takes over a slow path. The CRC is computed at start:
 * restart the server when FILE changes. Try it with: file-client copy
 */
#include <errno.h>
#include <netkit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* CRC-32 of f from its start: reflected, polynomial 0xedb88320, as
 * Python's zlib.crc32. */
static uint32_t
crc32_file(FILE *f)
{
	unsigned char buf[65536];
	uint32_t table[256], crc = 0xffffffffu, c;
	size_t n, i;
	int k;

	for (i = 0; i < 256; i++) {
		for (c = (uint32_t)i, k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	rewind(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		for (i = 0; i < n; i++)
			crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

/* One client: its offset in, the header and the rest of the file out. */
static void
serve(int c, const char *path, FILE *f, uint32_t crc, netkit_deadline dl,
      const char *who)
{
	unsigned long long offset, size;
	char req[22] = "", hdr[31];
	struct stat st;
	size_t sent = 0;
	ssize_t n;

	n = netkit_recv_exact_until(c, req, 21, NULL, dl);
	offset = strtoull(req, NULL, 10);
	if (n != 21 || fstat(fileno(f), &st) < 0) {
		fprintf(stderr, "file-server: %s: no request\n", who);
		return;
	}
	size = (unsigned long long)st.st_size;
	if (offset > size)
		offset = size;
	snprintf(hdr, sizeof(hdr), "%20llu %08lx\n", size, (unsigned long)crc);
	n = netkit_send_all_until(c, hdr, 30, NULL, dl);
	if (n >= 0 && size > offset)
		n = netkit_sendfile(c, fileno(f), (off_t)offset,
				    size - offset, &sent, dl);
	if (n >= 0 && sent < size - offset)
		n = -EIO;	/* the file shrank under us */
	if (n < 0)
		fprintf(stderr, "file-server: %s: %s: sent %llu of %llu "
			"bytes of %s\n", who, netkit_strerror((int)n),
			offset + sent, size, path);
	else
		printf("sent %zu bytes to %s\n", sent, who);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	double stall = 30;
	char who[NETKIT_ADDRSTRLEN];
	netkit_addr peer;
	uint32_t crc;
	int lfd, c;
	FILE *f;

	if (argc > 2 && strcmp(argv[1], "--stall") == 0) {
		stall = atof(argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 2 || argc > 4 || !(stall > 0 && stall <= 86400) ||
	    argv[1][0] == '-') {
		fputs("usage: file-server [--stall SECONDS] FILE [host [port]]\n",
		      stderr);
		return 2;
	}
	/* The CRC once, before any client waits on it (a big file takes
	 * a while): a file changed since fails the client's check. */
	if (!(f = fopen(argv[1], "rbe"))) {
		perror(argv[1]);
		return 1;
	}
	crc = crc32_file(f);
	fclose(f);
	lfd = netkit_create_server(argc > 2 ? argv[2] : "127.0.0.1",
				   argc > 3 ? argv[3] : "9999", NULL,
				   NETKIT_FOREVER);
	if (lfd < 0) {
		fprintf(stderr, "file-server: %s\n", netkit_strerror(lfd));
		return 1;
	}
	printf("serving %s\n", argv[1]);
	fflush(stdout);
	for (;;) {
		if ((c = netkit_accept(lfd, &peer)) < 0) {
			fprintf(stderr, "file-server: accept: %s\n",
				netkit_strerror(c));
			return 1;
		}
		netkit_addr_format(&peer, who, sizeof(who));
		/* Opened again for each client: it gets the file as it is. */
		if (!(f = fopen(argv[1], "rbe"))) {
			perror(argv[1]);
			return 1;
		}
		/* c.settimeout(stall): give up on no progress, not on a
		 * slow path */
		serve(c, argv[1], f, crc,
		      netkit_deadline_stall((int64_t)(stall * 1000),
					    NETKIT_FOREVER), who);
		fclose(f);
		netkit_close(c);
	}
}
