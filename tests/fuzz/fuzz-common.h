/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the libFuzzer targets: the entry point's prototype,
 * a NUL-terminated copy of the input, and a property check that stops
 * the run with a message libFuzzer keeps next to the crashing input.
 */
#ifndef NETKIT_FUZZ_COMMON_H
#define NETKIT_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Declared here because the build uses -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property failed: say which one and abort, so libFuzzer saves the
 * input as a crash. abort() is also what ASan/UBSan end with. */
#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: property failed: %s\n", \
				__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* The input as a C string. Parsers see text up to the first NUL, as a
 * caller passing a C string would; an exact-size malloc lets ASan catch
 * any read past the terminator. Never NULL: aborts on allocation
 * failure, which libFuzzer then reports. */
static inline char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_CHECK(s != NULL);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* True if all len bytes of buf equal c: outputs must stay untouched on
 * failure. */
static inline int
fuzz_all_bytes(const void *buf, size_t len, unsigned char c)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

#endif /* NETKIT_FUZZ_COMMON_H */
