"""fops speaks of itself in its own words. A user reads the docs, the
comments and the messages with nothing but this repo (or nothing but the
installed package) at hand, so none of them may lean on a document that is
not there: "the seed", an issue number, STYLE.md or DESIGN.md, or a path
outside the repo. A rule is explained where it is stated: what it is and
why.

The check walks the tracked files of the docs, README.md, libfops/,
bindings/, bench/, examples/, .ci/ and the Makefile (`git ls-files`, or a
directory walk outside a checkout) and names each offending FILE:LINE.
"seed" is fine where it means fuzzing or randomness: a seed corpus, corpus
seeds, a random seed, a paragraph about fuzzing, anything under fuzz/."""
import os
import re
import subprocess

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# What the check reads: everything a user reads, except the tests.
WALKED = ["README.md", "Makefile", "docs", "libfops", "bindings", "bench", "examples", ".ci"]

# Directories a walk outside a checkout skips: built or installed, not written.
NOT_SOURCE = {".git", "build", ".venv", "__pycache__", "node_modules", ".pytest_cache"}

# (what it leans on, the pattern that finds it)
OUTSIDE = [
    ("an outside document called the seed", re.compile(r"\bseeds?\b", re.IGNORECASE)),
    ("an issue number", re.compile(r"\bissues?\s*#?\d+", re.IGNORECASE)),
    ("a document that is not in the repo",
     re.compile(r"\b(?:STYLE|DESIGN)\.md\b", re.IGNORECASE)),
    ("a path outside the repo", re.compile(r"\.\./shared\b|\.\./\.library\b|/work/")),
]

# "seed" in its fuzzing and randomness senses.
SEED_OK = re.compile(r"seed[ _-]?corpus|corpus|fuzz|random seeds?", re.IGNORECASE)


def paragraphs(lines):
    """For each line, the text of its paragraph (the run of non-blank lines
    it is in): a comment block, a Markdown paragraph or table."""
    of_line = []
    start = 0
    for end in range(len(lines) + 1):
        if end == len(lines) or not lines[end].strip():
            text = "\n".join(lines[start:end])
            of_line += [text] * (end - start) + ([""] if end < len(lines) else [])
            start = end + 1
    return of_line


def outside_words(path, text):
    """(line number, what it leans on, the line) for every line of `text`
    (the file at repo-relative `path`) that leans on something outside the
    repo. "seed" is fine in a paragraph about fuzzing."""
    found = []
    fuzzing = path.startswith("fuzz/") or "/fuzz/" in path
    lines = text.splitlines()
    around = paragraphs(lines)
    for number, line in enumerate(lines, 1):
        for what, pattern in OUTSIDE:
            if not pattern.search(line):
                continue
            if what.endswith("the seed") and (fuzzing or SEED_OK.search(around[number - 1])):
                continue
            found.append((number, what, line.strip()))
    return found


def tracked_files(root=REPO, walked=WALKED):
    """Repo-relative paths of the walked files: the tracked ones in a git
    checkout, every file under `walked` otherwise (a source tarball)."""
    try:
        listed = subprocess.run(["git", "-C", root, "ls-files", "-z", "--", *walked],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
        if listed.stdout:
            return sorted(p for p in listed.stdout.decode().split("\0") if p)
    except (OSError, subprocess.CalledProcessError):
        pass
    paths = []
    for top in walked:
        start = os.path.join(root, top)
        if os.path.isfile(start):
            paths.append(top)
        for directory, subdirs, files in os.walk(start):
            subdirs[:] = [d for d in subdirs if d not in NOT_SOURCE]
            for name in files:
                paths.append(os.path.relpath(os.path.join(directory, name), root))
    return sorted(paths)


def read_text(root, path):
    """The file's text, or None for a binary file (or one that is gone)."""
    try:
        with open(os.path.join(root, path), "rb") as f:
            data = f.read()
    except OSError:
        return None
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def offences(paths, root=REPO):
    lines = []
    for path in paths:
        text = read_text(root, path)
        if text is None:
            continue
        for number, what, line in outside_words(path, text):
            lines.append(f"{path}:{number}: {what}: {line}")
    return lines


# --- the checker can fail, and lets the fuzzing senses through ---

@pytest.mark.parametrize("line, what", [
    ("The seed's registry split is an invariant.", "an outside document called the seed"),
    ("// off in dev, as the seed says", "an outside document called the seed"),
    ("Seeds decide this.", "an outside document called the seed"),
    ("Target from issue 2: 20 ms.", "an issue number"),
    ("(see Issue #14)", "an issue number"),
    ("as STYLE.md says", "a document that is not in the repo"),
    ("see design.md", "a document that is not in the repo"),
    ("copied from ../shared/notes", "a path outside the repo"),
    ("read /work/notes/preamble.md", "a path outside the repo"),
    ("from ../.library/env", "a path outside the repo"),
])
def test_a_line_leaning_on_the_outside_is_named_by_file_and_line(tmp_path, line, what):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "x.md").write_text(f"# X\n\nfine words\n{line}\n")
    assert offences(["docs/x.md"], root=str(tmp_path)) == [f"docs/x.md:4: {what}: {line}"]


@pytest.mark.parametrize("line", [
    "Each target has a seed corpus in fuzz/corpus/<target>/.",
    "FOPS_FUZZ_SEED_CORPUS=1",
    "the corpus seeds stay small",
    "a random seed makes the order repeatable",
    "libFuzzer targets, seeds, dictionaries",
    "the engine was seeded with 3 rows",   # another word
    "an issue with the cache",            # no number
    "/workspace/app and work/ are fine",  # not the path
])
def test_fuzzing_seeds_and_ordinary_words_pass(line):
    assert outside_words("docs/x.md", line + "\n") == []


def test_anything_under_fuzz_or_in_a_paragraph_about_fuzzing_may_speak_of_seeds():
    assert outside_words("fuzz/README.md", "the seeds of each target\n") == []
    assert outside_words("docs/x.md", "the seeds of each target\n") != []
    text = ("# Builds every fuzzer, then runs each\n# on a copy of its seeds.\n\n"
            "# As the seed says.\n")
    assert outside_words("Makefile", text) == [
        (4, "an outside document called the seed", "# As the seed says.")]


def test_outside_a_checkout_the_directories_are_walked(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("as the seed says\n")
    (tmp_path / "docs" / "__pycache__").mkdir()
    (tmp_path / "docs" / "__pycache__" / "b.md").write_text("as the seed says\n")  # not source
    (tmp_path / "README.md").write_bytes(b"\0binary seed\n")  # binary: not read
    paths = tracked_files(root=str(tmp_path), walked=["README.md", "docs"])
    assert paths == ["README.md", "docs/a.md"]
    assert offences(paths, root=str(tmp_path)) == [
        "docs/a.md:1: an outside document called the seed: as the seed says"]


# --- the tree ---

def test_docs_comments_and_messages_speak_only_of_the_project():
    paths = tracked_files()
    assert len(paths) > 100, paths  # the walk found the sources
    found = offences(paths)
    assert not found, "words that lean on what is not in the repo:\n" + "\n".join(found)
