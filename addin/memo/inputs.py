"""The Inputs sheet: every deal key with its value, unit, source and help, as named cells.

Columns A:B form the workbook name ``Deal`` (the two-column key/value range the add-in's
functions accept), and each non-text key's value cell is named after the key, so the
Cash flow sheet's formulas read ``=gpus*kw_per_gpu*...``. Every value cell carries Excel
data validation from the parameter catalogue (:func:`addin.io.xlsx.key_validation`): a
list for a choice (``gpu_model``: the GPU catalog's models), the key's bounds for a
number, an input message with the unit, and a stop alert naming what is allowed, so
``annuty`` for ``amortization`` or 30 for a 0.30 share is refused as it is typed.
"""

from __future__ import annotations

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c
from addin.io.xlsx import key_validation, value_format
from addin.memo.layout import define_name
from addin.memo.text import key_source
from addin.model.catalog import gpu_models
from addin.model.deal import KEY_SPECS, Deal

INPUTS = "Inputs"
INPUTS_FIRST_ROW = 5


def named_keys() -> list[str]:
    """Deal keys given a workbook name on the Inputs sheet (every non-text key).

    Examples
    --------
    >>> "gpus" in named_keys(), "name" in named_keys()
    (True, False)
    """
    return [key for key, spec in KEY_SPECS.items() if spec.kind != "text" or key == "amortization"]


def model_choices(gpu_model: str) -> list[str]:
    """The ``gpu_model`` values the Inputs sheet offers: the GPU catalog's, and the deal's own.

    A deal may name a model outside the catalog when it gives ``kw_per_gpu``; that model is
    listed too, so the sheet never refuses the deal's own value.

    Examples
    --------
    >>> model_choices("H100 SXM")[:3], model_choices("Custom X")[-1]
    (['A100 SXM', 'H100 SXM', 'H100 PCIe'], 'Custom X')
    """
    models = list(gpu_models())
    return models if gpu_model in models else [*models, gpu_model]


def write_inputs(wb: Workbook, deal: Deal) -> Worksheet:
    """The Inputs sheet: one row per deal key with value, unit, group, source and help.

    Columns A:B form the named range ``Deal`` (a two-column key/value range the add-in's
    functions accept); each non-text key's value cell is named after the key. Each value
    cell has data validation (:func:`addin.io.xlsx.key_validation`); the Source column
    says "Deal file" for a key the deal was given (:attr:`Deal.given`), else "Default"
    with the default's source.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> write_inputs(Workbook(), deal)["B9"].value  # gpus
    100
    """
    ws = wb.create_sheet(INPUTS)
    c.title(
        ws,
        f"Inputs: {deal.name}",
        "Yellow cells are inputs: change one and the Cash flow sheet recalculates. "
        "Other sheets show the engine's results as generated.",
    )
    c.header_row(ws, INPUTS_FIRST_ROW - 1, ["Key", "Value", "Unit", "Group", "Source", "Meaning"])
    values = deal.to_dict()
    floating = deal.base_rate is not None
    if floating:  # derived: left empty so that an edit of base_rate or margin carries through
        values["interest_rate"] = None
    row = INPUTS_FIRST_ROW
    for key, spec in KEY_SPECS.items():
        value = values[key]
        c.put_text(ws, f"A{row}", key)
        cell = c.put(ws, f"B{row}", value, value_format(key))
        c.style_input(cell)
        cell.alignment = c.WRAP
        rule = key_validation(key, model_choices(deal.gpu_model) if key == "gpu_model" else None)
        ws.add_data_validation(rule)
        rule.add(f"B{row}")
        c.put_text(ws, f"C{row}", spec.unit)
        c.put_text(ws, f"D{row}", spec.group)
        source = key_source(key, key in deal.given)
        if floating and key == "interest_rate":
            source = "Derived: base_rate + margin (floating rate)"
        c.put_text(ws, f"E{row}", source)
        c.put_text(ws, f"F{row}", spec.help)
        for col in "ACDEF":
            ws[f"{col}{row}"].border = c.BOX
            ws[f"{col}{row}"].alignment = c.WRAP
        row += 1
    last = row - 1
    for key in named_keys():
        index = list(KEY_SPECS).index(key)
        define_name(wb, key, INPUTS, f"$B${INPUTS_FIRST_ROW + index}")
    define_name(wb, "Deal", INPUTS, f"$A${INPUTS_FIRST_ROW}:$B${last}")
    c.widths(ws, {"A": 24, "B": 24, "C": 24, "D": 11, "E": 44, "F": 56})
    ws.freeze_panes = f"A{INPUTS_FIRST_ROW}"
    c.print_setup(ws, deal.name, f"{INPUTS_FIRST_ROW - 1}:{INPUTS_FIRST_ROW - 1}")
    return ws
