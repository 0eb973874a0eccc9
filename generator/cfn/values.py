"""What a deploy can make of a template value: the one import point of the evaluation layer.

The evaluation itself is ``evaluation.py`` (every value a deploy can give a template value, and why), the intrinsic
functions it folds are ``intrinsics.py`` (importing this module registers them in ``INTRINSICS``), and the readers a
rule uses with the words a message gives for why a value is what it is are ``reading.py``. Those modules import
``evaluation`` and never this one, so no import cycle joins them; everything else imports this module.
"""

from __future__ import annotations

from . import intrinsics as _intrinsics
from .evaluation import ABSENT as ABSENT
from .evaluation import DEPLOYER as DEPLOYER
from .evaluation import DYNAMIC as DYNAMIC
from .evaluation import DYNAMIC_KIND as DYNAMIC_KIND
from .evaluation import INTRINSICS as INTRINSICS
from .evaluation import KIND_ORDER as KIND_ORDER
from .evaluation import MAX_COMBINATIONS as MAX_COMBINATIONS
from .evaluation import MAX_DEPTH as MAX_DEPTH
from .evaluation import PARAMETER as PARAMETER
from .evaluation import PSEUDO as PSEUDO
from .evaluation import PSEUDO_KIND as PSEUDO_KIND
from .evaluation import REFERENCE as REFERENCE
from .evaluation import UNRESOLVED as UNRESOLVED
from .evaluation import Evaluator as Evaluator
from .evaluation import Possible as Possible
from .evaluation import Unknown as Unknown
from .evaluation import dedupe as dedupe
from .evaluation import evaluator as evaluator
from .evaluation import has_unknown as has_unknown
from .evaluation import known as known
from .evaluation import merge as merge
from .evaluation import possible as possible
from .evaluation import product as product
from .evaluation import shallow as shallow
from .evaluation import too_many as too_many
from .evaluation import when as when
from .reading import deployed as deployed
from .reading import items as items
from .reading import property_values as property_values
from .reading import unprovable as unprovable
from .reading import why as why

_ = _intrinsics  # imported for its effect: the intrinsic functions are registered
