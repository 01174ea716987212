"""Mesa's heavy parts are deferred until used in ``partnerships run`` (``partnerships/_lazy_mesa.py``), and nothing
else changes.

Each case runs in a fresh interpreter, since what is imported depends on what was imported before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

HEAVY = ("pandas", "pyarrow", "scipy.spatial", "networkx", "mesa.discrete_space", "mesa.space",
         "mesa.experimental.continuous_space", "rich", "dask", "solara", "SALib", "matplotlib")


def python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "PARTNERSHIPS_EAGER_IMPORTS"} | env
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True,
                          env=environment, timeout=300)


RUN_JSON = f"""
    import json, sys, types
    from partnerships.experiments.cli import app
    sys.argv = ["partnerships", "run", "--json"]
    try:
        app()
    except SystemExit as stop:
        assert not stop.code, stop.code
    loaded = [name for name in {HEAVY!r} if type(sys.modules.get(name)) is types.ModuleType]
    print(json.dumps(loaded))
"""


def test_run_json_loads_none_of_the_heavy_parts_and_prints_what_eager_imports_print():
    deferred = python(RUN_JSON).stdout.splitlines()
    eager = python(RUN_JSON, PARTNERSHIPS_EAGER_IMPORTS="1").stdout.splitlines()
    assert json.loads(deferred[-1]) == []
    assert {"pandas", "scipy.spatial", "networkx", "mesa.discrete_space"} <= set(json.loads(eager[-1]))
    assert deferred[:-1] == eager[:-1] and len(deferred) == 2  # the run's JSON, the same
    json.loads(deferred[0])


def test_deferred_parts_work_when_used():
    out = python("""
        import inspect, sys, types
        import partnerships._lazy_mesa
        partnerships._lazy_mesa.install()
        import partnerships.model.model  # imports mesa
        import mesa
        assert type(sys.modules["mesa.discrete_space"]) is not types.ModuleType
        assert type(sys.modules["pandas"]) is not types.ModuleType
        assert sys.modules["pandas"].__name__ == "pandas" and sys.modules["pandas"].__file__.endswith("__init__.py")
        assert type(sys.modules["pandas"]) is not types.ModuleType  # names and file answered without running it
        from mesa.discrete_space import CellAgent, OrthogonalMooreGrid
        assert type(sys.modules["mesa.discrete_space"]) is types.ModuleType
        assert mesa.discrete_space.OrthogonalMooreGrid is OrthogonalMooreGrid
        assert inspect.getmodule(OrthogonalMooreGrid).__name__ == "mesa.discrete_space.grid"
        import mesa.space
        assert mesa.space.MultiGrid.__module__ == "mesa.space"
        import mesa.experimental.continuous_space.continuous_space as cs
        assert cs.ContinuousSpace is mesa.experimental.continuous_space.ContinuousSpace
        import pandas as pd
        assert pd.DataFrame({"a": [1, 2]})["a"].sum() == 3
        assert type(sys.modules["pandas"]) is types.ModuleType and sys.modules["pandas"] is pd
        model = partnerships.model.model.PartnershipModel(rng=1)
        model.run_for(3)
        assert len(model.datacollector.get_model_vars_dataframe()) == 4
        print("ok")
    """)
    assert out.stdout.split() == ["ok"]


def test_first_use_from_many_threads_runs_the_module_once():
    out = python("""
        import sys, threading
        import partnerships._lazy_mesa
        partnerships._lazy_mesa.install()
        import partnerships.model.model
        pandas = sys.modules["pandas"]
        barrier = threading.Barrier(8)
        seen, errors = [], []

        def use():
            barrier.wait()
            try:
                seen.append(pandas.DataFrame)
            except Exception as err:
                errors.append(repr(err))

        threads = [threading.Thread(target=use) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert len(seen) == 8 and len({id(x) for x in seen}) == 1
        import pandas as pd
        assert pd.DataFrame is seen[0]
        print("ok")
    """)
    assert out.stdout.split() == ["ok"]


@pytest.mark.parametrize("first", ["import mesa", "import os; os.environ['PARTNERSHIPS_EAGER_IMPORTS'] = '1'"])
def test_nothing_is_deferred_when_mesa_came_first_or_eager_imports_are_asked_for(first):
    out = python(f"""
        {first}
        import sys, types
        import partnerships._lazy_mesa
        partnerships._lazy_mesa.install()
        import partnerships.model.model
        print(all(type(sys.modules[n]) is types.ModuleType for n in ("pandas", "mesa.discrete_space", "mesa.space")))
    """)
    assert out.stdout.split() == ["True"]


@pytest.mark.parametrize("child", ["mesa.discrete_space.grid", "pandas.core.frame",
                                   "mesa.experimental.continuous_space.continuous_space"])
def test_importing_a_submodule_first_runs_the_package_and_the_submodule_once(child):
    out = python(f"""
        import importlib, sys, types
        import partnerships._lazy_mesa
        partnerships._lazy_mesa.install()
        import partnerships.model.model
        package = "{child}".rsplit(".", 1)[0]
        top = [n for n in ("pandas", "mesa.discrete_space", "mesa.experimental.continuous_space") if package.startswith(n)][0]
        assert type(sys.modules[top]) is not types.ModuleType
        child = importlib.import_module("{child}")  # the import system reads the deferred package's __path__
        assert type(sys.modules[top]) is types.ModuleType
        assert sys.modules["{child}"] is child and getattr(sys.modules[package], "{child}".rsplit(".", 1)[1]) is child
        assert child.__spec__.loader.__class__.__name__ == "SourceFileLoader"
        import pandas, mesa.discrete_space, mesa.experimental.continuous_space as cs
        from mesa.discrete_space import grid
        assert pandas.core.frame.DataFrame is pandas.DataFrame
        assert grid.OrthogonalMooreGrid is mesa.discrete_space.OrthogonalMooreGrid
        assert cs.continuous_space.ContinuousSpace is cs.ContinuousSpace
        print("ok")
    """)
    assert out.stdout.split() == ["ok"]


def test_only_the_run_command_defers_a_program_importing_the_package_imports_mesa_whole():
    out = python("""
        import sys, types
        import partnerships
        from partnerships import PartnershipModel
        print(all(type(sys.modules[n]) is types.ModuleType for n in ("pandas", "mesa.discrete_space", "mesa.space")))
    """)
    assert out.stdout.split() == ["True"]
