#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Counts test cases from meson test logs.

usage: tally.py add TESTLOG.json TALLYFILE [LABEL]   (append one run's counts)
       tally.py sum TALLYFILE                        (print "N passed, N failed, N skipped",
                                                      after a "failed: ..." line per phase
                                                      that had failures)

A Check executable counts as its test cases: main.c prints
"netkit-tally: PASSED FAILED SKIPPED" (older builds: "PASSED FAILED").
A run that skipped (a missing precondition) counts as skipped, not
passed; an executable whose every run skipped exits 77 (meson: SKIP).
Any other meson test counts as one. A test that failed outside its
Check cases (crash, valgrind error, timeout) counts one more failure.
"""
import json
import re
import sys

TALLY = re.compile(r"^netkit-tally: (\d+) (\d+)(?: (\d+))?$", re.M)
# Check's line for a failed or errored case: "file.c:LINE:F:case:test:0: msg".
CHECK_FAIL = re.compile(r"^[^:\n]+:\d+:[FE]:([^:\n]+):", re.M)


def add(log, out, label):
    p = f = s = 0
    failed_names = []
    with open(log, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            result = rec.get("result", "")
            counts = TALLY.findall(rec.get("stdout") or "")
            if counts:
                cp, cf, cs = (int(x or 0) for x in counts[-1])
                if result not in ("OK", "EXPECTEDFAIL", "SKIP") and cf == 0:
                    cf = 1
                p += cp
                f += cf
                s += cs
            elif result in ("OK", "EXPECTEDFAIL"):
                p += 1
            elif result == "SKIP":
                s += 1
            else:
                f += 1
            if result not in ("OK", "EXPECTEDFAIL", "SKIP"):
                name = rec.get("name", "?")
                cases = CHECK_FAIL.findall(rec.get("stdout") or "")
                if cases:
                    name += " [" + " ".join(dict.fromkeys(cases)) + "]"
                failed_names.append(name)
    with open(out, "a", encoding="utf-8") as fh:
        where = label + (" (failing: " + ", ".join(failed_names) + ")"
                         if failed_names else "")
        fh.write(f"{p} {f} {s} {where}\n")
    msg = f"{label}: {p} passed, {f} failed, {s} skipped"
    if failed_names:
        msg += " (failing: " + ", ".join(failed_names) + ")"
    print(msg)


def total(path):
    p = f = s = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split(maxsplit=3)
            if len(parts) >= 3:
                p += int(parts[0])
                f += int(parts[1])
                s += int(parts[2])
                if int(parts[1]):
                    # Repeated just above the last line, so that a log
                    # cut to its tail still says where the failures are.
                    print(f"failed: {parts[3] if len(parts) > 3 else '?'}"
                          f" ({parts[1]})")
    print(f"{p} passed, {f} failed, {s} skipped")
    return 1 if f else 0


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "add":
        add(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "tests")
    elif len(sys.argv) == 3 and sys.argv[1] == "sum":
        sys.exit(total(sys.argv[2]))
    else:
        sys.exit(__doc__)
