/*
 * Runs one test executable's suite. Check's environment variables apply:
 * CK_RUN_CASE / CK_RUN_TEST select, CK_FORK=no runs in-process (gdb).
 * The last line, "netkit-tally: P F", lets .ci/run count test cases.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"

int
main(void)
{
	SRunner *sr = srunner_create(netkit_test_suite());
	int run, failed;

	srunner_run_all(sr, CK_ENV);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	printf("netkit-tally: %d %d\n", run - failed, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
