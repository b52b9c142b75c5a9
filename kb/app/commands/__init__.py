"""The commands of `kb`, one module per area, attached to the group of kb/app/group.py.

They parse options, call kb or the wiring functions of kb/app/wiring.py, and print;
none of them imports crawler, index or webui (tests/test_architecture.py).
"""
