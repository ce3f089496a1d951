"""The notices' part of the services: channels beside the outbox, users' contacts, the
escalation ladder's and the digest's steps and views, as kaflow.toml sets them up."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from kaflow.settings import Settings

if TYPE_CHECKING:
    from kaflow.application.contacts import Contacts
    from kaflow.application.credentials import Credentials
    from kaflow.application.service import Kaflow
    from kaflow.projections import View
    from kaflow.projections.runner import Views
    from kaflow.scheduling.delivery import ChannelDelivery
    from kaflow.scheduling.notifications import Notifications
    from kaflow.scheduling.notify import Notifier, Outbox
    from kaflow.scheduling.tick import Step


class Notices:
    """Mixed into ``Services``, which gives the settings, the application and the views."""

    settings: Settings

    @property
    def app(self) -> Kaflow:
        raise NotImplementedError

    def views(self, *, catch_up: bool = True) -> Views:
        raise NotImplementedError

    @property
    def credentials(self) -> Credentials:
        raise NotImplementedError

    def outbox(self) -> Outbox:
        raise NotImplementedError

    @staticmethod
    def _writable(views: Views) -> Views:
        raise NotImplementedError

    def notifier(self) -> Notifier:
        """Where notices go: the outbox, and beside it the channels kaflow.toml names."""
        outbox = self.outbox()
        delivery = self._channel_delivery(writable=True)
        if delivery is None:
            return outbox
        from kaflow.scheduling.delivery import Fanout
        from kaflow.scheduling.tick import OUTBOX, DeliveredIn

        position = DeliveredIn(self._writable(self.views()), OUTBOX).get
        return Fanout(outbox, delivery, position, self.app.now)

    def _channel_delivery(self, writable: bool = False) -> ChannelDelivery | None:
        notify = self.settings.notify
        if notify is None or not notify.channels:
            return None
        from kaflow.scheduling.channel_book import ChannelBook
        from kaflow.scheduling.delivery import ChannelDelivery
        from kaflow.scheduling.tick import store_identity

        views = self._writable(self.views()) if writable else self.views()
        identity = store_identity(self.app)
        return ChannelDelivery(ChannelBook(views), notify, identity, self._contacts, os.environ)

    def _contacts(self, name: str) -> dict[str, str]:
        """A user's e-mail address and IM handles (none for a name the directory lacks)."""
        from kaflow.errors import NotFoundError

        try:
            found = self.app.directory().contacts_of(name)
        except NotFoundError:
            return {}
        keyring = self.app.keyring  # sealed, as personal data (application.contacts)
        return found if keyring is None else dict(keyring.reveal(found))

    @property
    def contacts(self) -> Contacts:
        """Users' e-mail addresses and IM handles, in the user directory, and the
        language of their pages."""
        from kaflow.application.contacts import Contacts

        return Contacts(self.app, self.credentials)

    @property
    def notifications(self) -> Notifications:
        """The notification channels: their status, a test message, parked notices."""
        from kaflow.scheduling.notifications import Notifications
        from kaflow.scheduling.tick import OUTBOX, DeliveredIn, pending

        views = self.views()
        return Notifications(
            self.app,
            self.settings.outbox,
            self.settings.notify,
            self._channel_delivery(),
            DeliveredIn(views, OUTBOX).get,
            lambda after: pending(views, after),
        )

    def _steps(self) -> list[Step]:
        """The ladder's and the digest's parts of a tick, those kaflow.toml sets up."""
        found = self.settings.escalation
        steps: list[Step] = []
        if found is not None and found.ladder:
            from kaflow.scheduling import ladder

            steps.append(ladder.step(found.ladder))
        if found is not None and found.digest_at is not None:
            from kaflow.scheduling import digest

            steps.append(digest.step(found.digest_at))
        return steps

    def _all_views(self) -> list[View] | None:
        """Every view, with the ladder's and the digest's where kaflow.toml sets them up
        (None: the views every workspace has)."""
        found = self.settings.escalation
        if found is None:
            return None
        from kaflow.projections.escalations import escalation_views
        from kaflow.projections.runner import all_views

        return [*all_views(), *escalation_views(bool(found.ladder), found.digest_at is not None)]
