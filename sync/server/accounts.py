"""Accounts: users, argon2 password hashes, opaque tokens stored hashed, login throttling.

A token is 256 random bits shown once to the client; the database keeps only its SHA-256,
so a copy of the database opens no session. Tokens expire, and disabling a user deletes
them. Login attempts are counted in the database (shared by every server process) and
reserved atomically before the password is checked, per (account, address), per account
and per address: one address guessing one account is locked out of it (doubling, at most
an hour); the account as a whole and the address are only slowed down, so neither a
stranger nor a colleague's typos behind the same Wi-Fi can lock a person out.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from sync.server.db import write_conn
from sync.server.principal import ALL_REGIONS, ROLES, Principal
from sync.server.settings import Settings
from sync.server.tables import TABLES


class AccountError(ValueError):
    """A refused account change or login, with a stable code and a message for people."""

    def __init__(self, code: str, message: str, field: str | None = None, retry_after: int | None = None):
        self.code, self.message, self.field, self.retry_after = code, message, field, retry_after
        super().__init__(message)


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: str
    user: Principal


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Accounts:
    def __init__(self, engine: Engine, settings: Settings):
        self.engine = engine
        self.settings = settings  # the throttle's limits are settings.login_*
        self.hasher = PasswordHasher(time_cost=settings.argon_time_cost, memory_cost=settings.argon_memory_kib,
                                     parallelism=settings.argon_parallelism)
        self._dummy = self.hasher.hash(secrets.token_hex(16))  # for unknown names: same work, same time

    # ----------------------------------------------------------------- users
    @staticmethod
    def _check_role(role: str, regions: list[str]) -> None:
        if role not in ROLES:
            raise AccountError("bad_role", f"unknown role {role!r}; choose one of {', '.join(ROLES)}", "role")
        if role not in ("administrator",) and not regions:
            raise AccountError("no_region", "give at least one region (or * for every region)", "region")

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < 8:
            raise AccountError("weak_password", "the password must have at least 8 characters", "password")

    def create_user(self, name: str, password: str, role: str, regions: list[str]) -> Principal:
        name = name.strip()
        if not name or len(name) > 120 or any(c.isspace() for c in name):
            raise AccountError("bad_name", "a user name is 1 to 120 characters without spaces", "name")
        self._check_role(role, regions)
        self._check_password(password)
        users = TABLES["users"]
        with write_conn(self.engine) as conn, conn.begin():
            if conn.execute(select(users.c.id).where(users.c.name == name)).first():
                raise AccountError("exists", f"there is already a user {name!r}", "name")
            uid = conn.execute(insert(users).values(
                name=name, password_hash=self.hasher.hash(password), role=role, regions=sorted(set(regions)),
                disabled=False, created_at=_iso(time.time()))).inserted_primary_key[0]  # type: ignore[index]
        return Principal(int(uid), name, role, tuple(sorted(set(regions))))

    def _user_row(self, name: str):
        users = TABLES["users"]
        with self.engine.connect() as conn:
            return conn.execute(select(users).where(users.c.name == name)).mappings().first()

    def set_password(self, name: str, password: str) -> None:
        self._check_password(password)
        users = TABLES["users"]
        with write_conn(self.engine) as conn, conn.begin():
            row = conn.execute(select(users.c.id).where(users.c.name == name)).first()
            if row is None:
                raise AccountError("no_user", f"there is no user {name!r}", "name")
            conn.execute(update(users).where(users.c.id == row.id).values(password_hash=self.hasher.hash(password)))
            conn.execute(delete(TABLES["tokens"]).where(TABLES["tokens"].c.user_id == row.id))

    def disable_user(self, name: str) -> None:
        """Disable the account and revoke every token it holds."""
        users = TABLES["users"]
        with write_conn(self.engine) as conn, conn.begin():
            row = conn.execute(select(users.c.id).where(users.c.name == name)).first()
            if row is None:
                raise AccountError("no_user", f"there is no user {name!r}", "name")
            conn.execute(update(users).where(users.c.id == row.id).values(disabled=True))
            conn.execute(delete(TABLES["tokens"]).where(TABLES["tokens"].c.user_id == row.id))

    def list_users(self) -> list[dict]:
        users = TABLES["users"]
        with self.engine.connect() as conn:
            return [
                {"name": r.name, "role": r.role, "regions": list(r.regions or []), "disabled": bool(r.disabled),
                 "created_at": r.created_at}
                for r in conn.execute(select(users).order_by(users.c.name))
            ]

    # ----------------------------------------------------------------- login
    def _keys(self, name: str, address: str, known: bool) -> dict[str, str]:
        """The throttling keys of an attempt: the (account, address) pair, the account,
        the address. Unknown names get "ghost" keys that behave alike (the answers are
        the same, so they reveal no account) but are the first pruned when the table is
        full, so guessed names cannot grow it without limit."""
        n, a = name.lower()[:120], address[:64]
        g = "" if known else "ghost-"
        return {"pair": f"{g}pair:{n}@{a}", "account": f"{g}user:{n}", "address": f"addr:{a}"}

    def _wait_after(self, kind: str, failures: int) -> int:
        """Seconds the key waits after its `failures`-th failure in the window (0: none).
        The pair is locked, doubling up to an hour: that one address stops guessing that
        one account. The account as a whole and the address (a workshop's shared Wi-Fi)
        are only slowed down, a few seconds at most, so no stranger can lock a person out."""
        s = self.settings
        if kind == "pair":
            over = failures - s.login_max_per_account
            return min(s.login_lock_s * 2 ** over, s.login_max_pair_lock_s) if over >= 0 else 0
        if kind == "account":
            over = failures - s.login_account_slow_after
            return min(2 ** over, s.login_max_account_wait_s) if over >= 0 else 0
        over = failures - s.login_max_per_address
        return min(2 ** over, s.login_max_address_wait_s) if over >= 0 else 0

    def _reserve(self, keys: dict[str, str], now: float) -> int:
        """Count this attempt before the password is checked, in one write transaction
        (rows locked), so that parallel guesses cannot all pass a limit read before any
        of them wrote it. Raises too_many_attempts while a key waits. Returns the pair's
        recent failures before this attempt (the answer's delay grows with them)."""
        for attempt in range(3):  # two first attempts racing to insert the same key
            try:
                return self._reserve_once(keys, now)
            except IntegrityError:
                if attempt == 2:
                    raise
        return 0

    def _reserve_once(self, keys: dict[str, str], now: float) -> int:
        """`now` keeps its fraction: locks end on the whole second after `now + wait`, so a
        wait of one second is never cut to a few milliseconds by the clock's next tick."""
        lf = TABLES["login_failures"]
        window = self.settings.login_window_s
        with write_conn(self.engine) as conn, conn.begin():
            rows = {r["key"]: dict(r) for r in conn.execute(
                select(lf).where(lf.c.key.in_(list(keys.values()))).with_for_update()).mappings()}
            left = max((int(r["locked_until"]) - now for r in rows.values()), default=0)
            if left > 0:
                wait = math.ceil(left)
                raise AccountError("too_many_attempts", f"too many failed logins; try again in {wait} seconds",
                                   "username", retry_after=wait)
            recent = 0
            for kind, key in keys.items():
                row = rows.get(key)
                if row is None or now - int(row["window_start"]) >= window:
                    failures, start = 1, int(now)
                else:
                    failures, start = int(row["failures"]) + 1, int(row["window_start"])
                if kind == "pair":
                    recent = failures - 1
                wait = self._wait_after(kind, failures)
                values = {"failures": failures, "window_start": start,
                          "locked_until": math.ceil(now + wait) if wait else 0}
                if row is None:
                    conn.execute(insert(lf).values(key=key, **values))
                else:
                    conn.execute(update(lf).where(lf.c.key == key).values(**values))
            self._prune(conn, int(now))
        return recent

    def _prune(self, conn, now: int) -> None:
        """Keep the failures table bounded: forget keys whose window and wait are over;
        past settings.login_max_failure_rows, forget the oldest ghost keys (unknown names) first."""
        lf = TABLES["login_failures"]
        conn.execute(delete(lf).where(lf.c.window_start < now - self.settings.login_window_s, lf.c.locked_until < now))
        count = conn.execute(select(func.count()).select_from(lf)).scalar() or 0
        bound = self.settings.login_max_failure_rows
        if count > bound:
            excess = count - bound
            for ghosts_only in (True, False):
                q = select(lf.c.key).order_by(lf.c.window_start).limit(excess)
                if ghosts_only:
                    q = q.where(lf.c.key.like("ghost-%"))
                old = list(conn.execute(q).scalars())
                if old:
                    conn.execute(delete(lf).where(lf.c.key.in_(old)))
                    excess -= len(old)
                if excess <= 0:
                    break

    def _succeeded(self, keys: dict[str, str]) -> None:
        """The person knows the password: their pair and account start afresh; the
        address gets back the attempt this login had reserved."""
        lf = TABLES["login_failures"]
        with write_conn(self.engine) as conn, conn.begin():
            conn.execute(delete(lf).where(lf.c.key.in_([keys["pair"], keys["account"]])))
            conn.execute(update(lf).where(lf.c.key == keys["address"], lf.c.failures > 0)
                         .values(failures=lf.c.failures - 1))

    def login(self, name: str, password: str, address: str) -> Session:
        now = time.time()
        row = self._user_row(name)
        keys = self._keys(name, address, known=row is not None)
        recent = self._reserve(keys, now)
        ok = False
        try:
            ok = self.hasher.verify(row["password_hash"] if row else self._dummy, password) and row is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or row["disabled"]:
            delay = min(self.settings.login_failure_delay_s * (recent + 1), 2.0)
            if delay > 0:
                time.sleep(delay)
            raise AccountError("bad_credentials", "wrong user name or password, or the account is disabled", "password")
        self._succeeded(keys)
        if self.hasher.check_needs_rehash(row["password_hash"]):
            users = TABLES["users"]
            with write_conn(self.engine) as conn, conn.begin():
                conn.execute(update(users).where(users.c.id == row["id"]).values(password_hash=self.hasher.hash(password)))
        return self.issue_token(self._principal(row))

    @staticmethod
    def _principal(row) -> Principal:
        return Principal(int(row["id"]), row["name"], row["role"], tuple(row["regions"] or ()))

    def issue_token(self, user: Principal) -> Session:
        token = secrets.token_urlsafe(32)
        now = time.time()
        expires = _iso(now + self.settings.token_days * 86400)
        with write_conn(self.engine) as conn, conn.begin():
            conn.execute(insert(TABLES["tokens"]).values(token_hash=token_hash(token), user_id=user.id,
                                                         created_at=_iso(now), expires_at=expires))
        return Session(token, expires, user)

    def authenticate(self, token: str) -> Principal | None:
        """The user a token belongs to, or None when unknown, expired, or the user is disabled."""
        tokens, users = TABLES["tokens"], TABLES["users"]
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users, tokens.c.expires_at).join(tokens, tokens.c.user_id == users.c.id)
                .where(tokens.c.token_hash == token_hash(token))
            ).mappings().first()
        if row is None or row["disabled"] or row["expires_at"] <= _iso(time.time()):
            return None
        return self._principal(row)

    def logout(self, token: str) -> None:
        with write_conn(self.engine) as conn, conn.begin():
            conn.execute(delete(TABLES["tokens"]).where(TABLES["tokens"].c.token_hash == token_hash(token)))


__all__ = ["Accounts", "AccountError", "Session", "ALL_REGIONS"]
