/* SPDX-License-Identifier: MIT */
/*
 * The loop as the examples use it (chat-server.c): a connection's input
 * read from outside its own events (the room reads a held sender once
 * a slow reader drained) makes the loop receive from it again.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "helpers.h"
#include "timing.h"

/* A loop with a 16-byte input buffer and one adopted connection; the
 * test's end of it is *cli. */
static netkit_conn *
small_loop(netkit_loop **loop, int *cli)
{
	netkit_loop_opts o = { .input_size = 16 };
	netkit_conn *conn = NULL;
	int srv;

	ck_assert_int_eq(netkit_loop_new(loop, &o), 0);
	nk_tcp_pair(AF_INET, cli, &srv);
	ck_assert_int_eq(netkit_loop_adopt(*loop, srv, NULL, &conn), 0);
	return conn;
}

/* The next batch's first event of this kind, waiting up to ms. */
static const netkit_loop_event *
next_of(netkit_loop *loop, unsigned kind, int ms)
{
	const netkit_loop_event *ev;
	netkit_deadline dl = netkit_deadline_in(ms);
	int n, i;

	while ((n = netkit_loop_wait(loop, &ev, dl)) > 0)
		for (i = 0; i < n; i++)
			if (ev[i].kind == kind)
				return &ev[i];
	ck_assert_int_ge(n, 0);
	return NULL;
}

START_TEST(reading_a_full_reader_between_waits_resumes_receiving)
{
	netkit_loop *loop;
	char buf[32];
	int cli;
	netkit_conn *conn = small_loop(&loop, &cli);
	netkit_reader *in = netkit_conn_reader(conn);

	/* 16 bytes fill the reader: the loop stops receiving. */
	ck_assert_int_eq(netkit_send_all(cli, "0123456789abcdef", 16), 16);
	ck_assert_ptr_nonnull(next_of(loop, NETKIT_LOOP_INPUT,
				      (int)nk_scaled_ms(5000)));
	ck_assert_int_eq(netkit_send_all(cli, "more", 4), 4);
	/* A wait with nothing to hand out: the loop settles (READ off). */
	ck_assert_ptr_null(next_of(loop, NETKIT_LOOP_INPUT, 50));
	/* The program takes the input now, outside any event of it... */
	ck_assert_int_eq(netkit_reader_read(in, buf, sizeof(buf),
					    NETKIT_NOW), 16);
	/* ...and the loop must receive the rest. */
	ck_assert_msg(next_of(loop, NETKIT_LOOP_INPUT,
			      (int)nk_scaled_ms(5000)) != NULL,
		      "the loop never received again after its reader "
		      "was read between waits");
	ck_assert_int_eq(netkit_reader_read(in, buf, sizeof(buf),
					    NETKIT_NOW), 4);
	ck_assert_int_eq(memcmp(buf, "more", 4), 0);
	netkit_loop_free(loop);
	netkit_close(cli);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("loop-program");

	NK_ADD_TEST(s, reading_a_full_reader_between_waits_resumes_receiving);
	return s;
}
