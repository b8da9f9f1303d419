"""Which expression depends on which answer, so a change re-evaluates only what it affects.

Two kinds of dependency:

- computations (a question's or group's relevance, a calculation) produce state other
  expressions read: an answer becomes empty when its question is hidden, a calculation
  changes its value. They form a graph that must be acyclic; it is evaluated in a
  topological order (document order among independent elements, so results are stable).
  A group's relevance is an input to everything inside it.
- checks and texts (constraint, required, read_only, choice_filter, ${name} in labels)
  only read: they are re-run when what they read changes, and nothing reads them.

`affected(names)` gives, for changed answers, the computations to redo (in order) and
the elements whose checks or texts to refresh: the form filler repaints just those.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from fieldapp.forms import expressions
from fieldapp.forms.definition import FormDefinition, Group, Question
from fieldapp.forms.errors import ExpressionError


def _refs(text: str | None, *, choice_filter: bool = False) -> frozenset[str]:
    if not text or not isinstance(text, str):
        return frozenset()
    try:
        return expressions.parse(text, choice_filter=choice_filter).refs
    except ExpressionError:
        return frozenset()  # reported by fieldapp.forms.checks


def computation_inputs(el, parents: tuple[Group, ...]) -> dict[str, str]:
    """name -> the attribute ('relevant', 'calculation' or 'parent') through which `el`'s
    computed state reads it."""
    inputs: dict[str, str] = {}
    for name in _refs(el.relevant):
        inputs[name] = "relevant"
    if isinstance(el, Question):
        for name in _refs(el.calculation):
            inputs.setdefault(name, "calculation")
    if parents:
        inputs.setdefault(parents[-1].name, "parent")
    return inputs


def check_inputs(el) -> set[str]:
    """Names read by an element's checks and displayed texts (not by its computations)."""
    names: set[str] = set()
    for text in list(el.label.values()) + list(el.hint.values()):
        names.update(n for n in expressions.label_references(text) if n)
    if isinstance(el, Question):
        names |= _refs(el.constraint)
        names |= _refs(el.choice_filter, choice_filter=True)
        for flag in (el.required, el.read_only):
            if isinstance(flag, str):
                names |= _refs(flag)
        for message in list(el.constraint_message.values()) + list(el.required_message.values()):
            names.update(n for n in expressions.label_references(message) if n)
    return names


@dataclass
class Graph:
    order: list[str]  # every element, computations in evaluation order
    feeds: dict[str, set[str]]  # name -> computations reading it directly
    watchers: dict[str, set[str]]  # name -> elements whose checks/texts read it
    cycles: list[list[str]] = field(default_factory=list)
    position: dict[str, int] = field(default_factory=dict)

    def affected(self, changed: set[str] | list[str]) -> tuple[list[str], set[str]]:
        """(computations to redo in evaluation order, elements whose checks/texts to refresh)
        after the answers of `changed` moved. The changed names themselves are refreshed."""
        seen: set[str] = set()
        stack = list(changed)
        while stack:
            name = stack.pop()
            for nxt in self.feeds.get(name, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        redo = sorted(seen, key=lambda n: self.position.get(n, 0))
        refresh = set(changed) | seen
        for name in set(changed) | seen:
            refresh |= self.watchers.get(name, set())
        return redo, refresh


def build(defn: FormDefinition) -> Graph:
    elements = [(el, parents) for el, parents in defn.walk()]
    names = [el.name for el, _p in elements]
    index = {n: i for i, n in enumerate(names)}
    feeds: dict[str, set[str]] = {}
    watchers: dict[str, set[str]] = {}
    incoming: dict[str, set[str]] = {n: set() for n in names}
    for el, parents in elements:
        for src in computation_inputs(el, parents):
            if src in index:
                feeds.setdefault(src, set()).add(el.name)
                incoming[el.name].add(src)
        for src in check_inputs(el):
            if src in index:
                watchers.setdefault(src, set()).add(el.name)
    cycles = _cycles(names, feeds)
    # Kahn's algorithm, taking the earliest element in document order first.
    remaining = {n: len(incoming[n]) for n in names}
    heap = [index[n] for n in names if remaining[n] == 0]
    heapq.heapify(heap)
    order: list[str] = []
    while heap:
        n = names[heapq.heappop(heap)]
        order.append(n)
        for nxt in feeds.get(n, ()):
            remaining[nxt] -= 1
            if remaining[nxt] == 0:
                heapq.heappush(heap, index[nxt])
    if len(order) < len(names):  # members of cycles: appended so every element has a place
        placed = set(order)
        order.extend(n for n in names if n not in placed)
    return Graph(order, feeds, watchers, cycles, {n: i for i, n in enumerate(order)})


def _cycles(names: list[str], feeds: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with a loop (Tarjan, iterative), each as a path
    a -> b -> ... in document order of its first member."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    doc = {n: i for i, n in enumerate(names)}
    for root in names:
        if root in index_of:
            continue
        work = [(root, iter(sorted(feeds.get(root, ()), key=doc.__getitem__)))]
        index_of[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index_of:
                    index_of[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(feeds.get(nxt, ()), key=doc.__getitem__))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index_of[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index_of[node]:
                members = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    members.append(m)
                    if m == node:
                        break
                if len(members) > 1 or node in feeds.get(node, ()):
                    found.append(sorted(members, key=doc.__getitem__))
    found.sort(key=lambda c: doc[c[0]])
    return found
