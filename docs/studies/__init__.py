"""Validation studies: how far a model, an estimator or a reproduction can be trusted.

Not speed claims (those are perf/, with result files): each prints the tables and numbers a page
of docs/ quotes, naming its inputs.  ``python -m docs.studies`` lists them, ``python -m
docs.studies NAME [ARGS]`` runs one (from the checkout's root, PYTHONPATH=workflow).
"""
