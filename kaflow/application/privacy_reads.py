"""The reads of personal data: what is held of an account, or of a person in every
account (a subject's access request; docs/privacy.md)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from kaflow.application import accounts
from kaflow.application.actor import Actor
from kaflow.application.reads import Reads, revealed


class PrivacyReads(Reads):
    """Personal data held, for the user asking."""

    @revealed
    def personal_data(
        self, actor: Actor, account_id: UUID | None = None, person: str | None = None
    ) -> dict[str, Any]:
        """What personal data is held (a subject's access request): of an account, each
        declared personal field of each event, where and when it was recorded, and what
        it says (``[erased]`` once erased); or of a ``person``, what is held of them in
        every account (their details as a decision maker)."""
        from kaflow.application.privacy import ERASED, SEALED, sealed_in

        self.app.authorise(actor)
        keyring = self.app.keyring
        if person is not None:
            if keyring is None:
                return {"person": person, "sealed": False, "accounts": [], "fields": []}
            pseudonym = keyring.person(person)
            holders = keyring.holding(person, erased=True)
        else:
            assert account_id is not None
            holders, pseudonym = [account_id], None
        held, erasures, names = [], [], []
        for account in holders:
            found = accounts.history(self.app, account)
            names.append({"id": found["account"]["id"], "name": found["account"]["name"]})
            for entry in found["events"]:
                if entry["type"] == "PersonalDataErased" and (
                    pseudonym is None or entry["details"].get("person") == pseudonym
                ):
                    erasures.append(
                        {
                            "account": found["account"]["id"],
                            "at": entry["occurred_at"],
                            "by": entry["actor"],
                            "reason": entry["details"].get("reason"),
                        }
                    )
                for where, text in sealed_in(entry["details"]):
                    match = SEALED.search(text)
                    if pseudonym is not None and not (
                        match and match.group(2).endswith(":" + pseudonym)
                    ):
                        continue
                    held.append(
                        {
                            "account": found["account"]["id"],
                            "sequence": entry["sequence"],
                            "type": entry["type"],
                            "occurred_at": entry["occurred_at"],
                            "recorded_at": entry["recorded_at"],
                            "actor": entry["actor"],
                            "field": where,
                            "value": text,
                        }
                    )
        answer: dict[str, Any] = {
            "sealed": keyring is not None,
            "erased": erasures,
            "fields": held,
            "placeholder": ERASED,
        }
        if person is not None:
            answer.update(person=person, accounts=names)
        else:
            answer["account"] = names[0]
        return answer

    # -- reports ------------------------------------------------------------------
