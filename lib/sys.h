/* SPDX-License-Identifier: MIT */
/*
 * The seam: every system call libnetkit makes goes through NK_SYS(name),
 * and so does every libc call that asks the system for an answer: the
 * resolver's lookups (getaddrinfo, getnameinfo, the _r calls,
 * gethostname) and the interface list (getifaddrs, if_nametoindex,
 * if_indextoname).
 *
 * In the installed library NK_SYS(send) is plain `send`: a direct call,
 * nothing added. The copy of the library the tests link (nk_internal,
 * built with -DNETKIT_SEAM) calls through the table netkit__sys, which
 * a test may rewrite to make any call fail with any errno or return
 * short counts (Go's internal/socktest; wayland's os wrappers).
 * Not installed.
 */
#ifndef NETKIT_SYS_H
#define NETKIT_SYS_H

#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef NETKIT_SEAM

struct ifaddrs;

struct netkit__sys {
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int,
			  const struct sockaddr *, socklen_t);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *,
			    socklen_t *);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*shutdown)(int, int);
	int (*close)(int);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*fcntl)(int, int, ...);
	int (*getaddrinfo)(const char *, const char *,
			   const struct addrinfo *, struct addrinfo **);
	int (*socketpair)(int, int, int, int *);
	int (*epoll_create1)(int);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*eventfd)(unsigned int, int);
	int (*pipe2)(int *, int);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	/* Files (file.c). */
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*pread)(int, void *, size_t, off_t);
	int (*fstat)(int, struct stat *);
	/* The clock (time.c) and the SIGPIPE guard around sendfile(). */
	int (*clock_gettime)(clockid_t, struct timespec *);
	int (*pthread_sigmask)(int, const sigset_t *, sigset_t *);
	int (*sigpending)(sigset_t *);
	int (*sigtimedwait)(const sigset_t *, siginfo_t *,
			    const struct timespec *);
	/* The loop's signal catching (loop.c). */
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	/* Names and interfaces (resolve.c, iface.c, addr.c): what the
	 * system's resolver and the kernel's interface list answer. */
	int (*getnameinfo)(const struct sockaddr *, socklen_t, char *,
			   socklen_t, char *, socklen_t, int);
	int (*gethostname)(char *, size_t);
	int (*gethostbyname_r)(const char *, struct hostent *, char *,
			       size_t, struct hostent **, int *);
	int (*gethostbyaddr_r)(const void *, socklen_t, int,
			       struct hostent *, char *, size_t,
			       struct hostent **, int *);
	int (*getservbyname_r)(const char *, const char *, struct servent *,
			       char *, size_t, struct servent **);
	int (*getservbyport_r)(int, const char *, struct servent *, char *,
			       size_t, struct servent **);
	int (*getifaddrs)(struct ifaddrs **);
	unsigned int (*if_nametoindex)(const char *);
	char *(*if_indextoname)(unsigned int, char *);
};

/* The table the library calls through; tests rewrite its entries and
 * restore them from netkit__sys_default. */
extern struct netkit__sys netkit__sys;
extern const struct netkit__sys netkit__sys_default;

#define NK_SYS(name) (netkit__sys.name)

#else

#define NK_SYS(name) name

#endif /* NETKIT_SEAM */

#endif /* NETKIT_SYS_H */
