"""For random histories and one random tampering, the chain's check fails exactly at the
first position tampered with, and says how; an untouched history passes."""

from __future__ import annotations

from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from kaflow.storage import chain

AGGREGATES = [UUID(int=n) for n in range(1, 4)]


@st.composite
def histories(draw: st.DrawFn) -> list[chain.Stored]:
    """Events at positions 2, 4, 6 ... (a gap before each, as PostgreSQL's sequence
    leaves them), each the next version of one of a few aggregates."""
    count = draw(st.integers(min_value=2, max_value=30))
    versions = dict.fromkeys(AGGREGATES, 0)
    events: list[chain.Stored] = []
    for n in range(count):
        aggregate = draw(st.sampled_from(AGGREGATES))
        versions[aggregate] += 1
        topic = draw(st.sampled_from(["a.b:Identified", "a.b:Contacted", "a.b:Visited"]))
        state = draw(st.binary(min_size=1, max_size=40))
        events.append((2 * (n + 1), aggregate, versions[aggregate], topic, state))
    return events


def walk(events: list[chain.Stored], links: list[chain.Link]) -> chain.Walk:
    where = {k.digest: k.position for k in links}
    return chain.walk(iter(events), iter(links), elsewhere=where.get)


@settings(max_examples=300, deadline=None)
@given(histories(), st.data())
def test_the_first_tampered_position_is_named(
    events: list[chain.Stored], data: st.DataObject
) -> None:
    links = chain.links(chain.GENESIS, events)
    assert walk(events, links).broken is None
    i = data.draw(st.integers(min_value=0, max_value=len(events) - 1), label="at")
    kind = data.draw(
        st.sampled_from(["altered", "topic", "reordered", "deleted", "inserted", "rewritten"])
    )
    tampered, chained = list(events), list(links)
    position = events[i][0]
    p, aggregate, version, topic, state = events[i]
    if kind == "altered":
        byte = data.draw(st.integers(min_value=0, max_value=len(state) - 1))
        tampered[i] = (
            p,
            aggregate,
            version,
            topic,
            state[:byte] + bytes([state[byte] ^ 1]) + state[byte + 1 :],
        )
    elif kind == "topic":
        tampered[i] = (p, aggregate, version, topic + "x", state)
        kind = "altered"
    elif kind == "reordered":
        j = data.draw(st.integers(min_value=0, max_value=len(events) - 1).filter(lambda j: j != i))
        first, second = sorted((i, j))
        a, b = events[first], events[second]
        tampered[first], tampered[second] = (a[0], *b[1:]), (b[0], *a[1:])
        position = a[0]
        if chain.digest(*b[1:]) == chain.digest(*a[1:]):  # two events alike: no change
            assert walk(tampered, chained).broken is None
            return
    elif kind == "deleted":
        del tampered[i]
    elif kind == "inserted":
        position = p - 1  # in the gap before it
        tampered.insert(i, (position, aggregate, version, topic, state))
    else:
        chained[i] = chain.Link(p, links[i].digest, bytes(32), "")
    broken = walk(tampered, chained).broken
    assert broken is not None
    assert (broken.position, broken.kind) == (position, kind)
