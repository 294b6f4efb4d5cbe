/* SPDX-License-Identifier: MIT */
/*
 * The reader at its edges (issue 13): a peer that floods without a
 * newline does not extend skip_line's deadline, and the last record of
 * a stream, without its delimiter, is returned when it fits the buffer
 * exactly.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault.h"
#include "helpers.h"
#include "timing.h"

#define FLOOD_MS 1500

/* The reader's buffer is small, so that each receive takes at most 64
 * bytes: the flood (64 KiB a send, into the socket's default buffers,
 * which take a while to empty 64 bytes at a time) stays ahead, and a
 * call that never looks at the clock while bytes come never answers in
 * time. */
static bool
scenario_skip_line_against_a_flood(int i)
{
	unsigned char rbuf[64];
	double start, end;
	netkit_reader r;
	nk_flood *peer;
	netkit_deadline dl;
	ssize_t rc;
	int c, s;

	(void)i;
	nk_tcp_pair(AF_INET, &c, &s);
	peer = nk_flood_start(s, true, FLOOD_MS);
	ck_assert(nk_wait_fd(c, POLLIN, 5000) & POLLIN);
	ck_assert_int_eq(netkit_reader_init(&r, c, rbuf, sizeof(rbuf)), 0);
	start = nk_clock_ms();
	dl = netkit_deadline_in(300);
	rc = netkit_reader_skip_line(&r, dl);
	end = nk_clock_ms();
	nk_flood_stop(peer);
	close(c);
	close(s);
	ck_assert_msg(rc == -ETIMEDOUT, "skip_line against a flood: %s (want "
		      "ETIMEDOUT)",
		      rc < 0 ? netkit_errname((int)rc) : "a count");
	return nk_late_ok("skip_line against a flood", start, dl, end);
}

START_TEST(skip_line_against_a_flood_keeps_the_deadline)
{
	nk_until_on_time("skip_line against a flood",
			 scenario_skip_line_against_a_flood, _i);
}
END_TEST

#define READER_SIZE 64

/* A row: the peer sends sent bytes without a newline and closes; a
 * 64-byte reader's read_line with room max answers want. */
static const struct last_record {
	size_t sent;
	size_t max;
	ssize_t want;
} last_records[] = {
	{ 63, 100, 63 },
	{ 64, 100, 64 },		/* fills the buffer exactly */
	{ 65, 100, NETKIT_ETOOLONG },	/* cannot fit the buffer */
	{ 64, 65, 64 },			/* 64 bytes and the NUL fit */
	{ 64, 64, NETKIT_ETOOLONG },	/* the NUL does not */
};

/* Runs one row; NULL if it went as it should, else what went wrong
 * (in msg). */
static const char *
last_record_row(const struct last_record *row, char *msg, size_t len)
{
	unsigned char rbuf[READER_SIZE];
	char sent[128], out[128], more[128];
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(2000));
	netkit_reader r;
	ssize_t rc, next = 0;
	bool ok;
	int c, s;

	memset(sent, 'a', sizeof(sent));
	nk_tcp_pair(AF_INET, &c, &s);
	ck_assert_int_eq(send(s, sent, row->sent, MSG_NOSIGNAL),
			 (ssize_t)row->sent);
	close(s);
	ck_assert_int_eq(netkit_reader_init(&r, c, rbuf, sizeof(rbuf)), 0);
	rc = netkit_reader_read_line(&r, out, row->max, dl);
	/* After the last record, 0: the stream has ended. */
	if (rc > 0)
		next = netkit_reader_read_line(&r, more, sizeof(more), dl);
	close(c);
	ok = rc == row->want;
	if (ok && rc > 0)
		ok = next == 0 && memcmp(out, sent, (size_t)rc) == 0 &&
		     out[rc] == '\0';
	if (ok)
		return NULL;
	if (rc < 0)
		snprintf(msg, len, "%zu bytes then EOF, max %zu: %s (want "
			 "%zd)", row->sent, row->max, netkit_errname((int)rc),
			 row->want);
	else
		snprintf(msg, len, "%zu bytes then EOF, max %zu: %zd, then "
			 "%zd (want %s)", row->sent, row->max, rc, next,
			 row->want < 0 ? netkit_errname((int)row->want) :
			 "the bytes, then 0");
	return msg;
}

/* Every row runs; the failures are reported together. */
START_TEST(read_line_returns_a_last_record_that_fills_the_buffer)
{
	char report[1024] = "", msg[256];
	size_t k;

	for (k = 0; k < N_ELEMS(last_records); k++)
		if (last_record_row(&last_records[k], msg, sizeof(msg)))
			snprintf(report + strlen(report),
				 sizeof(report) - strlen(report), "\n  %s",
				 msg);
	ck_assert_msg(report[0] == '\0', "read_line, %d-byte reader, the "
		      "last record without a newline:%s", READER_SIZE, report);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("reader-edge");

	NK_ADD_TEST(s, skip_line_against_a_flood_keeps_the_deadline);
	NK_ADD_TEST(s, read_line_returns_a_last_record_that_fills_the_buffer);
	return s;
}
