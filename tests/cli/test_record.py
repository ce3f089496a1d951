"""The development record (大客户开发备案表) as a team needs it (issue 11): whom we met,
losses kept through a reopening, reviews that a later change undoes, who changed what
and who compiled it, and the form wholly in Chinese. Through the CLI, on both stores."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from tests.cli.conftest import VISIT, Run, as_json, new_account


def ledger(ws: Run, pid: str) -> Any:
    return as_json(ws("ledger", pid, "--json"))


def rules(ws: Run, *args: str) -> dict[tuple[str, str], tuple[str, str]]:
    rows = as_json(ws("report", "conformance", "--json", *args))["sections"][0]["rows"]
    return {(r["account"], r["rule"]): (r["status"], r["evidence"]) for r in rows}


def section(report: Any, title: str) -> list[dict[str, Any]]:
    (found,) = [s for s in report["sections"] if s["title"] == title]
    rows: list[dict[str, Any]] = found["rows"]
    return rows


def won(ws: Run, pid: str) -> None:
    ws("win", pid, "--classification", "A", "--summary", "Won", "--at", "2026-03-09", user="mia")


# -- whom we met ---------------------------------------------------------------------


def test_the_person_reached_is_the_customers_and_our_own_have_their_column(ws: Run) -> None:
    pid = new_account(ws, "prepared")
    ws(*VISIT(pid), "--person", "Wang Li，Zhao Min")  # the full-width comma too
    ws("follow-up", pid, "--channel", "phone", "--person", "Wang Li", "--feedback", "ok")
    entries = {e["kind"]: e for e in ledger(ws, pid)["entries"]}
    assert (entries["visit"]["reached"], entries["visit"]["led_by"]) == ("Wang Li, Zhao Min", "mia")
    assert entries["visit"]["details"]["person"] == "Wang Li, Zhao Min"
    assert (entries["follow_up"]["reached"], entries["follow_up"]["led_by"]) == ("Wang Li", "")
    assert (entries["contact"]["reached"], entries["contact"]["led_by"]) == ("Wang", "")
    assert (entries["meeting"]["reached"], entries["meeting"]["led_by"]) == ("", "mia")
    assert (entries["conference"]["reached"], entries["conference"]["led_by"]) == ("", "sam, mia")
    md = ws("ledger", pid, "--format", "md").stdout
    assert "| Person reached | Led or chaired by |" in md
    assert "| visit | Wang Li, Zhao Min | mia | face-to-face |" in md
    zh = ws("ledger", pid, "--format", "md", "--lang", "zh").stdout
    assert "| 接触对象 | 主持/带队 |" in zh and "| 拜访 | Wang Li, Zhao Min | mia | 面谈 |" in zh


def test_a_visit_without_the_customers_people_names_none_and_keeps_its_lead(ws: Run) -> None:
    pid = new_account(ws, "followed_up")  # visit and follow-up as recorded before --person
    entries = {e["kind"]: e for e in ledger(ws, pid)["entries"]}
    assert (entries["visit"]["reached"], entries["visit"]["led_by"]) == ("", "mia")
    assert entries["visit"]["person"] == "mia"  # the JSON's earlier key says what it said
    assert entries["follow_up"]["reached"] == ""
    assert "| visit |  | mia | face-to-face |" in ws("ledger", pid, "--format", "md").stdout


def test_whom_we_met_can_be_corrected(ws: Run) -> None:
    pid = new_account(ws, "followed_up")
    ws("correct", pid, "--entry", "5", "--field", "person", "--value", "Wang Li", "--reason", "r")
    ws("correct", pid, "--entry", "6", "--field", "person", "--value", "Zhao", "--reason", "r")
    entries = ledger(ws, pid)["entries"]
    assert (entries[4]["reached"], entries[4]["led_by"]) == ("Wang Li", "mia")
    assert entries[5]["reached"] == "Zhao"
    assert entries[4]["details"]["lead"] == "mia"  # the lead is not what was corrected


# -- losses survive reopening ------------------------------------------------------


def lost_reopened_lost(ws: Run) -> tuple[str, str]:
    """An account lost, reopened and lost again; the moment between its first loss and
    the reopening, as recorded."""
    pid = new_account(ws, "contacted")
    ws("lose", pid, "--reason", "price", "--analysis", "too dear", "--at", "2026-03-10")
    time.sleep(0.01)
    between = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    ws("reopen", pid, "--reason", "New purchasing director", "--at", "2026-03-11")
    ws("lose", pid, "--reason", "competitor", "--analysis", "undercut", "--at", "2026-03-12")
    return pid, between


def test_a_loss_and_its_reopening_stay_on_the_record(ws: Run) -> None:
    pid, _ = lost_reopened_lost(ws)
    data = ledger(ws, pid)
    kinds = [(o["kind"], o["reason"], o["after_entry"]) for o in data["outcomes"]]
    assert kinds == [
        ("loss", "price", 2),
        ("reopen", "New purchasing director", 2),
        ("loss", "competitor", 2),
    ]
    assert data["outcomes"][0]["analysis"] == "too dear"
    assert data["outcomes"][0]["lost_in"] == "contacted"
    assert data["outcomes"][0]["occurred_at"].startswith("2026-03-10")
    assert data["loss_reason"] == "competitor" and data["summary"] == "undercut"
    md = ws("ledger", pid, "--format", "md").stdout
    assert "Reason lost: price; Lost in: contacted; Failure analysis: too dear" in md
    assert "| reopen |" in md and "Reason reopened: New purchasing director" in md
    zh = ws("ledger", pid, "--format", "md", "--lang", "zh").stdout
    assert "失败原因: 价格; 失败阶段: 已联系; 失败分析: too dear" in zh
    assert "| 重新开发 |" in zh and "失败原因: 竞争对手客户" in zh


def test_the_losses_report_lists_every_loss_and_agrees_with_the_funnel(ws: Run) -> None:
    twice, between = lost_reopened_lost(ws)
    once = new_account(ws, "analysed")
    ws("lose", once, "--reason", "price", "--analysis", "budget cut", "--at", "2026-03-10")
    reopened = new_account(ws, "analysed")
    ws("lose", reopened, "--reason", "timing", "--analysis", "later", "--at", "2026-03-10")
    ws("reopen", reopened, "--reason", "budget found", "--at", "2026-03-11")
    report = as_json(ws("report", "losses", "--json"))
    rows = section(report, "lost accounts")
    assert sorted((r["account"], r["reason"]) for r in rows) == sorted(
        [(twice, "price"), (twice, "competitor"), (once, "price"), (reopened, "timing")]
    )
    marks = {(r["account"], r["reason"]): r["reopened_at"] for r in rows}
    assert marks[(twice, "price")].startswith("2026-03-11")
    assert marks[(reopened, "timing")].startswith("2026-03-11")
    assert marks[(twice, "competitor")] is None and marks[(once, "price")] is None
    by_reason = {r["reason"]: (r["accounts"], r["losses"]) for r in section(report, "by reason")}
    assert by_reason == {"price": (2, 2), "competitor": (1, 1), "timing": (1, 1)}
    totals = {r["count"]: r["value"] for r in section(report, "totals")}
    assert totals == {"losses": 4, "accounts lost": 3, "lost now": 2, "reopened": 2}
    funnel = {
        r["stage"]: r for r in as_json(ws("report", "funnel", "--json"))["sections"][0]["rows"]
    }
    assert funnel["lost"]["accounts"] == totals["lost now"]
    assert funnel["lost"]["reached"] == totals["accounts lost"]
    # As the record stood before the first reopening: one loss, not reopened.
    then = as_json(ws("report", "losses", "--recorded-by", between, "--json"))
    assert [(r["account"], r["reopened_at"]) for r in section(then, "lost accounts")] == [
        (twice, None)
    ]


# -- reviews that mean something ---------------------------------------------------


def test_a_change_after_the_review_asks_for_a_new_one(ws: Run) -> None:
    pid = new_account(ws, "followed_up")
    won(ws, pid)
    ws("review", pid, "--remarks", "Complete", "--at", "2026-03-10", user="mia")
    data = ledger(ws, pid)
    assert data["reviewed_at"].startswith("2026-03-10") and data["changed_since_review"] is False
    assert rules(ws)[(pid, "R14")][0] == "met"
    before = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    ws("correct", pid, "--entry", "2", "--field", "notes", "--value", "keener", "--reason", "r")
    assert ledger(ws, pid)["changed_since_review"] is True
    assert "| Changed since review | yes |" not in ws("ledger", pid, "--format", "md").stdout
    assert "- **Changed since review**: yes" in ws("ledger", pid, "--format", "md").stdout
    assert "- **审核后已修改**: 是" in ws("ledger", pid, "--format", "md", "--lang", "zh").stdout
    status, evidence = rules(ws)[(pid, "R14")]
    assert status == "not yet due" and "changed since" in evidence
    assert rules(ws, "--as-of", before)[(pid, "R14")][0] == "met"  # as it stood
    ws("review", pid, "--remarks", "Checked again", user="mia")
    assert ledger(ws, pid)["changed_since_review"] is False
    assert rules(ws)[(pid, "R14")][0] == "met"


def test_a_review_dated_before_the_result_does_not_review_it(ws: Run) -> None:
    pid = new_account(ws, "followed_up")
    won(ws, pid)
    ws("review", pid, "--remarks", "Early", "--at", "2026-03-08 12:00", user="mia")
    status, evidence = rules(ws)[(pid, "R14")]
    assert status == "not yet due" and "awaiting its review" in evidence
    assert ledger(ws, pid)["reviewed_at"].startswith("2026-03-08")


def test_a_review_cannot_be_dated_in_the_future(ws: Run) -> None:
    pid = new_account(ws, "followed_up")
    result = ws("review", pid, "--remarks", "x", "--at", "2999-01-01", user="mia", code=2)
    assert "in the future" in result.stderr


def test_only_the_author_the_owner_or_a_manager_corrects_an_entry(ws: Run) -> None:
    ws("user", "add", "tom", "--role", "sales", "--since", "2026-01-01", user="olga")
    ws("user", "add", "ann", "--role", "sales", "--since", "2026-01-01", user="olga")
    pid = new_account(ws, "contacted")  # identified by sam: its owner
    ws("contact", pid, "--channel", "phone", "--person", "Li", "--attitude", "neutral",
       "--notes", "n", "--at", "2026-03-05", user="tom")  # fmt: skip
    refused = ws("correct", pid, "--entry", "3", "--field", "notes", "--value", "x",
                 "--reason", "r", user="ann", code=1)  # fmt: skip
    assert "R14" in refused.stderr and "tom" in refused.stderr and "sam" in refused.stderr
    assert ledger(ws, pid)["changes"] == []  # nothing written
    ws("correct", pid, "--entry", "3", "--field", "notes", "--value", "a", "--reason", "r",
       user="tom")  # fmt: skip
    ws("correct", pid, "--entry", "3", "--field", "notes", "--value", "b", "--reason", "r")
    ws("correct", pid, "--entry", "3", "--field", "notes", "--value", "c", "--reason", "r",
       user="mia")  # fmt: skip
    ws("correct", pid, "--entry", "2", "--field", "notes", "--value", "d", "--reason", "r",
       user="tom", code=1)  # fmt: skip
    changes = ledger(ws, pid)["changes"]
    assert [(c["new"], c["changed_by"]) for c in changes] == [
        ("a", "tom"),
        ("b", "sam"),
        ("c", "mia"),
    ]


def test_the_refusal_names_r14_in_json_too(ws: Run) -> None:
    ws("user", "add", "ann", "--role", "sales", "--since", "2026-01-01", user="olga")
    pid = new_account(ws, "contacted")
    refused = ws("correct", pid, "--entry", "2", "--field", "notes", "--value", "x",
                 "--reason", "r", "--json", user="ann", code=1)  # fmt: skip
    assert '"rule": "R14"' in refused.stdout + refused.stderr


# -- who changed what, who compiled it, in the form's language ----------------------------


def test_the_change_log_names_who_changed_what_and_the_form_its_compiler(ws: Run) -> None:
    pid = new_account(ws, "contacted")
    ws("correct", pid, "--entry", "2", "--field", "attitude", "--value", "neutral",
       "--reason", "misheard", user="mia")  # fmt: skip
    data = ledger(ws, pid)
    assert data["compiled_by"] == "sam"
    assert [(c["field"], c["old"], c["new"], c["changed_by"]) for c in data["changes"]] == [
        ("attitude", "positive", "neutral", "mia")
    ]
    en = ws("ledger", pid, "--format", "md").stdout
    assert "- **Compiled by**: sam" in en and "| Changed by |" in en
    assert "| attitude | positive | neutral | misheard |" in en
    assert en.split("\n---\n")[0].rstrip().endswith("| mia |")  # then where it was read
    zh = ws("ledger", pid, "--format", "md", "--lang", "zh").stdout
    assert "- **编制人**: sam" in zh and "| 修改人 |" in zh
    assert "| 客户态度 | 积极 | 中立 | misheard |" in zh
    assert "positive" not in zh and "neutral" not in zh


def test_every_code_is_translated_and_none_is_in_the_forms_language(ws: Run) -> None:
    pid = new_account(ws, "followed_up")
    ws("lose", pid, "--reason", "technology", "--analysis", "a", "--at", "2026-03-09")
    zh = ws("ledger", pid, "--format", "md", "--lang", "zh").stdout
    for code in ("visit", "phone", "positive", "face-to-face", "technology", "lost", "potential"):
        assert f"| {code} |" not in zh and f": {code}" not in zh
    assert "技术" in zh and "失败" in zh
    empty = ws("prospect", "add", "Bare", "--category", "existing", "--nature", "n").stdout.strip()
    assert "\n无\n" in ws("ledger", empty, "--format", "md", "--lang", "zh").stdout
    assert "\n(none)\n" in ws("ledger", empty, "--format", "md").stdout
    text = ws("ledger", empty, "--lang", "zh").stdout
    assert "(none)" not in text and "\n无" in text
