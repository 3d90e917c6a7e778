"""os1: a local-first personal AI operating system.

The public API is small: build an :class:`Engine` from a config with :func:`open_os`,
feed it text, and render the :mod:`os1.events` it yields.
"""

from os1.config import Config, load_config
from os1.errors import Os1Error
from os1.events import Event

__all__ = ["Config", "Event", "Os1Error", "__version__", "load_config"]

__version__ = "0.1.0"
