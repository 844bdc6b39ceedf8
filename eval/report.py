"""Eval output: a terminal table, a JSON file, and a Markdown report with a bar chart."""

from __future__ import annotations

import json
from pathlib import Path

ROWS = (
    ("accuracy", "answer accuracy"),
    ("key_fact_recall", "key-fact recall"),
    ("false_abstention", "false abstention"),
    ("abstention_recall", "abstention recall"),
    ("abstention_precision", "abstention precision"),
    ("citation_precision", "citation precision"),
    ("citation_support", "citation support"),
    ("citation_verbatim", "quotes verbatim"),
    ("hallucination", "hallucination rate"),
    ("follow_up_accuracy", "follow-up accuracy"),
    ("disagreement_both", "disagreements, both shown"),
    ("lead_precision", "short answers that are right"),
)
RETRIEVAL = (("hit@1", "article hit@1"), ("hit@5", "article hit@5"), ("mrr", "article MRR"))
# Only for a generative answerer (the citation check's work), shown when a system has them.
MARKERS = (
    ("model_asked", "questions the model was asked (passed the gate)"),
    ("markers_kept", "model markers kept"),
    ("markers_repaired", "model markers repaired"),
    ("markers_removed", "model markers removed"),
    ("markers_added", "markers added to bare sentences"),
    ("unsupported_answers", "answers with unsupported sentences"),
    ("fallbacks", "extractive fallbacks (model failed)"),
)


def cell(value) -> str:
    if isinstance(value, dict) and "n" in value:
        if not value["of"]:
            return "—"  # nothing to count (a peer gives no short answers)
        return f"{value['rate']:.3f} ({value['n']}/{value['of']})"
    if isinstance(value, dict):
        return f"{value['rate']:.3f}"
    return f"{value:.3f}"


