/* SPDX-License-Identifier: MIT */
/*
 * Runs one test executable's suite. Check 0.15.2's environment variables
 * apply: CK_RUN_CASE=<test name> runs that one test (every test is in a
 * TCase of its own, named after it: NK_ADD_TEST; a test over both
 * families is two, <test>_v4 and <test>_v6: NK_ADD_TEST_V4_V6),
 * CK_RUN_SUITE=<suite> selects the suite (each executable has one, named
 * after its file), CK_FORK=no runs in-process (gdb, helgrind),
 * CK_VERBOSITY=verbose lists every test. Check has no CK_RUN_TEST: it is
 * ignored, and the whole suite runs.
 *
 * Tests that skip (NK_SKIP) are counted apart from the passes. The last
 * line, "netkit-tally: P F S" (passed, failed, skipped runs), lets
 * .ci/tally.py count test cases; the exit status is 1 if one failed,
 * 77 (meson: SKIP) if every run skipped, 0 otherwise.
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

/* Runs that passed but had called nk_skip(). Results come in run order,
 * the loop runs of one test case together; nk_skip() records a run by
 * its rank in its test case (from 0), counted here the same way. */
static int
count_skipped(SRunner *sr)
{
	TestResult **r = srunner_results(sr);
	int n = srunner_ntests_run(sr), k, i = 0, skipped = 0;
	const char *prev = NULL;

	for (k = 0; r && k < n; k++) {
		if (prev && strcmp(prev, tr_tcname(r[k])) == 0)
			i++;
		else
			i = 0;
		prev = tr_tcname(r[k]);
		if (tr_rtype(r[k]) == CK_PASS && nk_skipped(prev, i))
			skipped++;
	}
	free(r);
	return skipped;
}

int
main(void)
{
	SRunner *sr;
	int run, failed, skipped;

	if (getenv("NETKIT_TEST_NETNS"))
		isolate_network();
	nk_skips_init();
	sr = srunner_create(netkit_test_suite());

	srunner_run_all(sr, CK_ENV);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	skipped = count_skipped(sr);
	srunner_free(sr);
	if (run == 0 && getenv("CK_RUN_CASE"))
		nk_note_split_test(getenv("CK_RUN_CASE"));
	if (skipped)
		printf("%d of %d runs skipped (see the SKIP lines)\n",
		       skipped, run);
	printf("netkit-tally: %d %d %d\n", run - failed - skipped, failed,
	       skipped);
	if (failed)
		return EXIT_FAILURE;
	return run > 0 && skipped == run ? 77 : EXIT_SUCCESS;
}
