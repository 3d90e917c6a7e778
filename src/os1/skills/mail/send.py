"""Composing and sending mail over SMTP (TLS, STARTTLS, or plain on loopback), then filing a
copy in the Sent folder. Blocking; callers run it in a thread.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formataddr, formatdate, getaddresses, make_msgid

from os1.errors import InputError
from os1.skills.mail.accounts import Account
from os1.skills.mail.errors import MailError


def check_addresses(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for _, addr in getaddresses(list(values)):
        if not addr or "@" not in addr or any(c in addr for c in "\r\n<>,; "):
            raise InputError(f"'{addr or values}' is not an email address I can send to.")
        out.append(addr)
    if not out:
        raise InputError("Say who the mail is for.")
    return out


def compose(acct: Account, to: Sequence[str], subject: str, body: str, cc: Sequence[str] = (),
            in_reply_to: str = "", references: str = "", display_name: str = "") -> EmailMessage:
    if any(c in subject for c in "\r\n"):
        raise InputError("A subject cannot contain line breaks.")
    msg = EmailMessage()
    msg["From"] = formataddr((display_name, acct.email)) if display_name else acct.email
    msg["To"] = ", ".join(check_addresses(to))
    if cc:
        msg["Cc"] = ", ".join(check_addresses(cc))
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=acct.email.rpartition("@")[2] or None)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = (references or in_reply_to)[:2000]
    msg["X-Mailer"] = "os1"
    msg.set_content(body)
    return msg


def send_message(acct: Account, password: str, msg: EmailMessage, timeout: float = 30.0) -> None:
    where = f"{acct.smtp_host}:{acct.smtp_port}"
    try:
        if acct.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(acct.smtp_host, acct.smtp_port, timeout=timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(acct.smtp_host, acct.smtp_port, timeout=timeout)
        with smtp:
            if acct.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            smtp.login(acct.username, password)
            smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"The outgoing mail server {where} refused the login for "
                        f"{acct.username}; check the password with 'os1 mail add'.") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        who = ", ".join(exc.recipients)
        raise MailError(f"The mail server refused the recipient(s) {who}; nothing was sent.") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"Could not send through {where} ({exc}); nothing was sent.") from exc
