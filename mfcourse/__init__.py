r"""mfcourse — the library behind the course on mean-field limits.

The package is laid out along the course's diagram of four arrows::

      N-body quantum   mfcourse.quantum   --- N -> oo --->  Hartree  mfcourse.quantum.hartree
      (fock, fermions)        |                                   |
                              | eps -> 0   (mfcourse.phasespace)  | eps -> 0
                              v                                   v
      N-body classical mfcourse.classical --- N -> oo --->  Vlasov   mfcourse.classical.vlasov
      (newton, sheets)

=========================  ==================================================================
subpackage / module        what it holds
=========================  ==================================================================
``mfcourse.interaction``   the one pair interaction every model uses (top-left to bottom-right)
``mfcourse.classical``     N-body Newton, Vlasov, dispersion relations (lectures 1, 6, 7)
``mfcourse.quantum``       bosonic/fermionic Fock space, Hartree, von Neumann (lectures 2, 3, 5)
``mfcourse.phasespace``    Wigner/Husimi, coherent states, Töplitz, E_eps: the eps -> 0 arrows
``mfcourse.transport``     Wasserstein distances: how every arrow is measured
``mfcourse.chaos``         the size of chaos: exact hierarchies, the Kac model (lecture 4)
``mfcourse.course``        lecture helpers, dashboards, plotting, progress printing
``mfcourse.grading``       building and grading the exercises
=========================  ==================================================================

The flat import paths of the first release keep working (``mfcourse.newton`` *is*
``mfcourse.classical.newton``, the same module object): :data:`MOVED` lists them. Modules are
imported lazily so that ``import mfcourse`` stays fast.
"""

import importlib
import importlib.abc
import importlib.util
import sys

__version__ = "0.1.0"

#: Public module paths of the flat layout -> where the module lives now.
MOVED = {
    "newton": "classical.newton",
    "vlasov": "classical.vlasov",
    "dispersion": "classical.dispersion",
    "fock": "quantum.fock",
    "hartree": "quantum.hartree",
    "vonneumann": "quantum.vonneumann",
    "kac": "chaos.kac",
    "dashboard": "course.dashboard",
    "plotting": "course.plotting",
    "progress": "course.progress",
    "lecture1": "course.lecture1",
    "lecture2": "course.lecture2",
    "lecture3": "course.lecture3",
}


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import ``mfcourse.<old>`` as the module that now lives at ``mfcourse.<new>``.

    Both names are bound to one module object, so attributes, monkeypatching and ``isinstance``
    behave as with a single module; the module keeps its own ``__spec__`` and ``__name__``.
    """

    def find_spec(self, fullname, path=None, target=None):
        prefix, _, short = fullname.partition(".")
        if prefix == __name__ and short in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module(f"{__name__}.{MOVED[spec.name.partition('.')[2]]}")
        spec.loader_state = module.__spec__  # the import system is about to overwrite it
        return module

    def exec_module(self, module):
        # Give the module back its real spec (``importlib.reload`` and tools that read
        # ``__spec__`` need it); the alias only ever names it.
        real_spec = getattr(module.__spec__, "loader_state", None)
        if real_spec is not None and module.__spec__.loader is self:
            module.__spec__ = real_spec


if not any(isinstance(f, _MovedModuleFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _MovedModuleFinder())
