"""The licences a record may carry: a short list partners choose from, and the corpus default."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Licence:
    """One licence, named by its SPDX identifier."""

    spdx: str
    name: object  # a lazy translatable string
    url: str


LICENCES: tuple[Licence, ...] = (
    Licence("CC-BY-SA-4.0", _l("Creative Commons Attribution-ShareAlike 4.0"),
            "https://creativecommons.org/licenses/by-sa/4.0/"),
    Licence("CC-BY-4.0", _l("Creative Commons Attribution 4.0"), "https://creativecommons.org/licenses/by/4.0/"),
    Licence("CC-BY-NC-SA-4.0", _l("Creative Commons Attribution-NonCommercial-ShareAlike 4.0"),
            "https://creativecommons.org/licenses/by-nc-sa/4.0/"),
    Licence("CC-BY-NC-4.0", _l("Creative Commons Attribution-NonCommercial 4.0"),
            "https://creativecommons.org/licenses/by-nc/4.0/"),
    Licence("CC0-1.0", _l("Public domain (CC0 1.0)"), "https://creativecommons.org/publicdomain/zero/1.0/"),
)
LICENCE_IDS: tuple[str, ...] = tuple(licence.spdx for licence in LICENCES)
# What a record without a licence of its own is published under (the shipped corpus included).
DEFAULT_LICENCE = "CC-BY-SA-4.0"
_BY_ID = {licence.spdx: licence for licence in LICENCES}


def licence_of(spdx: str | None) -> Licence:
    """The licence a record is published under: its own, else the corpus default."""
    return _BY_ID.get(spdx or DEFAULT_LICENCE, _BY_ID[DEFAULT_LICENCE])


def licence_data(spdx: str | None) -> dict[str, str]:
    """The licence as the API and the page show it."""
    licence = licence_of(spdx)
    return {"id": licence.spdx, "name": str(licence.name), "url": licence.url}
