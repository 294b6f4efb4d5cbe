/* SPDX-License-Identifier: MIT */
/*
 * The seam's table (see sys.h). Only the tests' copy of the library
 * (-DNETKIT_SEAM) has one; the installed library calls libc directly.
 */
#include "config.h"

#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys.h"

#ifdef NETKIT_SEAM

#define NK_SYS_ENTRIES \
	.socket = socket, \
	.bind = bind, \
	.listen = listen, \
	.accept4 = accept4, \
	.connect = connect, \
	.send = send, \
	.recv = recv, \
	.sendto = sendto, \
	.recvfrom = recvfrom, \
	.sendmsg = sendmsg, \
	.recvmsg = recvmsg, \
	.shutdown = shutdown, \
	.close = close, \
	.poll = poll, \
	.getsockopt = getsockopt, \
	.setsockopt = setsockopt, \
	.getsockname = getsockname, \
	.getpeername = getpeername, \
	.fcntl = fcntl, \
	.getaddrinfo = getaddrinfo, \
	.socketpair = socketpair, \
	.epoll_create1 = epoll_create1, \
	.epoll_ctl = epoll_ctl, \
	.epoll_wait = epoll_wait, \
	.eventfd = eventfd, \
	.pipe2 = pipe2, \
	.read = read, \
	.write = write, \
	.sendfile = sendfile, \
	.pread = pread, \
	.fstat = fstat, \
	.clock_gettime = clock_gettime, \
	.pthread_sigmask = pthread_sigmask, \
	.sigpending = sigpending, \
	.sigtimedwait = sigtimedwait, \
	.sigaction = sigaction, \
	.getnameinfo = getnameinfo, \
	.gethostname = gethostname, \
	.gethostbyname_r = gethostbyname_r, \
	.gethostbyaddr_r = gethostbyaddr_r, \
	.getservbyname_r = getservbyname_r, \
	.getservbyport_r = getservbyport_r, \
	.getifaddrs = getifaddrs, \
	.if_nametoindex = if_nametoindex, \
	.if_indextoname = if_indextoname,

const struct netkit__sys netkit__sys_default = { NK_SYS_ENTRIES };
struct netkit__sys netkit__sys = { NK_SYS_ENTRIES };

#else

/* ISO C forbids an empty translation unit. */
typedef int netkit__sys_unused;

#endif
