"""Book files: errors name the row and the column; the example book is what its README says."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from addin.book.book import read_book
from addin.model.catalog import gpu_spec
from addin.model.errors import DealFileError
from tests.deals import EXAMPLES

BOOK = EXAMPLES / "gpu_book.csv"
HEADER = "facility_id,obligor,name,gpus,market_rate,loan_amount,interest_rate,tenor_years"
GOOD = "F1,Acme,Acme H100,512,2,5000000,0.1,3"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [HEADER, GOOD, "F2,Beta,Beta H100,abc,2,5000000,0.1,3"],
            r"row 3, column gpus: got 'abc'; allowed: a whole number >= 1",
        ),
        ([HEADER, "F1,,x,512,2,5000000,0.1,3"], r"row 2, column obligor: is empty"),
        ([HEADER, "F1,Acme,x,512,2,5000000,1.7,3"], r"row 2, column interest_rate: got 1.7"),
        ([HEADER, "F1,Acme,x,512,2,5000000,0.1,"], r"row 2, column tenor_years: is required"),
        (
            [HEADER, GOOD, "F1,Beta,y,512,2,5000000,0.1,3"],
            r"row 3, column facility_id: got 'F1', already in row 2",
        ),
        (
            [HEADER + ",gpu_modle", GOOD + ",H200"],
            r"row 2, column gpu_modle: unknown key 'gpu_modle'; did you mean 'gpu_model'\?",
        ),
        (
            ["facility_id,obligor,deal,loan_amount", "F1,Acme,nothere.toml,5000000"],
            r"row 2, column deal: .*nothere\.toml: cannot be read",
        ),
        (
            ["facility_id,obligor,deal,gpu_model", "F1,Acme,neocloud_h100.toml,H200,extra"],
            r"row 2: got 'extra' past the last named column",
        ),
        (
            ["facility_id,obligor,deal,gpus", "F1,Acme,neocloud_h100.toml,0"],
            r"row 2, column gpus: got 0; allowed: a whole number >= 1",
        ),
        (  # the example deal starts 2026-01-01; a later start would misalign the months
            [
                "facility_id,obligor,deal,start_date",
                "F1,Acme,neocloud_h100.toml,",
                "F2,Beta,neocloud_h100.toml,2027-01-01",
            ],
            r"row 3, column start_date: got '2027-01-01'; allowed: '2026-01-01' as in row 2: "
            r"every facility starts on the book's date: a book is a snapshot",
        ),
        (  # one resale market per GPU model: its volume V is the model's, not a facility's
            [
                "facility_id,obligor,deal,market_absorption",
                "F1,Acme,neocloud_h100.toml,",
                "F2,Beta,neocloud_h100.toml,900",
            ],
            r"row 3, column market_absorption: got 900; allowed: 1500 as in row 2: the "
            r"facilities on one GPU model \(H100 SXM\) share its resale market",
        ),
        (  # one offtaker, one default: its yearly PD is the offtaker's, not a facility's
            [
                "facility_id,obligor,deal,offtaker,offtaker_pd",
                "F1,Acme,neocloud_h100.toml,Lab X,0.04",
                "F2,Beta,neocloud_h100.toml,lab  x,0.01",
            ],
            r"row 3, column offtaker_pd: got 0.01; allowed: 0.04 as in row 2: the facilities "
            r"naming one offtaker \(lab x\) share its default",
        ),
    ],
)
def test_a_bad_book_names_its_row_and_column(tmp_path: Path, rows: list[str], message: str) -> None:
    folder = tmp_path / "book"
    folder.mkdir()
    path = folder / "book.csv"
    for example in EXAMPLES.glob("*.toml"):  # deal files relative to the book's folder
        (folder / example.name).write_bytes(example.read_bytes())
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DealFileError, match=message):
        read_book(path)


def test_a_formula_in_an_xlsx_book_is_refused_by_its_cell(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (HEADER.split(","), GOOD.split(",")):
        sheet.append(row)
    sheet["D2"] = "=256*2"
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    with pytest.raises(DealFileError, match=r"cell D2: holds a formula; allowed: a typed value"):
        read_book(path)


def test_the_example_book_has_the_mix_its_readme_describes() -> None:
    # workbooks/examples/README.md: 28 facilities to 12 borrowers, USD 1.48bn on 82,944 GPUs,
    # every borrower with two or three facilities, five GPU models, four borrower types.
    book = read_book(BOOK)
    deals = [f.deal for f in book.facilities]
    assert (len(book), len(book.obligors)) == (28, 12)
    assert sum(d.loan_amount or 0.0 for d in deals) == 1_480_000_000
    assert sum(d.gpus for d in deals) == 82_944
    per_borrower = [sum(f.obligor == o for f in book.facilities) for o in book.obligors]
    assert set(per_borrower) == {2, 3}
    assert {d.gpu_model for d in deals} == {"H100 SXM", "H200", "B200", "GB200", "A100 SXM"}
    assert {d.borrower_type for d in deals} == {"neocloud", "miner", "hyperscaler", "other"}
    assert {d.offtaker for d in deals} == {
        "", "Hyperscaler A", "Hyperscaler E", "Frontier Lab B", "Model Lab D",
        "Enterprise Cloud C",
    }  # fmt: skip
    assert all(d.offtaker == "" for d in deals if d.contracted_share == 0)
    assert {d.start_date.isoformat() for d in deals if d.start_date} == {"2026-07-01"}
    assert all(f.deal.borrower == f.obligor for f in book.facilities)


def test_the_example_book_keeps_one_market_per_model_and_the_models_own_figures() -> None:
    # One resale market per model: its volume V is the same on every facility of the model
    # (read_book refuses a book where it is not). A changed gpu_model takes the catalog's
    # kW (the deal files' 1.275 kW is the H100's).
    book = read_book(BOOK)
    volume: dict[str, set[float | None]] = {}
    for f in book.facilities:
        volume.setdefault(f.deal.gpu_model, set()).add(f.deal.market_absorption)
        assert f.deal.kw_per_gpu == gpu_spec(f.deal.gpu_model, "kw_per_gpu")
    assert volume == {
        "A100 SXM": {2000},
        "H100 SXM": {1500},
        "H200": {800},
        "B200": {600},
        "GB200": {400},
    }


def test_a_python_book_refuses_two_start_dates_or_two_markets_for_a_model() -> None:
    from addin.book.book import book_of
    from addin.io.deal_files import read_deal
    from addin.model.errors import InputError

    deal = read_deal(EXAMPLES / "neocloud_h100.toml")  # starts 2026-01-01
    later = deal.replace(start_date="2026-04-01")
    undated = deal.replace(start_date=None)
    assert len(book_of([("A", "X", deal), ("B", "Y", undated)])) == 2  # undated: the book's
    with pytest.raises(
        InputError, match=r"start_date: got '2026-04-01'; allowed: '2026-01-01' as in facility A"
    ):
        book_of([("A", "X", deal), ("B", "Y", later)])
    other_model = deal.replace(gpu_model="H200", market_absorption=800)  # its own market
    assert len(book_of([("A", "X", deal), ("B", "Y", other_model)])) == 2
    with pytest.raises(
        InputError, match=r"price_vol: got 0.9; allowed: .* as in facility A: the fac"
    ):
        book_of([("A", "X", deal), ("B", "Y", deal.replace(price_vol=0.9))])
