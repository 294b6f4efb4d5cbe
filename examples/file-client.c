/* SPDX-License-Identifier: MIT */
/*
 * A file client, on libnetkit: fetches file-server's file into OUT,
 * checks its size and CRC-32 (the IEEE one of zip and Python's
 * zlib.crc32) against the server's, and prints them.
 *
 *   file-client [--stall SECONDS] OUT [host [port]]
 *                                    (default 30 s, 127.0.0.1 9999)
 *
 * A transfer cut short (the server gone, no byte for the stall time)
 * is an error that says how much arrived; OUT keeps those bytes, and
 * running the client again asks for the rest only.
 */
#include <errno.h>
#include <netkit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CRC-32 of f from its start: reflected, polynomial 0xedb88320. */
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

static void
die(const char *what, int rc)
{
	fprintf(stderr, "file-client: %s: %s\n", what, netkit_strerror(rc));
	exit(1);
}

int
main(int argc, char **argv)
{
	unsigned long long have, size;
	unsigned long crc;
	double stall = 30;
	char req[22], hdr[31] = "";
	netkit_deadline dl;
	size_t got = 0;
	ssize_t n = 0;
	FILE *f;
	int fd;

	if (argc > 2 && strcmp(argv[1], "--stall") == 0) {
		stall = atof(argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 2 || argc > 4 || !(stall > 0 && stall <= 86400) ||
	    argv[1][0] == '-') {
		fputs("usage: file-client [--stall SECONDS] OUT [host [port]]\n",
		      stderr);
		return 2;
	}
	/* Appending: what a cut transfer left is kept, and resumed. */
	if (!(f = fopen(argv[1], "ab+e"))) {
		perror(argv[1]);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	have = (unsigned long long)ftello(f);
	/* s.settimeout(stall): give up on no progress, not on a slow path */
	dl = netkit_deadline_stall((int64_t)(stall * 1000), NETKIT_FOREVER);
	fd = netkit_create_connection(argc > 2 ? argv[2] : "127.0.0.1",
				      argc > 3 ? argv[3] : "9999", NULL, NULL,
				      netkit_deadline_in((int64_t)(stall * 1000)));
	if (fd < 0)
		die("connect", fd);
	snprintf(req, sizeof(req), "%20llu\n", have);
	n = netkit_send_all_until(fd, req, 21, NULL, dl);
	if (n >= 0)
		n = netkit_recv_exact_until(fd, hdr, 30, NULL, dl);
	if (n != 30 || sscanf(hdr, "%llu %lx", &size, &crc) != 2)
		die("no header", n < 0 ? (int)n : -EPROTO);
	if (have > size) {
		fprintf(stderr, "file-client: %s has %llu bytes, the file "
			"%llu\n", argv[1], have, size);
		return 1;
	}
	if (size > have)
		n = netkit_recv_to_file(fd, fileno(f), size - have, &got, dl);
	netkit_close(fd);
	have += got;
	if (have < size) {
		fprintf(stderr, "file-client: received %llu of %llu bytes "
			"(%s); run again to resume\n", have, size,
			n < 0 ? netkit_strerror((int)n) : "the server closed");
		return 1;
	}
	if (crc32_file(f) != crc) {
		fprintf(stderr, "file-client: %s: crc32 differs from the "
			"server's %08lx\n", argv[1], crc);
		return 1;
	}
	printf("received %llu bytes, crc32 %08lx\n", size, crc);
	fclose(f);
	return 0;
}
