/* SPDX-License-Identifier: MIT */
/*
 * The benchmark HTTP server on the connection layer (netkit_loop): see
 * http-common.h. Requests are found in place in the connection's reader
 * and their replies queued with netkit_conn_write(); the loop receives
 * once per readiness and sends each connection's replies with one send
 * at its next wait. The whole netkit server is this file.
 * usage: bench-http-loop
 */
#include "http-common.h"

#include <netkit.h>

#define HTTP_LOOP_INPUT HTTP_BUF	/* the reader's buffer, bytes */

static long clients;

/* Answers every complete request buffered; closes at the peer's end, and
 * drops a client whose request outgrows the reader's buffer. */
static void
serve(netkit_conn *c)
{
	netkit_reader *in = netkit_conn_reader(c);
	const char *reply;
	const void *data;
	size_t n = netkit_reader_buffered(in, &data), used, rlen;
	char probe;
	int rc;

	/* Nothing buffered: the end of the stream, which comes as an event
	 * of its own (one recv per readiness), where the reader answers 0. */
	if (n == 0) {
		if (netkit_reader_read(in, &probe, 1, NETKIT_NOW) == 0)
			netkit_conn_close(c, netkit_deadline_in(1000));
		return;
	}
	for (;;) {
		if (!(used = http_request(data, n, &reply, &rlen))) {
			if (n >= HTTP_LOOP_INPUT)
				netkit_conn_abort(c, false);
			return;	/* the rest has not come yet (a peer that
				 * ends mid-request waits for the alarm) */
		}
		rc = netkit_conn_write(c, reply, rlen);
		if (rc < 0) {
			netkit_conn_abort(c, false);
			return;
		}
		netkit_reader_consume(in, used);
		/* Pipelined requests: what follows, if anything. */
		if (rc != 0 || used == n)
			return;	/* done, or above the high mark: DRAINED */
		n = netkit_reader_buffered(in, &data);
	}
}

int
main(void)
{
	netkit_loop_opts opts = { .input_size = HTTP_LOOP_INPUT };
	const netkit_loop_event *ev, *e, *end;
	netkit_loop *loop;
	int n;

	if (netkit_loop_new(&loop, &opts) < 0 ||
	    netkit_loop_listen(loop, echo_listen_raw(SOCK_NONBLOCK), NULL) < 0)
		return 1;
	while (http_answered == 0 || clients > 0) {
		if ((n = netkit_loop_wait(loop, &ev, NETKIT_FOREVER)) < 0)
			return 1;
		for (e = ev, end = ev + n; e < end; e++) {
			switch (e->kind) {
			case NETKIT_LOOP_OPEN:
				clients++;
				break;
			case NETKIT_LOOP_INPUT:
			case NETKIT_LOOP_DRAINED:
				serve(e->conn);
				break;
			case NETKIT_LOOP_CLOSED:
				clients--;
				break;
			}
		}
	}
	netkit_loop_free(loop);
	return 0;
}
