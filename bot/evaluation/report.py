"""What a run leaves behind: the terminal summary, the JSON (`summary`, `results`), the comparison with an
earlier run, and a self-contained HTML report (inline CSS and SVG; nothing to install or run to read it)."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# (summary key, label, higher is better)
METRICS: list[tuple[str, str, bool]] = [
    ("accuracy", "answerable right (correct + cited)", True),
    ("correct", "answerable correct (any citation)", True),
    ("f1", "token F1", True),
    ("short_em", "short answer exact match", True),
    ("short_f1", "short answer token F1", True),
    ("short_given", "short answer given (answered cases)", True),
    ("citation_precision", "citation precision", True),
    ("citation_recall", "citation recall", True),
    ("quote_validity", "quotes verbatim", True),
    ("span_validity", "quotes inside cited lines", True),
    ("abstention", "abstention (unanswerable)", True),
    ("near_miss_abstention", "abstention on near misses", True),
    ("abstention_precision", "abstention precision", True),
    ("false_abstention", "false abstention", False),
    ("hit_at_1", "retrieval hit@1", True),
    ("hit_at_5", "retrieval hit@5", True),
    ("mrr", "retrieval MRR", True),
    ("gold_in_top1", "gold answer in top passage", True),
    ("gold_in_top5", "gold answer in top-5 passages", True),
    ("both_sides", "counterfactual: gold and planted answer both shown", True),
    ("conflict_said", "counterfactual: says the sources disagree", True),
    ("ece", "confidence calibration error (ECE, answered)", False),
    ("brier", "Brier score of confidence (answered)", False),
    ("overall_accuracy", "all cases right", True),
    ("latency_p50_ms", "latency p50 (ms)", False),
    ("latency_p95_ms", "latency p95 (ms)", False),
    ("errors", "errors", False),
]
RATE_KEYS = [k for k, _, _ in METRICS if not k.startswith("latency") and k != "errors"]
PLOT_KEYS = ["accuracy", "correct", "citation_precision", "citation_recall", "quote_validity", "abstention"]
PLOT_KEYS += ["false_abstention", "hit_at_1", "hit_at_5", "mrr", "gold_in_top1", "gold_in_top5", "f1"]
PLOT_KEYS += ["short_em", "short_f1"]
LABELS = {k: label for k, label, _ in METRICS}
PALETTE = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#718096"]


def fmt(value: Any, key: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.0f}" if key.startswith("latency") else f"{value:.3f}"
    return str(value)


# ------------------------------------------------------------------ JSON and comparison


def load_run(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "summary" not in data or "results" not in data:
        raise ValueError(f"{path} is not a `qabot eval` result (no summary/results)")
    return data


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Per metric: old, new, delta and whether it got better; per case: verdicts that flipped."""
    metrics = []
    for key, label, higher in METRICS:
        a, b = old["summary"].get(key), new["summary"].get(key)
        delta = None if a is None or b is None else b - a
        better = None if not delta else (delta > 0) == higher
        metrics.append({"metric": key, "label": label, "old": a, "new": b, "delta": delta, "better": better})
    before = {r["id"]: r for r in old["results"]}
    after = {r["id"]: r for r in new["results"]}
    better, worse, changed = [], [], []
    for case_id, r in after.items():
        o = before.get(case_id)
        if o is None:
            continue
        row = {
            "id": case_id,
            "question": r["question"],
            "old_verdict": o.get("verdict"),
            "new_verdict": r.get("verdict"),
            "old_answer": o.get("answer"),
            "new_answer": r.get("answer"),
        }
        if r["right"] and not o["right"]:
            better.append(row)
        elif o["right"] and not r["right"]:
            worse.append(row)
        elif o.get("answer") != r.get("answer"):
            changed.append(row)
    return {
        "metrics": metrics,
        "better": better,
        "worse": worse,
        "changed_answer_same_verdict": changed,
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
    }


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)


# ------------------------------------------------------------------ terminal


