"""Properties of the organisation forest and the scope derived from it (pure domain, many examples):
a role on an ancestor reaches every descendant, never a sibling or an ancestor; moving a subtree
moves reach; several assignments reach exactly the union of what each reaches alone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from depotshare.domain.common.errors import Conflict
from depotshare.domain.orgs import tree
from depotshare.domain.orgs.roles import ROLE_PERMISSIONS, Action, Reach, Resource, Role
from depotshare.domain.orgs.scope import Assignment, Scope, may_assign, may_manage_user

ORG_ROLES = [r for r in Role if r is not Role.PLATFORM_ADMIN]


@st.composite
def forests(draw: st.DrawFn, max_size: int = 30) -> list[int | None]:
    """parents[i] is the parent index of node i (always an earlier node) or None for a root."""
    n = draw(st.integers(1, max_size))
    return [None] + [draw(st.none() | st.integers(0, i - 1)) for i in range(1, n)]


def paths_of(parents: list[int | None]) -> list[str]:
    paths: list[str] = []
    for i, p in enumerate(parents):  # ids are index + 1; parents come first
        paths.append(tree.path_of(paths[p] if p is not None else None, i + 1))
    return paths


def paths_by_walking(parents: list[int | None]) -> list[str]:
    """Independent oracle: walk parent pointers up to the root."""
    out = []
    for i in range(len(parents)):
        chain, node = [], i
        while node is not None:
            chain.append(node + 1)
            node = parents[node]
        out.append("/" + "/".join(str(x) for x in reversed(chain)) + "/")
    return out


def is_ancestor_or_self(parents: list[int | None], a: int, n: int) -> bool:
    node: int | None = n
    while node is not None:
        if node == a:
            return True
        node = parents[node]
    return False


@given(forests(), st.data())
def test_role_reaches_descendants_and_nothing_else(parents: list[int | None], data: st.DataObject) -> None:
    paths = paths_of(parents)
    assert paths == paths_by_walking(parents)
    holder = data.draw(st.integers(0, len(parents) - 1))
    role = data.draw(st.sampled_from(ORG_ROLES))
    scope = Scope.of(1, [Assignment(role, paths[holder])])
    for n, path in enumerate(paths):
        expected = is_ancestor_or_self(parents, holder, n)
        assert scope.allows(Resource.ORGANISATIONS, Action.READ, path) == expected
        for (resource, action), reach in ROLE_PERMISSIONS[role].items():
            if reach is Reach.SUBTREE:
                assert scope.allows(resource, action, path) == expected


@given(forests(), st.data())
def test_moving_a_subtree_moves_reach(parents: list[int | None], data: st.DataObject) -> None:
    paths = paths_of(parents)
    moved = data.draw(st.integers(0, len(parents) - 1))
    target = data.draw(st.none() | st.integers(0, len(parents) - 1))
    if target is not None and is_ancestor_or_self(parents, moved, target):
        try:
            tree.check_move(paths[moved], paths[target])
        except Conflict:
            return
        raise AssertionError("a move under its own subtree must be refused")
    tree.check_move(paths[moved], paths[target] if target is not None else None)
    new_prefix = tree.path_of(paths[target] if target is not None else None, moved + 1)
    new_paths = [
        tree.moved_path(p, paths[moved], new_prefix) if tree.is_within(p, paths[moved]) else p for p in paths
    ]
    new_parents = list(parents)
    new_parents[moved] = target
    assert new_paths == paths_by_walking(new_parents)
    holder = data.draw(st.integers(0, len(parents) - 1))
    scope = Scope.of(1, [Assignment(Role.FLEET_MANAGER, new_paths[holder])])
    for n, path in enumerate(new_paths):
        assert scope.allows(Resource.TOKENS, Action.WRITE, path) == is_ancestor_or_self(
            new_parents, holder, n
        )


@given(forests(), st.lists(st.tuples(st.sampled_from(ORG_ROLES), st.integers(0, 29)), max_size=5))
def test_several_assignments_reach_the_union(parents: list[int | None], raw: list[tuple[Role, int]]) -> None:
    paths = paths_of(parents)
    assignments = [Assignment(role, paths[i % len(paths)]) for role, i in raw]
    combined = Scope.of(1, assignments)
    singles = [Scope.of(1, [a]) for a in assignments]
    for resource in Resource:
        for action in Action:
            for path in paths:
                for owned in (False, True):
                    union = any(s.allows(resource, action, path, owned) for s in singles)
                    assert combined.allows(resource, action, path, owned) == union


@given(st.lists(st.text(alphabet="/0123456789", min_size=1, max_size=12), max_size=8), st.text("/0123456789"))
def test_minimal_prefixes_reach_the_same(prefixes: list[str], path: str) -> None:
    assert tree.reached_by(path, prefixes) == tree.reached_by(path, tree.minimal_prefixes(prefixes))


@settings(max_examples=100)
@given(forests(max_size=12), st.data())
def test_user_management_needs_rights_over_every_assignment(
    parents: list[int | None], data: st.DataObject
) -> None:
    paths = paths_of(parents)
    admin_at = data.draw(st.integers(0, len(paths) - 1))
    admin = Scope.of(1, [Assignment(Role.ORG_ADMIN, paths[admin_at])])
    target_at = data.draw(st.lists(st.integers(0, len(paths) - 1), min_size=1, max_size=3))
    target = [Assignment(data.draw(st.sampled_from(ORG_ROLES)), paths[t]) for t in target_at]
    expected = all(is_ancestor_or_self(parents, admin_at, t) for t in target_at)
    assert may_manage_user(admin, target) == expected
    assert not may_assign(admin, Role.PLATFORM_ADMIN, None)
    assert not may_manage_user(admin, [Assignment(Role.PLATFORM_ADMIN, None)])
