"""The transparency report as files: JSON, CSV and one self-contained HTML page.

Rules:
- The HTML page stands alone: its charts are SVG drawn by matplotlib and inlined, its style
  is in the page; no script, no font, no image or link to anything outside the file, so it
  can be published anywhere as it is.
- Every text from the figures is escaped; the page says the period, the time zone and when
  it was generated, and a time that could not be measured shows as "—", never as 0.
- Charts are drawn with matplotlib's object API (no pyplot global state), so several
  reports may be drawn at once in one process.
"""

from __future__ import annotations

import csv
import html
import io
import pathlib
from collections.abc import Mapping
from typing import Any

import orjson

from causette.core.transparency import CATEGORIES, flat_rows

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Rapport de transparence",
        "subtitle": "Règlement (UE) 2022/2065 sur les services numériques, articles 15 et 24",
        "period": "Période du {start} au {end} inclus (UTC), produit le {generated}.",
        "reports": "Signalements reçus",
        "reports_note": "Par catégorie et par origine : depuis le chat ou la page publique.",
        "category": "Catégorie",
        "chat": "Chat",
        "public": "Page publique",
        "total": "Total",
        "actions": "Mesures prises",
        "action": "Mesure",
        "automated": "Automatique",
        "human": "Humaine",
        "reversed_actions": "Mesures annulées pendant la période",
        "time": "Délai avant la première action",
        "source": "Source",
        "acted": "Traités",
        "pending": "En attente",
        "median": "Médiane",
        "p90": "90ᵉ centile",
        "time_reports": "Signalements",
        "time_alerts": "Alertes automatiques",
        "time_all": "Ensemble",
        "appeals": "Recours (art. 20)",
        "filed": "Déposés",
        "decided": "Tranchés",
        "upheld": "Décision maintenue",
        "reversed": "Décision annulée",
        "pending_at_end": "En attente en fin de période",
        "authorities": "Autorités",
        "requisitions_received": "Réquisitions reçues",
        "requisitions_answered": "Réquisitions traitées",
        "notifications_prepared": "Notifications d'urgence préparées (art. 18)",
        "notifications_sent": "Notifications d'urgence envoyées",
        "held": "Messages retenus avant diffusion",
        "held_count": "Retenus",
        "approved": "Approuvés",
        "rejected": "Rejetés",
        "team": "Équipe de modération",
        "moderators_active": "Modérateurs actifs",
        "alerts_raised": "Alertes automatiques levées",
        "audit": "Journal d'audit (tête signée de la chaîne)",
        "audit_intro": "Vérifiable avec la clé publique des exports : "
        "causette admin verify-audit --head transparency.json",
        "audit_none": "Aucune tête publiée (chaîne vide ou non vérifiée)",
        "figure": "Indicateur",
        "value": "Valeur",
        "none": "—",
        "cat.grooming": "Mineur en danger / pédopiégeage",
        "cat.ambush": "Guet-apens / menace",
        "cat.hate": "Haine",
        "cat.harassment": "Harcèlement",
        "cat.spam": "Spam",
        "cat.personal_data": "Données personnelles",
        "cat.other": "Autre",
        "no_data": "Aucune donnée sur la période.",
        "flaggers": "Signaleurs de confiance (art. 22)",
        "flaggers_note": "Signalements reçus de signaleurs de confiance pendant la période "
        "(comptés aussi ci-dessus, avec la page publique) ; décidés et suivis d'une action "
        "pendant la période ; délai médian entre la réception et la décision.",
        "flagger": "Signaleur",
        "received": "Reçus",
        "acted_on": "Suivis d'une action",
        "median_decision": "Délai médian de décision",
    },
    "en": {
        "title": "Transparency report",
        "subtitle": "Regulation (EU) 2022/2065, the Digital Services Act, articles 15 and 24",
        "period": "Period {start} to {end} inclusive (UTC), generated {generated}.",
        "reports": "Reports received",
        "reports_note": "By category and by origin: from the chat or from the public page.",
        "category": "Category",
        "chat": "Chat",
        "public": "Public page",
        "total": "Total",
        "actions": "Actions taken",
        "action": "Action",
        "automated": "Automated",
        "human": "Human",
        "reversed_actions": "Actions reversed during the period",
        "time": "Time to first action",
        "source": "Source",
        "acted": "Acted on",
        "pending": "Pending",
        "median": "Median",
        "p90": "90th percentile",
        "time_reports": "Reports",
        "time_alerts": "Automatic alerts",
        "time_all": "All",
        "appeals": "Appeals (art. 20)",
        "filed": "Filed",
        "decided": "Decided",
        "upheld": "Decision upheld",
        "reversed": "Decision reversed",
        "pending_at_end": "Pending at the end of the period",
        "authorities": "Authorities",
        "requisitions_received": "Requisitions received",
        "requisitions_answered": "Requisitions answered",
        "notifications_prepared": "Emergency notifications prepared (art. 18)",
        "notifications_sent": "Emergency notifications sent",
        "held": "Messages held before delivery",
        "held_count": "Held",
        "approved": "Approved",
        "rejected": "Rejected",
        "team": "Moderation team",
        "moderators_active": "Active moderators",
        "alerts_raised": "Automatic alerts raised",
        "audit": "Audit log (signed head of the chain)",
        "audit_intro": "Checked with the exports' public key: "
        "causette admin verify-audit --head transparency.json",
        "audit_none": "No head published (empty or unverified chain)",
        "figure": "Figure",
        "value": "Value",
        "none": "—",
        "cat.grooming": "Minor at risk / grooming",
        "cat.ambush": "Ambush / threat",
        "cat.hate": "Hate",
        "cat.harassment": "Harassment",
        "cat.spam": "Spam",
        "cat.personal_data": "Personal data",
        "cat.other": "Other",
        "no_data": "No data for the period.",
        "flaggers": "Trusted flaggers (art. 22)",
        "flaggers_note": "Reports received from trusted flaggers during the period (also "
        "counted above, with the public page); decided and acted on during the period; "
        "median time from receipt to decision.",
        "flagger": "Flagger",
        "received": "Received",
        "acted_on": "Acted on",
        "median_decision": "Median time to decision",
    },
}
LANGS = tuple(LABELS)
CHAT_COLOUR, PUBLIC_COLOUR = "#2f5d8a", "#e0a030"
HUMAN_COLOUR, AUTOMATED_COLOUR = "#3c7a4b", "#9a5ba8"


