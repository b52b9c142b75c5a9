"""The composition root: the `kb` command group, its commands, and the worker's background pipeline.

The only room of Casebook that imports crawler, index and webui, always inside a function
(kb.app.wiring), so that ``kb`` itself never depends on them; kb/ outside this room is the
knowledge base and imports none of them. ``group`` holds the click group and the error contract
(exit codes: 0 success, 2 bad usage or input with one line on stderr, 1 other failure),
``wiring`` every use of the other packages, ``worker`` the background pipeline of `kb worker`
and `kb serve --with-worker`, ``commands`` one module per area that parses options, calls
these or kb, and prints, and ``main`` the console entry point that gathers them.
"""
