#!/usr/bin/python3
"""A paramiko SSH server that only does keyboard-interactive (RFC 4256), for client_auth_paramiko.sh.

    client_kbdint_server.py HOST_KEY PORT READY_FILE

The user name picks the conversation; every answer must be right or the attempt fails:
  named   one round with a name, a two-line instruction and a hidden "Code: " prompt (answer "c0de")
  rounds  round 1: "Code: " (answer "c0de"); round 2: "Name: " echoed, "PIN: " hidden ("nm", "1234")
  info    round 1: no prompts, just an instruction (a PAM message); round 2: "Code: " ("c0de")
  echo    one round: "Name: " echoed, "Code: " hidden (answers "visible-name", "c0de")
On success an exec request answers "authenticated as USER" and exit status 0.
"""
import socket
import sys
import threading
import time

import paramiko

ROUNDS = {
    "named": [("Two-step login", "Line one of the instruction\nLine two", [("Code: ", False)], ["c0de"])],
    "rounds": [("", "", [("Code: ", False)], ["c0de"]),
               ("", "", [("Name: ", True), ("PIN: ", False)], ["nm", "1234"])],
    "info": [("", "Your password expires soon", [], []), ("", "", [("Code: ", False)], ["c0de"])],
    "echo": [("", "", [("Name: ", True), ("Code: ", False)], ["visible-name", "c0de"])],
}


def query(step):
    name, instruction, prompts, _ = step
    q = paramiko.InteractiveQuery(name, instruction)
    for text, echo in prompts:
        q.add_prompt(text, echo)
    return q


class Server(paramiko.ServerInterface):
    def __init__(self):
        self.user = None
        self.round = 0
        self.exec_done = threading.Event()

    def get_allowed_auths(self, username):
        return "keyboard-interactive"

    def check_auth_interactive(self, username, submethods):
        if username not in ROUNDS:
            return paramiko.AUTH_FAILED
        self.user = username
        self.round = 0
        return query(ROUNDS[username][0])

    def check_auth_interactive_response(self, responses):
        steps = ROUNDS.get(self.user, [])
        if self.round >= len(steps) or list(responses) != steps[self.round][3]:
            return paramiko.AUTH_FAILED
        self.round += 1
        if self.round < len(steps):
            return query(steps[self.round])
        return paramiko.AUTH_SUCCESSFUL

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel, command):
        self.exec_done.set()
        return True


def serve(sock, host_key):
    transport = paramiko.Transport(sock)
    transport.add_server_key(host_key)
    server = Server()
    try:
        transport.start_server(server=server)
        channel = transport.accept(30)
        # paramiko replies to the exec request after check_channel_exec_request returns: give the
        # reply a moment to leave before the output.
        if channel is not None and server.exec_done.wait(30):
            time.sleep(0.2)
            channel.sendall(("authenticated as %s\n" % server.user).encode())
            channel.send_exit_status(0)
            channel.shutdown_write()
            channel.close()
        while transport.is_active():
            transport.join(0.2)
    except Exception:
        pass
    finally:
        transport.close()


def main():
    host_key = paramiko.Ed25519Key.from_private_key_file(sys.argv[1])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[2])))
    listener.listen(8)
    with open(sys.argv[3], "w") as ready:
        ready.write("ready\n")
    while True:
        sock, _ = listener.accept()
        threading.Thread(target=serve, args=(sock, host_key), daemon=True).start()


if __name__ == "__main__":
    main()
