"""`lifecrm landing`: the refused files, and the data team's way out of each.

    lifecrm landing status                          what is refused, what waits behind it
    lifecrm landing skip FILE --reason TEXT         set a refused file aside for good
    lifecrm landing accept FILE --reason TEXT [--rename DELIVERED=CONTRACT ...]

FILE is the refused file as the run names it, `<batch folder>/<export>.csv`. A decision is
applied by the next run (lifecrm/ingest/decisions.py says why not at once). The third way out
needs no command: the source re-sends the corrected file as a later delivery of the same day,
`landing/<date>.2/` (docs/export-contract.md, "Corrections").
"""

from __future__ import annotations

import argparse


def _rename(text: str) -> tuple[str, str]:
    old, sep, new = text.partition("=")
    if not sep or not old or not new:
        raise argparse.ArgumentTypeError(f"expected DELIVERED=CONTRACT, got {text!r}")
    return old, new


def cmd_status(args: argparse.Namespace) -> int:
    from lifecrm.ingest import landing_status

    status = landing_status.read()
    print(f"landed batches: {len(status.batches)} ({status.batches[0]} to {status.batches[-1]})")
    print(f"warehouse read: {status.source or 'none yet (no run has finished)'}")
    if not status.refusals:
        print("refused files: none open")
    for refusal in status.refusals:
        print(f"\nREFUSED  {refusal.file} ({refusal.rows} rows), since {refusal.refused_at[:19]}")
        print(f"  why:     {refusal.reason}")
        waiting = status.waiting.get(refusal.file, [])
        resent = [f for f in waiting if f[:10] == refusal.file[:10]]
        later = [f for f in waiting if f not in resent]
        if later:
            print(f"  waiting: {', '.join(later)} (read once this file is resolved)")
        if resent:
            print(f"  re-sent: {', '.join(resent)}; the next run reads it in its place")
            continue
        decision = next((d for d in status.pending if d.file == refusal.file), None)
        if decision is not None:
            print(f"  decided: {decision.action} by {decision.by} at {decision.at} "
                  f"({decision.note}); the next run applies it")  # fmt: skip
            continue
        print("  ways out, each recorded in raw.load_manifest:")
        print(f"    - the source re-sends it corrected as {_resend_folder(refusal.file)}/")
        print(f"    - lifecrm landing accept {refusal.file} --reason '...'"
              + (" [--rename DELIVERED=CONTRACT]" if "missing from the header" in refusal.reason
                 else ""))  # fmt: skip
        print(f"    - lifecrm landing skip {refusal.file} --reason '...'")
    refused = {r.file for r in status.refusals}
    for decision in status.pending:
        if decision.file not in refused:  # made on a copy the published warehouse lacks
            print(f"\nDECIDED  {decision.file}: {decision.action} by {decision.by} (not applied)")
    if status.resolved:
        print("\nresolved:")
        for file, resolution, by, at, note in status.resolved:
            print(f"  {file}: {resolution} by {by} at {(at or '')[:19]} ({note})")
    # exit 1 while a refusal waits for someone (no decision, nothing re-sent): monitoring can
    # alert on it
    decided = {d.file for d in status.pending}
    open_ = [
        r
        for r in status.refusals
        if r.file not in decided
        and not any(f[:10] == r.file[:10] for f in status.waiting.get(r.file, []))
    ]
    return 1 if open_ else 0


def _resend_folder(file: str) -> str:
    batch = file.split("/")[0]
    day, _, delivery = batch.partition(".")
    return f"landing/{day}.{int(delivery or 1) + 1}"


def _decide(args: argparse.Namespace, action: str) -> int:
    from lifecrm.ingest import decisions, landing_status

    refusal = landing_status.refusal_of(args.file)
    rename = dict(args.rename or [])
    if action == "accept" and refusal.reason.startswith("listed in"):
        raise ValueError(f"{args.file} is not in the landing folder: nothing to accept; skip it")
    decision = decisions.make(args.file, action, refusal.sha256, args.reason, args.by, rename)
    path = decisions.write(decision)
    renamed = ", ".join(f"{old} read as {new}" for old, new in rename.items())
    what = "set aside for good" if action == "skip" else "loaded" + (
        f" ({renamed})" if rename else " as it is"
    )  # fmt: skip
    print(f"recorded: {args.file} is to be {what}; the next run applies it ({path})")
    return 0


def cmd_skip(args: argparse.Namespace) -> int:
    return _decide(args, "skip")


def cmd_accept(args: argparse.Namespace) -> int:
    return _decide(args, "accept")


def add_parser(commands) -> None:
    landing = commands.add_parser(
        "landing",
        help="refused files: what is refused and waits, and the decisions that resolve them",
        description="A refused file holds back the later batches of its export (the other "
        "exports go on). Resolve it by having the source re-send it as a later delivery of the "
        "same day (landing/<date>.2/), or with a decision the next run applies and records in "
        "raw.load_manifest: skip (set it aside) or accept (load it anyway).",
    )
    actions = landing.add_subparsers(dest="landing_command", required=True, metavar="ACTION")
    status = actions.add_parser(
        "status",
        help="list refused files, what waits, decisions pending (exit 1 while one is open)",
    )
    status.set_defaults(handler=cmd_status)
    for name, handler, text in (
        ("skip", cmd_skip, "set a refused file aside for good: its rows are not loaded"),
        ("accept", cmd_accept, "load a refused file anyway (bad rows are still quarantined)"),
    ):
        action = actions.add_parser(name, help=text, description=text)
        action.add_argument("file", metavar="FILE", help="<batch folder>/<export>.csv")
        action.add_argument("--reason", required=True, help="why (kept with the file's history)")
        action.add_argument("--by", help="who decides (default: the login name)")
        if name == "accept":
            action.add_argument(
                "--rename",
                type=_rename,
                action="append",
                metavar="DELIVERED=CONTRACT",
                help="read a header column under its contract name (repeatable)",
            )
        action.set_defaults(handler=handler)