def kind_table(run: dict[str, Any]) -> Any:
    """Per kind of question: right over its cases, short-answer EM/F1 on its answerable cases, abstention on its
    unanswerable ones (near misses included)."""
    from rich.table import Table

    table = Table(title=f"by kind ({run['meta']['engine']})", show_lines=False)
    for column in ("kind", "right", "short EM", "short F1", "abstention", "answered anyway"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for kind, k in sorted(run["summary"]["by_kind"].items()):
        table.add_row(
            kind,
            f"{k['right']}/{k['cases']}",
            fmt(k.get("short_em")) if "short_em" in k else "",
            fmt(k.get("short_f1")) if "short_f1" in k else "",
            fmt(k.get("abstention")) if "abstention" in k else "",
            f"{k['answered']}/{k['unanswerable']}" if "answered" in k else "",
        )
    return table


def print_summary(console: Any, runs: Sequence[dict[str, Any]], comparison: dict[str, Any] | None = None) -> None:
    from rich.table import Table

    table = Table(title="qabot eval", show_lines=False)
    table.add_column("metric")
    for run in runs:
        table.add_column(run["meta"]["engine"], justify="right")
    if comparison:
        table.add_column("vs old", justify="right")
    for key, label, _ in METRICS:
        if all(run["summary"].get(key) is None for run in runs):
            continue  # not measured on this set (e.g. abstention without unanswerable cases)
        cells = [fmt(run["summary"].get(key), key) for run in runs]
        if comparison:
            entry = next(m for m in comparison["metrics"] if m["metric"] == key)
            delta = entry["delta"]
            colour = "green" if entry["better"] else "red" if entry["better"] is False else "dim"
            sign = f"{delta:+.0f}" if key.startswith("latency") and delta is not None else fmt(delta, key)
            if delta is not None and not key.startswith("latency") and delta > 0:
                sign = "+" + sign
            cells.append(f"[{colour}]{sign}[/]")
        table.add_row(label, *cells)
    first = runs[0]["summary"]
    table.caption = (
        f"{first['cases']} cases: {first['answerable']} answerable, {first['unanswerable']} unanswerable; "
        + ", ".join(f"{k} {v['right']}/{v['cases']}" for k, v in sorted(first["by_kind"].items()))
    )
    console.print(table)
    for run in runs:
        console.print(kind_table(run))
    for run in runs:
        failures = [r for r in run["results"] if not r["right"]]
        if failures:
            console.print(f"[bold]{run['meta']['engine']}[/]: {len(failures)} not right: ", end="")
            console.print(", ".join(f"{r['id']} ({r['verdict']})" for r in failures), highlight=False)
    if comparison:
        for title, rows, colour in (("better", comparison["better"], "green"), ("worse", comparison["worse"], "red")):
            if rows:
                console.print(f"[{colour}]{title} ({len(rows)}):[/] " + ", ".join(r["id"] for r in rows))
        if not comparison["better"] and not comparison["worse"]:
            console.print("no case changed its verdict")
    for run in runs:
        cal = run["summary"].get("calibration")
        if cal and cal["threshold"] <= 0:
            console.print(
                f"calibration ({run['meta']['engine']}): no confidence threshold on top of the engine's own "
                "abstentions raises abstention without more than 0.05 false abstention on this set",
                highlight=False,
            )
        elif cal:
            console.print(
                f"calibration ({run['meta']['engine']}): abstaining below confidence {cal['threshold']:.3f} would give "
                f"abstention {cal['abstention']:.3f}, false abstention {cal['false_abstention']:.3f}, accuracy "
                f"{cal['accuracy']:.3f} on this set (current abstain_below: {run['meta'].get('abstain_below')})",
                highlight=False,
            )


# ------------------------------------------------------------------ HTML

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1a202c;max-width:1400px}
h1{font-size:22px} h2{font-size:18px;margin-top:32px;border-bottom:1px solid #e2e8f0}
table{border-collapse:collapse;width:100%;margin:8px 0} th,td{border:1px solid #e2e8f0;padding:5px 7px;
vertical-align:top;text-align:left} th{background:#f7fafc;position:sticky;top:0}
td.num{text-align:right;white-space:nowrap} .ok{background:#f0fff4} .bad{background:#fff5f5}
.verdict{font-weight:600;white-space:nowrap} .ok .verdict{color:#276749} .bad .verdict{color:#c53030}
.muted{color:#718096;font-size:12px} .quote{font-style:italic} .invalid{color:#c53030;font-weight:600}
.cite{margin:2px 0} code{background:#edf2f7;padding:0 3px;border-radius:3px}
.better{color:#276749} .worse{color:#c53030} .grid{display:flex;flex-wrap:wrap;gap:24px}
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def bars_svg(
    runs: Sequence[tuple[str, dict[str, Any]]], keys: Sequence[str], floors: dict[str, float] | None = None
) -> str:
    """Horizontal grouped bars, one group per metric, one bar per run; floors drawn as dashed ticks."""
    floors = floors or {}
    label_w, bar_w, bar_h, gap = 260, 360, 14, 10
    group_h = bar_h * len(runs) + gap
    height = 30 + group_h * len(keys) + 10
    width = label_w + bar_w + 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, (name, _) in enumerate(runs):
        x = label_w + i * 150
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 16}" y="14" font-size="12">{esc(name)}</text>')
    for g, key in enumerate(keys):
        y0 = 30 + g * group_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y0 + bar_h * len(runs) / 2 + 4}" font-size="12" '
            f'text-anchor="end">{esc(LABELS.get(key, key))}</text>'
        )
        parts.append(f'<line x1="{label_w}" y1="{y0}" x2="{label_w}" y2="{y0 + bar_h * len(runs)}" stroke="#a0aec0"/>')
        for i, (_, summary) in enumerate(runs):
            value = summary.get(key)
            y = y0 + i * bar_h
            colour = PALETTE[i % len(PALETTE)]
            if value is None:
                parts.append(
                    f'<text x="{label_w + bar_w + 8}" y="{y + bar_h - 3}" font-size="11" fill="#718096">n/a</text>'
                )
                continue
            w = max(0.0, min(1.0, float(value))) * bar_w
            parts.append(f'<rect x="{label_w}" y="{y + 1}" width="{w:.1f}" height="{bar_h - 2}" fill="{colour}"/>')
            parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + bar_h - 3}" font-size="11">{value:.2f}</text>')
        for bound_key in (f"min_{key}", f"max_{key}"):
            if bound_key in floors:
                tick = label_w + max(0.0, min(1.0, floors[bound_key])) * bar_w
                parts.append(
                    f'<line x1="{tick:.1f}" y1="{y0 - 2}" x2="{tick:.1f}" y2="{y0 + bar_h * len(runs) + 2}" '
                    f'stroke="#c53030" stroke-width="2" stroke-dasharray="3,2"><title>{esc(bound_key)} '
                    f"{floors[bound_key]:g}</title></line>"
                )
    parts.append("</svg>")
    return "".join(parts)


def histogram_svg(name: str, latencies: Sequence[float], bins: int = 20) -> str:
    """A latency histogram with p50/p95 marked."""
    from bot.evaluation.metrics import percentile

    width, height, left, top, bottom = 520, 230, 45, 40, 35
    if not latencies:
        return f"<p class='muted'>{esc(name)}: no latencies</p>"
    high = max(latencies) * 1.05 or 1.0
    step = high / bins
    counts = [0] * bins
    for v in latencies:
        counts[min(bins - 1, int(v / step))] += 1
    most = max(counts)
    plot_w, plot_h = width - left - 10, height - bottom - top
    base = top + plot_h
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    parts.append(f'<text x="{left}" y="14" font-size="13" font-weight="600">{esc(name)}: latency per question</text>')
    for i, c in enumerate(counts):
        h = plot_h * c / most
        x = left + i * plot_w / bins
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{plot_w / bins - 1:.1f}" height="{h:.1f}" '
            f'fill="#2b6cb0"><title>{i * step:.0f}-{(i + 1) * step:.0f} ms: {c} questions</title></rect>'
        )
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#4a5568"/>')
    for t in range(5):
        x = left + plot_w * t / 4
        parts.append(f'<text x="{x:.1f}" y="{base + 14}" font-size="10" text-anchor="middle">{high * t / 4:.0f}</text>')
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 4}" font-size="11" text-anchor="middle">ms per question</text>'
    )
    parts.append(f'<text x="{left - 6}" y="{top + 4}" font-size="10" text-anchor="end">{most}</text>')
    parts.append(f'<text x="{left - 6}" y="{base}" font-size="10" text-anchor="end">0</text>')
    for q, colour, anchor, dx in ((50, "#38a169", "end", -3), (95, "#c53030", "start", 3)):
        p = percentile(latencies, q) or 0.0
        x = left + plot_w * p / high
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{base}" stroke="{colour}" stroke-dasharray="4,2"/>'
        )
        parts.append(
            f'<text x="{x + dx:.1f}" y="{top - 10}" font-size="10" fill="{colour}" '
            f'text-anchor="{anchor}">p{q} {p:.0f} ms</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def confidence_svg(results: Sequence[dict[str, Any]], current: float | None, best: float | None) -> str:
    """Each case's confidence on a 0-1 axis, answerable and unanswerable apart, with the abstention thresholds."""
    width, left, right_pad, row_h = 620, 110, 20, 46
    plot_w = width - left - right_pad
    rows = [
        ("answerable", [r for r in results if r["answerable"]]),
        ("unanswerable", [r for r in results if not r["answerable"]]),
    ]
    height = 40 + row_h * len(rows) + 22
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    parts.append('<text x="10" y="14" font-size="13" font-weight="600">confidence per case</text>')
    legend = (("#38a169", "right"), ("#dd6b20", "wrong, answered"), ("#a0aec0", "abstained"))
    for i, (colour, label) in enumerate(legend):
        parts.append(f'<circle cx="{200 + i * 130}" cy="10" r="5" fill="{colour}"/>')
        parts.append(f'<text x="{208 + i * 130}" y="14" font-size="11">{label}</text>')
    for i, (label, items) in enumerate(rows):
        y = 40 + i * row_h + row_h / 2
        parts.append(f'<text x="{left - 8}" y="{y + 4}" font-size="12" text-anchor="end">{label}</text>')
        parts.append(f'<line x1="{left}" y1="{y}" x2="{left + plot_w}" y2="{y}" stroke="#e2e8f0"/>')
        for j, r in enumerate(items):
            if r.get("confidence") is None:
                continue
            colour = "#a0aec0" if r["abstained"] else "#38a169" if r["right"] else "#dd6b20"
            x = left + plot_w * max(0.0, min(1.0, float(r["confidence"])))
            jitter = ((j * 7) % 5 - 2) * 4
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y + jitter:.1f}" r="4" fill="{colour}" fill-opacity="0.8">'
                f"<title>{esc(r['id'])}: {float(r['confidence']):.3f} ({esc(r['verdict'])})</title></circle>"
            )
    base = 40 + row_h * len(rows)
    for t in range(11):
        x = left + plot_w * t / 10
        parts.append(f'<text x="{x:.1f}" y="{base + 14}" font-size="10" text-anchor="middle">{t / 10:.1f}</text>')
    for value, colour, label, anchor, dx in (
        (current, "#2b6cb0", "abstain_below", "end", -3),
        (best, "#805ad5", "best on this set", "start", 3),
    ):
        if value is None:
            continue
        x = left + plot_w * max(0.0, min(1.0, value))
        parts.append(f'<line x1="{x:.1f}" y1="24" x2="{x:.1f}" y2="{base}" stroke="{colour}" stroke-dasharray="4,2"/>')
        parts.append(
            f'<text x="{x + dx:.1f}" y="32" font-size="10" fill="{colour}" text-anchor="{anchor}">'
            f"{label} {value:.3f}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def reliability_svg(name: str, summary: dict[str, Any]) -> str:
    """Reliability diagram of the answered cases: per confidence bin a bar of the share right, a dot at the bin's
    mean confidence, the number of cases above it, and the diagonal a calibrated confidence would follow."""
    bins = [b for b in summary.get("reliability") or [] if b["count"]]
    if not bins:
        return f"<p class='muted'>{esc(name)}: no answered case with a confidence, nothing to calibrate</p>"
    width, height, left, top, bottom, right = 440, 420, 50, 48, 45, 20
    plot_w, plot_h = width - left - right, height - top - bottom
    base = top + plot_h

    def x(v: float) -> float:
        return left + plot_w * max(0.0, min(1.0, v))

    def y(v: float) -> float:
        return base - plot_h * max(0.0, min(1.0, v))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="reliability diagram">'
    ]
    ece, brier = summary.get("ece"), summary.get("brier")
    parts.append(f'<text x="10" y="16" font-size="13" font-weight="600">{esc(name)}: reliability</text>')
    parts.append(
        f'<text x="10" y="32" font-size="11" fill="#4a5568">{summary.get("calibration_cases", 0)} answered cases · '
        f"ECE {fmt(ece)} · Brier {fmt(brier)}</text>"
    )
    for t in range(6):
        v = t / 5
        parts.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + plot_w}" y2="{y(v):.1f}" stroke="#edf2f7"/>')
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end">{v:.1f}</text>')
        parts.append(f'<text x="{x(v):.1f}" y="{base + 14}" font-size="10" text-anchor="middle">{v:.1f}</text>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#4a5568"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#4a5568"/>')
    parts.append(
        f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(1):.1f}" y2="{y(1):.1f}" stroke="#a0aec0" '
        'stroke-dasharray="5,3"><title>perfect calibration</title></line>'
    )
    for b in bins:
        x0, x1 = x(b["low"]), x(b["high"])
        top_y = y(b["accuracy"])
        tip = (
            f"confidence {b['low']:.1f}-{b['high']:.1f}: {b['count']} cases, mean confidence "
            f"{b['confidence']:.3f}, {b['accuracy']:.3f} right"
        )
        parts.append(
            f'<rect x="{x0 + 1:.1f}" y="{top_y:.1f}" width="{x1 - x0 - 2:.1f}" height="{base - top_y:.1f}" '
            f'fill="#2b6cb0" fill-opacity="0.35"><title>{esc(tip)}</title></rect>'
        )
        parts.append(
            f'<text x="{(x0 + x1) / 2:.1f}" y="{top_y - 4:.1f}" font-size="10" text-anchor="middle">'
            f"n={b['count']}</text>"
        )
    points = " ".join(f"{x(b['confidence']):.1f},{y(b['accuracy']):.1f}" for b in bins)
    parts.append(f'<polyline points="{points}" fill="none" stroke="#dd6b20" stroke-width="1.5"/>')
    for b in bins:
        parts.append(
            f'<circle cx="{x(b["confidence"]):.1f}" cy="{y(b["accuracy"]):.1f}" r="4" fill="#dd6b20">'
            f"<title>mean confidence {b['confidence']:.3f}, {b['accuracy']:.3f} right ({b['count']} cases)</title>"
            "</circle>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 12}" font-size="11" text-anchor="middle">'
        "confidence (bins of 0.1; dots: mean confidence of the bin)</text>"
    )
    parts.append(
        f'<text x="12" y="{top + plot_h / 2}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + plot_h / 2})">share right</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def case_rows(results: Sequence[dict[str, Any]]) -> str:
    rows = []
    ordered = sorted(results, key=lambda r: (bool(r["right"]), r.get("kind") or "", r["id"]))
    for r in ordered:
        cites = []
        for c in r.get("citations", []):
            flag = "" if c.get("quote_valid") else ' <span class="invalid">quote not found verbatim</span>'
            mark = "" if c.get("expected_source") else ' <span class="muted">(not an expected source)</span>'
            cites.append(
                f'<div class="cite">[{esc(c["n"])}] <code>{esc(c["source"])}:{esc(c["line_start"])}-'
                f'{esc(c["line_end"])}</code>{mark}{flag}<br><span class="quote">“{esc(c["quote"])}”</span></div>'
            )
        history = "".join(f'<div class="muted">earlier: {esc(h)}</div>' for h in r.get("history") or [])
        expected = esc(r.get("expected_answer")) if r["answerable"] else "<em>abstain</em>"
        if r.get("must_include"):
            expected += '<div class="muted">must include: ' + " &amp; ".join(
                "(" + " | ".join(esc(a) for a in g) + ")" for g in r["must_include"]
            )
            expected += "</div>"
        if r.get("expected_sources"):
            expected += '<div class="muted">sources: ' + ", ".join(esc(s) for s in r["expected_sources"]) + "</div>"
        m = r["metrics"]
        rank = m.get("rank")
        answer = esc(r.get("answer")) + (f'<div class="invalid">{esc(r["error"])}</div>' if r.get("error") else "")
        if m.get("short_f1") is not None:
            shown = r.get("short_answer") or " / ".join(r.get("short_answers") or [])
            source = (
                "" if m.get("short_from") in ("short_answer", "short_answers") else " (none given: scored on the text)"
            )
            answer += (
                f'<div class="muted">short answer: {esc(shown) or "—"}{source} · EM {m["short_em"]:.0f} · '
                f"F1 {m['short_f1']:.2f}</div>"
            )
        if r.get("disputed"):
            answer += '<div class="muted">disputed: the answer shows both sides</div>'
        standalone = r.get("standalone_question")
        if standalone and standalone != r["question"]:
            answer += f'<div class="muted">asked as: {esc(standalone)}</div>'
        rows.append(
            f'<tr class="{"ok" if r["right"] else "bad"}"><td class="verdict">{esc(r["verdict"])}</td>'
            f'<td>{esc(r["id"])}<div class="muted">{esc(r.get("kind"))}</div></td>'
            f"<td>{history}{esc(r['question'])}</td><td>{answer}</td><td>{''.join(cites)}</td><td>{expected}</td>"
            f'<td class="num">{"—" if rank is None else rank}</td><td class="num">{fmt(r.get("latency_ms"), "latency")}'
            "</td></tr>"
        )
    head = (
        "<tr><th>verdict</th><th>case</th><th>question</th><th>answer</th><th>citations</th><th>expected</th>"
        "<th>first expected source rank</th><th>ms</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def summary_table(runs: Sequence[tuple[str, dict[str, Any]]]) -> str:
    head = "<tr><th>metric</th>" + "".join(f"<th>{esc(name)}</th>" for name, _ in runs) + "</tr>"
    body = "".join(
        f"<tr><td>{esc(label)}</td>"
        + "".join(f'<td class="num">{fmt(s.get(key), key)}</td>' for _, s in runs)
        + "</tr>"
        for key, label, _ in METRICS
    )
    return f"<table>{head}{body}</table>"


def comparison_html(comparison: dict[str, Any], old_name: str) -> str:
    rows = []
    for m in comparison["metrics"]:
        cls = "better" if m["better"] else "worse" if m["better"] is False else ""
        delta = m["delta"]
        rows.append(
            f"<tr><td>{esc(m['label'])}</td><td class='num'>{fmt(m['old'], m['metric'])}</td>"
            f"<td class='num'>{fmt(m['new'], m['metric'])}</td><td class='num {cls}'>"
            f"{'' if delta is None else f'{delta:+.3f}'}</td></tr>"
        )
    out = [f"<h2>Compared with {esc(old_name)}</h2><table><tr><th>metric</th><th>old</th><th>new</th><th>Δ</th></tr>"]
    out.append("".join(rows) + "</table>")
    for title, key, cls in (("Now right", "better", "better"), ("Now wrong", "worse", "worse")):
        items = comparison[key]
        out.append(f"<h3 class='{cls}'>{title} ({len(items)})</h3>")
        if items:
            out.append("<table><tr><th>case</th><th>question</th><th>old</th><th>new</th></tr>")
            for r in items:
                out.append(
                    f"<tr><td>{esc(r['id'])}</td><td>{esc(r['question'])}</td><td>{esc(r['old_verdict'])}<br>"
                    f"<span class='muted'>{esc(r['old_answer'])}</span></td><td>{esc(r['new_verdict'])}<br>"
                    f"<span class='muted'>{esc(r['new_answer'])}</span></td></tr>"
                )
            out.append("</table>")
    if comparison["added"] or comparison["removed"]:
        out.append(
            f"<p class='muted'>cases added: {esc(', '.join(comparison['added']) or 'none')}; removed: "
            f"{esc(', '.join(comparison['removed']) or 'none')}</p>"
        )
    return "".join(out)


KIND_COLUMNS = (("right", "right"), ("short_em", "short EM"), ("short_f1", "short F1"), ("abstention", "abstention"))


def kind_html(named: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """Per kind of question and engine: right over cases, short-answer EM/F1 (answerable cases) and abstention
    with the number answered anyway (unanswerable cases, near misses included)."""
    kinds = sorted({kind for _, s in named for kind in s["by_kind"]})
    prefix = len(named) > 1
    head = "<tr><th>kind</th>" + "".join(
        f"<th>{esc(f'{name}: ' if prefix else '')}{label}</th>" for name, _ in named for _, label in KIND_COLUMNS
    )
    rows = []
    for kind in kinds:
        cells = []
        for _, s in named:
            k = s["by_kind"].get(kind) or {}
            for key, _ in KIND_COLUMNS:
                if not k or key not in k:
                    cells.append("<td></td>")
                elif key == "right":
                    cells.append(f"<td class='num'>{k['right']}/{k['cases']}</td>")
                elif key == "abstention":
                    cells.append(
                        f"<td class='num'>{fmt(k['abstention'])}<div class='muted'>answered {k['answered']}/"
                        f"{k['unanswerable']}</div></td>"
                    )
                else:
                    cells.append(f"<td class='num'>{fmt(k[key])}</td>")
        rows.append(f"<tr><td>{esc(kind)}</td>{''.join(cells)}</tr>")
    return f"<h2>By kind of question</h2><table>{head}</tr>{''.join(rows)}</table>"


def write_html(
    path: Path,
    runs: Sequence[dict[str, Any]],
    comparison: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
    floors: dict[str, float] | None = None,
    missed: dict[str, list[str]] | None = None,
) -> None:
    meta = runs[0]["meta"]
    named = [(r["meta"]["engine"], r["summary"]) for r in runs]
    plotted = named + ([(f"before: {baseline['meta'].get('engine', 'old')}", baseline["summary"])] if baseline else [])
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>qabot eval: {esc(meta['file'])}</title><style>{CSS}</style></head><body>",
        f"<h1>qabot eval: {esc(meta['file'])}</h1>",
        f"<p class='muted'>{esc(meta['started'])} · commit {esc(meta.get('commit') or 'unknown')} · corpus "
        f"{esc(meta['corpus'])} · embedder {esc(meta.get('embedder'))} · {runs[0]['summary']['cases']} cases "
        f"({runs[0]['summary']['answerable']} answerable, {runs[0]['summary']['unanswerable']} unanswerable)</p>",
        "<p>A case is <b>right</b> when the answer is correct (every must-include group present, or the expected "
        "answer contained), not an abstention, and cites at least one expected source; an unanswerable case is "
        "right only when the bot abstains. Quotes are checked verbatim against the cited files on disk.</p>",
    ]
    if missed is not None:
        for engine, items in missed.items():
            if items:
                parts.append(f"<p class='invalid'>{esc(engine)}: floors missed: {esc('; '.join(items))}</p>")
            else:
                parts.append(f"<p class='better'>{esc(engine)}: every floor met.</p>")
    parts.append("<h2>Summary</h2>" + summary_table(named))
    parts.append("<h2>Metrics per engine</h2><p class='muted'>Dashed red ticks: the floors of the gate.</p>")
    parts.append(bars_svg(plotted, [k for k in PLOT_KEYS if any(s.get(k) is not None for _, s in plotted)], floors))
    parts.append("<h2>Latency</h2><div class='grid'>")
    for run in runs:
        latencies = [r["latency_ms"] for r in run["results"] if r.get("latency_ms") is not None]
        parts.append(histogram_svg(run["meta"]["engine"], latencies))
    parts.append("</div>")
    parts.append("<h2>Confidence and abstention</h2>")
    for run in runs:
        cal = run["summary"].get("calibration")
        current = run["meta"].get("abstain_below")
        parts.append(confidence_svg(run["results"], current, cal["threshold"] if cal else None))
        if cal:
            parts.append(
                f"<p class='muted'>{esc(run['meta']['engine'])}: abstaining below confidence {cal['threshold']:.3f} "
                f"would give abstention {cal['abstention']:.3f}, false abstention {cal['false_abstention']:.3f} and "
                f"answerable accuracy {cal['accuracy']:.3f} on this set (the most abstention with false abstention "
                "at most 0.05; measured on the same questions, so optimistic).</p>"
            )
    parts.append(
        "<h2>Calibration</h2><p class='muted'>Is the confidence a probability of being right? Over the answered "
        "cases (abstentions left out): per bin of confidence, the share of the answers that are right. A calibrated "
        "confidence follows the diagonal. ECE: the bins' gaps weighted by their share of the cases; Brier: the mean "
        "squared gap between confidence and outcome.</p><div class='grid'>"
    )
    for name, summary in named:
        parts.append(reliability_svg(name, summary))
    parts.append("</div>")
    parts.append(kind_html(named))
    if comparison:
        parts.append(comparison_html(comparison, baseline["meta"].get("out", "old run") if baseline else "old run"))
    for run in runs:
        wrong = sum(not r["right"] for r in run["results"])
        parts.append(f"<h2>Cases: {esc(run['meta']['engine'])} ({wrong} not right, listed first)</h2>")
        parts.append(case_rows(run["results"]))
    parts.append("</body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(parts), encoding="utf-8")
