"""``causette safety explain``: why each decision of one conversation was taken.

Owns: the human-readable report. Rules: it replays the whole input through a fresh engine
(so cross-conversation state such as device keys is the same as in ``score``) and prints,
for each message of the chosen conversation, every signal (including the ones a context
suppressed, and by what), the risk arithmetic, the action, the reasons and the labels.
"""

from __future__ import annotations

from collections.abc import Iterable

from causette.safety.engine import SafetyEngine
from causette.safety.score import Scored, contract_labels, run, summary_lines


def explain(lines: Iterable[str | bytes], conversation: str, lang: str = "en") -> list[str]:
    """The report for ``conversation`` as text lines (empty if it is not in the input)."""
    engine = SafetyEngine.load()
    out: list[str] = []
    found = False
    for item in run(lines, engine):
        if isinstance(item, tuple):
            out.append(f"! line {item[0]}: {item[1]}")
            continue
        if item.msg.conversation != conversation:
            continue
        found = True
        out.extend(_message(item, lang))
    if not found:
        return []
    summary = summary_lines(engine, [conversation])[0]
    conv = engine.conversations[conversation]
    out.append(
        f"== summary: escalate={summary['escalate']} categories={summary['categories']} "
        f"first_alert_index={summary['first_alert_index']} risk={summary['risk']} "
        f"escalated because of {conv.escalation_reasons or 'nothing'}"
    )
    return out


def _message(s: Scored, lang: str) -> list[str]:
    d = s.decision
    m = s.msg
    lines = [f"[{s.index}] {m.sender} -> {m.to}: {m.text!r}"]
    for sig in d.signals:
        state = "suppressed by " + sig.suppressed_by if sig.suppressed_by else "active"
        params = f" {sig.params}" if sig.params else ""
        lines.append(f"    signal {sig.name} {sig.evidence!r}{params} ({state})")
    for kind, raw, who in d.notes:
        lines.append(f"    risk: {kind} raw score {raw:.2f} (from {who or 'nobody'})")
    for r in d.reasons:
        text = r.fr if lang == "fr" else r.en
        lines.append(f"    reason {r.code}: {text}")
    if d.age_disclosure is not None:
        a = d.age_disclosure
        lines.append(f"    age: {a.pseudonym} says {a.disclosed_age}, declared {a.declared_age}")
    if d.card is not None:
        lines.append(f"    card: {d.card.kind} shown to {d.card.target}")
    lines.append(
        f"    => {d.action} labels={contract_labels(d)} escalate={d.escalate}"
        + (f" text={d.text!r}" if d.text is not None and d.text != m.text else "")
    )
    return lines
