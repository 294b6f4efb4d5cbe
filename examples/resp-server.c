/* SPDX-License-Identifier: MIT */
/*
 * A key-value server speaking the Redis protocol (RESP), on the
 * connection layer (loop.h): redis-cli and redis-benchmark talk to it.
 *
 *   resp-server [host [port]]            (default 0.0.0.0 6379)
 *
 * Commands, in any case: PING [msg], ECHO msg, SET key value, GET key,
 * DEL key [key ...]; anything else gets "-ERR unknown command". A
 * command comes as a RESP array of bulk strings
 * ("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n") or inline, as a line of words
 * ("ECHO hi\r\n": what nc or telnet send). Clients may pipeline: every
 * command already received is answered before the loop waits again, and
 * the answers leave together in one send (netkit_conn_write() only
 * queues; the loop sends each queue once, at the next wait).
 *
 * Memory stays bounded whatever the clients do:
 * - a command is at most CMD_MAX bytes and ARGS_MAX words; a longer one
 *   gets an -ERR and its connection is closed (the rest of it cannot be
 *   told from the next command);
 * - the table holds at most KEYS_MAX keys and STORE_MAX bytes; a SET
 *   past either is refused with "-ERR table full";
 * - a client that sends without reading the answers is no longer read
 *   once 64 KiB of answers wait for it (the loop's high mark): TCP flow
 *   control slows it down, and nobody else;
 * - out of descriptors, the loop stops accepting for a while instead of
 *   spinning.
 *
 * Nothing is printed per command. SIGINT or SIGTERM comes as an
 * event of the loop (netkit_loop_catch()): it closes every
 * connection, empties the table and exits with 0.
 */
#include <errno.h>
#include <netkit.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CMD_MAX 16384		/* a command's words, bytes */
#define ARGS_MAX 64		/* a command's words */
#define BUCKETS 65536
#define KEYS_MAX 100000
#define STORE_MAX (64 << 20)	/* keys and values, bytes */
#define CLOSE_MS 5000		/* for a graceful close */

struct entry {
	struct entry *next;	/* in its bucket */
	size_t klen, vlen;
	char data[];		/* the key, then the value */
};

/* A command being read. A RESP array comes in pieces: "*N", then N
 * times "$len" and len bytes; any of them may still be on its way. */
struct client {
	bool high;		/* above the high mark: until DRAINED */
	int want;		/* words of the array still to come */
	size_t bulk;		/* next word's length + CRLF; 0: a line */
	int argc;
	size_t used;		/* bytes of arena holding argv */
	char *argv[ARGS_MAX];
	size_t argl[ARGS_MAX];
	char arena[CMD_MAX];
};

static netkit_loop *loop;
/* The table: chained, FNV-1a. A server facing the internet would seed
 * its hash (SipHash) so that no client can pick colliding keys. */
static struct entry *table[BUCKETS];
static size_t nkeys, stored;

static struct entry **
find(const char *key, size_t len)
{
	uint32_t h = 2166136261u;
	struct entry **e;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	for (e = &table[h % BUCKETS]; *e; e = &(*e)->next)
		if ((*e)->klen == len && memcmp((*e)->data, key, len) == 0)
			break;
	return e;
}

static void
unlink_entry(struct entry **at)
{
	struct entry *e = *at;

	*at = e->next;
	stored -= sizeof(*e) + e->klen + e->vlen;
	nkeys--;
	free(e);
}

/* 0, or -1 when the table is full (then nothing changed). */
static int
set(const char *key, size_t klen, const char *value, size_t vlen)
{
	struct entry **at = find(key, klen), *e;
	size_t size = sizeof(*e) + klen + vlen;
	size_t old = *at ? sizeof(*e) + (*at)->klen + (*at)->vlen : 0;

	if (stored - old + size > STORE_MAX || (!*at && nkeys == KEYS_MAX) ||
	    !(e = malloc(size)))
		return -1;
	if (*at)
		unlink_entry(at);
	e->klen = klen;
	e->vlen = vlen;
	memcpy(e->data, key, klen);
	memcpy(e->data + klen, value, vlen);
	e->next = *at;
	*at = e;
	nkeys++;
	stored += size;
	return 0;
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "resp-server: %s: %s\n", what, netkit_strerror(rc));
	exit(1);
}

static int
reply(netkit_conn *conn, const char *text)
{
	return netkit_conn_write(conn, text, strlen(text));
}

/* "$5\r\nhello\r\n". Never cut in the middle: we stop producing above
 * the high mark (64 KiB), far below the hard limit (1 MiB). */
