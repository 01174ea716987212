"""Import Mesa without the heavy parts the model does not use, deferred until first used.

``import mesa`` runs Mesa's ``__init__``, which imports every part of Mesa eagerly: the cell spaces
(``mesa.discrete_space``: SciPy's spatial module and networkx), the legacy spaces (``mesa.space``: networkx),
the continuous space (``mesa.experimental.continuous_space``: SciPy) and, through ``mesa.agent`` and
``mesa.experimental.data_collection``, pandas with PyArrow; about 0.5 s and 100 MB of a run that uses none of
them (the model builds its tables with pandas only when asked for them). :func:`install` (called by the ``run``
command, ``experiments/cli.py``, before it imports the model) adds an import hook that acts only while Mesa's
own ``__init__`` runs, and only on the modules in :data:`DEFERRED`: each is made a module
object whose code runs on its first attribute access (``mesa.discrete_space.OrthogonalMooreGrid``, ``from
pandas import DataFrame``, ``pd.DataFrame``, ``import mesa.discrete_space.grid``), the way
:class:`importlib.util.LazyLoader` does, under a lock. Unlike ``LazyLoader`` it answers ``__name__``,
``__file__``, ``__spec__``, ``__loader__``, ``__package__`` and ``__cached__`` without running the module:
Mesa's own ``mesa.model`` calls ``inspect.getmodule`` at import, which reads ``__file__`` of every module
loaded, and would otherwise run them all.

Nothing changes when Mesa was imported before, or with ``PARTNERSHIPS_EAGER_IMPORTS=1`` set (everything imported
as Mesa imports it); a deferred module, once used, is the module itself. Only the ``run`` command installs it, to
keep a hook into another package's imports where it pays: a sweep, its workers and a program importing
``partnerships`` import Mesa whole, as before.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
import threading
import types
from typing import Any

#: The modules Mesa's ``__init__`` imports that the model does not need to run (see the module's text).
DEFERRED = frozenset({"pandas", "mesa.discrete_space", "mesa.space", "mesa.experimental.continuous_space"})

#: Attributes a deferred module answers without running its code.
_WITHOUT_LOADING = frozenset({"__name__", "__file__", "__spec__", "__loader__", "__package__", "__cached__", "__class__"})


_LOCK, _LOADER, _LOADING = "_partnerships_deferred_lock", "_partnerships_deferred_loader", "_partnerships_deferred_loading"


#: Submodules a deferred package imported while it ran because the import system read its ``__path__`` to
#: import one of them (``import mesa.discrete_space.grid``): :class:`_ImportedFinder` hands that import the
#: module the package made, so that it does not run a second time.
_imported_while_loading: set[str] = set()


def _load(module: types.ModuleType, for_submodule: bool = False) -> None:
    """Run a deferred module's code, once: the first thread to ask runs it, the others wait for it to finish
    (and see the whole module); the running thread's own accesses meanwhile see the module as far as it got,
    as in any import."""
    namespace = object.__getattribute__(module, "__dict__")
    lock = namespace.get(_LOCK)
    if lock is None:
        return
    with lock:
        if _LOCK not in namespace or namespace.get(_LOADING):
            return
        namespace[_LOADING] = True
        loader = namespace[_LOADER]
        namespace["__spec__"].loader = loader
        namespace["__loader__"] = loader
        before = set(sys.modules) if for_submodule else set()
        try:
            loader.exec_module(module)
        finally:
            object.__setattr__(module, "__class__", types.ModuleType)
            for key in (_LOADING, _LOADER, _LOCK):
                namespace.pop(key, None)
            if for_submodule:
                prefix = namespace["__name__"] + "."
                _imported_while_loading.update(name for name in sys.modules if name.startswith(prefix) and name not in before)


class _DeferredModule(types.ModuleType):
    """A module whose code has not run yet: any attribute but its names runs it first."""

    def __getattribute__(self, name: str) -> Any:
        if name not in _WITHOUT_LOADING:
            _load(self, for_submodule=name == "__path__")
        return types.ModuleType.__getattribute__(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        _load(self)
        types.ModuleType.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        _load(self)
        types.ModuleType.__delattr__(self, name)


class _DeferringLoader(importlib.abc.Loader):
    """Makes the module as its own loader would, and leaves its code to run on first use."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__[_LOADER] = self.loader
        module.__dict__[_LOCK] = threading.RLock()
        module.__class__ = _DeferredModule


class _MesaLoader(importlib.abc.Loader):
    """Runs Mesa's ``__init__`` with the deferring finder in front of the others, and takes it away after."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        module.__spec__.loader = module.__loader__ = self.loader
        sys.meta_path.insert(0, _DeferringFinder)
        try:
            self.loader.exec_module(module)
        finally:
            sys.meta_path.remove(_DeferringFinder)


class _DeferringFinder(importlib.abc.MetaPathFinder):
    """While Mesa's ``__init__`` runs: the modules of :data:`DEFERRED` are found as usual and deferred."""

    @classmethod
    def find_spec(cls, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name not in DEFERRED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _DeferringLoader(spec.loader)
        return spec


class _ExistingLoader(importlib.abc.Loader):
    """Gives the import system a module that has already run (and leaves its spec as it was)."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module, self.spec = module, module.__spec__

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__spec__ = self.spec  # the import system set it to the spec of this loader


class _ImportedFinder(importlib.abc.MetaPathFinder):
    """The import of a submodule that a deferred package imported when the import system read its ``__path__``
    (:data:`_imported_while_loading`): the module the package made, not a second run of its code."""

    @classmethod
    def find_spec(cls, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if not _imported_while_loading:
            return None
        imported = name in _imported_while_loading
        _imported_while_loading.clear()  # what the next import asks for, if at all
        module = sys.modules.get(name)
        if not imported or module is None or module.__spec__ is None:
            return None
        return importlib.machinery.ModuleSpec(name, _ExistingLoader(module),
                                              is_package=module.__spec__.submodule_search_locations is not None)


class _MesaFinder(importlib.abc.MetaPathFinder):
    """Finds ``mesa`` as usual, the first time, and runs its ``__init__`` with the deferring finder in place."""

    @classmethod
    def find_spec(cls, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name != "mesa":
            return None
        sys.meta_path.remove(cls)  # once: a second import of mesa (after ``del sys.modules["mesa"]``) is plain
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _MesaLoader(spec.loader)
        return spec


def install() -> None:
    """Defer the heavy parts of the next ``import mesa`` (nothing if Mesa is imported, or the variable is set)."""
    if "mesa" in sys.modules or os.environ.get("PARTNERSHIPS_EAGER_IMPORTS") or _MesaFinder in sys.meta_path:
        return
    sys.meta_path.insert(0, _ImportedFinder)
    sys.meta_path.insert(0, _MesaFinder)
