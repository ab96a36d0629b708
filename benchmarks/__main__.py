"""``python -m benchmarks``: time every benchmark and print a table (median of several runs)."""

from __future__ import annotations

import argparse
import sys
import types

from benchmarks.harness import discover, format_table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one timed run each (no median)")
    parser.add_argument("--only", help="run only benchmarks whose 'module.function' contains this")
    args = parser.parse_args(argv)
    results = []
    for module, factory in discover(args.only):
        made = factory()
        for bench in made if isinstance(made, types.GeneratorType | list) else [made]:
            print(f"[bench] {module}: {bench.name} ...", file=sys.stderr, flush=True)
            bench.measure(quick=args.quick)
            results.append(bench)
    print(format_table(results))
    return 1 if any(b.ok is False for b in results) else 0


if __name__ == "__main__":
    sys.exit(main())
