"""Field App: offline-first field tool of the 4 per 1000 Initiative."""
__version__ = "0.1.0"
