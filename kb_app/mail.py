"""Sending the service's mail through KB_MAIL_SERVER, or writing it to the log when no server is set."""
from __future__ import annotations

import logging
import smtplib
from email import policy
from email.message import EmailMessage
from typing import Any, Mapping

log = logging.getLogger(__name__)
# Headers folded at 998 (the protocol's limit) instead of 78: Python's folding of encoded words drops the
# space where it splits a non-ASCII subject ("Sprechstunde für" arrived as "Sprechstundefür"). A subject is
# cut to SUBJECT_CHARS so that even Arabic, encoded, stays on one line.
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)
SUBJECT_CHARS = 140


def send_mail(config: Mapping[str, Any], to: str, subject: str, body: str) -> bool:
    """Mail a plain-text message; True when it was sent, or written to the log because no mail server is set."""
    server = str(config.get("KB_MAIL_SERVER") or "").strip()
    if not server:
        log.warning("KB_MAIL_SERVER is empty, so this mail to %s is written here instead.\nSubject: %s\n\n%s",
                    to, subject, body)
        return True
    host, _, port = server.partition(":")
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = subject if len(subject) <= SUBJECT_CHARS else subject[:SUBJECT_CHARS - 1].rstrip() + "…"
    message["From"] = config.get("KB_MAIL_SENDER") or f"no-reply@{host}"
    message["To"] = to
    message.set_content(body)
    try:
        with smtplib.SMTP(host, int(port or 25), timeout=15) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        log.error("could not send mail to %s through %s: %s", to, server, exc)
        return False
    return True
