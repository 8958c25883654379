#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal, as a user's shell would, and saves every byte it
wrote to the terminal (stdout and stderr both go to it).

    pty_run.py --out FILE [--cols N] [--rows N] -- COMMAND [ARGS...]

Exits with the command's exit code. With --stdout FILE the command's stdout goes to that
file instead (a pipe-like file) while stderr stays on the terminal: how `cmd > file` runs.
"""
import argparse
import fcntl
import os
import pty
import struct
import sys
import termios


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="where the terminal's bytes are saved")
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--rows", type=int, default=30)
    ap.add_argument("--stdout", help="send the command's stdout to this file")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        ap.error("no command")
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", args.rows, args.cols, 0, 0))
        if args.stdout:
            out = os.open(args.stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, 1)
            os.close(out)
        os.environ.pop("COLUMNS", None)  # the window size, not an inherited variable
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    with open(args.out, "wb") as saved:
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the command closed the terminal
                break
            if not data:
                break
            saved.write(data)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
