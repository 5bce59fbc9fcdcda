"""The GPU catalog: every row complete and sourced, successors exist, lookups and errors."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources

import pytest

from addin import gpu_catalog, gpu_spec
from addin.model.catalog import (
    FIELDS,
    NUMERIC_FIELDS,
    announced_launches,
    catalog_row,
    gpu_models,
    successor_launches,
    used_gpu_prices,
)
from addin.model.errors import InputError, MissingInputError

REQUIRED_MODELS = {"A100 SXM", "H100 SXM", "H100 PCIe", "H200", "B200", "GB200", "B300",
                   "MI300X", "L40S"}  # fmt: skip  # issue 3, section 1


def sources_text() -> str:
    return resources.files("addin.model").joinpath("data", "SOURCES.md").read_text(encoding="utf-8")


def release(text: str) -> dt.date:
    """A release date as YYYY-MM-DD, or YYYY-MM read as the first of the month."""
    return dt.date.fromisoformat(text if len(text) == 10 else text + "-01")


def test_the_issue_models_are_there() -> None:
    assert set(gpu_models()) >= REQUIRED_MODELS
    assert list(gpu_catalog().columns) == list(FIELDS)


def test_every_row_is_complete_and_well_typed() -> None:
    table = gpu_catalog()
    assert table["name"].is_unique
    assert table["name"].str.lower().is_unique  # lookups are case-insensitive
    for row in table.to_dict("records"):
        for field in FIELDS:
            value = row[field]
            assert value is not None, (row["name"], field)
            assert value == value, (row["name"], field)  # not NaN
            assert str(value).strip(), (row["name"], field)
        for field in NUMERIC_FIELDS:
            assert isinstance(row[field], float), (row["name"], field)
            if field == "fp8_tflops":
                assert row[field] >= 0  # 0 = no FP8 support (A100)
            else:
                assert row[field] > 0, (row["name"], field)
        assert row["price_basis"] in {"list", "estimate"}
        assert row["cooling"] in {"air", "liquid"}
        assert row["vendor"] in {"NVIDIA", "AMD"}
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", row["release_date"]), row["name"]
        release(row["release_date"])  # a real date
        # All-in power per GPU includes the GPU itself; a rack holds at least one GPU.
        assert row["kw_per_gpu"] >= row["tdp_w"] / 1000.0, row["name"]
        assert row["rack_kw"] > row["kw_per_gpu"], row["name"]
        # Dense FP8 is twice dense FP16 on every part that has it (vendor datasheets; the
        # L40S datasheet's own 362.05 and 733 differ from exactly 2x by 1.2%).
        if row["fp8_tflops"] > 0:
            assert row["fp8_tflops"] == pytest.approx(2 * row["fp16_tflops"], rel=0.015)


def test_every_successor_exists_and_is_newer() -> None:
    rows = {r["name"]: r for r in gpu_catalog().to_dict("records")}
    for name, row in rows.items():
        successor = row["successor"]
        if successor == "none":
            # Every 'none' is explained in SOURCES.md.
            assert f"**{name}**" in sources_text(), name
            continue
        assert successor in rows, (name, successor)
        assert successor != name
        assert release(rows[successor]["release_date"]) > release(row["release_date"]), name
    # Following successors always ends (no cycles).
    for name in rows:
        seen, current = set(), name
        while current != "none":
            assert current not in seen, name
            seen.add(current)
            current = rows[current]["successor"]


def test_every_source_key_is_documented_and_epoch_is_credited() -> None:
    text = sources_text()
    assert "CC BY 4.0" in text
    assert "Epoch AI" in text
    for row in gpu_catalog().to_dict("records"):
        keys = [k.strip() for k in row["sources"].split(";")]
        assert all(keys), row["name"]
        for key in keys:
            assert f"`{key}`:" in text, (row["name"], key)
        assert f"**{row['name']}**" in text, row["name"]  # a row-by-row explanation


def test_figures_derived_from_vendor_system_figures() -> None:
    # DGX H100: 10.2 kW for 8 GPUs (NVIDIA DGX H100 user guide).
    assert gpu_spec("H100 SXM", "kw_per_gpu") == pytest.approx(10.2 / 8, abs=1e-12)
    # DGX A100: USD 199,000 list and 6.5 kW for 8 GPUs (NVIDIA, GTC 2020-05-14).
    assert gpu_spec("A100 SXM", "launch_price_usd") == pytest.approx(199_000 / 8, abs=1e-9)
    assert gpu_spec("A100 SXM", "kw_per_gpu") == pytest.approx(6.5 / 8, abs=1e-12)
    assert gpu_spec("A100 SXM", "price_basis") == "list"
    # DGX B200: 14.3 kW for 8 GPUs.
    assert gpu_spec("B200", "kw_per_gpu") == pytest.approx(14.3 / 8, abs=1e-12)
    # GB200 NVL72: about USD 3.0M (HSBC) and about 120 kW per 72-GPU rack.
    assert gpu_spec("GB200", "launch_price_usd") == pytest.approx(3.0e6 / 72, abs=50)
    assert gpu_spec("GB200", "kw_per_gpu") == pytest.approx(120 / 72, abs=5e-4)
    # H100 SXM launch price: Epoch AI release price, SemiAnalysis' DGX at ~USD 269k / 8.
    assert gpu_spec("H100 SXM", "launch_price_usd") == pytest.approx(269_000 / 8, rel=0.001)
    assert gpu_spec("H100 SXM", "price_basis") == "estimate"


def test_liquid_cooled_models() -> None:
    liquid = set(gpu_catalog().query("cooling == 'liquid'")["name"])
    assert liquid == {"GB200", "MI355X"}


def test_lookup_is_case_and_space_insensitive() -> None:
    assert gpu_spec("h100 sxm", "TDP_W") == 700.0
    assert gpu_spec("  H100   SXM ", " memory_gb ") == 80.0
    assert gpu_spec("mi300x", "successor") == "MI355X"
    assert catalog_row("GB200")["name"] == "GB200"


def test_unknown_model_and_field_suggest_the_closest() -> None:
    with pytest.raises(InputError, match=r"^model: got 'H100'; .*did you mean 'H100 SXM'"):
        gpu_spec("H100", "tdp_w")
    with pytest.raises(InputError, match=r"^model: got 'MI300'; .*did you mean 'MI300X'"):
        gpu_spec("MI300", "tdp_w")
    with pytest.raises(InputError, match=r"^field: got 'tdp'; .*did you mean 'tdp_w'"):
        gpu_spec("H100 SXM", "tdp")
    with pytest.raises(InputError, match=r"^model: got 'Rubin'; allowed: one of A100 SXM"):
        gpu_spec("Rubin", "tdp_w")
    with pytest.raises(MissingInputError, match=r"^model: is required"):
        gpu_spec("", "tdp_w")
    with pytest.raises(MissingInputError, match=r"^field: is required"):
        gpu_spec("H100 SXM", "  ")
    with pytest.raises(InputError, match=r"^model: got 100"):
        gpu_spec(100, "tdp_w")  # type: ignore[arg-type]


def test_catalog_is_a_copy() -> None:
    table = gpu_catalog()
    table.loc[0, "launch_price_usd"] = -1.0
    assert float(gpu_catalog()["launch_price_usd"].iloc[0]) > 0
    assert float(gpu_spec(str(table["name"].iloc[0]), "launch_price_usd")) > 0


def test_data_ship_inside_the_package() -> None:
    # Read through importlib.resources, so a wheel or Pyodide install finds them.
    data = resources.files("addin.model").joinpath("data")
    assert data.joinpath("gpu_catalog.csv").is_file()
    assert data.joinpath("SOURCES.md").is_file()
    assert data.joinpath("gpu_announced.csv").is_file()
    assert data.joinpath("used_gpu_prices.csv").is_file()


def test_announced_launches_extend_the_successor_chain() -> None:
    # NVIDIA roadmap (DOMAIN.md): Blackwell Ultra H2 2025 (the B300 row), Vera Rubin H2 2026,
    # Rubin Ultra H2 2027; announced dates are the first month of the half-year.
    chain = successor_launches("H100 SXM")
    assert [name for name, _ in chain] == [
        "H100 SXM", "H200", "B200", "B300", "Vera Rubin", "Rubin Ultra",
    ]  # fmt: skip
    assert chain[-2][1] == dt.date(2026, 7, 1)
    assert chain[-1][1] == dt.date(2027, 7, 1)
    assert [d for _, d in chain] == sorted(d for _, d in chain)
    for row in announced_launches():
        assert row["status"] == "announced"
        assert f"`{row['sources']}`:" in sources_text()
        assert f"**{row['name']}**" in sources_text()
    assert successor_launches("MI355X") == ((("MI355X", dt.date(2025, 6, 12))),)


def test_used_prices_are_sourced() -> None:
    table = used_gpu_prices()
    models = set(gpu_models())
    for row in table.to_dict("records"):
        assert row["model"] in models
        assert f"`{row['source']}`:" in sources_text(), row["source"]
        assert row["calibrate"] in {"yes", "no"}
        assert dt.date.fromisoformat(row["date_from"]) <= dt.date.fromisoformat(row["date_to"])
