"""Tables and charts from ``bench/results/*.json``: ``python -m bench.report``.

Writes ``bench/results/README.md`` (generated: every table of the latest run, ratios pair by
pair) and PNG charts beside it. ``python -m bench`` calls it after the benchmarks.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

RESULTS = pathlib.Path(__file__).parent / "results"
ORDER = (
    "causette",
    "causette-nosafety",
    "bare-picows",
    "bare-aiohttp",
    "python-socketio",
    "node-socketio",
)
COLOURS = {
    "causette": "#c0392b",
    "causette-nosafety": "#e67e22",
    "bare-picows": "#7f8c8d",
    "bare-aiohttp": "#95a5a6",
    "python-socketio": "#2980b9",
    "node-socketio": "#27ae60",
}


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if value >= 1000:
            return f"{value:,.0f}"
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _names(contenders: dict[str, Any]) -> list[str]:
    return [n for n in ORDER if n in contenders] + [n for n in contenders if n not in ORDER]


def _table(contenders: dict[str, Any], columns: list[tuple[str, str]]) -> list[str]:
    lines = [
        "| contender | " + " | ".join(title for _, title in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name in _names(contenders):
        row = contenders[name]
        if "error" in row and len(row) <= 3:
            lines.append(f"| {name} | failed: {row['error'][:60]} |")
            continue
        lines.append(f"| {name} | " + " | ".join(_fmt(row.get(k)) for k, _ in columns) + " |")
    return lines


def _grid(header: list[str], rows: list[list[Any]]) -> list[str]:
    """A plain markdown table; lists in a cell are joined with " / "."""

    def cell(value: Any) -> str:
        if isinstance(value, list):
            return " / ".join(_fmt(v) for v in value)
        return _fmt(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]


def _scaleout(result: dict[str, Any]) -> list[str]:
    n = result["server_processes"]
    out = [
        "",
        f"## Evening peak across processes: {result['connections_asked']:,} connections on "
        f"{n} causette processes, PostgreSQL + Redis bus",
        "",
        f"Rooms: {result.get('room_sizes')}; {result.get('pm_pairs')} PM pairs (1 post in 5);"
        f" chatter i on process i mod {n}, so most deliveries take the Redis hop. "
        f"{result['generator_processes']} load-generator processes. Rate stepped up "
        f"({', '.join(str(r) for r in result['rates'])} posts/s, {result['step_s']} s each) "
        "until p99 >= 100 ms, a sampled delivery is lost or the generators fall behind. "
        "Lists are per process.",
        "",
    ]
    out += _grid(
        [
            "connections established",
            "alive at the end",
            "set-up s",
            "server RSS MB",
            "highest posts/s held (p99 < 100 ms)",
            "first failing step limited by",
            "server CPU at idle, cores",
        ],
        [
            [
                result["connections_established"],
                result["connections_alive"],
                result["setup_s"],
                result["rss_mb_per_process"],
                result["highest_rate_held"],
                result.get("first_failing_step_limited_by"),
                (result.get("idle") or {}).get("server_cpu_share_per_process"),
            ]
        ],
    )
    out += [""]
    out += _grid(
        [
            "posts/s asked",
            "sent",
            "p50 ms",
            "p99 ms",
            "p50 ms same / other process",
            "server CPU, cores (sum)",
            "server CPU, cores",
            "generator CPU, cores",
            "Redis CPU, cores",
            "PostgreSQL CPU, cores",
            "machine busy, cores (other processes)",
            "loop stalls >= 100 ms",
            "p50 ms of each second's posts",
            "holds",
        ],
        [
            [
                s["rate"],
                s["achieved_posts_per_s"],
                s["p50_ms"],
                s["p99_ms"],
                [s["p50_ms_same_process"], s["p50_ms_other_process"]],
                s["server_cpu_share"],
                s["server_cpu_share_per_process"],
                s["loadgen_cpu_share_per_process"],
                s["redis_cpu_share"],
                s["postgres_cpu_share"],
                f"{_fmt(s.get('machine_cpu_share'))} ({_fmt(s.get('others_cpu_share'))})",
                s.get("loop_stalls_over_100ms_per_process"),
                s.get("p50_ms_by_second"),
                "yes" if s["holds"] else "no",
            ]
            for s in result.get("steps", [])
        ],
    )
    return out


PHASES = ("calm", "flood", "after")


def _flood(result: dict[str, Any]) -> list[str]:
    """The bot flood (bench_flood.py): ordinary clients calm / flood / after, the door, the
    desk."""
    scale, farm, queue = result["scale"], result.get("farm") or {}, result["queue"]
    load = result.get("load_average") or []
    out = [
        "",
        f"## Bot flood: {scale['ordinary']:,} ordinary clients beside {scale['bots']:,} bot "
        "scripts",
        "",
        f"Farm of {len(farm.get('accepted_per_machine') or {})} machines (IPv4 addresses and "
        f"IPv6 /64s), {scale['joins_per_unit_per_hour']} joins per address or /64 an hour, "
        f"proof of work {scale['pow_difficulty']} bits + the storm rule; each phase "
        f"{scale['phase_s']:g} s (after: half). Load average at the start "
        f"{', '.join(_fmt(x) for x in load[:3])}, at the end {', '.join(_fmt(x) for x in load[3:])}"
        " (2 cores, shared).",
        "",
    ]
    phases = result["phases"]
    out += _grid(
        [
            "phase",
            "posts",
            "deliveries received / expected",
            "p50 ms",
            "p99 ms",
            "p99.9 ms",
            "ack p99 ms",
            "/healthz max ms",
            "server CPU, cores",
        ],
        [
            [
                name,
                p["posts"],
                [p["deliveries_received"], p["deliveries_expected"]],
                p["p50_ms"],
                p["p99_ms"],
                p["p999_ms"],
                p.get("ack_p99_ms"),
                p.get("healthz_max_ms"),
                p["server_cpu_share"],
            ]
            for name, p in sorted(phases.items(), key=lambda kv: PHASES.index(kv[0]))
        ],
    )
    ratio = result["p99_ratio_flood_to_calm"]
    out += [
        "",
        f"Ordinary p99 flood ÷ calm: **{ratio}×** (goal ≤ 2: {'met' if ratio <= 2 else 'NOT met'}"
        f"); p50 {result['p50_ratio_flood_to_calm']}×.",
        "",
    ]
    refused = farm.get("refused_by_limit") or {}
    out += _grid(
        [
            "join attempts",
            "accepted",
            "refused: address",
            "refused: /64",
            "refused: device",
            "refused: proof of work",
            "proof bits (base → max)",
            "desk items (held / report / alert)",
            "held copies, reports merged",
        ],
        [
            [
                farm.get("join_attempts"),
                farm.get("accepted"),
                refused.get("address", 0),
                refused.get("/64", 0),
                refused.get("device", 0),
                refused.get("pow", 0),
                f"{result['pow']['base']} → {result['pow']['max_difficulty']}",
                f"{queue['items']} ({queue['items_by_kind'].get('held', 0)} / "
                f"{queue['items_by_kind'].get('report', 0)} / "
                f"{queue['items_by_kind'].get('alert', 0)})",
                [
                    queue["merged_by_kind"].get("held", 0),
                    queue["merged_by_kind"].get("report", 0),
                ],
            ]
        ],
    )
    outcomes = farm.get("outcomes") or {}
    kinds = {"s": "posts", "m": "private messages", "r": "reports"}
    lines = []
    for prefix, label in kinds.items():
        parts = [f"{k.split(':', 1)[1]} {v:,}" for k, v in outcomes.items() if k[0] == prefix]
        if parts:
            lines.append(f"- bots' {label}: " + ", ".join(parts))
    moderation = result.get("moderation") or {}
    if moderation.get("status") == 200:
        lines.append(
            f"- a moderator's one action (the held case banned with `bulk_case`, scope ip): "
            f"{moderation['banned']} accounts banned in {moderation['took_s']} s, "
            f"{moderation['bots_closed_4012']} bot sessions closed (4012)"
        )
    ordinary = result["ordinary"]
    lines.append(
        f"- ordinary clients received {ordinary['bot_messages_received']:,} bot messages; "
        f"what their posts got back (and the bots' requests): {ordinary['outcomes']}"
    )
    return [*out, "", *lines]


def _ratios(result: dict[str, Any]) -> list[str]:
    ratios = result.get("causette_advantage_vs") or {}
    if not ratios:
        return []
    keys = sorted({k for r in ratios.values() for k in r})
    lines = [
        "",
        "causette's advantage (same round, median over rounds; > 1 is better for causette):",
        "",
        "| vs | " + " | ".join(keys) + " |",
        "|---|" + "---|" * len(keys),
    ]
    for peer in _names(ratios):
        lines.append(
            f"| {peer} | "
            + " | ".join((f"{ratios[peer][k]:.2f}×" if ratios[peer].get(k) else "—") for k in keys)
            + " |"
        )
    return lines


def _charts() -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made: list[str] = []
    fanout = _load("fanout")
    if fanout and "contenders" in fanout:
        cont = fanout["contenders"]
        names = [n for n in _names(cont) if cont[n].get("deliveries_per_s")]
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        axes[0].barh(
            names,
            [cont[n]["deliveries_per_s"] for n in names],
            color=[COLOURS.get(n, "grey") for n in names],
        )
        axes[0].set_xlabel("thousand deliveries / s (higher is better)")
        axes[0].xaxis.set_major_formatter(lambda x, _: f"{x / 1000:,.0f}")
        axes[0].invert_yaxis()
        for n in names:
            lat = sorted(cont[n].get("latencies_ms") or [])
            if lat:
                ys = [(i + 1) / len(lat) for i in range(len(lat))]
                axes[1].plot(lat, ys, label=n, color=COLOURS.get(n, "grey"))
        axes[1].set_xscale("log")
        axes[1].set_xlabel("post-to-receipt latency, ms (log)")
        axes[1].set_ylabel("share of deliveries")
        axes[1].legend(fontsize=7)
        fig.suptitle(
            f"Fan-out: {fanout.get('subscribers')} subscribers, one room, "
            f"{fanout.get('window')} posts in flight"
        )
        fig.tight_layout()
        fig.savefig(RESULTS / "fanout.png", dpi=90)
        plt.close(fig)
        made.append("fanout.png")
    peak = _load("peak")
    if peak and "contenders" in peak:
        cont = peak["contenders"]
        fig, ax = plt.subplots(figsize=(6.5, 3.6))
        for n in _names(cont):
            steps = cont[n].get("steps") or []
            if steps:
                ax.plot(
                    [s["rate"] for s in steps],
                    [s["p99_ms"] for s in steps],
                    marker="o",
                    label=n,
                    color=COLOURS.get(n, "grey"),
                )
        ax.axhline(100, color="black", linestyle="--", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("posts / s")
        ax.set_ylabel("p99 post-to-receipt, ms")
        ax.set_title(f"Evening peak: {peak.get('connections'):,} connections, one process")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(RESULTS / "peak.png", dpi=90)
        plt.close(fig)
        made.append("peak.png")
    return made


def write() -> pathlib.Path:
    out = [
        "# Benchmark results (generated by `python -m bench.report`; do not edit)",
        "",
        "Every contender runs as its own process on this 2-core machine, driven by the same",
        "picows client in another process (bench/load.py); rounds are interleaved and the",
        "medians kept. Absolute figures move with the machine's load: compare within a table.",
    ]
    fanout = _load("fanout")
    if fanout and "contenders" in fanout:
        out += [
            "",
            f"## Fan-out: one room, {fanout['subscribers']:,} subscribers, "
            f"{fanout['messages']:,} posts, {fanout.get('window')} in flight "
            f"({fanout['rounds']} rounds)",
            "",
        ]
        out += _table(
            fanout["contenders"],
            [
                ("deliveries_per_s", "deliveries/s"),
                ("server_cpu_us_per_delivery", "server CPU µs/delivery"),
                ("latency_ms_p50", "p50 ms"),
                ("latency_ms_p99", "p99 ms"),
                ("latency_ms_p999", "p99.9 ms"),
            ],
        )
        out += _ratios(fanout)
    peak = _load("peak")
    if peak and "contenders" in peak:
        first = next(iter(peak["contenders"].values()))
        out += [
            "",
            f"## Evening peak: {peak['connections']:,} connections on one server process "
            f"({peak['rounds']} rounds)",
            "",
            f"Rooms: {first.get('room_sizes')}; {first.get('pm_pairs')} PM pairs (1 post in 5);"
            " 1 chatter in 20 leaves and joins rooms. Rate stepped up "
            f"({', '.join(str(r) for r in peak['rates'])} posts/s, {peak['step_s']} s each) "
            "until p99 >= 100 ms, a sampled delivery is lost or the load generator falls "
            "behind.",
            "",
        ]
        out += _table(
            peak["contenders"],
            [
                ("highest_rate_held", "highest posts/s held (p99 < 100 ms)"),
                ("first_failing_step_limited_by", "first failing step limited by"),
                ("setup_s", "set-up s"),
                ("rss_mb", "server RSS MB"),
            ],
        )
        out += _ratios(peak)
    scaleout = _load("scaleout")
    if scaleout and "steps" in scaleout:
        out += _scaleout(scaleout)
    idle = _load("idle")
    if idle and "scenarios" in idle:
        for scenario in idle["scenarios"]:
            out += [
                "",
                f"## Idle cost: {scenario['connections']:,} connections, hello + one room each "
                f"({scenario['rounds']} rounds)",
                "",
            ]
            out += _table(
                scenario["contenders"],
                [
                    ("kb_per_connection", "KB / idle connection"),
                    ("rss_after_mb", "server RSS MB"),
                    ("server_cpu_ms_per_connect", "server CPU ms / connect"),
                    ("alive", "connections alive"),
                ],
            )
            out += _ratios(scenario)
    storm = _load("storm")
    if storm and "contenders" in storm:
        out += [
            "",
            f"## Reconnect storm: {storm['clients']:,} clients drop and resume at once "
            f"({storm['rounds']} rounds)",
            "",
            f"{storm['per_room']} per room; each room got {storm['missed_per_room']} messages "
            "while they were away. causette: back = `synced` after `hello` with the last ids, "
            "and every missed message replayed (caught up); the peers keep no history, so "
            "back = re-joined.",
            "",
        ]
        out += _table(
            storm["contenders"],
            [
                ("all_back_s", "all back, s"),
                ("p50_back_s", "p50 back, s"),
                ("p99_back_s", "p99 back, s"),
                ("caught_up", "caught up"),
                ("failures", "failures"),
                ("server_cpu_s", "server CPU s"),
            ],
        )
        out += _ratios(storm)
    flood = _load("flood")
    if flood and "phases" in flood:
        out += _flood(flood)
    safety = _load("safety")
    if safety and "learned" in safety:
        out += [
            "",
            f"## Safety engine: CPU per message ({safety['messages_timed']:,} timed calls, "
            "the multi-author corpus replayed)",
            "",
            "The rules alone are the peer: both engines run in the same process, rounds "
            "alternated.",
            "",
        ]
        cols = [
            ("median_us_per_message", "p50 µs"),
            ("p99_us_per_message", "p99 µs"),
            ("mean_us_per_message", "mean µs"),
            ("messages_per_second", "messages/s"),
            ("bytes_per_conversation", "bytes / conversation"),
        ]
        out += _table({"rules + learned": safety["learned"], "rules alone": safety["rules"]}, cols)
        out += [
            "",
            f"rules + learned ÷ rules alone: p50 {safety['ratio_median_learned_to_rules']}×, "
            f"p99 {safety['ratio_p99_learned_to_rules']}×",
        ]
    charts = _charts()
    if charts:
        out += ["", "## Charts", ""] + [f"![{c}]({c})" for c in charts]
    path = RESULTS / "README.md"
    path.write_text("\n".join(out) + "\n")
    return path


if __name__ == "__main__":
    print(write().read_text())
