"""Runs a command on a new pseudo-terminal and answers its prompts, as a person at a terminal would.

usage: pty_run.py PROMPT ANSWER [PROMPT ANSWER ...] -- COMMAND [ARGS...]
Waits for each PROMPT in the output, then types ANSWER and Enter. Prints everything the terminal showed
and exits with the command's exit status. Standard library only (pty).
"""
import os
import pty
import select
import sys
import time

split = sys.argv.index("--")
pairs = sys.argv[1:split]
command = sys.argv[split + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(command[0], command)

shown = b""
searched = 0  # prompts are looked for after the previous one only


def read_until(token, timeout=30.0):
    global shown, searched
    deadline = time.time() + timeout
    while token not in shown[searched:] and time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return False
            if not data:
                return False
            shown += data
    if token not in shown[searched:]:
        return False
    searched = shown.index(token, searched) + len(token)
    return True


for index in range(0, len(pairs), 2):
    prompt, answer = pairs[index].encode(), pairs[index + 1].encode()
    if not read_until(prompt):
        break
    os.write(fd, answer + b"\n")

read_until(b"\x00", timeout=30.0)  # until the command closes the terminal
deadline = time.time() + 5
finished, status = os.waitpid(pid, os.WNOHANG)
while finished == 0 and time.time() < deadline:
    time.sleep(0.05)
    finished, status = os.waitpid(pid, os.WNOHANG)
if finished == 0:  # still waiting for input it will never get
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
sys.stdout.write(shown.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