static int
bulk(netkit_conn *conn, const char *s, size_t len)
{
	char head[32];
	int rc, n = snprintf(head, sizeof(head), "$%zu\r\n", len);

	if ((rc = netkit_conn_write(conn, head, (size_t)n)) < 0 ||
	    (rc = netkit_conn_write(conn, s, len)) < 0)
		return rc;
	return netkit_conn_write(conn, "\r\n", 2);
}

static int
is(const struct client *c, const char *name, int min, int max)
{
	return c->argl[0] == strlen(name) &&
	       strncasecmp(c->argv[0], name, c->argl[0]) == 0 &&
	       c->argc >= min && c->argc <= max;
}

/* Runs the command in argv; returns what the last write said. */
static int
run(netkit_conn *conn, const struct client *c)
{
	char *const *v = c->argv;
	const size_t *l = c->argl;
	struct entry *e, **at;
	char num[32];
	int i, n = 0;

	if (is(c, "PING", 1, 1))
		return reply(conn, "+PONG\r\n");
	if (is(c, "PING", 2, 2) || is(c, "ECHO", 2, 2))
		return bulk(conn, v[1], l[1]);
	if (is(c, "SET", 3, 3))
		return reply(conn, set(v[1], l[1], v[2], l[2]) == 0 ?
			     "+OK\r\n" : "-ERR table full\r\n");
	if (is(c, "GET", 2, 2)) {
		if (!(e = *find(v[1], l[1])))
			return reply(conn, "$-1\r\n");
		return bulk(conn, e->data + e->klen, e->vlen);
	}
	if (is(c, "DEL", 2, ARGS_MAX)) {
		for (i = 1; i < c->argc; i++)
			if (*(at = find(v[i], l[i]))) {
				unlink_entry(at);
				n++;
			}
		snprintf(num, sizeof(num), ":%d\r\n", n);
		return reply(conn, num);
	}
	if (is(c, "PING", 0, ARGS_MAX) || is(c, "ECHO", 0, ARGS_MAX) ||
	    is(c, "SET", 0, ARGS_MAX) || is(c, "GET", 0, ARGS_MAX) ||
	    is(c, "DEL", 0, ARGS_MAX))
		return reply(conn, "-ERR wrong number of arguments\r\n");
	return reply(conn, "-ERR unknown command\r\n");
}

/* An inline command: the line's words, in place. */
static const char *
split(struct client *c, char *line)
{
	char *save, *word = strtok_r(line, " \t", &save);

	for (; word; word = strtok_r(NULL, " \t", &save)) {
		if (c->argc == ARGS_MAX)
			return "-ERR too many arguments\r\n";
		c->argv[c->argc] = word;
		c->argl[c->argc++] = strlen(word);
	}
	return NULL;
}

/* A line: an inline command, or an array's "*N" or "$len". NULL, or
 * the error that ends the connection. */
static const char *
take_line(struct client *c, char *line, size_t len)
{
	char *end;
	long v;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (c->want == 0 && line[0] != '*')
		return split(c, line);
	v = strtol(line + 1, &end, 10);
	if (line[0] != (c->want ? '$' : '*') || end == line + 1 ||
	    end != line + len || v < 0)
		return "-ERR protocol error\r\n";
	if (c->want == 0 && v > ARGS_MAX)
		return "-ERR too many arguments\r\n";
	if (c->want == 0)
		c->want = (int)v;
	else if ((size_t)v + 2 > sizeof(c->arena) - c->used)
		return "-ERR command too big\r\n";
	else
		c->bulk = (size_t)v + 2;
	return NULL;
}

/* One word of an array has arrived whole, CRLF included. */
static const char *
take_word(struct client *c)
{
	char *word = c->arena + c->used;

	if (memcmp(word + c->bulk - 2, "\r\n", 2) != 0)
		return "-ERR protocol error\r\n";
	c->argv[c->argc] = word;
	c->argl[c->argc++] = c->bulk - 2;
	c->used += c->bulk;
	c->want--;
	c->bulk = 0;
	return NULL;
}

/* Reads what comes next: a line, or a whole word. > 0: it came;
 * -EAGAIN: wait for more; 0: the client is done; else an error. */
