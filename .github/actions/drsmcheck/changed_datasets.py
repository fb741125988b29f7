"""Which dataset folders a pull request touched, for the drsmcheck gate (stdlib only).

    python changed_datasets.py --base REF [--always PATH]... ROOT...

Prints, space-separated, every folder under the ROOTs that holds a `dataset.yaml` and a file
changed between REF and HEAD (`git diff --name-only REF...HEAD`, deleted datasets left out).
When a change touches an `--always` path (the rule pack, the baseline, the gate itself) every
ROOT is printed, since any dataset may now pass or fail. Prints nothing when no dataset
changed. Exit 2 with a message when git cannot compare.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import PurePosixPath


def changed_files(base: str) -> list[str]:
    done = subprocess.run(["git", "diff", "--name-only", "--no-renames", f"{base}...HEAD"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(f"changed_datasets: git diff {base}...HEAD failed: "
                         f"{done.stderr.strip()}\n  hint: check out with fetch-depth: 0\n")
        raise SystemExit(2)
    return [line for line in done.stdout.splitlines() if line]


def _under(path: PurePosixPath, root: PurePosixPath) -> bool:
    return root == PurePosixPath(".") or path == root or root in path.parents


def dataset_of(path: PurePosixPath, roots: list[PurePosixPath], exists: object) -> str | None:
    """The nearest folder of `path` (itself included) under a root that has a dataset.yaml."""
    for folder in [path.parent, *path.parent.parents]:
        if not any(_under(folder, r) for r in roots):
            return None
        if exists(folder / "dataset.yaml"):  # type: ignore[operator]
            return str(folder)
    return None


def select(changed: list[str], roots: list[str], always: list[str],
           exists: object) -> list[str]:
    root_paths = [PurePosixPath(r.rstrip("/") or ".") for r in roots]
    always_paths = [PurePosixPath(a.rstrip("/")) for a in always]
    paths = [PurePosixPath(c) for c in changed]
    if any(_under(p, a) for p in paths for a in always_paths):
        return [str(r) for r in root_paths]
    found = {dataset_of(p, root_paths, exists) for p in paths}
    return sorted(f for f in found if f is not None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="git ref the pull request is based on")
    parser.add_argument("--always", action="append", default=[],
                        help="a change here validates every root (repeatable)")
    parser.add_argument("roots", nargs="+", help="folders that hold datasets")
    args = parser.parse_args(argv)
    from pathlib import Path

    print(" ".join(select(changed_files(args.base), args.roots, args.always,
                          lambda p: Path(p).is_file())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
