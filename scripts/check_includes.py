#!/usr/bin/env python3
"""Checks the module include graph of docs/architecture.md over the #include lines of src/ and
include/: a module includes only the modules it may use, another module's headers only through
include/shadowproxy/<module>/ (never its private src/<module>/ headers), and a public header
never includes a private one. Prints each violation and exits 1; exits 0 when there is none.
Usage: scripts/check_includes.py [repository root]"""
import pathlib
import re
import sys

# module -> modules it may include (itself always allowed). Keep in step with
# docs/architecture.md ("Which module may include which").
ALLOWED = {
    "words": set(),
    "text": set(),
    "platform": set(),
    "config": set(),
    "metrics": set(),
    "compare": {"config", "oip"},
    "stats": {"config"},
    "net": {"config"},
    "upstream": {"metrics", "net"},
    "oip": set(),
    "llm": {"config", "upstream", "stats"},
    "logsink": {"config", "compare", "llm"},
    "mirror": {"config", "metrics", "compare", "stats", "logsink", "upstream", "oip",
               "llm", "net"},
    "proxy": {"config", "metrics", "mirror", "upstream", "llm", "net", "oip"},
    "admin": {"config", "metrics", "stats", "net"},
    "report": {"config", "stats"},
    "app": {"config", "metrics", "compare", "stats", "logsink", "upstream", "llm", "mirror",
            "proxy", "admin", "report", "net"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def module_of(root, path):
    """(module, is_public) of a file under src/<module>/ or include/shadowproxy/<module>/."""
    parts = path.relative_to(root).parts
    if parts[0] == "src" and len(parts) > 2:
        return parts[1], False
    if parts[:2] == ("include", "shadowproxy") and len(parts) > 3:
        return parts[2], True
    return None, False


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems = []
    files = sorted(p for d in ("src", "include") for p in (root / d).rglob("*")
                   if p.suffix in (".cpp", ".hpp"))
    # words/ (the words of the records), text/ (UTF-8 decoding) and platform/ (threads' names
    # and scheduling) are leaves every module may use.
    for module, used in ALLOWED.items():
        used.update({"words", "text", "platform"} - {module})
    for path in files:
        module, public = module_of(root, path)
        if module is None:
            continue
        if module not in ALLOWED:
            problems.append(f"{path.relative_to(root)}: module '{module}' is not in the graph")
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = match.group(1).split("/")
            where = f"{path.relative_to(root)}:{number}: {match.group(1)}"
            if target[0] == "shadowproxy" and len(target) > 2:
                used = target[1]
                if used != module and used not in ALLOWED[module]:
                    problems.append(f"{where}: {module} may not include {used}")
            elif len(target) > 1 and target[0] in ALLOWED:
                if target[0] != module:
                    problems.append(f"{where}: private header of {target[0]} used by {module}")
                elif public:
                    problems.append(f"{where}: public header includes a private one")
    for problem in problems:
        print(problem)
    print(f"check_includes: {len(files)} files, {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
