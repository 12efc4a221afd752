"""A private Dovecot IMAP server for the tests: Debian's ``dovecot-imapd``, our own config.

It runs in the foreground (``dovecot -F -c conf``) from a temporary folder: its own
base and state folders, a passwd-file with one user, maildir storage, plain IMAP on a
free 127.0.0.1 port and no TLS. As root (CI), Dovecot refuses to run its login and
mail processes as root, so they run as the package's ``dovenull`` and ``dovecot`` users,
which then own the mail folder.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

from imapclient import IMAPClient

from devwiki import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "desk", "desk-password"


class Dovecot:
    """A running server; :meth:`append` delivers a message into a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        config = self._write_config()
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(64).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        log = self.folder / "dovecot.log"
        raise RuntimeError("dovecot did not start: " + (log.read_text() if log.exists() else ""))

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, folder: str, *messages: bytes) -> None:
        """Deliver messages (IMAP APPEND), in order, over one connection."""
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw)

    def settings(self, folder: str) -> dict[str, object]:
        return {
            "mail_imap_host": "127.0.0.1",
            "mail_imap_port": self.port,
            "mail_imap_ssl": False,
            "mail_imap_username": USER,
            "mail_imap_password": PASSWORD,
            "mail_imap_folder": folder,
        }

    def _write_config(self) -> Path:
        root = self.folder
        mail = root / "mail"
        mail.mkdir(parents=True, exist_ok=True)
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        if os.getuid() == 0:
            internal, login = "dovecot", "dovenull"
            owner = pwd.getpwnam("dovecot")
            uid, gid = owner.pw_uid, owner.pw_gid
            os.chown(mail, uid, gid)
        else:
            internal = login = pwd.getpwuid(os.getuid()).pw_name
            uid, gid = os.getuid(), os.getgid()
        config = root / "dovecot.conf"
        config.write_text(
            f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = {min(uid, 1)}
default_internal_user = {internal}
default_login_user = {login}
mail_location = maildir:{mail}/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
        )
        return config
