/*
 * Runs one test executable's suite. Check's environment variables apply:
 * CK_RUN_CASE / CK_RUN_TEST select, CK_FORK=no runs in-process (gdb).
 * The last line, "netkit-tally: P F", lets .ci/run count test cases.
 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"

/* Suites that call the resolver run in a private network namespace with
 * only loopback up (NETKIT_TEST_NETNS=1, set by tests/meson.build): a
 * lookup that falls through to DNS then fails at once instead of
 * leaving the machine. Unprivileged users get a user namespace too.
 * Where neither is allowed, the suite runs as it is and says so. */
static void
isolate_network(void)
{
	struct ifreq ifr;
	int fd;

	if (unshare(CLONE_NEWNET) < 0 &&
	    unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
		fprintf(stderr, "note: no private network namespace (%s); "
			"resolver tests use this machine's resolver\n",
			strerror(errno));
		return;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0))
		fprintf(stderr, "note: cannot bring lo up in the test "
			"namespace: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
}

int
main(void)
{
	SRunner *sr;
	int run, failed;

	if (getenv("NETKIT_TEST_NETNS"))
		isolate_network();
	sr = srunner_create(netkit_test_suite());

	srunner_run_all(sr, CK_ENV);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	printf("netkit-tally: %d %d\n", run - failed, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
