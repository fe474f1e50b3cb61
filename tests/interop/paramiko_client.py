"""paramiko SSHClient -> burrowd. Run by paramiko.sh with /usr/bin/python3 (Debian's
python3-paramiko), never a python3 from PATH. Prints one PASS:/FAIL:/SKIP: line per case and
exits 1 if any case failed.

usage: paramiko_client.py PORT USER USER_KEY HOST_PUB_FILE MIB
"""

import base64
import hashlib
import logging
import os
import sys
import threading

import paramiko

CASES = ["paramiko_host_key_matches", "paramiko_exec", "paramiko_{mib}MiB_roundtrip"]


class KexLog(logging.Handler):
    """Keeps paramiko's debug lines about the peer's algorithm lists, for a failure message."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        msg = record.getMessage()
        if msg.startswith(("kex algos:", "server key:", "server encrypt:", "server mac:")):
            self.lines.append(msg)


def connect(port, user, key, host_pub):
    """A connected SSHClient that accepts only our host key for [127.0.0.1]:PORT."""
    keytype, blob = open(host_pub).read().split()[:2]
    client = paramiko.SSHClient()
    host_key = paramiko.Ed25519Key(data=base64.b64decode(blob))
    client.get_host_keys().add("[127.0.0.1]:%d" % port, keytype, host_key)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        "127.0.0.1",
        port=port,
        username=user,
        pkey=key,
        allow_agent=False,
        look_for_keys=False,
        timeout=15,
        banner_timeout=15,
        auth_timeout=15,
    )
    return client


def run_exec(client, command, stdin_data=None, timeout=120):
    """(stdout bytes, stderr bytes, exit status) of COMMAND; STDIN_DATA is written while the
    output is read, so neither side's window can stall the other."""
    chan = client.get_transport().open_session(timeout=15)
    chan.settimeout(timeout)
    chan.exec_command(command)
    writer = None
    errors = []
    if stdin_data is not None:

        def write():
            try:
                view = memoryview(stdin_data)
                for off in range(0, len(view), 32768):
                    chan.sendall(view[off : off + 32768])
                chan.shutdown_write()
            except Exception as e:  # reported by the caller
                errors.append(e)

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
    else:
        chan.shutdown_write()
    out = bytearray()
    err = bytearray()
    while True:
        if chan.recv_stderr_ready():
            err += chan.recv_stderr(65536)
            continue
        data = chan.recv(65536)
        if not data:
            break
        out += data
    while chan.recv_stderr_ready():
        err += chan.recv_stderr(65536)
    status = chan.recv_exit_status()
    if writer is not None:
        writer.join(timeout)
    # anything still buffered on stderr after the exit status arrived
    while chan.recv_stderr_ready():
        err += chan.recv_stderr(65536)
    chan.close()
    if errors:
        raise errors[0]
    return bytes(out), bytes(err), status


def main():
    port, user, key_file, host_pub, mib = (
        int(sys.argv[1]),
        sys.argv[2],
        sys.argv[3],
        sys.argv[4],
        int(sys.argv[5]),
    )
    cases = [c.format(mib=mib) for c in CASES]
    failed = 0

    def result(kind, name, why=""):
        nonlocal failed
        if kind == "FAIL":
            failed += 1
        print("%s: %s%s" % (kind, name, " (%s)" % why if why else ""), flush=True)

    kexlog = KexLog()
    tlog = logging.getLogger("paramiko.transport")
    tlog.setLevel(logging.DEBUG)
    tlog.addHandler(kexlog)

    key = paramiko.Ed25519Key.from_private_key_file(key_file)
    try:
        client = connect(port, user, key, host_pub)
    except paramiko.BadHostKeyException as e:
        for name in cases:
            result("FAIL", name, "server host key is not ours: %s" % e)
        return 1
    except paramiko.SSHException as e:
        msg = str(e)
        if msg.startswith("Incompatible ssh"):
            # No algorithm in common is a failure: burrowd must offer what paramiko speaks.
            topic = {"kex": "kex algos:", "host key": "server key:", "cipher": "server encrypt:", "mac": "server mac:"}
            wanted = [v for k, v in topic.items() if k in msg] or list(topic.values())
            offered = "; ".join(l for l in kexlog.lines if l.startswith(tuple(wanted)))
            msg = "paramiko %s: %s; burrowd offers %s" % (paramiko.__version__, msg, offered or "?")
        for name in cases:
            result("FAIL", name, "connect: %s: %s" % (type(e).__name__, msg))
        return 1
    except Exception as e:
        for name in cases:
            result("FAIL", name, "connect: %s: %s" % (type(e).__name__, e))
        return 1

    # connect() with RejectPolicy and only our key known succeeded: the key matched.
    result("PASS", cases[0])

    try:
        out, err, status = run_exec(client, "echo out; echo err >&2; exit 42")
        if status != 42:
            result("FAIL", cases[1], "exit status %d, want 42; stderr %r" % (status, err[:200]))
        elif out != b"out\n":
            result("FAIL", cases[1], "stdout %r, want b'out\\n'" % out[:200])
        elif b"err\n" not in err or b"out" in err:
            result("FAIL", cases[1], "stderr %r, want b'err\\n'" % err[:200])
        else:
            result("PASS", cases[1])
    except Exception as e:
        result("FAIL", cases[1], "%s: %s" % (type(e).__name__, e))

    try:
        data = os.urandom(mib * 1024 * 1024)
        out, err, status = run_exec(client, "cat", stdin_data=data)
        want = hashlib.sha256(data).hexdigest()
        got = hashlib.sha256(out).hexdigest()
        if status != 0:
            result("FAIL", cases[2], "exit status %d; stderr %r" % (status, err[:200]))
        elif got != want:
            result("FAIL", cases[2], "echoed %d bytes with sha256 %s, sent %d bytes with sha256 %s" % (len(out), got, len(data), want))
        else:
            result("PASS", cases[2])
    except Exception as e:
        result("FAIL", cases[2], "%s: %s" % (type(e).__name__, e))

    client.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
