"""Execution time of every lecture notebook on a fresh kernel (budgets from the issues)."""

from __future__ import annotations

from benchmarks.harness import ROOT, Benchmark

#: Execution budgets in seconds, by notebook file name (issues #2, #4–#7); default 90 s.
BUDGETS = {
    "00_overview.ipynb": 30.0,
    "03_joint_limits.ipynb": 120.0,
    "05_fermions_hartree_fock_to_vlasov.ipynb": 120.0,
    "06_hamiltonian_vlasov.ipynb": 120.0,
}


def _executor(path):
    def run():
        import nbformat
        from nbclient import NotebookClient

        nb = nbformat.read(path, as_version=4)
        NotebookClient(
            nb,
            timeout=600,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()

    return run


def bench_lectures():
    for path in sorted((ROOT / "lectures").glob("*.ipynb")):
        yield Benchmark(
            name=f"notebook {path.name}",
            run=_executor(path),
            target=("<=", BUDGETS.get(path.name, 90.0)),
            repeat=3,
            warmup=False,
        )
