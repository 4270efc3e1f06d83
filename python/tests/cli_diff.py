"""Python's side of io.shm4j.python.CliDifferentialTest: runs ``python3 -m shm4j`` commands in
this process, through ``shm4j.cli.main(argv)``, and prints what each did, for the Java test to
compare with the Java CLI.

    python3 -m tests.cli_diff < commands.json

Input, one JSON document: ``{"dir": DIR, "commands": [[ARG, ...], ...]}``; each command runs as
``python3 -m shm4j --dir DIR ARG...`` would. Output, one JSON line per command:
``{"code": N, "out": STDOUT, "err": STDERR}``.
"""
import contextlib
import io
import json
import sys
import traceback

from shm4j import cli


def run_in_process(argv):
    """``python3 -m shm4j argv...`` as cli.main in this process: its exit code, stdout and stderr;
    an escaping exception as the interpreter would report it (exit 1, a traceback)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as e:
            code = e.code
        except BaseException:  # reported as python3 would report it
            traceback.print_exc()
            code = cli.SOFTWARE
    return code, out.getvalue(), err.getvalue()


def main():
    request = json.load(sys.stdin)
    for command in request["commands"]:
        code, out, err = run_in_process(["--dir", request["dir"], *command])
        print(json.dumps({"code": code, "out": out, "err": err}), flush=True)


if __name__ == "__main__":
    main()