# -- the JSON and CSV files --------------------------------------------------------------------
def to_json(report: Mapping[str, Any]) -> bytes:
    return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def to_csv(report: Mapping[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("section", "key", "value"))
    writer.writerows(flat_rows(report))
    return out.getvalue()


# -- charts ----------------------------------------------------------------------------------
def _svg(figure: Any, name: str) -> str:
    """The figure as an inline ``<svg>`` element: no XML prolog, no date, ids unique per
    chart (several charts share one page)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"causette-{name}"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _figure(height: float) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, height), dpi=96)
    figure.set_layout_engine("constrained")
    return figure


def _stacked_barh(
    name: str,
    labels: list[str],
    series: list[tuple[str, list[int], str]],
    title: str,
) -> str:
    figure = _figure(0.45 * len(labels) + 1.4)
    axes = figure.add_subplot()
    left = [0] * len(labels)
    positions = list(range(len(labels)))
    for legend, values, colour in series:
        axes.barh(positions, values, left=left, color=colour, label=legend)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_title(title, loc="left")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return _svg(figure, name)


def _grouped_barh(
    name: str, labels: list[str], series: list[tuple[str, list[float], str]], title: str
) -> str:
    """Side-by-side horizontal bars per label (minutes), each with its value written."""
    figure = _figure(0.9 * len(labels) + 1.4)
    axes = figure.add_subplot()
    height = 0.8 / len(series)
    for index, (legend, values, colour) in enumerate(series):
        positions = [i + index * height for i in range(len(labels))]
        bars = axes.barh(positions, values, height=height, color=colour, label=legend)
        axes.bar_label(bars, labels=[f"{v:g} min" for v in values], padding=3)
    axes.set_yticks([i + height * (len(series) - 1) / 2 for i in range(len(labels))], labels)
    axes.invert_yaxis()
    axes.set_title(title, loc="left")
    axes.set_xlabel("min")
    axes.margins(x=0.15)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return _svg(figure, name)


def _bars(name: str, labels: list[str], values: list[int], title: str) -> str:
    figure = _figure(3.0)
    axes = figure.add_subplot()
    bars = axes.bar(range(len(labels)), values, color=CHAT_COLOUR)
    axes.bar_label(bars, labels=[str(v) for v in values])
    axes.set_xticks(range(len(labels)), labels)
    axes.set_title(title, loc="left")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure, name)


def _duration(seconds: float | None, none: str) -> str:
    if seconds is None:
        return none
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86_400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} d"


# -- the page -------------------------------------------------------------------------------------
def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            (
                f'<th scope="row">{html.escape(str(c))}</th>'
                if i == 0
                else f"<td>{html.escape(str(c))}</td>"
            )
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body{font:16px/1.5 system-ui,sans-serif;color:#1d1d1f;max-width:60rem;margin:0 auto;padding:1rem}
h1{margin-bottom:0}h2{margin-top:2.5rem;border-bottom:1px solid #ccc}
.sub{color:#555;margin-top:.2rem}table{border-collapse:collapse;margin:1rem 0;min-width:50%}
th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}td{text-align:right}
thead th{background:#f0f0f3}figure{margin:1rem 0;overflow-x:auto}svg{max-width:100%;height:auto}
"""


def _flaggers(figures: Mapping[str, Any] | None, text: Mapping[str, str]) -> list[str]:
    """The trusted flaggers' table (DSA art. 15(1)(b)): one row per flagger, then all."""
    if figures is None:  # a report written before flaggers existed
        return []

    def row(name: str, f: Mapping[str, Any]) -> list[Any]:
        median = _duration(f["median_decision_s"], text["none"])
        return [name, f["received"], f["decided"], f["acted_on"], median]

    rows = [row(name, f) for name, f in figures["by_flagger"].items()]
    return [
        f"<h2>{html.escape(text['flaggers'])}</h2><p>{html.escape(text['flaggers_note'])}</p>",
        _table(
            [
                text["flagger"],
                text["received"],
                text["decided"],
                text["acted_on"],
                text["median_decision"],
            ],
            [*rows, row(text["total"], figures)],
        ),
    ]


def to_html(report: Mapping[str, Any], lang: str = "fr") -> str:
    """The whole page, as one string."""
    text = LABELS.get(lang, LABELS["fr"])
    none = text["none"]
    period = report["period"]
    reports = report["reports"]
    actions = report["actions"]
    waits = report["time_to_action"]
    appeals = report["appeals"]
    held = report["held_messages"]
    categories = [c for c in CATEGORIES if c in reports["by_category"]] + [
        c for c in reports["by_category"] if c not in CATEGORIES
    ]

    def category(c: str) -> str:
        return text.get(f"cat.{c}", c)

    parts: list[str] = [
        f"<h1>{html.escape(text['title'])}</h1>",
        f'<p class="sub">{html.escape(text["subtitle"])}</p>',
        "<p>"
        + html.escape(
            text["period"].format(
                start=period["from"], end=period["to"], generated=period["generated_at"]
            )
        )
        + "</p>",
        # -- reports
        f"<h2>{html.escape(text['reports'])}</h2><p>{html.escape(text['reports_note'])}</p>",
        _table(
            [text["category"], text["chat"], text["public"], text["total"]],
            [
                [category(c), *(reports["by_category"][c][k] for k in ("chat", "public", "total"))]
                for c in categories
            ]
            + [[text["total"], reports["from_chat"], reports["from_public"], reports["received"]]],
        ),
        "<figure>"
        + _stacked_barh(
            "reports",
            [category(c) for c in categories],
            [
                (
                    text["chat"],
                    [reports["by_category"][c]["chat"] for c in categories],
                    CHAT_COLOUR,
                ),
                (
                    text["public"],
                    [reports["by_category"][c]["public"] for c in categories],
                    PUBLIC_COLOUR,
                ),
            ],
            text["reports"],
        )
        + "</figure>",
        *_flaggers(report.get("trusted_flaggers"), text),
        # -- actions
        f"<h2>{html.escape(text['actions'])}</h2>",
    ]
    kinds = list(actions["by_type"])
    parts.append(
        _table(
            [text["action"], text["automated"], text["human"], text["total"]],
            [
                [k, *(actions["by_type"][k][x] for x in ("automated", "human", "total"))]
                for k in kinds
            ]
            + [[text["total"], actions["automated"], actions["human"], actions["total"]]],
        )
    )
    if kinds:
        parts.append(
            "<figure>"
            + _stacked_barh(
                "actions",
                kinds,
                [
                    (text["human"], [actions["by_type"][k]["human"] for k in kinds], HUMAN_COLOUR),
                    (
                        text["automated"],
                        [actions["by_type"][k]["automated"] for k in kinds],
                        AUTOMATED_COLOUR,
                    ),
                ],
                text["actions"],
            )
            + "</figure>"
        )
    else:
        parts.append(f"<p>{html.escape(text['no_data'])}</p>")
    colon = " : " if lang == "fr" else ": "
    parts.append(f"<p>{html.escape(text['reversed_actions'])}{colon}{actions['reversed']}</p>")
    # -- time to action
    parts.append(f"<h2>{html.escape(text['time'])}</h2>")
    wait_rows = [
        ("time_reports", waits["reports"]),
        ("time_alerts", waits["alerts"]),
        ("time_all", waits["all"]),
    ]
    parts.append(
        _table(
            [text["source"], text["acted"], text["pending"], text["median"], text["p90"]],
            [
                [
                    text[key],
                    w["acted"],
                    w["pending"],
                    _duration(w["median_s"], none),
                    _duration(w["p90_s"], none),
                ]
                for key, w in wait_rows
            ],
        )
    )
    measured = [(key, w) for key, w in wait_rows[:2] if w["median_s"] is not None]
    if measured:
        minutes = [
            (text["median"], [round(w["median_s"] / 60, 1) for _, w in measured], CHAT_COLOUR),
            (text["p90"], [round(w["p90_s"] / 60, 1) for _, w in measured], PUBLIC_COLOUR),
        ]
        chart = _grouped_barh("waits", [text[key] for key, _ in measured], minutes, text["time"])
        parts.append(f"<figure>{chart}</figure>")
    # -- appeals
    parts.append(f"<h2>{html.escape(text['appeals'])}</h2>")
    appeal_keys = ("filed", "decided", "upheld", "reversed", "pending_at_end")
    parts.append(
        _table([text["figure"], text["value"]], [[text[k], appeals[k]] for k in appeal_keys])
    )
    parts.append(
        "<figure>"
        + _bars(
            "appeals",
            [text[k] for k in ("filed", "upheld", "reversed")],
            [appeals[k] for k in ("filed", "upheld", "reversed")],
            text["appeals"],
        )
        + "</figure>"
    )
    # -- authorities, held messages, team
    parts.append(f"<h2>{html.escape(text['authorities'])}</h2>")
    parts.append(
        _table(
            [text["figure"], text["value"]],
            [
                [text["requisitions_received"], report["requisitions"]["received"]],
                [text["requisitions_answered"], report["requisitions"]["answered"]],
                [text["notifications_prepared"], report["notifications"]["prepared"]],
                [text["notifications_sent"], report["notifications"]["sent"]],
            ],
        )
    )
    parts.append(
        "<figure>"
        + _bars(
            "authorities",
            [text["requisitions_received"], text["requisitions_answered"]],
            [report["requisitions"]["received"], report["requisitions"]["answered"]],
            text["authorities"],
        )
        + "</figure>"
    )
    parts.append(f"<h2>{html.escape(text['held'])}</h2>")
    parts.append(
        _table(
            [text["figure"], text["value"]],
            [
                [text["held_count"], held["held"]],
                [text["approved"], held["approved"]],
                [text["rejected"], held["rejected"]],
            ],
        )
    )
    parts.append(f"<h2>{html.escape(text['team'])}</h2>")
    parts.append(
        _table(
            [text["figure"], text["value"]],
            [
                [text["moderators_active"], report["moderators"]["active"]],
                [text["alerts_raised"], report["alerts"]["raised"]],
            ],
        )
    )
    parts.append(f"<h2>{html.escape(text['audit'])}</h2>")
    head = report.get("audit_head")
    if head:
        parts.append(f"<p>{html.escape(text['audit_intro'])}</p>")
        parts.append(
            _table(
                [text["figure"], text["value"]],
                [[key, head[key]] for key in ("seq", "hash", "ts", "signed_by", "signature")],
            )
        )
    else:
        parts.append(f"<p>{html.escape(text['audit_none'])}</p>")
    title = f"{text['title']} {period['from']} – {period['to']}"
    return (
        f'<!doctype html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(parts)
        + "\n</main>\n</body>\n</html>\n"
    )


def write_files(
    report: Mapping[str, Any], out: pathlib.Path, lang: str = "fr"
) -> list[pathlib.Path]:
    """transparency.json, transparency.csv and transparency.html in ``out`` (created)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "transparency.json", out / "transparency.csv", out / "transparency.html"]
    paths[0].write_bytes(to_json(report))
    paths[1].write_text(to_csv(report), encoding="utf-8")
    paths[2].write_text(to_html(report, lang), encoding="utf-8")
    return paths
