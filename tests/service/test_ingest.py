"""Catalog ingest into the store, and the public (TODD) catalog and element-set endpoints."""

from __future__ import annotations

from importlib import resources

from sqlalchemy import func, select

from openstc.jobs.ingest import ingest_catalog
from openstc.store.models import CatalogObject, ElementSetRecord, ScreeningRun


def _sample(n: int = 40) -> str:
    text = resources.files("openstc").joinpath("data/catalog/celestrak_on_orbit_20241101.csv").read_text()
    lines = text.splitlines()[: n + 1]
    lines.append("BROKEN,2000-001A,not-a-date,1,0,0,0,0,0,0,U,99999,999,0,0,0,0")
    return "\n".join(lines) + "\n"


def test_ingest_is_one_transaction_and_idempotent(sessions):
    rep = ingest_catalog(sessions, _sample(), "celestrak-test")
    assert rep.objects_new == 40 and rep.element_sets == 40 and len(rep.failures) == 1
    again = ingest_catalog(sessions, _sample(), "celestrak-test")
    assert again.objects_new == 0 and again.element_sets == 0
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ElementSetRecord)) == 40
        vanguard = s.get(CatalogObject, 5)
        assert vanguard.satellite_name == "VANGUARD 1" and vanguard.object_type == "PAYLOAD"
        assert vanguard.orbital_regime == "MEO"  # 10.86 rev/day, e = 0.18
        assert s.get(CatalogObject, 16).object_type == "ROCKET BODY"  # VANGUARD R/B
        runs = s.scalars(select(ScreeningRun).where(ScreeningRun.run_type == "CATALOG_INGEST")).all()
        assert len(runs) == 2 and runs[0].failures


def test_public_catalog_and_elsets(client, sessions):
    ingest_catalog(sessions, _sample(), "celestrak-test")
    cat = client.get("/todd/v1/catalog", params={"satelliteName": "*VANGUARD", "sort": "noradId,ASC"})
    assert cat.status_code == 200 and [c["noradId"] for c in cat.json()][:2] == [5, 11]
    el = client.get("/todd/v1/elsets", params={"noradId": "5"})
    omm = el.json()[0]
    assert omm["NORAD_CAT_ID"] == 5 and abs(omm["MEAN_MOTION"] - 10.8574679) < 1e-9
    assert omm["EPOCH"].startswith("2024-10-29T12:18:43.49")
    assert client.get("/todd/v1/elsets", params={"noradId": "424242"}).status_code == 204
    assert client.get("/todd/v1/catalog", params={"noradId": "424242"}).status_code == 404
