"""The attention chapter's exercise checks under the name the notebooks use: :mod:`companion.attention.checks`."""
from ..attention.checks import *  # noqa: F401,F403  (the same objects, one name more)
from ..attention.checks import __all__  # noqa: F401
