"""The account page's ledger is paged in SQL (window functions) and agrees row for row with the full ledger
the statements print; pages count from the newest; the page stays a fixed number of queries."""

import datetime
import zoneinfo

import pytest
import time_machine
from django_tenants.utils import tenant_context

from apps.accounting.ledgers import customer_ledger, customer_ledger_page
from apps.documents.tests.test_customer_account import _history

NOW = datetime.datetime(2026, 11, 20, 10, tzinfo=zoneinfo.ZoneInfo("America/Chicago"))


@pytest.fixture
def in_a(tenant_a):
    with tenant_context(tenant_a.tenant):
        yield tenant_a


@time_machine.travel(NOW, tick=False)
def test_every_page_matches_the_full_ledger(in_a):
    customer, *_ = _history(in_a.manager)
    start, end = datetime.date(2026, 9, 15), datetime.date(2026, 11, 30)
    full = customer_ledger(customer=customer, start=start, end=end)
    assert len(full.entries) == 6
    pages = [customer_ledger_page(customer=customer, start=start, end=end, page=n, per_page=4) for n in (1, 2)]
    assert [page.pages for page in pages] == [2, 2] and [page.count for page in pages] == [6, 6]
    assert (pages[0].first, pages[0].last, pages[1].first, pages[1].last) == (3, 6, 1, 2)
    assert pages[1].entries + pages[0].entries == full.entries  # same rows, order, references and balances
    for page in pages:
        assert (page.opening, page.debits, page.credits, page.closing) == (
            full.opening, full.debits, full.credits, full.closing
        )  # fmt: skip
    # A page past the oldest (a stale link) shows the oldest page; an empty period has one empty page.
    assert customer_ledger_page(customer=customer, start=start, end=end, page=9, per_page=4).entries == pages[1].entries
    empty = customer_ledger_page(customer=customer, start=end, end=end)
    assert (empty.count, empty.entries, empty.closing) == (0, [], full.closing)


@time_machine.travel(NOW, tick=False)
def test_account_page_shows_the_newest_entries_and_links_to_earlier_ones(in_a, client_for, monkeypatch):
    customer, first, second, third, _claim = _history(in_a.manager)
    monkeypatch.setattr("apps.documents.ledger_views.LEDGER_PAGE", 4)
    client = client_for(in_a, in_a.viewer)
    url = f"/customers/{customer.pk}/account/?start=2026-09-01&end=2026-11-30"
    newest = client.get(url).content.decode()
    assert "Entries 4–7 of 7" in newest and third.number in newest and "Page 1 of 2" in newest
    assert "page=2#ledger-heading" in newest and "$4,245.00" in newest  # closing balance of the whole period
    oldest = client.get(url + "&page=2").content.decode()
    assert "Entries 1–3 of 7" in oldest and first.number in oldest and "page=1#ledger-heading" in oldest
    assert client.get(url + "&page=abc").status_code == 200
