"""The kernels chapter's exercise checks under the name the notebooks use: :mod:`companion.kernels.checks`."""
from ..kernels.checks import *  # noqa: F401,F403  (the same objects, one name more)
from ..kernels.checks import __all__  # noqa: F401
