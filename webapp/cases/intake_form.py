"""The register-case form: the API's intake schema with titles, help and option labels for people."""

from __future__ import annotations

import copy
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from webapp.cases.intake import BEHAVIOURS, KINDS, intake_schema
from webapp.masterdata.choices import Choice, choices
from webapp.web.labels import label

ORDER = ["customer", "channel", "kind", "category", "object", "subject", "same_issue_as", "description", "demand",
         "facts", "purchase_intent", "solved_on_the_spot", "solution_on_the_spot"]


def _options(items: list[Choice]) -> dict[str, Any]:
    return {"x-enum-titles": [c.name_en for c in items], "x-enum-titles-zh": [c.name("zh") for c in items]}


def _suggestions(items: list[Choice]) -> dict[str, Any]:
    """Master-data objects offered while typing, each named with its type (vehicle, repair order, building ...)."""
    named = [f"{c.name(str(get_locale() or 'en'))} · {label('object_type', c.attrs.get('type'))}"
             if c.attrs.get("type") else c.name(str(get_locale() or "en")) for c in items]
    return {"x-suggestions": [c.key for c in items], "x-suggestion-titles": named}


def _customer(schema: dict[str, Any]) -> None:
    """Titles of the customer's fields, and the language their mail is written in."""
    schema["title"] = _("Customer")
    c = schema["properties"]
    c["name"].update(title=_("Name"))
    c["phone"].update(title=_("Phone"), maxLength=50)
    c["email"].update(title=_("E-mail"))
    c["address"].update(title=_("Address or location (house, vehicle …)"), maxLength=200)
    c["language"].update(title=_("Language of the customer's mail"), **{"x-enum-titles": ["English", "简体中文"]},
                         description=_("Acknowledgement, solution, closure and survey mails are written in it."))


def register_schema(session: Session) -> dict[str, Any]:
    """The intake schema with the master data's choices, annotated in the current language (as the API checks)."""
    channels, categories, objects = (choices(session, k) for k in ("channel", "category", "object"))
    s = copy.deepcopy(intake_schema([c.key for c in channels], [c.key for c in categories]))
    p = s["properties"]
    _customer(p["customer"])
    p["channel"].update(title=_("Channel"), **_options(channels))
    p["kind"].update(title=_("Kind"), description=_("Grievance: unhappy and wants something from us. External "
                                                      "complaint: has gone or threatens to go to media, "
                                                      "authorities, a lawyer …"),
                     **{"x-enum-titles": [label("kind", v) for v in KINDS]})
    p["category"].update(title=_("Category"), description=_("Product quality starts the two-week K1 clock, parts "
                                                             "supply the one-week K2 clock."), **_options(categories))
    p["object"].update(title=_("Vehicle, repair order or building"), **_suggestions(objects),
                       description=_("Pick a suggestion or type it as the customer says it (VIN, repair order number, "
                                     "address): one not in the master data yet is kept on this case as typed. Cases "
                                     "about the same object are counted together (G2-b, G3-a)."))
    p["same_issue_as"].update(title=_("Same issue as case"),
                              description=_("Number of an earlier case about the same problem, however worded."))
    p["subject"].update(title=_("Object of the complaint"),
                        description=_("The staff member, product, department or service point concerned."))
    p["description"].update(title=_("What happened"), description=_("Time, place, people involved, the story."))
    p["demand"].update(title=_("Customer demand"), description=_("What the customer wants solved."),
                       maxLength=5000)
    f = p["facts"]
    f["title"] = _("Severity facts")
    f["description"] = _("Used to grade the case (G1 crisis … G4).")
    fp = f["properties"]
    fp["media_exposure"].update(title=_("Media exposure"), **{"x-enum-titles": [
        label("media_exposure", v) for v in fp["media_exposure"]["enum"]]})
    fp["lawsuit"].update(title=_("Lawsuit"), **{"x-enum-titles": [label("lawsuit", v)
                                                                   for v in fp["lawsuit"]["enum"]]})
    fp["households"].update(title=_("Households or customers affected"))
    fp["needs_other_departments"].update(title=_("Needs other departments or experts"))
    fp["key_customer"].update(title=_("Key complaint (likely to become a crisis)"))
    fp["behaviour"].update(title=_("Customer behaviour"),
                           **{"x-enum-titles": [label("behaviour", v) for v in BEHAVIOURS]})
    p["purchase_intent"].update(title=_("Purchase intent (forward to sales)"))
    p["solved_on_the_spot"].update(title=_("Solved on the spot"),
                                   description=_("Explained or solved at once (R1): the case is recorded and "
                                                 "closed."))
    p["solution_on_the_spot"].update(title=_("How it was solved"), maxLength=5000,
                                     **{"x-show-when": "solved_on_the_spot"})
    s["properties"] = {k: p[k] for k in ORDER if k in p}
    return s
