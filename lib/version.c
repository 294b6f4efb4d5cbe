/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "netkit-private.h"

_Static_assert(NETKIT_VERSION_MAJOR >= 0 && NETKIT_VERSION_MINOR >= 0 &&
	       NETKIT_VERSION_PATCH >= 0, "version macros");

NETKIT_EXPORT const char *
netkit_version_string(void)
{
	/* From meson's project(version:), so the binary says what it is
	 * even if the header macros were forgotten; a test compares both. */
	return NETKIT_VERSION;
}
