"""paramiko -> burrowd: hostile and unusual session channel requests, built by hand. Run by
server_session_openssh.sh with /usr/bin/python3 (Debian's python3-paramiko). Prints one
PASS:/FAIL: line per case.

usage: server_session_paramiko.py PORT USER USER_KEY MODE [MAX_SESSIONS]
  MODE "requests": bad input on session channels; the server is configured with AcceptEnv LC_*
  MODE "maxsessions": the server has MaxSessions MAX_SESSIONS; one more channel must be refused
"""

import socket
import struct
import sys
import time

import paramiko
from paramiko.common import cMSG_CHANNEL_REQUEST, MSG_CHANNEL_FAILURE

TIMEOUT = 15


def request_failed(chan, m):
    """paramiko closes a channel whose request failed; the server keeps it, and so do we."""
    chan.request_was_refused = True
    chan.event_ready = True
    chan.event.set()


paramiko.Transport._channel_handler_table[MSG_CHANNEL_FAILURE] = request_failed


def send_request(chan, name, fill=None, want_reply=True):
    """Sends channel request NAME (payload written by FILL(message)); with want_reply, True
    when the server answered SUCCESS, False for FAILURE."""
    m = paramiko.Message()
    m.add_byte(cMSG_CHANNEL_REQUEST)
    m.add_int(chan.remote_chanid)
    m.add_string(name)
    m.add_boolean(want_reply)
    if fill:
        fill(m)
    chan.request_was_refused = False
    if want_reply:
        chan._event_pending()
    chan.transport._send_user_message(m)
    if not want_reply:
        return None
    chan._wait_for_event()
    return not chan.request_was_refused


def pty_payload(term="xterm", cols=80, rows=24, modes=b"\x00"):
    def fill(m):
        m.add_string(term)
        m.add_int(cols)
        m.add_int(rows)
        m.add_int(0)
        m.add_int(0)
        m.add_string(modes)
    return fill


def read_until(chan, marker, secs=TIMEOUT):
    """What the channel printed until MARKER appeared (or the time ran out)."""
    data = b""
    deadline = time.time() + secs
    chan.settimeout(0.5)
    while marker not in data and time.time() < deadline:
        try:
            chunk = chan.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        data += chunk
    return data


def shell_alive(chan, tag):
    """The shell on CHAN still answers."""
    chan.sendall(("echo alive-%s-$((6*7))\n" % tag).encode())
    return ("alive-%s-42" % tag).encode() in read_until(chan, ("alive-%s-42" % tag).encode())


def exec_output(transport, command, before=None):
    chan = transport.open_session(timeout=TIMEOUT)
    if before:
        before(chan)
    chan.exec_command(command)
    out = read_until(chan, b"\x00never\x00", secs=10)
    return out, chan.recv_exit_status()


results = []


def check(name, ok, why=""):
    results.append(ok)
    print(("PASS: %s" % name) if ok else ("FAIL: %s (%s)" % (name, why)), flush=True)


def case(name, fn, transport):
    try:
        ok, why = fn(transport)
    except Exception as e:  # a crash of the case is a failure of the case
        ok, why = False, "%s: %s" % (type(e).__name__, e)
    check(name, ok, why)


def unknown_request(t):
    chan = t.open_session(timeout=TIMEOUT)
    chan.get_pty()
    chan.invoke_shell()
    refused = send_request(chan, "burrow-nonsense@example.com", lambda m: m.add_string("x"))
    if refused is not False:
        return False, "unknown request with want-reply was not answered FAILURE"
    return shell_alive(chan, "unknown"), "the shell stopped answering after the refusal"


def pty_after_shell(t):
    chan = t.open_session(timeout=TIMEOUT)
    chan.get_pty()
    chan.invoke_shell()
    if send_request(chan, "pty-req", pty_payload()) is not False:
        return False, "a second pty-req after the shell started was accepted"
    chan2 = t.open_session(timeout=TIMEOUT)
    chan2.exec_command("sleep 1")
    if send_request(chan2, "pty-req", pty_payload()) is not False:
        return False, "a pty-req after exec started was accepted"
    return shell_alive(chan, "pty2"), "the shell stopped answering after the refusal"


def env_names(t):
    chan = t.open_session(timeout=TIMEOUT)

    def env(name, value):
        return send_request(chan, "env", lambda m: (m.add_string(name), m.add_string(value)))

    bad = [("LC_A=B", "x"), ("LC_\x01", "x"), ("LC_\x1b[31m", "x"), ("", "x")]
    for name, value in bad:
        if env(name, value) is not False:
            return False, "env name %r was accepted" % name
    if env("LC_BURROW_OK", "fine value\twith tab") is not True:
        return False, "env LC_BURROW_OK (AcceptEnv LC_*) was refused"
    if env("NOT_ACCEPTED", "x") is not False:
        return False, "env NOT_ACCEPTED (not in AcceptEnv) was accepted"
    chan.exec_command('printf "%s|%s" "$LC_BURROW_OK" "${NOT_ACCEPTED-unset}"')
    out = read_until(chan, b"\x00never\x00", secs=10)
    if out != b"fine value\twith tab|unset":
        return False, "the process saw %r" % out
    return True, ""


