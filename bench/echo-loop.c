/* SPDX-License-Identifier: MIT */
/*
 * The benchmark echo server on the connection layer (netkit_loop): see
 * echo-common.h. The loop does the receiving (one recv per readiness)
 * and the sending (one send per connection when the program next waits);
 * the server hands what its reader holds to netkit_conn_write(), in
 * place, and ends a connection at the peer's end of stream.
 * usage: bench-echo-loop
 */
#include "echo-common.h"

#include <netkit.h>

static long clients, seen;

/* Echoes what is buffered; at the peer's end, closes gracefully. */
static void
serve(netkit_conn *c)
{
	netkit_reader *in = netkit_conn_reader(c);
	const void *data;
	size_t n = netkit_reader_buffered(in, &data);
	char probe;

	if (n > 0) {
		/* Below the high mark always: one 64-byte request waits
		 * for its echo before the next. */
		if (netkit_conn_write(c, data, n) < 0)
			netkit_conn_abort(c, false);
		else
			netkit_reader_consume(in, n);
		return;
	}
	/* Nothing new: the end of the stream, which comes as an event of
	 * its own (one recv per readiness, and a recv that brings bytes
	 * does not say the end), where the reader answers 0. */
	if (netkit_reader_read(in, &probe, 1, NETKIT_NOW) == 0)
		netkit_conn_close(c, netkit_deadline_in(1000));
}

int
main(void)
{
	const netkit_loop_event *ev, *e, *end;
	netkit_loop *loop;
	int n;

	if (netkit_loop_new(&loop, NULL) < 0 ||
	    netkit_loop_listen(loop, echo_listen_raw(SOCK_NONBLOCK), NULL) < 0)
		return 1;
	while (seen == 0 || clients > 0) {
		n = netkit_loop_wait(loop, &ev, NETKIT_FOREVER);
		if (n < 0)
			return 1;
		for (e = ev, end = ev + n; e < end; e++) {
			switch (e->kind) {
			case NETKIT_LOOP_OPEN:
				clients++;
				seen++;
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
