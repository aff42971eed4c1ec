"""Shared code for docparse: settings, data layer, storage, document handling, engines.

Nothing in here imports Temporal workflow code or FastAPI, so every part (api, worker, CLI)
can use it.
"""
