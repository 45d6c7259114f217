"""The package's version: stages import it from here, never from the package face (`__init__`)."""

__version__ = "0.1.0"
