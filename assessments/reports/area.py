"""The area a report covers: the whole province, a city (市州) or a county (县区) — issue 14 item 6.

An area report is the provincial report narrowed to the area's pairings. The narrowing uses the lookup paths
``Pairing.SCOPE`` declares for the city and county levels, so a city's report holds exactly the pairings its
staff see through ``Pairing.objects.for_user``. It is addressed upward: a city reports to the province's
commission, a county to its city's.
"""

from __future__ import annotations

import dataclasses

from django.db.models import Q

from pairings.models import City, County, Pairing


@dataclasses.dataclass(frozen=True)
class ReportArea:
    level: str  # "city" or "county"
    pk: int
    name: str  # 兰州市 / 榆中县
    sender: str  # 发文机关署名
    addressee: str  # 主送机关

    @classmethod
    def of_city(cls, city: City) -> ReportArea:
        return cls(
            level="city",
            pk=city.pk,
            name=city.name,
            sender=f"{city.name}卫生健康委员会",
            addressee=f"{city.province.name}卫生健康委员会：",
        )

    @classmethod
    def of_county(cls, county: County) -> ReportArea:
        return cls(
            level="county",
            pk=county.pk,
            name=county.name,
            sender=f"{county.name}卫生健康局",
            addressee=f"{county.city.name}卫生健康委员会：",
        )

    def pairing_q(self, prefix: str = "") -> Q:
        """The filter on Pairing (or, with ``prefix`` such as ``"pairing__"``, on a model reaching it)."""
        path = Pairing.SCOPE.city if self.level == "city" else Pairing.SCOPE.county
        assert path is not None
        return Q(**{f"{prefix}{path}": self.pk})
