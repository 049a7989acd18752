"""The hash chain's `plain()` has a fast path for the built-in types (a verification plains every field of every
event): it must give exactly what the rules alone give (`plain_by_rules`), or old events would no longer verify."""

from __future__ import annotations

from enum import Enum, StrEnum

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit.chain import canonical_json, plain, plain_by_rules


class Colour(StrEnum):
    RED = "red"


class Size(Enum):
    BIG = 3


class Flag(int):
    """An int subclass: not the exact type, so it takes the general path."""


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.floats(allow_nan=False),
    st.dates(), st.datetimes(), st.decimals(allow_nan=False, allow_infinity=False), st.binary(max_size=4),
    st.sampled_from([Colour.RED, Size.BIG, Flag(2)]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.tuples(inner, inner), st.frozensets(st.integers(), max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=5), st.integers()), inner, max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # no wall-clock limit
@given(values)
def test_plain_gives_what_the_general_rules_give(value):
    assert plain(value) == plain_by_rules(value)
    assert canonical_json({"v": value}) == canonical_json({"v": plain_by_rules(value)})
