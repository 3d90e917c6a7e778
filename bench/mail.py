"""Benchmark: mail sync and triage against the real dovecot from scripts/services/mail_up.sh.

1. full sync of 10,000 messages written straight into a fresh Maildir (time, peak RSS of the
   syncing process), 2. incremental sync after 100 new ones, and a no-change sync, 3. triage
   rate and accuracy with the rules on >= 200 generated labelled messages plus a held-out set,
   and with the embedded model (JSON-schema constrained) on a sample, 4. the injection corpus:
   detections and side effects. Prints a table and writes bench/results/mail.json.
Run: python bench/mail.py [--messages 10000] [--model-sample 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
STATE = Path(os.environ.get("OS1_MAIL_STATE", "/tmp/os1-services/mail"))
sys.path.insert(0, str(ROOT / "tests"))

from mail.generate import ME, held_out, labelled  # noqa: E402
from mail.injection_corpus import corpus  # noqa: E402


def ensure_servers() -> None:
    subprocess.run(["bash", str(ROOT / "scripts/services/mail_up.sh")], check=True,
                   env={**os.environ, "OS1_MAIL_STATE": str(STATE)})


def maildir_for(user: str) -> Path:
    import imaplib

    c = imaplib.IMAP4("127.0.0.1", 10143)
    c.login(user, "secret")  # creates the Maildir
    c.select("INBOX")
    c.logout()
    return STATE / "users" / user.lower() / "Maildir"


def write_maildir(maildir: Path, raws: list[bytes], tag: str) -> None:
    """Drop messages into new/ the way a delivery agent would; dovecot indexes them on access."""
    import pwd

    vmail = pwd.getpwnam("vmail")
    new = maildir / "new"
    for i, raw in enumerate(raws):
        path = new / f"{int(time.time())}.{tag}{i}.bench"
        path.write_bytes(raw)
        os.chown(path, vmail.pw_uid, vmail.pw_gid)
    subprocess.run(["doveadm", "-c", str(STATE / "dovecot.conf"), "force-resync", "-u",
                    maildir.parent.name, "INBOX"], check=True)


def child_sync(home: str) -> None:
    from os1.config import load_config
    from os1.db import Database
    from os1.skills.mail.sync import sync

    cfg = load_config(Path(home))
    db = Database(cfg.db_path)
    t0 = time.perf_counter()
    (report,) = sync(db, cfg)
    took = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": took, "new": report.new, "peak_rss_mb": rss}))


def timed_sync(home: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child-sync", str(home)], check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "OS1_MAIL_PASSWORD_STORE": "file"})
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def bench_sync(n: int) -> dict[str, Any]:
    from os1.config import load_config
    from os1.db import Database
    from os1.skills.mail.accounts import Account, Accounts

    user = f"bench{uuid.uuid4().hex[:8]}@example.test"
    home = Path(tempfile.mkdtemp(prefix="os1-mail-bench-"))
    os.environ["OS1_MAIL_PASSWORD_STORE"] = "file"
    cfg = load_config(home)
    Accounts(Database(cfg.db_path), cfg).add(
        Account("bench", user, "127.0.0.1", 10143, "127.0.0.1", 10025, user, "plain"), "secret")
    maildir = maildir_for(user)
    t0 = time.perf_counter()
    write_maildir(maildir, [raw for _, raw in labelled(n, seed=99)], "a")
    seed_s = time.perf_counter() - t0
    full = timed_sync(home)
    nochange = timed_sync(home)
    write_maildir(maildir, [raw for _, raw in labelled(100, seed=123)], "b")
    incr = timed_sync(home)
    db = Database(cfg.db_path)
    stored = db.query("SELECT COUNT(*) n, SUM(suspicious) s FROM mail_messages")[0]
    return {"messages": n, "seed_s": round(seed_s, 2),
            "full_sync_s": round(full["seconds"], 2), "full_new": full["new"],
            "full_peak_rss_mb": round(full["peak_rss_mb"], 1),
            "nochange_sync_s": round(nochange["seconds"], 3),
            "incremental_100_s": round(incr["seconds"], 3), "incremental_new": incr["new"],
            "stored": stored["n"], "false_suspicious": stored["s"]}


def rules_triage(data: list[tuple[str, bytes]]) -> tuple[float, float]:
    from os1.skills.mail.mime import parse
    from os1.skills.mail.safety import assess
    from os1.skills.mail.triage import History, TriageInput, triage

    right = 0
    t0 = time.perf_counter()
    for label, raw in data:
        p = parse(raw)
        v = assess(p.body, p.hidden, p.subject, [a.as_dict() for a in p.attachments], p.links)
        t = triage(TriageInput(p.subject, p.body, p.from_addr, p.from_name, p.to, p.cc,
                               p.n_recipients, p.headers, v.suspicious, p.reply_to), ME, History())
        right += t.category == label
    return right / len(data), len(data) / (time.perf_counter() - t0)


async def model_triage(data: list[tuple[str, bytes]]) -> dict[str, Any]:
    from os1.brain.embedded import load
    from os1.config import load_config
    from os1.skills.mail.mime import parse
    from os1.skills.mail.triage import model_category

    model = load(load_config(Path(tempfile.mkdtemp())).brain)
    await model_category(model, "warm up")
    right = 0
    t0 = time.perf_counter()
    for label, raw in data:
        p = parse(raw)
        fenced = (f"<untrusted_email>\nFrom: {p.from_name} <{p.from_addr}>\nSubject: "
                  f"{p.subject}\n\n{p.body[:600]}\n</untrusted_email>")
        right += await model_category(model, fenced) == label
    took = time.perf_counter() - t0
    return {"model_sample": len(data), "model_accuracy": round(right / len(data), 3),
            "model_rate_msgs_per_s": round(len(data) / took, 2)}


def injection() -> dict[str, Any]:
    from os1.skills.mail.mime import parse
    from os1.skills.mail.safety import assess

    items = corpus()
    hits = sum(assess(p.body, p.hidden, p.subject, [a.as_dict() for a in p.attachments],
                      p.links).suspicious for p in (parse(raw) for _, raw in items))
    return {"injection_corpus": len(items), "injection_detected": hits,
            "injection_side_effects": "0 (asserted by tests/mail/test_injection.py)"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--model-sample", type=int, default=20)
    ap.add_argument("--child-sync")
    args = ap.parse_args()
    if args.child_sync:
        child_sync(args.child_sync)
        return
    ensure_servers()
    res: dict[str, Any] = {"load_average_1m": round(os.getloadavg()[0], 2),
                           "cpus": os.cpu_count()}
    res.update(bench_sync(args.messages))
    gen = labelled(250, seed=2024)
    acc, rate = rules_triage(gen)
    ho_acc, _ = rules_triage(held_out())
    res.update({"rules_labelled": len(gen), "rules_accuracy_generated": round(acc, 3),
                "rules_heldout": len(held_out()), "rules_accuracy_heldout": round(ho_acc, 3),
                "rules_rate_msgs_per_s": round(rate)})
    if args.model_sample:
        half = args.model_sample // 2
        sample = (gen[:half] + held_out())[: args.model_sample]
        res.update(asyncio.run(model_triage(sample)))
    res.update(injection())
    res["targets"] = {"full_sync_10k_s": 60, "incremental_100_s": 2}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "mail.json").write_text(json.dumps(res, indent=2) + "\n")
    width = max(len(k) for k in res)
    for k, v in res.items():
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
