"""The `os1` command line. main.py builds the Typer app; each command group is a module here
with ``register(app)``. The CLI renders engine events and never calls a model directly.
"""
