"""Shared fixtures: real servers started once per session on free ports in temp dirs."""

from __future__ import annotations

from collections import Counter

import pytest

from devstack.s3 import S3Server
from devstack.temporal import TemporalDevServer
from tests.support.appstack import AppStack, create_pg_database, drop_pg_database


def pytest_collection_modifyitems(config, items):
    """Every test item has a node id of its own. schemathesis 4.32.5 makes one item per API
    operation, named `test[GET /path]` but with no callspec, and pytest 9.2 builds a Function's id
    from its original name and callspec only: every operation got the id `test`. pytest-xdist
    schedules by node id, so the operations collapsed into one test there (and a test that checks
    the fuzzing reached every operation skipped). Such an item gets its name as its id; two items
    still sharing one is an error, never a silent merge."""
    for item in items:
        if item.nodeid.rsplit("::", 1)[-1] != item.name and item.parent is not None:
            item._id = item.parent.id.child(item.name)  # what Node.__init__ does without a given id
    shared = [nodeid for nodeid, n in Counter(item.nodeid for item in items).items() if n > 1]
    if shared:
        raise pytest.UsageError(f"test items share a node id (pytest-xdist would run only one): {shared[:5]}")
    _only_on_named_backends(config, items)
    if hasattr(config, "workerinput"):  # a pytest-xdist worker (`make test`, with --no-loadscope-reorder)
        _longest_files_first(items)


def _only_on_named_backends(config, items) -> None:
    """A test marked ``backends("sqlite")`` runs on those backends of the ``stack`` fixture only.
    Flows where the database does the work (writes, cascades, concurrent requests) run on both;
    a flow whose database part is the same one (images split into pages, the eval set, search
    attributes) runs once: the data layer itself is tested on both in tests/unit and tests/api."""
    keep, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("backends")
        backend = getattr(item, "callspec", None) and item.callspec.params.get("stack")
        (dropped if marker and backend and backend not in marker.args else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _longest_files_first(items) -> None:
    """Files go to the xdist workers in collection order, each whole to one worker: files with slow
    (fault-injection, long end-to-end) tests first, then the other end-to-end files, then the rest,
    so that no long file starts last while the other worker idles. The order within a file holds;
    every worker sorts the same collection the same way."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}

    def rank(item) -> int:
        if item.path in slow_files:
            return 0
        return 1 if "e2e" in item.path.parts else 2

    items.sort(key=rank)  # stable


@pytest.fixture(scope="session")
def temporal_server(tmp_path_factory):
    server = TemporalDevServer.start(tmp_path_factory.mktemp("temporal"), headless=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    server = S3Server.start(tmp_path_factory.mktemp("s3"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_url():
    url = create_pg_database()
    yield url
    drop_pg_database(url)


def make_stack(request, temporal_server, s3_server, tmp_path_factory, backend: str, **env) -> AppStack:
    db_url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    stack = AppStack(
        temporal_address=temporal_server.address, s3=s3_server, db_url=db_url,
        tmp=tmp_path_factory.mktemp(f"stack-{backend}"), extra_env=env,
    )
    return stack


class SharedStacks:
    """One stack with default settings per backend for the whole session: starting an API and a
    worker costs seconds, and tests keep apart by account (each makes its own key). A module that
    needs other settings builds its own with make_stack. Fault tests may kill the processes: the
    next module gets them started again."""

    def __init__(self, request, temporal_server, s3_server, tmp_path_factory):
        self._args = (request, temporal_server, s3_server, tmp_path_factory)
        self._stacks: dict[str, AppStack] = {}

    def get(self, backend: str) -> AppStack:
        stack = self._stacks.get(backend)
        if stack is None:
            stack = self._stacks[backend] = make_stack(*self._args, backend).start()
        else:
            stack.ensure_running()
        return stack

    def stop(self) -> None:
        for stack in self._stacks.values():
            stack.stop()


@pytest.fixture(scope="session")
def shared_stacks(request, temporal_server, s3_server, tmp_path_factory):
    stacks = SharedStacks(request, temporal_server, s3_server, tmp_path_factory)
    yield stacks
    stacks.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def stack(request, shared_stacks):
    """The full stack, once per data-layer backend."""
    return shared_stacks.get(request.param)


@pytest.fixture(scope="module")
def sqlite_stack(shared_stacks):
    return shared_stacks.get("sqlite")
