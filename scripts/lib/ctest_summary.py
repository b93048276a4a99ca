#!/usr/bin/env python3
"""Summarises a ctest JUnit file (ctest --output-junit FILE) for scripts/test.sh.

  scripts/lib/ctest_summary.py FILE

Prints one line "RUN PASSED FAILED SKIPPED", then one tab-separated line per skipped test
("skip", name, reason) and per failed test ("fail", name, message). The reason of a GoogleTest
skip is the message given to GTEST_SKIP(), read from the test's output. Exit code 2 when the
file cannot be read.
"""

import sys
import xml.etree.ElementTree as ET


def skip_reason(case):
    """The GTEST_SKIP() message from the test's output, else ctest's own reason."""
    output = case.findtext("system-out") or ""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.rstrip().endswith(": Skipped"):
            message = []
            for follow in lines[i + 1:]:
                if not follow.strip() or follow.startswith("[  SKIPPED ]"):
                    break
                message.append(follow.strip())
            return " ".join(message) or "GTEST_SKIP() without a message"
    skipped = case.find("skipped")
    message = skipped.get("message", "") if skipped is not None else ""
    if message and message != "SKIP_REGULAR_EXPRESSION_MATCHED":
        return message
    return "skipped (no reason in the output)"


def main():
    try:
        cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
    except (IndexError, OSError, ET.ParseError) as e:
        print(f"ctest_summary: {e}", file=sys.stderr)
        return 2
    counts = {"run": 0, "passed": 0, "failed": 0, "skipped": 0}
    notes = []
    for case in cases:
        name = case.get("name", "?")
        counts["run"] += 1
        if case.find("failure") is not None or case.get("status") == "fail":
            counts["failed"] += 1
            failure = case.find("failure")
            message = failure.get("message", "") if failure is not None else ""
            notes.append(("fail", name, message or "failed"))
        elif case.find("skipped") is not None or case.get("status") in ("notrun", "disabled"):
            counts["skipped"] += 1
            notes.append(("skip", name, skip_reason(case)))
        else:
            counts["passed"] += 1
    print(counts["run"], counts["passed"], counts["failed"], counts["skipped"])
    for note in notes:
        print("\t".join(note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
