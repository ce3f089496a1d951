"""The views behind every read, as users keep them: where they stand, and rebuilding them
from the whole log. Views are derived data, so any user may rebuild them (the access
table says so); a store that takes no writes from this user is refused."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from kaflow.application.actor import Actor
from kaflow.application.service import Kaflow
from kaflow.errors import BadInputError, UnavailableError

if TYPE_CHECKING:
    from kaflow.projections.runner import Progress, Views


class Projections:
    def __init__(self, app: Kaflow, views: Callable[..., Views]) -> None:
        self.app = app
        self._views = views

    def status(self, actor: Actor) -> list[dict[str, Any]]:
        """Each view's position against the log's head, as they stand (not caught up)."""
        self.app.authorise(actor)
        return self._views(catch_up=False).status()

    def names(self) -> list[str]:
        return [v.name for v in self._views(catch_up=False).views]

    def head(self) -> int:
        return self._views(catch_up=False).head()

    def rebuild(
        self, actor: Actor, names: Sequence[str] = (), progress: Progress | None = None
    ) -> dict[str, Any]:
        """Drop the named views (default: all) and build them again from the whole log."""
        self.app.authorise(actor, "rebuild_views")
        views = self._views(catch_up=False)
        known = [v.name for v in views.views]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise BadInputError(
                f"no view named {', '.join(unknown)} (views: {', '.join(known)})", field="names"
            )
        if views.private:
            raise UnavailableError(
                "the store is read-only for this user: its views cannot be rebuilt here"
            )
        head = views.head()
        applied = views.rebuild(names, progress=progress)
        return {"rebuilt": list(names) or known, "updates": applied, "head": head}
