"""PgMail: one user's mail index (os1.skills.mail.store) in PostgreSQL.

The store behind the mail skill when ``server.database_url`` is set (mail_store chooses it):
the same meaning as SqliteMail, every row keyed by the user, so any server sees the same
synced mail and message numbers. Search matches the remaining words as prefixes (as FTS5's
``"word"*`` does) in a stored tsvector with a GIN index (migration 0010).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from os1.scale.pool import Pool, pool_for
from os1.skills.mail.store import (
    ACCOUNT_COLUMNS,
    FOLDER_COLUMNS,
    INSERT_COLUMNS,
    FolderState,
    Row,
    assign_threads,
    folder_row,
    state_from_row,
)

if TYPE_CHECKING:
    from os1.skills.mail.search import Query

_SEEN = "%\\Seen%"
_SENT = "\\Sent"


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def prefix_query(words: Sequence[str]) -> str | None:
    """Every word as a prefix, for to_tsquery; nothing user-typed is left to parse (each word
    is quoted as a lexeme)."""
    clean = [w.replace("'", "").replace("\\", "") for w in words]
    return " & ".join(f"'{w}':*" for w in clean if w) or None


class PgMail:
    def __init__(self, url: str, user_id: str, pool: Pool | None = None) -> None:
        self.pool = pool or pool_for(url)
        self.user = user_id

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of ``sql``, whose first placeholder is the user id."""
        return self.pool.rows(sql, (self.user, *params))

    def _many(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        """``sql`` for each of ``params``, in one transaction."""
        def work(cur: Any) -> None:
            cur.executemany(sql, params)

        if params:
            self.pool.run(work, transaction=True)

    # accounts ---------------------------------------------------------------------------
    def save_account(self, row: dict[str, Any]) -> None:
        sets = ", ".join(f"{c}=excluded.{c}" for c in ACCOUNT_COLUMNS if c != "name")
        self._rows(f"INSERT INTO mail_accounts (user_id, {', '.join(ACCOUNT_COLUMNS)}) "
                   f"VALUES (%s, {_marks(len(ACCOUNT_COLUMNS))}) "
                   f"ON CONFLICT (user_id, name) DO UPDATE SET {sets}",
                   [row[c] for c in ACCOUNT_COLUMNS])

    def accounts(self) -> list[Row]:
        return self._rows(f"SELECT {', '.join(ACCOUNT_COLUMNS)} FROM mail_accounts "
                          "WHERE user_id=%s ORDER BY created")

    def remove_account(self, name: str) -> None:
        def work(cur: Any) -> None:
            for table, column in (("mail_messages", "account"), ("mail_folders", "account"),
                                  ("mail_accounts", "name")):
                cur.execute(f"DELETE FROM {table} WHERE user_id=%s AND {column}=%s",
                            (self.user, name))

        self.pool.run(work, transaction=True)

    # folders ----------------------------------------------------------------------------
    def folder_state(self, account: str, name: str) -> FolderState:
        rows = self._rows("SELECT * FROM mail_folders WHERE user_id=%s AND account=%s "
                          "AND name=%s", (account, name))
        return state_from_row(account, name, rows[0] if rows else None)

    @staticmethod
    def _save_folder(cur: Any, user: str, st: FolderState, synced: float | None) -> None:
        cur.execute(
            f"INSERT INTO mail_folders (user_id, {', '.join(FOLDER_COLUMNS)}) "
            f"VALUES (%s, {_marks(len(FOLDER_COLUMNS))}) "
            "ON CONFLICT (user_id, account, name) DO UPDATE SET "
            "special_use=excluded.special_use, uidvalidity=excluded.uidvalidity, "
            "last_uid=excluded.last_uid, highestmodseq=excluded.highestmodseq, "
            "synced=COALESCE(excluded.synced, mail_folders.synced)",
            (user, *folder_row(st, synced)))

    def save_folder(self, st: FolderState, synced: float | None = None) -> None:
        self.pool.run(lambda cur: self._save_folder(cur, self.user, st, synced))

    def folders(self, account: str) -> list[Row]:
        return self._rows("SELECT * FROM mail_folders WHERE user_id=%s AND account=%s",
                          (account,))

    def folder_by_use(self, account: str, use: str) -> str | None:
        rows = self._rows("SELECT name FROM mail_folders WHERE user_id=%s AND account=%s "
                          "AND special_use=%s LIMIT 1", (account, use))
        return str(rows[0]["name"]) if rows else None

    # messages ---------------------------------------------------------------------------
    def add_batch(self, rows: list[dict[str, Any]], st: FolderState) -> None:
        def work(cur: Any) -> None:
            def thread_for(parents: Sequence[str]) -> str | None:
                cur.execute("SELECT thread_id FROM mail_messages WHERE user_id=%s AND "
                            "message_id = ANY(%s) AND thread_id != '' "
                            "ORDER BY array_position(%s, message_id) LIMIT 1",
                            (self.user, list(parents), list(parents)))
                found = cur.fetchone()
                return str(found["thread_id"]) if found else None

            assign_threads(rows, thread_for)
            if rows:
                cur.executemany(
                    f"INSERT INTO mail_messages (user_id, {', '.join(INSERT_COLUMNS)}) "
                    f"VALUES (%s, {_marks(len(INSERT_COLUMNS))}) "
                    "ON CONFLICT (user_id, account, folder, uid) "
                    "DO UPDATE SET flags=excluded.flags",
                    [(self.user, *(r[c] for c in INSERT_COLUMNS)) for r in rows])
            self._save_folder(cur, self.user, st, None)

        self.pool.run(work, transaction=True)

    def local_uids(self, account: str, folder: str) -> set[int]:
        return set(self.uid_flags(account, folder))

    def uid_flags(self, account: str, folder: str) -> dict[int, str]:
        return {int(r["uid"]): str(r["flags"]) for r in self._rows(
            "SELECT uid, flags FROM mail_messages WHERE user_id=%s AND account=%s AND folder=%s",
            (account, folder))}

    def delete_uids(self, account: str, folder: str, uids: Sequence[int]) -> None:
        if uids:
            self._rows("DELETE FROM mail_messages WHERE user_id=%s AND account=%s AND "
                       "folder=%s AND uid = ANY(%s)", (account, folder, list(uids)))

    def set_flags(self, account: str, folder: str, flags: dict[int, str]) -> None:
        self._many("UPDATE mail_messages SET flags=%s WHERE user_id=%s AND account=%s AND "
                   "folder=%s AND uid=%s",
                   [(f, self.user, account, folder, u) for u, f in flags.items()])

    def set_message_flags(self, flags: dict[int, str]) -> None:
        self._many("UPDATE mail_messages SET flags=%s WHERE user_id=%s AND id=%s",
                   [(f, self.user, i) for i, f in flags.items()])

    def relocate(self, account: str, dest: str, moves: Sequence[tuple[int, int]]) -> None:
        def work(cur: Any) -> None:
            for mid, new_uid in moves:
                if new_uid:
                    cur.execute("DELETE FROM mail_messages WHERE user_id=%s AND account=%s AND "
                                "folder=%s AND uid=%s", (self.user, account, dest, new_uid))
                    cur.execute("UPDATE mail_messages SET folder=%s, uid=%s "
                                "WHERE user_id=%s AND id=%s", (dest, new_uid, self.user, mid))
                else:
                    cur.execute("DELETE FROM mail_messages WHERE user_id=%s AND id=%s",
                                (self.user, mid))

        self.pool.run(work, transaction=True)

    def _messages(self, where: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._rows(f"SELECT m.* FROM mail_messages m WHERE m.user_id=%s {where}", params)

    def get_message(self, mid: int) -> Row | None:
        rows = self._messages("AND m.id=%s", (mid,))
        return rows[0] if rows else None

    def get_messages(self, ids: Sequence[int]) -> list[Row]:
        return self._messages("AND m.id = ANY(%s) ORDER BY m.id", ([int(i) for i in ids],))

    def ranked(self, limit: int) -> list[Row]:
        return self._messages("ORDER BY m.priority DESC, m.date DESC LIMIT %s", (limit,))

    def folder_messages(self, folder: str, limit: int) -> list[Row]:
        return self._messages("AND m.folder=%s ORDER BY m.suspicious ASC, m.priority DESC, "
                              "m.date DESC LIMIT %s", (folder, limit))

    def newsletters(self) -> list[int]:
        return [int(r["id"]) for r in self._messages(
            "AND m.folder='INBOX' AND m.category='newsletter' AND m.suspicious=0 "
            "ORDER BY m.date")]

    def search(self, q: Query, limit: int) -> list[Row]:
        from os1.skills.mail.search import filters, fts_words

        where, args = filters(q, "%s", "ILIKE")
        query = prefix_query(fts_words(q)) if q.words else None
        if q.words and query is None:
            return []
        if query is not None:
            where.append("m.search @@ to_tsquery('simple', %s)")
            args.append(query)
        return self._messages("AND " + " AND ".join(where) + " ORDER BY m.date DESC LIMIT %s",
                              [*args, limit])

    def new_messages(self, mark: bool) -> tuple[list[Row], int]:
        def work(cur: Any) -> tuple[list[Row], int]:
            cur.execute(
                "SELECT m.* FROM mail_messages m LEFT JOIN mail_folders f ON "
                "f.user_id=m.user_id AND f.account=m.account AND f.name=m.folder "
                "WHERE m.user_id=%s AND m.announced=0 AND m.flags NOT LIKE %s AND "
                "(m.folder='INBOX' OR f.special_use='') AND m.category NOT IN ('sent', 'draft') "
                "ORDER BY m.priority DESC, m.date DESC", (self.user, _SEEN))
            rows = list(cur.fetchall())
            cur.execute("SELECT COUNT(*) AS n FROM mail_messages WHERE user_id=%s AND "
                        "folder='INBOX' AND flags NOT LIKE %s", (self.user, _SEEN))
            unread = int(cur.fetchone()["n"])
            if mark and rows:
                cur.execute("UPDATE mail_messages SET announced=1 WHERE user_id=%s AND "
                            "announced=0", (self.user,))
            return rows, unread

        return self.pool.run(work, transaction=True)

    # what triage, drafting and the send check learn from -------------------------------
    def _sent(self, columns: str, account: str, tail: str = "",
              params: Sequence[Any] = ()) -> list[Row]:
        return self._rows(
            f"SELECT {columns} FROM mail_messages m JOIN mail_folders f ON f.user_id=m.user_id "
            "AND f.account=m.account AND f.name=m.folder WHERE m.user_id=%s AND m.account=%s "
            f"AND f.special_use=%s {tail}", (account, _SENT, *params))

    def sent_recipients(self, account: str) -> list[str]:
        import json

        out: list[str] = []
        for r in self._sent("m.to_addrs, m.cc_addrs", account):
            out += json.loads(r["to_addrs"]) + json.loads(r["cc_addrs"])
        return out

    def received_counts(self, account: str) -> dict[str, int]:
        return {r["from_addr"]: int(r["n"]) for r in self._rows(
            "SELECT from_addr, COUNT(*) AS n FROM mail_messages WHERE user_id=%s AND "
            "account=%s GROUP BY from_addr", (account,))}

    def sent_bodies(self, account: str, limit: int) -> list[str]:
        return [str(r["body"]) for r in self._sent("m.body", account,
                                                   "ORDER BY m.date DESC LIMIT %s", (limit,))]

    def clean_mail_from(self, addr: str) -> bool:
        return bool(self._messages("AND m.from_addr=%s AND m.suspicious=0 LIMIT 1", (addr,)))

    def suspicious_mentioning(self, addr: str) -> list[Row]:
        return self._rows(
            "SELECT body, hidden_text, subject FROM mail_messages WHERE user_id=%s AND "
            "suspicious=1 AND (body ILIKE %s OR hidden_text ILIKE %s)",
            (f"%{addr}%", f"%{addr}%"))


__all__ = ["PgMail", "prefix_query"]
