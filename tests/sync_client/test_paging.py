"""How the engine asks for pages: big ones sized from the feed's head, the next one asked
for while this one is applied, and the older service's way when it refuses the new one."""
import threading

from fieldapp.sync_client.engine import DEFAULT_PAGE, FIRST_PAGE, MAX_PAGE, SyncEngine
from fieldapp.sync_client.transport import ServerRefused, Traffic


class Service:
    """A feed of `head` empty positions, paged as the service pages it; `legacy`: a
    service of before columnar pages (422 on the field, as pydantic answers it)."""

    def __init__(self, head: int, legacy: bool = False):
        self.head, self.legacy = head, legacy
        self.asked: list[dict] = []
        self.traffic, self.on_server_time = Traffic(), None
        self.in_flight = threading.Event()

    def sync(self, request: dict) -> dict:
        self.asked.append(request)
        if self.legacy and ("columnar" in request or (request.get("limit") or 0) > 5000):
            raise ServerRefused(422, "invalid", "extra inputs are not permitted", "columnar")
        cursor = int(request["cursor"] or 0)
        end = min(self.head, cursor + (request.get("limit") or DEFAULT_PAGE))
        return {"results": [], "changes": [], "conflicts": [], "cursor": str(end), "more": end < self.head,
                "head": str(self.head), **({"blocks": []} if request.get("columnar") else {})}

    def call(self, method: str, path: str, *, json_body: dict) -> "Answer":
        assert (method, path) == ("POST", "/v1/sync")
        return Answer(self.sync(json_body))

    def health(self) -> dict:
        return {}


class Answer:
    def __init__(self, body: dict):
        self.body = body

    def json(self) -> dict:
        return self.body


def test_a_long_feed_comes_in_big_pages_and_a_short_one_in_small_overlapping_ones(store):
    service = Service(265_890)
    assert SyncEngine(store, service).sync().ok
    limits = [r.get("limit") for r in service.asked]
    # an initial sync starts small (applying begins while the service builds the next page)
    assert limits[0] == FIRST_PAGE < DEFAULT_PAGE and max(limits) == MAX_PAGE and len(limits) <= 30
    assert all(r["columnar"] and r["compact"] for r in service.asked)
    short = Service(10_381)
    store.set_meta("sync_cursor", None)
    assert SyncEngine(store, short).sync().ok
    assert 4 <= len(short.asked) <= 6  # pages small enough that fetching and applying overlap
    # a sync that has a cursor asks DEFAULT_PAGE first (a steady-state sync is one request)
    behind = Service(3 * DEFAULT_PAGE)
    store.set_meta("sync_cursor", "0")
    assert SyncEngine(store, behind).sync().ok and behind.asked[0]["limit"] == DEFAULT_PAGE


def test_the_next_page_is_asked_for_before_this_one_is_applied(store, monkeypatch):
    service = Service(3 * DEFAULT_PAGE)
    seen_when_applying: list[int] = []
    original = store.apply_page

    def apply_page(sent, reply, judge):
        seen_when_applying.append(len(service.asked))
        return original(sent, reply, judge)

    monkeypatch.setattr(store, "apply_page", apply_page)
    assert SyncEngine(store, service).sync().ok
    # while page n was applied, page n+1 had been asked for already (but for the last)
    assert seen_when_applying[0] >= 2 and store.meta("sync_cursor") == str(3 * DEFAULT_PAGE)


def test_an_older_service_is_asked_the_way_it_understands(store):
    service = Service(6000, legacy=True)
    result = SyncEngine(store, service).sync()
    assert result.ok and store.meta("sync_cursor") == "6000"
    accepted = [r for r in service.asked if "columnar" not in r]
    assert accepted and all(r.get("limit") is None and r["compact"] for r in accepted)
