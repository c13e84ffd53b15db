"""assessments models: scopes."""

from __future__ import annotations

import dataclasses

from core.access import Scope

_HOSPITAL_SCOPE = Scope(
    province="hospital__province",
    city="hospital__city",
    county="hospital__county",
    hospital=("hospital", "hospital__pairings_received__supporters__hospital"),
)


def _pairing_scope(prefix: str) -> Scope:
    return Scope(
        province=f"{prefix}program__province",
        city=f"{prefix}recipient__city",
        county=f"{prefix}recipient__county",
        hospital=(f"{prefix}recipient", f"{prefix}supporters__hospital"),
    )


# A person's monthly scores, spot checks and end-of-stint appraisal belong to the deploying supporter (the
# employer), the recipient and the commission — not to a co-supporter of the pairing (SPEC §6).
_DEPLOYMENT_SCOPE = Scope(
    province="deployment__team__pairing__program__province",
    city="deployment__team__pairing__recipient__city",
    county="deployment__team__pairing__recipient__county",
    hospital=("deployment__team__pairing__recipient", "deployment__supporter"),
    # The person sees their own scores and appraisal; a team leader does not see the team's (issue 19).
    person="deployment__staff",
)


# Spot checks are the supporter's supervision of its people, not part of the person's workspace.
_SUPERVISION_SCOPE = dataclasses.replace(_DEPLOYMENT_SCOPE, person=None)
