"""The privacy chapter's exercise checks under the name the notebooks use: :mod:`companion.privacy.checks`."""
from ..privacy.checks import *  # noqa: F401,F403  (the same objects, one name more)
from ..privacy.checks import __all__  # noqa: F401
