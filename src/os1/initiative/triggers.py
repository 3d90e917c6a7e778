"""What os1 does on its own initiative: the handlers the scheduler runs, and the daily plan.

Every initiative ends as a stored message with its reason (:class:`Inbox`) or, when it wants to
*do* something outward, as a proposal in the approvals queue (it runs at once only under a
standing rule the user set). Nothing here sends, deletes or changes anything by itself.

Other skills are reached only through optional functions, looked up at call time so a missing
skill or a failing server degrades the briefing instead of breaking it:

- ``os1.skills.calendar.agenda(home, day: date) -> list[str]``: that day's events, one line each
- ``os1.skills.mail.whats_new(home) -> list[str]``: important new mail, one line each
- ``os1.skills.mail.unreplied(home, days: int) -> list[dict]``: ``who``, ``subject``, ``days``
- ``os1.skills.writing.letters_worth_a_book(home) -> dict | None``: ``tool``, ``args``,
  ``reason`` of a proposal (e.g. compile the letters into a book)
- any skill module in :data:`HANDLER_MODULES` with ``register_handlers(scheduler)`` may add
  or replace handlers (a reminders skill may deliver reminders its own way).
Any function may be sync or async.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from os1.errors import NotFoundError, Os1Error
from os1.initiative.clock import Clock, day_key, local, next_at
from os1.initiative.messages import Inbox
from os1.initiative.scheduler import Handler, HandlerContext, Item, Scheduler
from os1.text import second_person

if TYPE_CHECKING:
    from os1.home import Home
    from os1.mind.affect import Affect

HANDLER_MODULES = ("os1.skills.reminders", "os1.skills.mail", "os1.skills.calendar",
                   "os1.skills.writing")
# Local times of the daily work (the briefing's time is in config: initiative.morning_briefing).
DAILY = {"unreplied": "09:00", "checkin": "10:00", "letters": "19:00"}
STALE_S = 4 * 3600.0  # a daily item this late is skipped: no 8 am briefing at 3 pm
LATE_S = 15 * 60.0  # a reminder this late says so
UNREPLIED_DAYS = 10


def skill_function(module: str, name: str) -> Callable[..., Any] | None:
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    fn = getattr(mod, name, None)
    return fn if callable(fn) else None


async def call_skill(module: str, name: str, *args: Any) -> tuple[Any, str]:
    """(result, "") or (None, why it could not be used). Never raises for a skill's failure."""
    fn = skill_function(module, name)
    if fn is None:
        return None, "not set up"
    try:
        out = fn(*args)
        if inspect.isawaitable(out):
            out = await out
    except Os1Error as exc:
        return None, exc.message
    except Exception as exc:  # a broken skill must not stop the briefing or the daemon
        return None, f"{type(exc).__name__}: {exc}"
    return out, ""


async def calendar_agenda(home: Home, day: date) -> tuple[Any, str]:
    """The day's events as lines: the calendar skill's ``agenda`` function when it has one,
    else its CalendarService; (None, "not set up") when no calendar is connected."""
    if skill_function("os1.skills.calendar", "agenda") is not None:
        return await call_skill("os1.skills.calendar", "agenda", home, day)
    try:
        from os1.skills.calendar.service import CalendarService
        from os1.skills.calendar.tools import fmt_occ
    except ImportError:
        return None, "not set up"
    try:
        service = await CalendarService.open(home.db, home.path)
    except NotFoundError:
        return None, "not set up"
    except Os1Error as exc:
        return None, exc.message
    try:
        agenda = await service.agenda(day)
        lines = [fmt_occ(o) for o in agenda.items]
        lines += [f"{a.summary} clashes with {b.summary}" for a, b in agenda.conflicts]
        return lines, ""
    except Os1Error as exc:
        return None, exc.message
    except Exception as exc:  # a broken skill must not stop the briefing
        return None, f"{type(exc).__name__}: {exc}"
    finally:
        await service.close()


def reflect_minute(home: Path) -> int:
    """The minute of each hour a home reflects in: fixed per home, spread across homes, so a
    server with many users does not reflect for all of them at the same minute."""
    return int(hashlib.sha256(str(home).encode()).hexdigest()[:8], 16) % 60


