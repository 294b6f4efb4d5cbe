/* SPDX-License-Identifier: MIT */
/*
 * The loop's bookkeeping, below its connections and its wait: the
 * descriptor table, the batch being built, and the dirty list.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loop-private.h"

/* ---- the descriptor table ---- */

int
netkit__loop_own(netkit_loop *l, int fd, void *obj)
{
	unsigned char **t;
	int n;

	if (fd >= l->n_owner) {
		n = l->n_owner ? l->n_owner : 64;
		while (n <= fd)
			n *= 2;
		t = realloc(l->owner, (size_t)n * sizeof(*t));
		if (!t)
			return -ENOMEM;
		memset(t + l->n_owner, 0,
		       (size_t)(n - l->n_owner) * sizeof(*t));
		l->owner = t;
		l->n_owner = n;
	}
	l->owner[fd] = obj;
	return 0;
}

void
netkit__loop_disown(netkit_loop *l, int fd)
{
	if (fd >= 0 && fd < l->n_owner)
		l->owner[fd] = NULL;
}

/* ---- the batch ---- */

bool
netkit__loop_push(netkit_loop *l, unsigned kind, netkit_conn *c, int err)
{
	netkit_loop_event *e;

	if (l->n_batch == l->cap_batch)
		return false;
	e = &l->batch[l->n_batch++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->err = err;
	e->conn = c;
	e->data = c ? c->data : NULL;
	e->fd = c ? c->fd : -1;
	return true;
}

void
netkit__loop_cancel(netkit_loop *l, const netkit_conn *c)
{
	size_t i;

	for (i = 0; i < l->n_batch; i++)
		if (l->batch[i].conn == c)
			l->batch[i].kind = 0;
}

void
netkit__loop_dirty(netkit_conn *c)
{
	netkit_loop *l = c->loop;

	if (c->dirty)
		return;
	c->dirty = true;
	c->dirty_next = l->dirty;
	l->dirty = c;
}

/* A connection ended or the retry timer fired: accept again at the
 * next settle. */
void
netkit__loop_conn_gone(netkit_loop *l)
{
	if (l->paused)
		l->resume = true;
}

