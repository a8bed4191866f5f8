"""Run the stand-in on its own: `python -m github_standin --port 8765`.

Prints the base URL on the first line of stdout, then serves until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .standin import DEFAULT_USER, GitHubStandIn


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line's options."""
    parser = argparse.ArgumentParser(
        prog="python -m github_standin", description="A local stand-in of GitHub's REST API."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    parser.add_argument("--owner", default="acme")
    parser.add_argument("--repo", default="churn-model")
    parser.add_argument("--token", default="test-token", help="a token that may do everything")
    parser.add_argument("--read-only-token", help="a token that may only read (a fork's PR)")
    parser.add_argument("--user", default=DEFAULT_USER, help="who the tokens act as")
    parser.add_argument("--state-file", help="write the state here as JSON on every change")
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; exit 0."""
    args = parse_args(argv)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    standin = GitHubStandIn(
        args.owner,
        args.repo,
        args.token,
        args.read_only_token,
        user=args.user,
        host=args.host,
        port=args.port,
        state_file=args.state_file,
        verbose=not args.quiet,
    )
    with standin:
        print(standin.base_url, flush=True)
        print(
            f"GitHub stand-in for {args.owner}/{args.repo} at {standin.base_url}; Ctrl-C stops",
            file=sys.stderr,
            flush=True,
        )
        stopping.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