static ssize_t
read_piece(netkit_reader *in, struct client *c)
{
	char *at = c->arena + c->used;
	ssize_t n;

	if (c->bulk == 0)
		return netkit_reader_read_line(in, at, sizeof(c->arena) -
					       c->used, NETKIT_NOW);
	/* all or nothing: -EAGAIN until the whole word is buffered, which
	 * it can be (the input buffer holds a whole command) */
	n = netkit_reader_read_exact(in, at, c->bulk, NULL, NETKIT_NOW);
	return n >= 0 && (size_t)n < c->bulk ? 0 : n;	/* ended inside */
}

/* Runs every command buffered, in order; called for INPUT and for
 * DRAINED (when we stopped above the high mark). */
static void
serve(netkit_conn *conn, struct client *c)
{
	netkit_reader *in = netkit_conn_reader(conn);
	const char *err = NULL;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && !err && (n = read_piece(in, c)) > 0) {
		/* read_piece() said > 0: the line or the word is whole */
		err = c->bulk ? take_word(c) :
				take_line(c, c->arena + c->used, (size_t)n);
		if (!err && c->want == 0 && c->bulk == 0) {
			if (c->argc > 0)
				rc = run(conn, c);
			c->argc = 0;
			c->used = 0;
		}
	}
	c->high = rc == NETKIT_CONN_HIGH;
	if (rc != 0)		/* above the high mark, or failed */
		return;
	if (n == NETKIT_ETOOLONG)
		err = "-ERR command too big\r\n";
	if (err)
		reply(conn, err);
	if (err || n != -EAGAIN)	/* done, junk, or an error */
		netkit_conn_close(conn, netkit_deadline_in(CLOSE_MS));
}

/* One event; false once the program is to stop. Each client's state
 * is in its connection (conn_size): zeroed at OPEN, freed with it. */
static bool
handle(const netkit_loop_event *ev)
{
	struct client *c = netkit_conn_storage(ev->conn);

	switch (ev->kind) {
	case NETKIT_LOOP_DRAINED:
		c->high = false;
		serve(ev->conn, c);	/* input may be waiting */
		break;
	case NETKIT_LOOP_INPUT:
		if (!c->high)	/* else it waits in the reader */
			serve(ev->conn, c);
		break;
	case NETKIT_LOOP_SIGNAL:	/* SIGINT or SIGTERM */
		return false;
	}
	/* ACCEPT_PAUSED (out of descriptors) needs nothing: the loop
	 * tries again by itself, and a line per pause would be a flood. */
	return true;
}

static int
parse_port(const char *text)
{
	size_t len = strlen(text);

	if (len == 0 || len > 5 || strspn(text, "0123456789") != len)
		return -1;
	return atoi(text) <= 65535 ? atoi(text) : -1;
}

int
main(int argc, char **argv)
{
	netkit_server_opts sopts = { .backlog = 512 };
	netkit_loop_opts lopts = { .input_size = CMD_MAX,
				   .conn_size = sizeof(struct client) };
	const netkit_loop_event *ev;
	const char *host = argc > 1 ? argv[1] : "0.0.0.0";
	const char *service = argc > 2 ? argv[2] : "6379";
	char here[NETKIT_ADDRSTRLEN];
	netkit_addr addr;
	int fd, n, i;
	bool run = true;

	if (argc > 3 || (argc > 1 && argv[1][0] == '-') ||
	    parse_port(service) < 0) {
		fputs("usage: resp-server [host [port]]\n", stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((n = netkit_addr_from_ip(&addr, host, 0)) < 0)
		die(host, n);	/* a numeric address, as the others take */
	fd = netkit_create_server(host, service, &sopts, NETKIT_FOREVER);
	if (fd < 0)
		die("create_server", fd);
	if ((n = netkit_loop_new(&loop, &lopts)) < 0 ||
	    (n = netkit_loop_listen(loop, fd, NULL)) < 0 ||
	    (n = netkit_loop_catch(loop, SIGINT)) < 0 ||
	    (n = netkit_loop_catch(loop, SIGTERM)) < 0)
		die("loop", n);
	if (netkit_local_addr(fd, &addr) < 0 ||
	    netkit_addr_format(&addr, here, sizeof(here)) < 0)
		strcpy(here, "?");
	printf("resp-server listening on %s\n", here);
	while (run) {
		if ((n = netkit_loop_wait(loop, &ev, NETKIT_FOREVER)) < 0)
			die("wait", n);
		for (i = 0; i < n && run; i++)
			run = handle(&ev[i]);
	}
	netkit_loop_free(loop);	/* closes every connection, no events */
	for (i = 0; i < BUCKETS; i++)
		while (table[i])
			unlink_entry(&table[i]);
	return 0;
}
