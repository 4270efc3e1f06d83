"""Python's side of io.shm4j.python.CliDifferentialTest: runs ``python3 -m shm4j`` commands in
this process, through ``shm4j.cli.main(argv)``, and prints what each did, for the Java test to
compare with the Java CLI.

    python3 -m tests.cli_diff < commands.json

Input, one JSON document: ``{"dir": DIR, "commands": [[ARG, ...], ...], "stdin": [B64, ...]}``;
each command runs as ``python3 -m shm4j --dir DIR ARG...`` would, with the bytes base64 ``B64``
(the command's entry of the optional ``stdin`` list) as standard input, else an empty one. Output, one JSON line per command:
``{"code": N, "out": STDOUT, "err": STDERR}``.
"""
import base64
import contextlib
import io
import json
import sys
import traceback

from shm4j import cli


def run_in_process(argv, stdin=b""):
    """``python3 -m shm4j argv...`` as cli.main in this process, reading ``stdin``: its exit code,
    stdout and stderr; an escaping exception as the interpreter would report it (exit 1, a traceback)."""
    out, err = io.StringIO(), io.StringIO()
    saved_stdin, sys.stdin = sys.stdin, io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as e:
            code = e.code
        except BaseException:  # reported as python3 would report it
            traceback.print_exc()
            code = cli.SOFTWARE
        finally:
            sys.stdin = saved_stdin
    return code, out.getvalue(), err.getvalue()


def main():
    request = json.load(sys.stdin)
    stdin = request.get("stdin") or [None] * len(request["commands"])
    for command, data in zip(request["commands"], stdin):
        code, out, err = run_in_process(["--dir", request["dir"], *command],
                                        b"" if data is None else base64.b64decode(data))
        print(json.dumps({"code": code, "out": out, "err": err}), flush=True)


if __name__ == "__main__":
    main()
