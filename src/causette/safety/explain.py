"""``causette safety explain``: why each decision of one conversation was taken.

Owns: the human-readable report. Rules: it replays the whole input through a fresh engine
(so cross-conversation state such as device keys is the same as in ``score``) and prints,
for each message of the chosen conversation, every signal (including the ones a context
suppressed, and by what), the risk arithmetic, the learned layer's probabilities and the
features that moved a speaker's risk most (in words), the action, the reasons and the
labels.
"""

from __future__ import annotations

from collections.abc import Iterable

from causette.safety.engine import LearnedNote, SafetyEngine
from causette.safety.model import LearnedLayer, describe
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
        out.extend(_message(item, lang, engine.learned))
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


def _learned(note: LearnedNote, layer: LearnedLayer) -> list[str]:
    """The learned layer's lines: the message heads worth a look, and for each category
    whose risk is worth a look, the three features that pushed it most."""
    out = []
    heads = [
        f"{h} {p:.2f} (acts at {layer.message_thresholds[h]:.2f})"
        for h, p in note.probs.items()
        if p >= 0.2
    ]
    if heads:
        out.append("    model, this message: " + ", ".join(heads))
    if layer.conversation is None:
        return out
    for head, p in note.risk.items():
        if p < 0.2:
            continue
        line = layer.conversation_thresholds.get(head, 1.0)
        drivers = layer.conversation.contributions(note.features, head)[:3]
        why = "; ".join(f"{describe(name)} ({push:+.1f})" for name, push in drivers if push > 0)
        out.append(
            f"    model, this speaker: {head} risk {p:.2f} (escalates at {line:.2f})"
            + (f" because of {why}" if why else "")
        )
    return out


def _message(s: Scored, lang: str, layer: LearnedLayer | None) -> list[str]:
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
    if d.learned is not None and layer is not None:
        lines.extend(_learned(d.learned, layer))
    if d.card is not None:
        lines.append(f"    card: {d.card.kind} shown to {d.card.target}")
    lines.append(
        f"    => {d.action} labels={contract_labels(d)} escalate={d.escalate}"
        + (f" text={d.text!r}" if d.text is not None and d.text != m.text else "")
    )
    return lines
