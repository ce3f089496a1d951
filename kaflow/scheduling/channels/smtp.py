"""E-mail by SMTP: one message a notice, to the addresses of the users it is for.

The idempotency key is in the ``Message-ID`` (the same each time the notice is sent, so
a mail system that keeps message ids drops a second copy) and in
``X-Kaflow-Idempotency-Key``. STARTTLS and TLS check the server's certificate against
the system's authorities (``SSL_CERT_FILE`` names others).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from kaflow.scheduling.channels import Message, SendError, secret
from kaflow.scheduling.channels.config import Smtp


class SmtpSender:
    def __init__(self, channel: Smtp, environ: Mapping[str, str]) -> None:
        self.channel, self.environ = channel, environ

    def send(self, message: Message) -> str | None:
        to = [r.contacts["email"] for r in message.recipients if r.contacts.get("email")]
        if not to:
            names = ", ".join(r.name for r in message.recipients) or "no one"
            return f"no e-mail address for {names}"
        mail = self.mail(message, to)
        channel = self.channel
        try:
            with self._connect() as smtp:
                if channel.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if channel.username is not None:
                    password = secret(self.environ, channel.password_env)
                    smtp.login(channel.username, password or "")
                smtp.send_message(mail, to_addrs=to)
        except smtplib.SMTPResponseException as e:
            raise SendError(f"the server said {e.smtp_code} {_text(e.smtp_error)}") from None
        except smtplib.SMTPRecipientsRefused as e:
            codes = {f"{a} ({code} {_text(why)})" for a, (code, why) in e.recipients.items()}
            raise SendError(f"every recipient was refused: {', '.join(sorted(codes))}") from None
        except (smtplib.SMTPException, OSError, ValueError) as e:
            where = f"{channel.host}:{channel.port_or_default}"
            raise SendError(f"cannot send by {where}: {e or type(e).__name__}") from None
        return None

    def _connect(self) -> smtplib.SMTP:
        channel = self.channel
        port, timeout = channel.port_or_default, channel.timeout
        if channel.security == "tls":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(channel.host, port, timeout=timeout, context=context)
        return smtplib.SMTP(channel.host, port, timeout=timeout)

    def mail(self, message: Message, to: list[str]) -> EmailMessage:
        sender = self.channel.from_
        domain = parseaddr(sender)[1].rpartition("@")[2] or "kaflow.invalid"
        mail = EmailMessage()
        mail["From"] = sender
        mail["To"] = ", ".join(to)
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = f"<{message.key.replace(':', '.')}@{domain}>"
        mail["X-Kaflow-Idempotency-Key"] = message.key
        mail["X-Kaflow-Notice"] = str(message.notice.get("kind", ""))
        mail.set_content(body(message))
        return mail


def body(message: Message) -> str:
    """The notice for people: its sentence, what it is about, and whom it is for."""
    notice = message.notice
    lines = [message.text, ""]
    account = notice.get("account")
    if isinstance(account, dict):
        lines.append(f"Account: {account.get('name')} ({account.get('id')})")
    for label, key in (("Visit led by", "lead"), ("Due", "due_at"), ("Noticed", "noticed_at")):
        if notice.get(key):
            lines.append(f"{label}: {notice[key]}")
    if message.recipients:
        lines.append(f"For: {', '.join(r.name for r in message.recipients)}")
    lines += ["", f"-- kaflow notice {message.key} ({notice.get('kind', 'notice')})"]
    return "\n".join(lines) + "\n"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
