/* SPDX-License-Identifier: MIT */
/*
 * The TLS calls of a library built without OpenSSL (-Dtls=disabled, or
 * no OpenSSL 3 found): the same symbols as lib/tls.c, so that the ABI
 * does not depend on the build, each answering -ENOTSUP (or nothing, for
 * the calls that cannot fail). Nothing can be made, so nothing is freed.
 */
#include "config.h"

#include <errno.h>

#include "netkit-private.h"

NETKIT_EXPORT int
netkit_tls_ctx_new(netkit_tls_ctx **out, const netkit_tls_opts *opts)
{
	return -ENOTSUP;
}

NETKIT_EXPORT void
netkit_tls_ctx_free(netkit_tls_ctx *ctx)
{
}

NETKIT_EXPORT int
netkit_tls_connect(netkit_tls **out, netkit_tls_ctx *ctx, int fd,
		   const char *server_name, netkit_deadline deadline)
{
	if (out)
		*out = NULL;
	return -ENOTSUP;
}

NETKIT_EXPORT int
netkit_tls_create_connection(netkit_tls **out, netkit_tls_ctx *ctx,
			     const char *host, const char *service,
			     const netkit_connect_opts *opts,
			     netkit_connect_report *report,
			     netkit_deadline deadline)
{
	if (out)
		*out = NULL;
	return -ENOTSUP;
}

NETKIT_EXPORT int
netkit_tls_accept(netkit_tls **out, netkit_tls_ctx *ctx, int fd,
		  netkit_deadline deadline)
{
	if (out)
		*out = NULL;
	return -ENOTSUP;
}

NETKIT_EXPORT int
netkit_tls_handshake(netkit_tls *t, netkit_deadline deadline)
{
	return -ENOTSUP;
}

NETKIT_EXPORT ssize_t
netkit_tls_send(netkit_tls *t, const void *buf, size_t len,
		netkit_deadline deadline)
{
	return -ENOTSUP;
}

NETKIT_EXPORT ssize_t
netkit_tls_recv(netkit_tls *t, void *buf, size_t len,
		netkit_deadline deadline)
{
	return -ENOTSUP;
}

NETKIT_EXPORT ssize_t
netkit_tls_send_all(netkit_tls *t, const void *buf, size_t len, size_t *sent,
		    netkit_deadline deadline)
{
	if (sent)
		*sent = 0;
	return -ENOTSUP;
}

NETKIT_EXPORT ssize_t
netkit_tls_recv_exact(netkit_tls *t, void *buf, size_t len, size_t *got,
		      netkit_deadline deadline)
{
	if (got)
		*got = 0;
	return -ENOTSUP;
}

NETKIT_EXPORT int
netkit_tls_close(netkit_tls *t, netkit_deadline deadline)
{
	return t ? -ENOTSUP : 0;
}

NETKIT_EXPORT void
netkit_tls_free(netkit_tls *t)
{
}

NETKIT_EXPORT const char *
netkit_tls_alpn(const netkit_tls *t)
{
	return NULL;
}

NETKIT_EXPORT unsigned
netkit_tls_wants(const netkit_tls *t)
{
	return 0;
}

int
netkit__tls_ctx_role(const netkit_tls_ctx *ctx)
{
	(void)ctx;
	return -ENOTSUP;
}

int
netkit__tls_open_moving(netkit_tls **out, netkit_tls_ctx *ctx, int fd,
			const char *server_name)
{
	(void)ctx;
	(void)fd;
	(void)server_name;
	if (out)
		*out = NULL;
	return -ENOTSUP;
}

NETKIT_EXPORT int
netkit_tls_ktls(const netkit_tls *t)
{
	(void)t;
	return 0;
}

NETKIT_EXPORT ssize_t
netkit_tls_sendfile(netkit_tls *t, int file_fd, off_t offset, size_t count,
		    size_t *sent, netkit_deadline deadline)
{
	if (sent)
		*sent = 0;
	return -ENOTSUP;
}
