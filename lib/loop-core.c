/* SPDX-License-Identifier: MIT */
/*
 * The loop's bookkeeping, below its connections and its wait: the
 * descriptor table, the batch being built, and the dirty list (adding
 * to the batch and to the dirty list, once per request, is inline in
 * loop-private.h).
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

void
netkit__loop_cancel(netkit_loop *l, const netkit_conn *c)
{
	size_t i;

	for (i = 0; i < l->n_batch; i++)
		if (l->batch[i].conn == c)
			l->batch[i].kind = 0;
}

/* A connection ended or the retry timer fired: accept again at the
 * next settle. */
void
netkit__loop_conn_gone(netkit_loop *l)
{
	if (l->paused)
		l->resume = true;
}

