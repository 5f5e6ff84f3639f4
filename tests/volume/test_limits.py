"""The limits every page and endpoint must keep at the real PanelApp's volume, shown on builds far smaller.

Each rule holds whatever the scale: a response's queries do not grow with
the data; its size, extrapolated to the real volume from two builds, stays
under the ALB's 1 MB; a page of a list reads as many rows of the big tables (counted on
the plan the real volume takes, conftest.at_volume) however large they are;
and an index serves every query on them.
The known failures of issue 19 are marked ``xfail(strict=True)``: when one is
fixed its test passes, fails as XPASS, and the mark comes off.
"""

import pytest

from tests.volume.endpoints import ALB_LIMIT, HTTP_API_LIMIT, REAL

# The builds are measured once per session and rolled back; the mark asks for the test database.
pytestmark = pytest.mark.django_db

# Endpoint names (tests/volume/endpoints.py) -> why each fails today.
# The largest panel, super panel and their old versions fit the ALB gzipped (serverless.web): its event accepts gzip.
TOO_LARGE: dict[str, str] = {}
TOO_LARGE_FOR_HTTP_API = {
    "api largest super panel": "issue 19: the largest super panel (4,040 genes) extrapolates to just over 6 MB",
}
READS_GROW: dict[str, str] = {}


def names(reasons: dict[str, str] = {}):  # noqa: B006 - read only
    """Every endpoint name, those known to fail marked with their reason."""
    from tests.volume.endpoints import endpoints

    listed = [e.name for e in endpoints(_SAMPLE_TARGETS)]
    return [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reasons[name])) if name in reasons else name
        for name in listed
    ]


# Any ids do to list the endpoints' names at collection time.
_SAMPLE_TARGETS = {
    key: 1 for key in ("largest", "small", "largest_super", "busiest", "activity_pages", "panel_pages")
} | {"gene": "G", "largest_old": "0.1", "super_old": "0.1"}


@pytest.mark.parametrize("name", names())
def test_answers(builds, name):
    assert {label: build.measured[name].status for label, build in builds.items()} == {"small": 200, "large": 200}


@pytest.mark.parametrize("name", names())
def test_queries_do_not_grow_with_the_data(builds, name):
    assert builds["large"].measured[name].queries == builds["small"].measured[name].queries


def at_real_volume(builds, name: str, size: str) -> float:
    """The response's size in the real PanelApp, from two builds: linear in what it grows with."""
    small, large = builds["small"], builds["large"]
    endpoint = large.endpoints[name]
    units = endpoint.grows_with
    x0, x1 = small.targets[units], large.targets[units]
    y0, y1 = getattr(small.measured[name], size), getattr(large.measured[name], size)
    assert x1 > x0, (units, x0, x1)
    return y1 + (y1 - y0) / (x1 - x0) * (REAL[units] - x1)


@pytest.mark.parametrize("name", names(TOO_LARGE))
def test_size_at_the_real_volume_fits_the_alb(builds, name):
    large = builds["large"]
    if large.endpoints[name].grows_with is None:
        # A page of a list: at most its page, however many rows there are behind it.
        assert large.measured[name].size <= ALB_LIMIT / 4
    else:
        assert at_real_volume(builds, name, "size") <= ALB_LIMIT


@pytest.mark.parametrize("name", names(TOO_LARGE_FOR_HTTP_API))
def test_size_at_the_real_volume_fits_the_http_api(builds, name):
    large = builds["large"]
    if large.endpoints[name].grows_with is None:
        assert large.measured[name].http_api_size <= HTTP_API_LIMIT / 4
    else:
        assert at_real_volume(builds, name, "http_api_size") <= HTTP_API_LIMIT


def list_pages():
    from tests.volume.endpoints import endpoints

    return [e.name for e in endpoints(_SAMPLE_TARGETS) if e.grows_with is None and not e.one_panel]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=READS_GROW[n])) if n in READS_GROW else n
        for n in list_pages()
    ],
)
def test_a_page_of_a_list_reads_no_more_rows_as_the_tables_grow(builds, name):
    """Lists across panels; one panel's pages read that panel, bounded by the largest panel's size."""
    small, large = builds["small"].measured[name], builds["large"].measured[name]
    grown = {
        table: (small.rows_read.get(table, 0), read)
        for table, read in large.rows_read.items()
        if read > 2 * small.rows_read.get(table, 0) + 300
    }
    assert not grown, f"rows read (small build, 4x larger build): {grown}"


@pytest.mark.parametrize("name", names())
def test_an_index_serves_every_query_on_the_big_tables(builds, name):
    assert builds["large"].measured[name].seq_scans == set()
