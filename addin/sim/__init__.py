"""The path engine: each deal's cash flows along simulated paths of its risk factors.

``factors`` draws the paths (rent, BTC, base rate, regime, offtaker); ``engine`` runs the
deal's cash flows and waterfall along them and measures the credit risk (PD, LGD, EL,
rating, fair margin); ``scenarios`` runs named shocks through the same waterfall. Pure
numpy and scipy with no threads, so the Excel functions run it in xlwings Lite too. It
imports the analytics, never the Excel layer.
"""