def huge_window(t):
    chan = t.open_session(timeout=TIMEOUT)
    if send_request(chan, "pty-req", pty_payload(cols=0xFFFFFFFF, rows=0x10000)) is not True:
        return False, "pty-req with huge sizes refused"
    chan.invoke_shell()
    chan.sendall(b"stty size; echo size-$((1+1))-done\n")
    first = read_until(chan, b"size-2-done\r\n")
    if b"65535 65535" not in first:
        return False, "stty size after the pty-req: %r" % first[-200:]
    send_request(chan, "window-change", lambda m: [m.add_int(v) for v in (0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)],
                 want_reply=False)
    send_request(chan, "window-change", lambda m: [m.add_int(v) for v in (100, 30, 0, 0)], want_reply=False)
    chan.sendall(b"stty size; echo again-$((1+1))-done\n")
    second = read_until(chan, b"again-2-done\r\n")
    if b"30 100" not in second:
        return False, "stty size after window-change: %r" % second[-200:]
    # A truncated window-change is ignored, the session goes on.
    send_request(chan, "window-change", lambda m: m.add_int(1), want_reply=False)
    return shell_alive(chan, "winch"), "the shell stopped answering"


def odd_modes(t):
    # opcode 150 (unknown, below 160: skipped with its uint32), ECHO off, then 200 (stops parsing)
    modes = bytes([150]) + struct.pack(">I", 7) + bytes([53]) + struct.pack(">I", 0) + bytes([200, 1, 2, 3])
    chan = t.open_session(timeout=TIMEOUT)
    if send_request(chan, "pty-req", pty_payload(modes=modes)) is not True:
        return False, "pty-req with unknown opcodes refused"
    chan.invoke_shell()
    # With ECHO off the typed line does not come back: only the computed answer does.
    chan.sendall(b"echo echo-off=$(stty -a | tr ' ' '\\n' | grep -cx -- -echo)\n")
    out = read_until(chan, b"echo-off=1")
    if b"echo-off=1" not in out or b"stty" in out:
        return False, "ECHO is not off on the pty: %r" % out[-300:]
    truncated = t.open_session(timeout=TIMEOUT)
    if send_request(truncated, "pty-req", pty_payload(modes=bytes([53, 0, 0]))) is not False:
        return False, "pty-req with truncated modes accepted"
    return shell_alive(chan, "modes"), "the shell stopped answering"


def signal_and_break(t):
    chan = t.open_session(timeout=TIMEOUT)
    chan.exec_command("sleep 30")
    time.sleep(0.5)
    if send_request(chan, "break", lambda m: m.add_int(500)) is not False:
        return False, "break without a pty answered SUCCESS"
    start = time.time()
    send_request(chan, "signal", lambda m: m.add_string("INT"), want_reply=False)
    read_until(chan, b"\x00never\x00", secs=10)  # returns at the channel's EOF
    if time.time() - start > 9:
        return False, "signal INT did not end sleep within 9 s"
    tty = t.open_session(timeout=TIMEOUT)
    tty.get_pty()
    tty.invoke_shell()
    if send_request(tty, "break", lambda m: m.add_int(0)) is not True:
        return False, "break on a pty answered FAILURE"
    return shell_alive(tty, "break"), "the shell stopped answering"


def refused_requests(t):
    chan = t.open_session(timeout=TIMEOUT)
    x11 = send_request(chan, "x11-req", lambda m: (m.add_boolean(False), m.add_string("MIT-MAGIC-COOKIE-1"),
                                                   m.add_string("00" * 16), m.add_int(0)))
    if x11 is not False:
        return False, "x11-req accepted"
    if send_request(chan, "subsystem", lambda m: m.add_string("no-such-subsystem")) is not False:
        return False, "unknown subsystem accepted"
    out, status = exec_output(t, "echo still-here")
    return out == b"still-here\n" and status == 0, "after the refusals: %r status %d" % (out, status)


def max_sessions(t, limit):
    chans = [t.open_session(timeout=TIMEOUT) for _ in range(limit)]
    try:
        t.open_session(timeout=TIMEOUT)
        return False, "session %d of MaxSessions %d was opened" % (limit + 1, limit)
    except paramiko.ChannelException as e:
        if e.code != 2:  # sshd: SSH2_OPEN_CONNECT_FAILED, "open failed"
            return False, "refused with reason %d %r, want 2 (connect failed) as sshd" % (e.code, e.text)
    chans[0].exec_command("true")
    chans[0].recv_exit_status()
    chans[0].close()
    time.sleep(0.5)
    out, status = exec_output(t, "echo reopened")
    if not out.endswith(b"reopened\n"):  # the server may force a command: "forced:echo reopened"
        return False, "after one closed, a new session gave %r" % out
    return True, ""


def main():
    port, user, key_file, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    key = paramiko.Ed25519Key.from_private_key_file(key_file)
    t = paramiko.Transport(("127.0.0.1", port))
    t.connect(username=user, pkey=key)
    if mode == "maxsessions":
        limit = int(sys.argv[5])
        case("session_maxsessions_%d" % limit, lambda tr: max_sessions(tr, limit), t)
    else:
        for name, fn in [
            ("session_unknown_request_failure", unknown_request),
            ("session_pty_req_after_start_refused", pty_after_shell),
            ("session_env_bad_names_refused", env_names),
            ("session_huge_window_sizes", huge_window),
            ("session_terminal_modes_unknown_opcodes", odd_modes),
            ("session_signal_and_break", signal_and_break),
            ("session_x11_and_unknown_subsystem_refused", refused_requests),
        ]:
            case(name, fn, t)
        out, status = exec_output(t, "echo connection-alive")
        check("session_connection_survives_bad_input", out == b"connection-alive\n" and status == 0,
              "final exec gave %r status %d" % (out, status))
    t.close()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
