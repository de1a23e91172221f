"""The fops package's imports go one way (bindings/python/fops/layers.py).

Every import of every module is read with ``ast`` (at the top of a module,
inside functions, ``importlib.import_module`` or ``__import__`` with a
constant name, and a package's registry that imports
``f"{__name__}.{name}"`` either way), the graph is
built, and the check fails naming the modules on:

- an import cycle;
- an import of another module's private (``_name``) name, or a use of one
  through an imported module (``helm._recheck``);
- an import that goes against the layer table (a module importing a layer
  above its own, or a peer where its layer forbids it);
- a module that is in no layer.

The checker itself is tested on small packages written for the purpose,
so it is known to fail when it should.
"""
import ast
import os
import runpy
import textwrap

import pytest

PACKAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                           "bindings", "python", "fops")


# --- the checker -----------------------------------------------------------------

def _modules(package_dir, package):
    """{module name: source path} of every .py file under ``package_dir``."""
    found = {}
    for folder, dirs, files in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for file in sorted(files):
            if not file.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(folder, file), package_dir)[:-3].split(os.sep)
            if rel[-1] == "__init__":
                rel = rel[:-1]
            found[".".join([package] + rel)] = os.path.join(folder, file)
    return found


def _is_private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


class _Reader(ast.NodeVisitor):
    """The imports of one module: edges (target, line) and private uses (line, text)."""

    def __init__(self, name, is_package, package, known, native):
        self.name, self.is_package, self.package = name, is_package, package
        self.known, self.native = known, native
        self.bound = {}  # local name -> module it names
        self.edges = []
        self.private = []

    def _ours(self, module):
        return module == self.package or module.startswith(self.package + ".")

    def _edge(self, module, line):
        if self._ours(module) and module != self.name:
            # `import fops.helm.x` where x is not a module: the deepest module
            while module not in self.known and "." in module:
                module = module.rsplit(".", 1)[0]
            self.edges.append((module, line))

    def visit_Import(self, node):
        for alias in node.names:
            if not self._ours(alias.name):
                continue
            self._edge(alias.name, node.lineno)
            if alias.asname:
                self.bound[alias.asname] = alias.name
            else:
                self.bound[alias.name.split(".")[0]] = alias.name.split(".")[0]
            leaf = alias.name.rsplit(".", 1)[-1]
            if _is_private(leaf) and alias.name not in self.native:
                self.private.append((node.lineno, f"imports {alias.name}"))

    def visit_ImportFrom(self, node):
        base = node.module or ""
        if node.level:
            parts = self.name.split(".")
            if not self.is_package:
                parts = parts[:-1]
            parts = parts[:len(parts) - (node.level - 1)]
            base = ".".join(parts + ([node.module] if node.module else []))
        if not self._ours(base):
            return
        for alias in node.names:
            module = f"{base}.{alias.name}"
            if module in self.known:
                self._edge(module, node.lineno)
                self.bound[alias.asname or alias.name] = module
                if _is_private(alias.name) and module not in self.native:
                    self.private.append((node.lineno, f"imports {module}"))
                continue
            self._edge(base, node.lineno)
            if _is_private(alias.name):
                self.private.append((node.lineno, f"imports {alias.name} from {base}"))

    def _module_of(self, node):
        """The module an expression names (``helm``, ``fops.helm``), or None."""
        if isinstance(node, ast.Name):
            return self.bound.get(node.id)
        if isinstance(node, ast.Attribute):
            outer = self._module_of(node.value)
            if outer is not None and f"{outer}.{node.attr}" in self.known:
                return f"{outer}.{node.attr}"
        return None

    def visit_Attribute(self, node):
        module = self._module_of(node.value)
        if module is not None and module != self.name and _is_private(node.attr) and \
                f"{module}.{node.attr}" not in self.native:
            self.private.append((node.lineno, f"uses {module}.{node.attr}"))
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called in ("import_module", "__import__") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                self._edge(arg.value, node.lineno)
            elif self.is_package and isinstance(arg, ast.JoinedStr) and len(arg.values) >= 2 \
                    and isinstance(arg.values[0], ast.FormattedValue) \
                    and getattr(arg.values[0].value, "id", "") == "__name__" \
                    and isinstance(arg.values[1], ast.Constant) and arg.values[1].value == ".":
                # a registry importing its own submodules by name: all of them
                for module in self.known:
                    if module.startswith(self.name + ".") and "." not in \
                            module[len(self.name) + 1:]:
                        self._edge(module, node.lineno)
        self.generic_visit(node)


