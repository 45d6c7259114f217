"""The package's shape: imports point down the pipeline and never go round in a circle, and the public
face (`__all__`) is true. Read from the source with `ast`, so lazy imports inside functions count too."""

import ast
from pathlib import Path

import netral_assets

PACKAGE = Path(netral_assets.__file__).parent
NAME = "netral_assets"

# The pipeline, bottom to top: a module may import its own floor and the floors below it, never above.
FLOORS = [
    {"_version", "errors", "resources", "files", "caching", "defaults"},  # plumbing
    {"model"},  # pack, agencies, statistics, designs, units, formatting
    {"checks"},  # layout checks (called by every render) and checks of finished files
    {"render"},  # design + context -> laid-out document
    {"output"},  # documents and pictures -> bytes
    {"provenance"},  # bytes + issuing identity -> signed bytes; any file -> who issued it, changed or not
    {"photo"},  # photo + frame -> framed picture
    {"assets"},  # agency + design -> Asset, one builder per kind
    {"kit"},  # one agency -> its folder
    {"batch"},  # many agencies
    {"store"},  # what the web app remembers: participation counts, kit jobs (SQLite or PostgreSQL)
    {"web"},  # the web app
    {"cli"},  # the command line
    {"__init__", "__main__"},  # the package face
]
FLOOR = {top: i for i, tops in enumerate(FLOORS) for top in tops}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py") if "_pack" not in p.parts}


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules `name` imports (anywhere in the file), resolved to module names."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith(NAME):
                continue
            for alias in node.names:  # `from . import leaflet` names a module; `from .x import y` a name in x
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in modules else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(NAME))
    found.discard(name)
    return {m for m in found if m in modules}


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_every_module_belongs_to_a_floor_of_the_pipeline():
    strays = sorted(m for m in _modules() if _top(m) not in FLOOR and not m.endswith("__main__"))
    assert not strays, f"modules outside the pipeline's floors (add them to FLOORS in this test): {strays}"


def test_no_import_points_up_the_pipeline():
    upward = []
    for module, targets in _graph().items():
        floor = FLOOR.get(_top(module), FLOOR["__init__"])
        for target in targets:
            if FLOOR[_top(target)] > floor:
                upward.append(f"{module} -> {target}")
    assert not upward, "imports that point up the pipeline:\n" + "\n".join(sorted(upward))


def test_no_import_goes_round_in_a_circle():
    graph = _graph()
    # Tarjan's strongly connected components: any component of two or more modules is a circle.
    index, low, stack, on_stack, circles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not circles, f"import circles: {circles}"


def test_the_graph_check_sees_a_planted_upward_import(tmp_path, monkeypatch):
    # The check itself can fail: a model module importing the kit is reported.
    fake = tmp_path / NAME
    for path in PACKAGE.rglob("*.py"):
        if "_pack" in path.parts:
            continue
        target = fake / path.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text("utf-8"))
    (fake / "model" / "pack.py").write_text((fake / "model" / "pack.py").read_text() + "\nfrom ..kit import plan\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    upward = [f"{m} -> {t}" for m, ts in _graph().items() for t in ts
              if FLOOR[_top(t)] > FLOOR.get(_top(m), FLOOR["__init__"])]
    assert any(u.startswith(f"{NAME}.model.pack -> {NAME}.kit") for u in upward), upward


def test_all_names_what_the_package_exports():
    for name in netral_assets.__all__:
        assert hasattr(netral_assets, name), f"__all__ names {name}, which the package does not have"
    namespace: dict = {}
    exec(f"from {NAME} import *", namespace)
    assert set(netral_assets.__all__) <= set(namespace)
    public = {n for n, v in vars(netral_assets).items()
              if not n.startswith("_") and not isinstance(v, type(netral_assets))}
    assert public <= set(netral_assets.__all__), f"exported but not in __all__: {public - set(netral_assets.__all__)}"
