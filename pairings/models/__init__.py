"""Registry of places and hospitals, programs with their rule parameters, pairings and agreements."""

from pairings.models import user_events  # noqa: F401,E402  (the users' audit trail)
from pairings.models.agreements import Agreement, AgreementItem, AgreementItemUpdate  # noqa: F401
from pairings.models.members import ApiClient, Membership  # noqa: F401
from pairings.models.programs import Pairing, PairingSupporter, Program  # noqa: F401
from pairings.models.registry import City, County, Hospital, Province, ProvinceWorkday, TimeStamped  # noqa: F401