def _layer_of(name, package, layers):
    """(index, layer name, peers allowed) of module ``name``, or None."""
    rel = "" if name == package else name[len(package) + 1:]
    for index, (layer, peers, members) in enumerate(layers):
        for member in members:
            if rel == member or (member.endswith(".*") and rel.startswith(member[:-1])):
                return index, layer, peers
    return None


def _cycles(graph):
    """Each set of modules in import cycles with each other (2+ modules), as
    its shortest cycle through its first module: "a -> b -> a"."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def connect(node):  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    paths = []
    for members in found:
        start, inside = members[0], set(members)
        came_from, queue = {start: None}, [start]
        while queue:  # the shortest way from the first module back to it
            node = queue.pop(0)
            if node != start and start in graph[node]:
                break
            for nxt in sorted(graph[node]):
                if nxt in inside and nxt not in came_from:
                    came_from[nxt] = node
                    queue.append(nxt)
        path = []
        while node is not None:
            path.append(node)
            node = came_from[node]
        text = " -> ".join(list(reversed(path)) + [start])
        if len(members) > len(path):
            text += f" (and more cycles among {', '.join(members)})"
        paths.append(text)
    return paths


def check_package(package_dir, package, layers):
    """(problems, graph): every rule a module of ``package`` breaks, one
    line each naming the modules; graph: {module: {imported module}}."""
    native = {f"{package}.{m}" for layer, _, members in layers if layer == "native"
              for m in members}
    sources = _modules(package_dir, package)
    known = set(sources) | native
    problems, graph = [], {}
    for name, path in sorted(sources.items()):
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        reader = _Reader(name, path.endswith("__init__.py"), package, known, native)
        reader.visit(tree)
        graph[name] = {target for target, _ in reader.edges}
        for line, what in reader.private:
            problems.append(f"{name}:{line}: private name: {what}")
        here = _layer_of(name, package, layers)
        if here is None:
            problems.append(f"{name}: in no layer of the layer table")
            continue
        for target, line in reader.edges:
            there = _layer_of(target, package, layers)
            if there is None:
                continue  # said once, for the module itself
            if there[0] > here[0]:
                problems.append(f"{name}:{line}: imports {target}: layer {there[1]} is above "
                                f"{here[1]}")
            elif there[0] == here[0] and not here[2]:
                problems.append(f"{name}:{line}: imports {target}: modules of layer {here[1]} "
                                f"may not import each other")
    for cycle in _cycles(graph):
        problems.append(f"import cycle: {cycle}")
    return problems, graph


def _fops_layers():
    return runpy.run_path(os.path.join(PACKAGE_DIR, "layers.py"))["LAYERS"]


# --- the fops package ---------------------------------------------------------------

def test_fops_imports_go_one_way():
    problems, graph = check_package(PACKAGE_DIR, "fops", _fops_layers())
    assert problems == [], "\n".join(problems)
    # The walk saw the package as it is: function-level imports and the
    # subcommand registry included.
    assert "fops.resources" in graph["fops.loader"]  # imported inside load()
    assert "fops.commands.ci" in graph["fops.commands"]
    assert {"fops.args", "fops.cluster", "fops.policy"} <= graph["fops.helm"]


def test_each_group_of_tiltfile_functions_needs_only_the_core():
    layers = _fops_layers()
    _, graph = check_package(PACKAGE_DIR, "fops", layers)
    core = {f"fops.{m}" for layer, _, members in layers if layer in ("native", "core")
            for m in members}
    vocabulary = [f"fops.{m}" for layer, _, members in layers if layer == "vocabulary"
                  for m in members]
    assert vocabulary
    for module in vocabulary:
        assert graph[module] <= core, f"{module} imports {sorted(graph[module] - core)}"


# --- the checker fails when it should ---------------------------------------------------

LAYERS = (
    ("native", False, ("_native",)),
    ("core", True, ("base", "util")),
    ("vocabulary", False, ("one", "two")),
    ("top", True, ("", "app", "runner", "plugins", "plugins.*", "registry", "registry.*")),
)


def write_package(root, files):
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return str(root / "pkg")


CLEAN = {
    "__init__.py": "from pkg import app\n",
    "base.py": "from pkg import _native\n\ndef helper():\n    return _native.x\n",
    "util.py": "from pkg.base import helper\n",
    "one.py": "from pkg import base, util\n",
    "two.py": "import pkg.base as b\n\ndef f():\n    from . import util\n",
    "app.py": "from pkg import one, two\nimport importlib\nimportlib.import_module('pkg.runner')\n",
    "runner.py": "from pkg import one\n",
    "plugins/__init__.py": ("import importlib\n\ndef load(name):\n"
                            "    return importlib.import_module(f'{__name__}.{name}')\n"),
    "registry/__init__.py": ("import sys\n\ndef load(name):\n"
                             "    __import__(f'{__name__}.{name}')\n"),
    "registry/b.py": "from pkg import app\n",
    "plugins/a.py": "from pkg import app\n",
}


def test_a_package_that_keeps_the_rules_passes(tmp_path):
    problems, graph = check_package(write_package(tmp_path, CLEAN), "pkg", LAYERS)
    assert problems == []
    assert graph["pkg.two"] == {"pkg.base", "pkg.util"}  # the relative, function-level one too
    assert graph["pkg.app"] == {"pkg.one", "pkg.two", "pkg.runner"}
    assert graph["pkg.plugins"] == {"pkg.plugins.a"}
    assert graph["pkg.registry"] == {"pkg.registry.b"}


def test_a_cycle_is_named_with_its_modules(tmp_path):
    files = dict(CLEAN, **{"runner.py": "def later():\n    from pkg import app\n"})
    problems, _ = check_package(write_package(tmp_path, files), "pkg", LAYERS)
    assert problems == ["import cycle: pkg.app -> pkg.runner -> pkg.app"]


def test_a_cycle_through_a_registry_is_seen(tmp_path):
    files = dict(CLEAN, **{"app.py": "def main():\n    from pkg import plugins\n"})
    problems, _ = check_package(write_package(tmp_path, files), "pkg", LAYERS)
    assert problems == ["import cycle: pkg.app -> pkg.plugins -> pkg.plugins.a -> pkg.app"]


@pytest.mark.parametrize("module, text, problem", [
    ("one.py", "from pkg.base import _secret\n",
     "pkg.one:1: private name: imports _secret from pkg.base"),
    ("one.py", "from pkg import base\n\ndef f():\n    return base._secret()\n",
     "pkg.one:4: private name: uses pkg.base._secret"),
    ("one.py", "import pkg.base\nx = pkg.base._secret\n",
     "pkg.one:2: private name: uses pkg.base._secret"),
    ("one.py", "from . import util as u\nx = u._cache\n",
     "pkg.one:2: private name: uses pkg.util._cache"),
])
def test_a_private_name_of_another_module_is_named(tmp_path, module, text, problem):
    files = dict(CLEAN, **{module: text})
    problems, _ = check_package(write_package(tmp_path, files), "pkg", LAYERS)
    assert problems == [problem]


@pytest.mark.parametrize("module, text, problem", [
    ("base.py", "def f():\n    from pkg import one\n",
     "pkg.base:2: imports pkg.one: layer vocabulary is above core"),
    ("util.py", "import importlib\nimportlib.import_module('pkg.app')\n",
     "pkg.util:2: imports pkg.app: layer top is above core"),
    ("one.py", "from pkg import two\n",
     "pkg.one:1: imports pkg.two: modules of layer vocabulary may not import each other"),
    ("two.py", "import pkg.one.thing\n",
     "pkg.two:1: imports pkg.one: modules of layer vocabulary may not import each other"),
])
def test_an_import_against_the_layers_is_named(tmp_path, module, text, problem):
    files = dict(CLEAN, **{module: text})
    problems, _ = check_package(write_package(tmp_path, files), "pkg", LAYERS)
    assert problem in problems  # (an upward import also closes a cycle, named too)


def test_a_module_in_no_layer_is_named(tmp_path):
    files = dict(CLEAN, **{"stray.py": "from pkg import base\n"})
    problems, _ = check_package(write_package(tmp_path, files), "pkg", LAYERS)
    assert problems == ["pkg.stray: in no layer of the layer table"]
