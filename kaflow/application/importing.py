"""Importing a team's accounts and what was done with them: every row becomes the
application's own command, checked by the same rules, in the order the steps happened per
account. One account's rows go in together (one transaction) or not at all; each row has a
stable key, recorded with the account, so a second run imports nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.application.analysis import AnalyseProspect
from kaflow.application.import_file import Row, stream
from kaflow.application.import_spool import Spool
from kaflow.application.import_words import CODED, STEP_NAMES, codes, column
from kaflow.application.service import Kaflow
from kaflow.application.step_commands import PROCEDURE
from kaflow.clock import parse_when
from kaflow.errors import BadInputError, ConflictError, KaflowError, NotFoundError
from kaflow.projections.names import duplicate_key

STEPS = PROCEDURE


@dataclass
class Outcome:
    """What became of one row."""

    row: Row
    result: str  # imported | already imported | refused | not imported
    account: str | None = None
    error: KaflowError | None = None
    why: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "row": self.row.where,
            "account": self.account,
            "step": self.row.values.get("step"),
            "result": self.result,
        }
        if self.error is not None:
            found.update(
                error=self.why or str(self.error),
                kind=self.error.kind.value,
                rule=self.error.rule,
                field=self.error.field,
                cell=self.row.cell(column(self.error.field, self.error.rule)),
            )
        elif self.why:
            found["error"] = self.why
        return found


class Importer:
    """One import file, by one acting user, into one application."""

    def __init__(
        self,
        app: Kaflow,
        actor: Actor,
        path: Path,
        *,
        imported: Callable[[], dict[str, tuple[str, str]]],
        named: Callable[[str], list[str]],
        names: Callable[[], list[tuple[str, str, str]]],
        allow_duplicates: bool = False,
    ) -> None:
        self.app = app
        self.actor = actor
        self.path = path
        self.imported = imported  # row key -> (account id, its reference in its file)
        self.named = named  # ids of the accounts called exactly that
        self.names = names  # (id, name, its duplicate key) of those not archived
        self.allow_duplicates = allow_duplicates
        self.codes = codes()
        self._analyses: dict[Path, Any] = {}

    def run(
        self, dry_run: bool = False, progress: Callable[[int, int], None] | None = None
    ) -> dict[str, Any]:
        spool = Spool()  # the file's rows by account, kept on disk: memory stays flat
        try:
            for row in stream(self.path):
                spool.add(self._ref(row), row)
            self.app.authorise(self.actor, "record_step")
            done = self.imported()
            self.known = self.names()  # read once; the accounts this import adds join them
            refs = {ref: account for account, ref in done.values() if ref}
            accounts = spool.refs()
            results: list[dict[str, Any]] = []
            for n, ref in enumerate(accounts, start=1):
                outcomes = self._account(ref, spool.rows(ref), done, refs, dry_run)
                results += [o.data() for o in outcomes]  # the rows themselves let go
                if progress is not None:
                    progress(n, len(accounts))
            rows = spool.count
        finally:
            spool.close()
        counts = {
            r: sum(o["result"] == r for o in results)
            for r in ("imported", "already imported", "refused", "not imported")
        }
        return {
            "file": self.path.name,
            "dry_run": dry_run,
            "rows": rows,
            **{k.replace(" ", "_"): v for k, v in counts.items()},
            "accounts": len(accounts),
            "results": results,
        }

    def _ref(self, row: Row) -> str:
        """The row's account, by its reference (the account column, else the name), its
        step read."""
        step = self._step(row.values.get("step", ""))
        row.values["step"] = step
        return row.values.get("account") or (
            row.values.get("name", "") if step == "identify" else ""
        )

    def _step(self, text: str) -> str:
        key = text.strip().casefold()
        return STEP_NAMES.get(key, key)

    def _account(
        self,
        ref: str,
        rows: list[Row],
        done: dict[str, tuple[str, str]],
        refs: dict[str, str],
        dry_run: bool,
    ) -> list[Outcome]:
        outcomes = {id(r): Outcome(r, "not imported") for r in rows}
        for r in rows:
            if r.key in done:
                outcomes[id(r)] = Outcome(r, "already imported", str(UUID(done[r.key][0])))
        new = [r for r in rows if r.key not in done]
        if not new:
            return list(outcomes.values())
        identify = [r for r in new if r.values["step"] == "identify"]
        steps = [r for r in new if r.values["step"] != "identify"]
        try:
            prospect, marked = self._prospect(ref, identify, refs, outcomes)
            if prospect is None:
                return list(outcomes.values())
            recorded = list(marked)
            for r in sorted(steps, key=self._when_key):
                before = prospect.version
                try:
                    self.app.prepare(self.actor, prospect, self._command(r, prospect.id))
                except KaflowError as e:
                    account = None if marked else str(prospect.id)  # a new one: not kept
                    outcomes[id(r)] = Outcome(r, "refused", account, e)
                    self._not_imported(outcomes, r)
                    return list(outcomes.values())
                recorded.append((r, before + 1, prospect.version))
            if not dry_run:
                self.app.save_imported(self.actor, prospect, self.path.name, [
                    {"row": r.where, "key": r.key, "ref": ref, "first": first, "last": last}
                    for r, first, last in recorded
                ])  # fmt: skip
            for r, _, _ in recorded:
                outcomes[id(r)] = Outcome(r, "imported", str(prospect.id))
        except _Refused as refused:
            outcomes[id(refused.row)] = Outcome(refused.row, "refused", None, refused.error)
            self._not_imported(outcomes, refused.row)
        finally:
            self.app.forget_unrecorded_keys()  # a dry run's, a refused account's
        return list(outcomes.values())

    def _not_imported(self, outcomes: dict[int, Outcome], refused: Row) -> None:
        for o in outcomes.values():
            if o.result == "not imported":
                o.why = f"not imported: {refused.where} of the same account was refused"

    def _prospect(
        self, ref: str, identify: list[Row], refs: dict[str, str], outcomes: dict[int, Outcome]
    ) -> tuple[Any, list[tuple[Row, int, int]]]:
        """The account the rows belong to: new from its identify row, else one imported
        before under the same reference, else the one called exactly that."""
        if identify:
            row = identify[0]
            for extra in identify[1:]:
                twice = BadInputError(
                    f"account {ref!r} is identified twice (also at {row.where})", field="account"
                )
                raise _Refused(extra, twice)
            try:
                cmd = c.IdentifyProspect.validate(self._fields(row, c.IdentifyProspect, None))
                prospect = self.app.new_prospect(self.actor, cmd, self.known)
            except KaflowError as e:
                raise _Refused(row, e) from None
            self.known.append((prospect.id.hex, cmd.name, duplicate_key(cmd.name)))
            return prospect, [(row, 1, prospect.version)]
        account = refs.get(ref)
        if account is None:
            found = self.named(ref)
            if len(found) != 1:
                first = next(iter(outcomes.values())).row
                what = "no account" if not found else "more than one account"
                error = NotFoundError(
                    f"{what} called {ref!r}, and no row identifies it", field="account"
                )
                raise _Refused(first, error)
            account = found[0]
        return self.app.get_prospect(UUID(account)), []

    def _when_key(self, row: Row) -> tuple[Any, ...]:
        try:
            moment = self._moment(row)
        except KaflowError:
            moment = None
        return (moment is None, moment.timestamp() if moment else 0.0, row.where)

    def _moment(self, row: Row) -> Any:
        text = row.values.get("at")
        if not text:
            return None
        try:
            return parse_when(text, self.app.zone, today=self.app.now().date())
        except ValueError as e:
            raise BadInputError(f"at: {e}", field="occurred_at") from None

    def _command(self, row: Row, prospect_id: UUID) -> c.ProspectCommand:
        step = row.values["step"]
        command = STEPS.get(step)
        if command is None:
            known = ", ".join(["identify", *STEPS])
            raise BadInputError(f"no step {step!r} ({known})", field="step")
        return command.validate(self._fields(row, command, prospect_id))

    def _fields(self, row: Row, command: type[Any], prospect_id: UUID | None) -> dict[str, Any]:
        import dataclasses

        names = {f.name for f in dataclasses.fields(command)}
        data: dict[str, Any] = {}
        for name, value in row.values.items():
            if name in ("account", "step", "at"):
                continue
            if name == "analysis_file" and command is AnalyseProspect:
                data["analysis"] = self._analysis(value)
                continue
            if name not in names:
                continue
            data[name] = self.codes.get(value, value).casefold() if name in CODED else value
        if data.get("channel") == "e-mail":
            data["channel"] = "email"
        if command is c.IdentifyProspect and self.allow_duplicates:
            data["allow_duplicate"] = True
        if prospect_id is not None:
            data["prospect_id"] = prospect_id
        data["occurred_at"] = self._moment(row)
        return data

    def _analysis(self, value: str) -> Any:
        from kaflow.application.analysis_file import load_analysis_file

        path = Path(value)
        if not path.is_absolute():
            path = self.path.parent / path
        if path not in self._analyses:  # many accounts may share one analysis file
            self._analyses[path] = load_analysis_file(path)
        return self._analyses[path]


class _Refused(Exception):
    def __init__(self, row: Row, error: KaflowError) -> None:
        self.row = row
        self.error = error


__all__ = ["ConflictError", "Importer"]
