#!/bin/sh
# SPDX-License-Identifier: MIT
# Starts one examples test: run.sh SCRIPT ARGS... runs `bash SCRIPT ARGS`.
#
# Why this step: `meson test --setup valgrind` runs each test command
# under memcheck with --trace-children=yes, which would check bash,
# python3, nc, mktemp... and fail on their own leaks. So tests/examples/
# meson.build sets VALGRIND_OPTS=--trace-children-skip=*/bash: this small
# sh script runs under memcheck, notes it, and execs bash, which then runs
# natively (exec is not an exit, so sh is never leak-checked). The test
# script then runs only the C example programs under valgrind, with the
# setup's options (lib.sh, NK_MEMCHECK).
case "${LD_PRELOAD:-}" in
*vgpreload_memcheck*)
	NK_MEMCHECK=1
	export NK_MEMCHECK
	;;
esac
exec bash "$@"
