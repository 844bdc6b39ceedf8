#!/usr/bin/env python3
"""Validate eval/holdout/questions.jsonl against the articles in /tmp/holdout-articles.

Usage: python3 check.py [questions.jsonl] [articles_dir]
Exits non-zero if any error is found. Standard library only.
"""

import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
QFILE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "questions.jsonl")
ADIR = sys.argv[2] if len(sys.argv) > 2 else "/tmp/holdout-articles"

TYPES = {"who", "what", "when", "where", "why", "how", "how_many", "yes_no"}
STYLE_TAGS = {"copy", "paraphrase", "casual"}
UNANS_TAGS = {"near_miss", "off_topic"}
CONV_TAGS = {"follow_up", "topic_switch", "near_miss"}
ALL_TAGS = STYLE_TAGS | UNANS_TAGS | CONV_TAGS
SINGLE_KEYS_ANS = {"id", "question", "type", "answerable", "facts", "gold", "tags"}
SINGLE_KEYS_UNANS = SINGLE_KEYS_ANS | {"why_unanswerable"}
TURN_KEYS_REQ = {"question", "answerable", "facts", "gold"}
TURN_KEYS_OPT = {"follow_up", "topic_switch", "tags", "why_unanswerable"}
QUOTE_CHARS = set("'\"\u2018\u2019\u201c\u201d`")

errors = []
warnings = []


def err(qid, msg):
    errors.append(f"{qid}: {msg}")


def warn(qid, msg):
    warnings.append(f"{qid}: {msg}")


# ---- load articles
articles = {}
for fn in sorted(os.listdir(ADIR)):
    if fn.endswith(".txt"):
        with open(os.path.join(ADIR, fn), encoding="utf-8") as f:
            articles[fn[:-4]] = f.read().lower()
if not articles:
    print(f"no articles found in {ADIR}")
    sys.exit(2)


def check_answer_block(qid, obj, where):
    """Checks answerable/facts/gold/why_unanswerable of a single question or a turn."""
    ans = obj.get("answerable")
    facts = obj.get("facts")
    gold = obj.get("gold")
    if not isinstance(ans, bool):
        err(qid, f"{where}answerable must be a bool")
        return
    if not isinstance(facts, list) or not isinstance(gold, list):
        err(qid, f"{where}facts and gold must be lists")
        return
    for g in gold:
        if g not in articles:
            err(qid, f"{where}gold id {g!r} is not an article")
    if len(set(gold)) != len(gold):
        err(qid, f"{where}duplicate gold ids")
    if ans:
        if not facts:
            err(qid, f"{where}answerable but no facts")
        if not gold:
            err(qid, f"{where}answerable but no gold")
        if "why_unanswerable" in obj:
            err(qid, f"{where}answerable row has why_unanswerable")
        for fact in facts:
            if not isinstance(fact, list) or not fact:
                err(qid, f"{where}each fact must be a non-empty list of spellings")
                continue
            for sp in fact:
                if not isinstance(sp, str) or not sp.strip():
                    err(qid, f"{where}empty/non-string spelling {sp!r}")
                    continue
                if any(c in QUOTE_CHARS for c in sp):
                    err(qid, f"{where}spelling {sp!r} contains a quote/apostrophe")
                if len(sp) < 3:
                    err(qid, f"{where}spelling {sp!r} shorter than 3 characters")
                if not any(sp.lower() in articles[g] for g in gold if g in articles):
                    err(qid, f"{where}spelling {sp!r} not found in gold {gold}")
            # informational: does the fact also occur in a non-gold article?
            others = sorted(
                a
                for a in articles
                if a not in gold
                and any(isinstance(sp, str) and sp.lower() in articles[a] for sp in fact)
            )
            if others and all(isinstance(sp, str) and len(sp) >= 6 for sp in fact):
                warn(
                    qid,
                    f"{where}fact {fact} also occurs in non-gold {others} (check gold)",
                )
    else:
        if facts:
            err(qid, f"{where}unanswerable but facts not empty")
        if gold:
            err(qid, f"{where}unanswerable but gold not empty")
        w = obj.get("why_unanswerable")
        if not isinstance(w, str) or not w.strip():
            err(qid, f"{where}unanswerable without why_unanswerable")


