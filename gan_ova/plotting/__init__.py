# Step 1 of splitting gan_ova/plotting.py into a subpackage: the module moved
# whole to shields.py (so that git follows its history); the next commit
# splits it by topic.
from .shields import *  # noqa: F401,F403
from .shields import __all__, __doc__  # noqa: F401