def _hhmm(clock: Clock, ts: float) -> str:
    return local(clock, ts).strftime("%H:%M")


class Triggers:
    """Handlers and the daily plan for one home. ``install`` registers them on a scheduler."""

    def __init__(self, home: Home, scheduler: Scheduler, clock: Clock) -> None:
        self.home = home
        self.scheduler = scheduler
        self.clock = clock
        self.inbox = Inbox.open(home)

    @property
    def affect(self) -> Affect:
        from os1.mind.affect import Affect

        return Affect.open(self.home, self.clock)

    def install(self) -> None:
        handlers: dict[str, Handler] = {
            "reminder": self.reminder, "briefing": self.briefing, "checkin": self.checkin,
            "unreplied": self.unreplied, "letters": self.letters, "reflect": self.reflect,
            "proposal": self.proposal,
        }
        for kind, fn in handlers.items():
            self.scheduler.register_handler(kind, fn)
        for module in HANDLER_MODULES:
            hook = skill_function(module, "register_handlers")
            if hook is not None:
                hook(self.scheduler)

    def plan(self, now: float | None = None) -> list[str]:
        """Make sure the next occurrence of each daily job is scheduled (idempotent by key)."""
        at = self.clock.now() if now is None else now
        if not self.home.config.initiative.enabled:
            return []
        times = {"briefing": self.home.config.initiative.morning_briefing, **DAILY}
        ids = []
        for kind, hhmm in times.items():
            due = next_at(self.clock, hhmm, at - 1)
            key = f"{kind}:{day_key(self.clock, due)}"
            ids.append(self.scheduler.schedule(due, kind, {}, key=key))
        hour = local(self.clock, at).replace(minute=reflect_minute(self.home.path), second=0,
                                            microsecond=0)
        due = (hour if hour.timestamp() > at else hour + timedelta(hours=1)).timestamp()
        ids.append(self.scheduler.schedule(due, "reflect", {},
                                           key=f"reflect:{local(self.clock, due):%Y-%m-%dT%H}"))
        return ids

    def _say(self, item: Item, ctx: HandlerContext, text: str, reason: str,
             approval_id: str = "") -> str:
        self.inbox.post(item.id, item.kind, text, reason, ctx.now, approval_id)
        return text

    def _stale(self, item: Item, ctx: HandlerContext) -> bool:
        return ctx.now - item.due > STALE_S

    # handlers ------------------------------------------------------------------------
    async def reminder(self, item: Item, ctx: HandlerContext) -> str:
        p = item.payload
        what = str(p.get("text") or p.get("message") or p.get("what") or "something")
        text = f"Reminder: {second_person(what)}"  # "call my sister" -> "call your sister"
        if ctx.now - item.due > LATE_S:
            text += f" (this was due at {_hhmm(self.clock, item.due)}; I wasn't running then)"
        reason = str(p.get("reason") or
                     f"On {local(self.clock, item.created):%a %d %b} you asked me to remind you "
                     f"at {_hhmm(self.clock, item.due)}.")
        return self._say(item, ctx, text, reason)

    async def briefing(self, item: Item, ctx: HandlerContext) -> str:
        if self._stale(item, ctx):
            return "skipped: too late for a morning briefing"
        today = local(self.clock, ctx.now).date()
        name = ""
        try:
            persona = self.home.personas.get()
            name = f", {persona.user_name}" if persona else ""
        except Os1Error:
            pass
        lines = [f"Good morning{name}. It's {today:%A %d %B}."]
        events, why = await calendar_agenda(self.home, today)
        if events:
            lines.append("Today: " + "; ".join(str(e) for e in events) + ".")
        elif why == "":
            lines.append("Your calendar is clear today.")
        elif why != "not set up":
            lines.append(f"I couldn't read your calendar ({why}).")
        mail, why = await call_skill("os1.skills.mail", "whats_new", self.home)
        if mail:
            lines.append("Mail worth a look: " + "; ".join(str(m) for m in list(mail)[:5]) + ".")
        elif why and why != "not set up":
            lines.append(f"I couldn't check your mail ({why}).")
        end_of_day = ctx.now + 86400 - (ctx.now - item.due)
        due_today = [i for i in self.scheduler.pending("reminder") if i.due < end_of_day]
        for r in due_today[:5]:
            what = r.payload.get("text") or r.payload.get("message") or "something"
            lines.append(f"At {_hhmm(self.clock, r.due)} I'll remind you: {what}.")
        waiting = len(self.home.actions.pending())
        if waiting:
            lines.append(f"{waiting} thing(s) wait for your approval: 'os1 approvals'.")
        return self._say(item, ctx, " ".join(lines),
                         f"Your morning briefing, set for {_hhmm(self.clock, item.due)} "
                         "(initiative.morning_briefing).")

    async def checkin(self, item: Item, ctx: HandlerContext) -> str:
        if self._stale(item, ctx):
            return "skipped: too late to check in today"
        from os1.mind.journal import ADJECTIVE, join_words

        yesterday = local(self.clock, ctx.now).date() - timedelta(days=1)
        hard = self.affect.hard_days(ctx.now - 3 * 86400).get(yesterday.isoformat())
        if hard is None:
            return "nothing to say: yesterday was not a hard day"
        felt = join_words([ADJECTIVE.get(t, t) for t in hard]) or "low"
        return self._say(
            item, ctx, f"Yesterday sounded hard; you seemed {felt}. How are you feeling today?",
            f"On {yesterday:%A} you told me you felt {felt}, and I wanted to check on you.",
        )

    async def unreplied(self, item: Item, ctx: HandlerContext) -> str:
        if self._stale(item, ctx):
            return "skipped: stale"
        waiting, why = await call_skill("os1.skills.mail", "unreplied", self.home, UNREPLIED_DAYS)
        if not waiting:
            return f"nothing to say{': mail ' + why if why else ''}"
        parts = []
        for w in list(waiting)[:3]:
            subject = f" about '{w['subject']}'" if w.get("subject") else ""
            parts.append(f"{w['who']}{subject} ({int(w['days'])} days)")
        text = "You haven't replied to " + "; ".join(parts) + ". Want me to draft something?"
        return self._say(
            item, ctx, text,
            f"These messages have waited {UNREPLIED_DAYS} days or more for your reply.",
        )

    async def letters(self, item: Item, ctx: HandlerContext) -> str:
        found, why = await call_skill("os1.skills.writing", "letters_worth_a_book", self.home)
        if not found:
            return f"nothing to say{': writing ' + why if why else ''}"
        return await self._propose(item, ctx, str(found["tool"]), dict(found.get("args") or {}),
                                   str(found.get("reason") or "Your letters could make a book."))

    async def reflect(self, item: Item, ctx: HandlerContext) -> str:
        from os1.mind.journal import Journal

        journal = Journal(self.home.db, self.home.episodes, clock=self.clock, affect=self.affect,
                          model=lambda: self.home.model)
        entries = await journal.reflect_pending()
        return f"wrote {len(entries)} journal entr{'y' if len(entries) == 1 else 'ies'}"

    async def proposal(self, item: Item, ctx: HandlerContext) -> str:
        p = item.payload
        return await self._propose(item, ctx, str(p["tool"]), dict(p.get("args") or {}),
                                   str(p.get("reason") or "scheduled proposal"))

    async def _propose(self, item: Item, ctx: HandlerContext, tool: str, args: dict[str, Any],
                       reason: str) -> str:
        actions = self.home.actions
        out = await actions.request(tool, args, reason, origin="initiative", key=item.id)
        summary = actions.tools[tool].summarize(args)
        if out.status == "pending":
            text = (f"I'd like to: {summary}. 'os1 approvals approve {out.approval_id}' "
                    "lets me, 'reject' stops it.")
        elif out.allowed_by.startswith("rule:"):
            text = f"Done under your standing rule: {summary} ({out.status})."
        else:
            text = f"{summary}: {out.status}."
        return self._say(item, ctx, text, reason, out.approval_id)
