#!/usr/bin/env python3
"""Checks that no two .cpp files of the core library (src/) define a file-local function of the
same name (in an anonymous namespace, or `static`). The asan and tsan trees compile the library as
a unity build (SHADOWPROXY_UNITY: 8 sources as one translation unit), where such functions meet:
with the same parameters the build fails, with different ones a call can silently pick the other
file's overload. Rename one of them (the release tree, file by file, would not notice).
Also checks file-local variables (`constexpr`/`const` at namespace scope in an anonymous
namespace, or `static`): their names must not appear as a word in any other source of src/, since
a local variable of that name in a later file of the same batch shadows it (-Wshadow, an error
with -Werror) and the batches shift whenever a source is added.
Looks at definitions at the start of a line (clang-format's layout), outside raw strings.
Prints each clash and exits 1; exits 0 when there is none.
Usage: scripts/check_unity_names.py [repository root]"""
import collections
import pathlib
import re
import sys

GROUPS = ["src"]
KEYWORDS = {"if", "for", "while", "switch", "return", "catch", "sizeof", "decltype", "operator"}
# `type name(` at the start of a line, where name is the last identifier before the parenthesis.
FUNCTION = re.compile(r"^(?:static\s+|inline\s+|constexpr\s+|\[\[\w+\]\]\s+)*"
                      r"[A-Za-z_][\w:<>,*&\s]*?[\s*&>]([A-Za-z_]\w*)\s*\(")


# `const type name =` (or `{`, `[`) at the start of a line.
VARIABLE = re.compile(r"^(?:static\s+|inline\s+)*(?:constexpr|const)\s+[A-Za-z_][\w:<>,*&\s]*?"
                      r"[\s*&>]([A-Za-z_]\w*)\s*(?:=|\{|\[)")


def file_local_names(path):
    """(functions, variables) defined at line start inside an anonymous namespace, or static."""
    names = set()
    variables = set()
    anonymous_depth = 0
    raw_end = None  # the closing delimiter while inside a raw string literal
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if raw_end is not None:
            if raw_end in line:
                raw_end = None
            continue
        opened = re.search(r'R"([^(\s]*)\(', line)
        if opened and ')' + opened.group(1) + '"' not in line[opened.end():]:
            raw_end = ')' + opened.group(1) + '"'
        if re.match(r"^namespace\s*\{", line):
            anonymous_depth += 1
            continue
        if anonymous_depth and re.match(r"^\}\s*//\s*namespace\s*$", line):
            anonymous_depth -= 1
            continue
        local = anonymous_depth or line.startswith("static ")
        variable = VARIABLE.match(line)
        if variable:
            if local:
                variables.add(variable.group(1))
            continue
        match = FUNCTION.match(line)
        if not match or match.group(1) in KEYWORDS or line.rstrip().endswith(";"):
            continue
        if local:
            names.add(match.group(1))
    return names, variables


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    clashes = 0
    for group in GROUPS:
        where = collections.defaultdict(list)
        variables = collections.defaultdict(list)
        texts = {}
        for path in sorted((root / group).rglob("*.cpp")):
            relative = path.relative_to(root).as_posix()
            texts[relative] = path.read_text(encoding="utf-8", errors="replace")
            functions, file_variables = file_local_names(path)
            for name in functions:
                where[name].append(relative)
            for name in file_variables:
                variables[name].append(relative)
        for name, paths in sorted(where.items()):
            if len(paths) > 1:
                clashes += 1
                print(f"{group}: {name}() is defined in {', '.join(paths)}: rename all but one "
                      "(the asan and tsan trees compile them together: unity build)")
        for name, paths in sorted(variables.items()):
            word = re.compile(r"\b" + re.escape(name) + r"\b")
            others = [other for other, text in texts.items()
                      if other not in paths and word.search(text)]
            if len(paths) > 1 or others:
                clashes += 1
                print(f"{group}: file-local variable {name} of {', '.join(paths)} is also named in "
                      f"{', '.join(others or paths)}: give it a name of its own (unity build: "
                      "a local of that name in the same batch shadows it)")
    if clashes:
        return 1
    print("unity names: no file-local function or variable of src/ meets another name")
    return 0


if __name__ == "__main__":
    sys.exit(main())