ids = set()
singles = []
convs = []
with open(QFILE, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            err(f"line {n}", "blank line")
            continue
        try:
            o = json.loads(line)
        except json.JSONDecodeError as e:
            err(f"line {n}", f"invalid JSON: {e}")
            continue
        qid = o.get("id")
        if not isinstance(qid, str):
            err(f"line {n}", "missing id")
            continue
        if qid in ids:
            err(qid, "duplicate id")
        ids.add(qid)
        if o.get("type") == "conversation":
            convs.append(o)
            if not re.fullmatch(r"hc\d\d", qid):
                err(qid, "conversation id must be hcNN")
            extra = set(o) - {"id", "type", "turns", "tags"}
            missing = {"id", "type", "turns", "tags"} - set(o)
            if extra or missing:
                err(qid, f"keys: missing {sorted(missing)} extra {sorted(extra)}")
            tags = o.get("tags", [])
            if not isinstance(tags, list) or not set(tags) <= CONV_TAGS or "follow_up" not in tags:
                err(qid, f"bad conversation tags {tags}")
            turns = o.get("turns")
            if not isinstance(turns, list) or not 2 <= len(turns) <= 4:
                err(qid, "conversation needs 2-4 turns")
                continue
            for i, t in enumerate(turns):
                w = f"turn {i + 1}: "
                missing = TURN_KEYS_REQ - set(t)
                extra = set(t) - TURN_KEYS_REQ - TURN_KEYS_OPT
                if missing or extra:
                    err(qid, f"{w}keys: missing {sorted(missing)} extra {sorted(extra)}")
                if not isinstance(t.get("question"), str) or not t.get("question", "").strip():
                    err(qid, f"{w}empty question")
                fu, ts = t.get("follow_up", False), t.get("topic_switch", False)
                if i == 0 and (fu or ts):
                    err(qid, f"{w}first turn cannot be follow_up/topic_switch")
                if i > 0 and not (fu or ts):
                    err(qid, f"{w}later turn must be follow_up or topic_switch")
                if fu and ts:
                    err(qid, f"{w}turn cannot be both follow_up and topic_switch")
                if ts and "topic_switch" not in tags:
                    err(qid, f"{w}topic_switch turn but conversation not tagged topic_switch")
                if t.get("answerable") is False:
                    tt = t.get("tags", [])
                    if not isinstance(tt, list) or "near_miss" not in tt:
                        err(qid, f"{w}unanswerable turn must be tagged near_miss")
                check_answer_block(qid, t, w)
            # one article per conversation, except a topic_switch turn
            main_gold = {g for t in turns if not t.get("topic_switch") for g in t.get("gold", [])}
            if len(main_gold) > 1:
                err(qid, f"conversation spans several articles {sorted(main_gold)}")
            for t in turns:
                if t.get("topic_switch") and set(t.get("gold", [])) & main_gold:
                    err(qid, "topic_switch turn stays on the same article")
        else:
            singles.append(o)
            if not re.fullmatch(r"h\d{3}", qid):
                err(qid, "single id must be hNNN")
            ans = o.get("answerable")
            need = SINGLE_KEYS_ANS if ans else SINGLE_KEYS_UNANS
            missing, extra = need - set(o), set(o) - need
            if missing or extra:
                err(qid, f"keys: missing {sorted(missing)} extra {sorted(extra)}")
            if o.get("type") not in TYPES:
                err(qid, f"bad type {o.get('type')!r}")
            if not isinstance(o.get("question"), str) or not o["question"].strip():
                err(qid, "empty question")
            tags = o.get("tags")
            if not isinstance(tags, list) or not set(tags) <= ALL_TAGS:
                err(qid, f"bad tags {tags}")
                tags = []
            if ans is True:
                st = [t for t in tags if t in STYLE_TAGS]
                if len(st) != 1 or set(tags) & (UNANS_TAGS | CONV_TAGS):
                    err(
                        qid,
                        f"answerable single needs one of copy/paraphrase/casual, got {tags}",
                    )
            elif ans is False:
                u = [t for t in tags if t in UNANS_TAGS]
                if len(u) != 1:
                    err(
                        qid,
                        f"unanswerable single needs exactly one of near_miss/off_topic, got {tags}",
                    )
                if set(tags) & {"copy", "paraphrase"}:
                    err(qid, "unanswerable single should not carry copy/paraphrase")
            check_answer_block(qid, o, "")

# ---- expected id ranges
exp_single = {f"h{i:03d}" for i in range(1, 101)} - {"h095"}  # h095 taken out (README)
got_single = {o["id"] for o in singles}
if got_single != exp_single:
    err(
        "ids",
        f"singles missing {sorted(exp_single - got_single)} "
        f"extra {sorted(got_single - exp_single)}",
    )
exp_conv = {f"hc{i:02d}" for i in range(1, 9)}
got_conv = {o["id"] for o in convs}
if got_conv != exp_conv:
    err(
        "ids",
        f"conversations missing {sorted(exp_conv - got_conv)} extra {sorted(got_conv - exp_conv)}",
    )

# ---- counts
ans_s = [o for o in singles if o.get("answerable") is True]
un_s = [o for o in singles if o.get("answerable") is False]
nm = [o for o in un_s if "near_miss" in o.get("tags", [])]
ot = [o for o in un_s if "off_topic" in o.get("tags", [])]
turns = [t for c in convs for t in c.get("turns", [])]
per_article = Counter(g for o in singles for g in o.get("gold", []))
nm_articles = Counter()
for o in nm:
    m = re.search(r"nh_\d{4}", o.get("why_unanswerable", ""))
    if m:
        nm_articles[m.group(0)] += 1

print(
    f"singles: {len(singles)}  answerable: {len(ans_s)}  near_miss: {len(nm)}  off_topic: {len(ot)}"
)
print(
    "answerable by tag: ",
    dict(sorted(Counter(t for o in ans_s for t in o["tags"] if t in STYLE_TAGS).items())),
)
print("answerable by type:", dict(sorted(Counter(o["type"] for o in ans_s).items())))
print("unanswerable by type:", dict(sorted(Counter(o["type"] for o in un_s).items())))
print("casual-styled unanswerable:", sum("casual" in o["tags"] for o in un_s))
print(
    f"conversations: {len(convs)}  turns: {len(turns)}  "
    f"follow_up turns: {sum(bool(t.get('follow_up')) for t in turns)}  "
    f"topic_switch turns: {sum(bool(t.get('topic_switch')) for t in turns)}  "
    f"unanswerable turns: {sum(t.get('answerable') is False for t in turns)}"
)
print("turns per conversation:", {c["id"]: len(c["turns"]) for c in convs})
cover = {a: per_article.get(a, 0) + nm_articles.get(a, 0) for a in sorted(articles)}
print("singles per article (answerable gold + near_miss):", cover)
missing_art = [a for a, n in cover.items() if n == 0]
if missing_art:
    err("coverage", f"articles with no single question: {missing_art}")

if len(ans_s) != 65 or len(nm) != 25 or len(ot) != 9:
    err("counts", "expected 65 answerable / 25 near_miss / 9 off_topic singles")
if not any(t.get("topic_switch") for t in turns):
    err("counts", "no topic_switch turn")
if not any(t.get("answerable") is False for t in turns):
    err("counts", "no unanswerable conversation turn")

for w in warnings:
    print("WARN", w)
if errors:
    print(f"\n{len(errors)} ERROR(S):")
    for e in errors:
        print("  ", e)
    sys.exit(1)
print("\nOK: all checks passed")
