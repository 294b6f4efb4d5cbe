/* SPDX-License-Identifier: MIT */
/*
 * A file client, on libnetkit: connects to file-server, saves what it
 * receives in OUT, and prints its size and CRC-32 (the IEEE one of
 * zip and Python's zlib.crc32, computed here from the saved file).
 *
 *   file-client OUT [host [port]]    (default 127.0.0.1 9999)
 */
#include <netkit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void
die(const char *what, int rc)
{
	fprintf(stderr, "file-client: %s: %s\n", what, netkit_strerror(rc));
	exit(1);
}

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

int
main(int argc, char **argv)
{
	const char *host = argc > 2 ? argv[2] : "127.0.0.1";
	const char *port = argc > 3 ? argv[3] : "9999";
	size_t got;
	ssize_t n;
	FILE *f;
	int fd;

	if (argc < 2 || argc > 4) {
		fputs("usage: file-client OUT [host [port]]\n", stderr);
		return 2;
	}
	fd = netkit_create_connection(host, port, NULL, NULL,
				      netkit_deadline_in(10000));
	if (fd < 0)
		die(host, fd);
	if (!(f = fopen(argv[1], "wb+e"))) {
		perror(argv[1]);
		return 1;
	}
	/* while data := s.recv(65536): f.write(data) -- at most 60 s */
	n = netkit_recv_to_file(fd, fileno(f), 0, &got,
				netkit_deadline_in(60000));
	if (n < 0)
		die("receive", (int)n);
	netkit_close(fd);
	printf("received %zu bytes, crc32 %08lx\n", got,
	       (unsigned long)crc32_file(f));
	fclose(f);
	return 0;
}
