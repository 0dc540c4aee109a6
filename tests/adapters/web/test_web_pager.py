"""The pager of every paginated list (patients, caseload, audit log) past the end.

Issue 14, finding 13: ``offset=99999`` on a list of 240 showed "100000-240 of 240". A page
past the end says so and offers the last page, never a range that runs backwards.
"""

from __future__ import annotations

import re

import pytest

from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)

LISTS = {
    "patients": ("physician", "/patients?"),
    "caseload": ("physician", "/dashboard?sort=name&"),
    "audit log": ("admin", "/admin/audit?"),
}


def _ranges(html: str) -> list[tuple[int, int, int]]:
    return [tuple(map(int, m)) for m in re.findall(r"(\d+)-(\d+) of (\d+)", html)]


@pytest.mark.parametrize("name", LISTS)
def test_a_page_past_the_end_says_so_and_offers_the_last_page(client: WebClient, name: str) -> None:
    role, base = LISTS[name]
    for n in range(5):
        add_patient(client.engine, mrn=f"PG-{n}", family_name=f"Pager{n}")
    client.as_role(role, via="session")
    client.get(base + "limit=2")  # a few audit events at least
    page = client.get(base + "offset=99999&limit=2")
    assert page.status_code == 200
    assert not _ranges(page.text), name  # no "100000-5 of 5"
    total = int(re.search(r"past the end of the list \((\d+) in all\)", page.text)[1])
    last = (total - 1) // 2 * 2
    assert f'offset={last}&amp;limit=2">Last page</a>' in page.text
    # The last page itself counts forwards and has no Next.
    shown = client.get(base + f"offset={last}&limit=2")
    (first_row, last_row, of), *_ = _ranges(shown.text)
    assert first_row == last + 1 and first_row <= last_row <= of
    assert ">Next<" not in shown.text
