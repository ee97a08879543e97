"""The architecture's rule that import-linter's contracts (pyproject.toml, run by `make test`) cannot
say: no two modules import each other, whatever package they are in (docs/architecture.md)."""
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
