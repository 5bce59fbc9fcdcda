"""An offline Pyodide for the xlwings Lite test (``tests/test_pyodide.py``)."""
