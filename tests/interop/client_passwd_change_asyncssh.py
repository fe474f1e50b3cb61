#!/usr/bin/python3
"""An asyncssh server that demands a password change (RFC 4252 8), for client_passwd_change_asyncssh.sh.

    client_passwd_change_asyncssh.py HOST_KEY PORT LOG_FILE

Only password authentication, for the user "expired": the password "old-pw" is right but expired
(PASSWD_CHANGEREQ "Password expired for expired"). A change request must carry the old password
"old-pw"; a new password shorter than 6 characters is asked for again ("Too short; choose
another"); "new-pw-ok" is accepted (the user is in); anything else fails. Each change request is
appended to LOG_FILE as "change OLD -> NEW". On success an exec request answers
"authenticated as USER" and exit status 0.
"""
import asyncio
import sys

import asyncssh

USER = "expired"
OLD = "old-pw"
NEW = "new-pw-ok"


class Server(asyncssh.SSHServer):
    def __init__(self, log_path):
        self.log_path = log_path

    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return True

    def validate_password(self, username, password):
        if username == USER and password == OLD:
            raise asyncssh.PasswordChangeRequired("Password expired for " + username)
        return False

    def change_password(self, username, old_password, new_password):
        with open(self.log_path, "a") as log:
            log.write("change %s -> %s\n" % (old_password, new_password))
        if username != USER or old_password != OLD:
            return False
        if len(new_password) < 6:
            raise asyncssh.PasswordChangeRequired("Too short; choose another")
        return new_password == NEW


def handle(process):
    process.stdout.write("authenticated as %s\n" % process.get_extra_info("username"))
    process.exit(0)


async def main(host_key, port, log_path):
    await asyncssh.create_server(lambda: Server(log_path), "127.0.0.1", port, server_host_keys=[host_key],
                                 process_factory=handle)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
