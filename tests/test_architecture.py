"""The architecture's rule that import-linter's contracts (pyproject.toml, run by `make test`) cannot
say: no two modules import each other, whatever package they are in (docs/architecture.md)."""
import subprocess
from pathlib import Path

import grimp


def import_cycles(graph) -> list[tuple[str, ...]]:
    """Each import that closes a circle, as the circle: the importer, the module it imports, and the way
    back from that module to the importer (grimp counts imports inside functions too)."""
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.append((importer, *back))
    return cycles


def test_the_cycle_finder_finds_a_cycle():
    """The check below would pass on any graph if the finder were wrong: try it on a known circle."""
    graph = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d"):
        graph.add_module(name)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    graph.add_import(importer="pkg.d", imported="pkg.a")
    assert import_cycles(graph) == [("pkg.a", "pkg.b", "pkg.c", "pkg.a"), ("pkg.b", "pkg.c", "pkg.a", "pkg.b"),
                                    ("pkg.c", "pkg.a", "pkg.b", "pkg.c")]


def test_no_two_modules_import_each_other_even_inside_a_function():
    """With no circle in the graph (which counts imports inside functions too), no import inside a
    function can be there to break one: those left are for start-up cost or the app factory."""
    assert import_cycles(grimp.build_graph("ideaboard")) == []


MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
FIELDED = 7  # 0001-0007 ran on databases in the field before the rule below: they stay as they are


def test_migrations_are_numbered_in_order_and_named_by_their_subject():
    """From 0008 on, one migration per feature and package: 00NN_<package>_<subject>.py, its message
    "<package>: <subject>", revising the one before, without Alembic's "please adjust!" comments
    (`make migration M="package: subject"` writes them so)."""
    files = sorted(MIGRATIONS.glob("*.py"))
    numbers = [int(path.name[:4]) for path in files]
    assert numbers == list(range(1, len(files) + 1))
    packages = {path.name for path in (Path(__file__).resolve().parent.parent / "ideaboard").iterdir() if path.is_dir()}
    for path in files[FIELDED:]:
        text = path.read_text(encoding="utf-8")
        number = path.name[:4]
        package = path.stem[5:].split("_")[0]
        assert package in packages, f"{path.name}: name it 00NN_<package>_<subject>.py"
        assert text.startswith(f'"""{package}: '), f"{path.name}: its message is '{package}: <subject>'"
        assert f"revision = '{number}'" in text and f"down_revision = '{int(number) - 1:04d}'" in text
        assert "please adjust" not in text and "end Alembic commands" not in text, path.name


def test_no_file_cites_a_document_outside_the_repository():
    """The design is in docs/architecture.md: nothing tracked points at documents kept elsewhere."""
    root = Path(__file__).resolve().parent.parent
    outside = ["DESIGN" + ".md", "TOOLING" + ".md", "STYLE" + ".md", "../" + "shared/"]
    tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout.split()
    citing = []
    for name in tracked:
        path = root / name
        if path.suffix in {".py", ".md", ".html", ".js", ".css", ".toml", ".ini", ".cfg", ".txt", ".mako", ""}:
            text = path.read_text(encoding="utf-8", errors="ignore") if path.is_file() else ""
            citing += [f"{name}: {doc}" for doc in outside if doc in text]
    assert citing == []
