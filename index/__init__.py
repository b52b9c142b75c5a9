"""Casebook's multilingual Whoosh index: analysis, schema, build, query, facets.

Imports kb only. Each document is analysed in its own language; a query is
analysed once per language field, so one query finds pages in every language.
"""