def table(report: dict) -> str:
    """Markdown table, one column per system (ours per retrieval mode, then the peer)."""
    names = list(report["systems"])
    lines = ["| metric | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for key, label in ROWS:
        values = [cell(report["systems"][n]["summary"][key]) for n in names]
        lines.append(f"| {label} | " + " | ".join(values) + " |")
    for key, label in MARKERS:
        values = [report["systems"][n]["summary"].get(key) for n in names]
        if any(values):
            lines.append(f"| {label} | " + " | ".join(cell(v) if v else "—" for v in values) + " |")
    elsewhere = [report["systems"][n]["summary"].get("answered_elsewhere", {}) for n in names]
    if any(e.get("n") for e in elsewhere):  # a distractor stated the known answer, quoted
        lines.append(
            "| unanswerable in the seeds, answered truly from added articles (not in abstention) | "
            + " | ".join(", ".join(e.get("ids", [])) or "—" for e in elsewhere)
            + " |"
        )
    crag = [f"{report['systems'][n]['summary']['crag_score']:.3f}" for n in names]
    lines.append("| CRAG score (accuracy − hallucination) | " + " | ".join(crag) + " |")
    for key, label in RETRIEVAL:
        values = [f"{report['systems'][n]['retrieval'][key]:.3f}" for n in names]
        lines.append(f"| {label} | " + " | ".join(values) + " |")
    latency = [report["systems"][n]["summary"].get("latency_ms", {}) for n in names]
    lines.append(
        "| latency median / p95 (ms) | "
        + " | ".join(f"{x.get('median', 0):.0f} / {x.get('p95', 0):.0f}" for x in latency)
        + " |"
    )
    firsts = [report["systems"][n]["summary"].get("first_piece_ms") for n in names]
    if any(firsts):
        lines.append(
            "| first text after, median (ms) | "
            + " | ".join(f"{x['median']:.0f}" if x else "—" for x in firsts)
            + " |"
        )
    return "\n".join(lines)


SIDE_BY_SIDE = (
    ("accuracy", "answer accuracy"),
    ("false_abstention", "false abstention"),
    ("abstention_recall", "abstention recall"),
    ("right_or_abstained", "right answer or right abstention"),
    ("follow_up_accuracy", "follow-up accuracy"),
    ("citation_precision", "citation precision"),
    ("lead_precision", "short answers that are right"),
    ("citation_verbatim", "quotes verbatim"),
    ("hallucination", "hallucination rate"),
)


def side_by_side(reports: dict[str, dict]) -> str:
    """One table over the splits (dev, test, a benchmark): our default system and the peer."""
    columns = [(split, name) for split, r in reports.items() for name in list(r["systems"])[:2]]
    first = {split: next(iter(r["systems"])) for split, r in reports.items()}
    head = [f"{split}: {'ours' if name == first[split] else name}" for split, name in columns]
    lines = ["| metric | " + " | ".join(head) + " |", "|---" * (len(columns) + 1) + "|"]
    for key, label in SIDE_BY_SIDE:
        values = []
        for split, name in columns:
            value = reports[split]["systems"][name]["summary"].get(key)
            values.append(cell(value) if value and value.get("of") else "—")
        lines.append(f"| {label} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def tag_side_by_side(reports: dict[str, dict], tag: str) -> str:
    """One tag's questions (e.g. "time") over the splits, our default system on each."""
    from eval.scoring import breakdown

    splits = list(reports)
    lines = [f"| {tag} questions | " + " | ".join(splits) + " |", "|---" * (len(splits) + 1) + "|"]
    rows = {}
    for split, report in reports.items():
        ours = next(iter(report["systems"]))
        rows[split] = breakdown(report["systems"][ours]["rows"]).get(f"tag: {tag}")
    for key, label in (("accuracy", "accuracy (answerable)"), ("abstention", "abstention")):
        values = [cell(r[key]) if r and r[key]["of"] else "—" for r in rows.values()]
        lines.append(f"| {label} | " + " | ".join(values) + " |")
    missed = [", ".join(r["missed"]) if r else "—" for r in rows.values()]
    lines.append("| missed | " + " | ".join(missed or ["—"]) + " |")
    return "\n".join(lines)


def breakdown_table(report: dict, system: str) -> str:
    """Where ``system`` falls short: accuracy and abstention per question type and tag."""
    from eval.scoring import breakdown

    lines = [
        f"| slice ({system}) | accuracy (answerable) | abstention (unanswerable) | missed |",
        "|---|---|---|---|",
    ]
    for name, row in breakdown(report["systems"][system]["rows"]).items():
        acc, abst = row["accuracy"], row["abstention"]
        lines.append(
            f"| {name} | {cell(acc) if acc['of'] else '—'} | {cell(abst) if abst['of'] else '—'} "
            f"| {', '.join(row['missed'][:8])}{' …' if len(row['missed']) > 8 else ''} |"
        )
    return "\n".join(lines)


def chart(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ["accuracy", "abstention_recall", "citation_precision", "hallucination"]
    names = list(report["systems"])
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [report["systems"][name]["summary"][k]["rate"] for k in keys]
        ax.bar([x + i * width for x in range(len(keys))], values, width, label=name)
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(keys))])
    ax.set_xticklabels([k.replace("_", " ") for k in keys])
    ax.set_ylim(0, 1)
    ax.set_title(f"Eval on {report['corpus']} ({report['articles']} articles)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(report: dict, out: Path, name: str = "report") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    png = out / f"{name}.png"
    chart(report, png)
    markdown = [f"# Eval: {report['corpus']}", "", table(report), "", f"![metrics]({png.name})"]
    default = report.get("default", next(iter(report["systems"])))
    markdown += ["", "## Where it falls short", "", breakdown_table(report, default)]
    if "distractors" in report:
        markdown += ["", "## With distractors", "", table(report["distractors"])]
    md = out / f"{name}.md"
    md.write_text("\n".join(markdown) + "\n")
    return md
