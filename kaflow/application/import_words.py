"""How an import file names things: the steps (as the form names them, in Chinese, and
other names people write), the coded columns (read back from the form's Chinese), and
the column a command's field or a rule's refusal points at."""

from __future__ import annotations

# The steps as the form names them, and other names people write.
STEP_NAMES = {
    "识别": "identify",
    "identified": "identify",
    "分析": "analyse",
    "analyze": "analyse",
    "接触方式会议": "approach",
    "开发会议": "approach",
    "联系客户": "contact",
    "接触": "contact",
    "拜访前会议": "conference",
    "拜访资料准备": "prepare",
    "准备资料": "prepare",
    "拜访": "visit",
    "回访": "follow-up",
    "跟进": "follow-up",
    "follow_up": "follow-up",
    "followup": "follow-up",
    "成功": "win",
    "won": "win",
    "失败": "lose",
    "lost": "lose",
    "重新开发": "reopen",
    "审核": "review",
}
CODED = ("category", "method", "channel", "attitude", "manner", "reason")


# The column that breaks a rule, where the rule is about one: who chaired, who led.
RULE_COLUMNS = {"R4": "chair", "R6": "lead", "R7": "step", "R8": "step"}


def column(name: str | None, rule: str | None = None) -> str:
    """The import file's column for a command's field (else the rule's, else the
    step's)."""
    known = {"occurred_at": "at", "prospect_id": "account", "analysis": "analysis_file"}
    return known.get(name or "", name or RULE_COLUMNS.get(rule or "", "step"))


def codes() -> dict[str, str]:
    """The form's Chinese for each code, read back (潜在客户 is potential)."""
    from kaflow.reporting.export import VALUES_ZH

    return {zh: code for code, zh in VALUES_ZH.items()}
