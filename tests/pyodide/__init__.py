"""An offline Pyodide for the xlwings Lite test (``tests/excel/test_pyodide.py``)."""
