"""Screenshot a pull request's report comment for the README (maintainers).

    python tools/screenshot_report.py                  bake, train, report: docs/report-comment.png
    python tools/screenshot_report.py --markdown FILE  screenshot this report instead (restyling)

The report is a real one, made the way a user gets it: the default project is baked with
cookiecutter, set up (`make setup`) and trained (`make repro`); four releases go to a local
stand-in of GitHub's API, the newest (the champion) carrying the trained model's own files and
ROC curve, the older ones slightly different metrics; a branch changes `n_estimators`, trains
again, and `gitops-ml report` writes the pull request's report to the job summary.

That Markdown becomes a page styled like a GitHub comment (markdown-it-py), with Mermaid, from
tests/mermaid/node_modules, drawing the charts as GitHub does in the browser. Debian's chromium,
headless, measures the page, checks that every chart was drawn, and takes the screenshot. The
report, the page and the bake's log are left in build/screenshot/. The browser reaches nothing:
the page loads only local files, and chromium resolves no host name (`make setup` installs from
uv's cache, or from the package index when that is cold). Commits have fixed dates, so the same
template gives the same picture, byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from github_standin import GitHubStandIn
from gitops_ml.checksums import render_sums
from markdown_it import MarkdownIt
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUILD = ROOT / "build" / "screenshot"
OUTPUT = ROOT / "docs" / "report-comment.png"
MERMAID_JS = ROOT / "tests" / "mermaid" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
CHROMIUM = Path("/usr/bin/chromium")
APT_PACKAGES = ("chromium", "fonts-noto-color-emoji")
"""The browser, and colour emoji for the report's marks (🟢 🔴 ✅ …) as GitHub shows them."""
WIDTH = 900
MAX_BYTES = 400_000

TOKEN = "screenshot-token"
REPOSITORY = "acme/churn-model"
PULL_REQUEST = 42
BRANCH = "more-trees"
TREES = 300
COMMIT_DATE = "2026-03-05T09:30:00+00:00"
RELEASE_DATES = ("20260112", "20260203", "20260219", "20260305")
"""The releases' dates, oldest first; the last is the champion's."""
HISTORY_STEPS = {"roc_auc": -0.006, "f1": -0.011, "log_loss": 0.004}
"""How much worse, per release further back, each metric of the older releases is."""


# --------------------------------------------------------------------------- the report


def project_env() -> dict[str, str]:
    """The environment of the project's commands: this one, without GitHub's or MLflow's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GITHUB_", "MLFLOW_", "DVC_", "GIT_"))
    }
    env.update(
        DVC_NO_ANALYTICS="1",
        GIT_AUTHOR_NAME="Screenshot",
        GIT_AUTHOR_EMAIL="screenshot@example.com",
        GIT_COMMITTER_NAME="Screenshot",
        GIT_COMMITTER_EMAIL="screenshot@example.com",
        # Fixed dates: the same bake gives the same commits, so the same tags and picture.
        GIT_AUTHOR_DATE=COMMIT_DATE,
        GIT_COMMITTER_DATE=COMMIT_DATE,
    )
    return env


def step(log: Path, cwd: Path, *cmd: str | Path, env: dict[str, str] | None = None) -> str:
    """Run one command, its output appended to `log`; stop with the log's tail if it fails."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(map(str, cmd))}\n")
        out.flush()
        done = subprocess.run(
            [str(c) for c in cmd],
            cwd=cwd,
            env=env or project_env(),
            stdout=subprocess.PIPE,
            stderr=out,
            text=True,
        )
        out.write(done.stdout)
    if done.returncode:
        tail = log.read_text(encoding="utf-8")[-3000:]
        sys.exit(f"screenshot: '{' '.join(map(str, cmd))}' failed; the log ends:\n{tail}")
    return done.stdout


def commit(project: Path, log: Path, message: str) -> str:
    """Commit everything in the project; return the commit's hash."""
    step(log, project, "git", "add", "-A")
    step(log, project, "git", "commit", "-q", "-m", message)
    return step(log, project, "git", "rev-parse", "HEAD").strip()


def release_files(project: Path, metrics: dict[str, float]) -> dict[str, bytes]:
    """A release's assets, as `publish` makes them: the project's files with `metrics`, the
    ROC curve as `roc.csv`, and SHA256SUMS."""
    contents = {
        "model.skops": (project / "models" / "model.skops").read_bytes(),
        "metrics.json": (json.dumps(metrics, indent=2) + "\n").encode(),
        "params.yaml": (project / "params.yaml").read_bytes(),
        "dvc.lock": (project / "dvc.lock").read_bytes(),
        "roc.csv": (project / "plots" / "roc.csv").read_bytes(),
    }
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()}
    contents["SHA256SUMS"] = render_sums(digests).encode()
    return contents


def older_metrics(metrics: dict[str, float], age: int) -> dict[str, float]:
    """The metrics of a release `age` releases before the champion: a little worse, unevenly."""
    wobble = 0.35 * (age % 2)
    return {
        name: round(value + HISTORY_STEPS.get(name, 0.0) * (age + wobble), 6)
        for name, value in metrics.items()
    }


def history(project: Path, base: str) -> list[tuple[str, str, dict[str, bytes]]]:
    """Four releases (tag, commit, assets), oldest first, of the model trained at `base`: the
    newest, the champion, is that model; the older ones differ in their metrics."""
    metrics = json.loads((project / "metrics.json").read_text(encoding="utf-8"))
    releases = []
    for age, date in zip(range(len(RELEASE_DATES) - 1, -1, -1), RELEASE_DATES, strict=True):
        sha = base if age == 0 else hashlib.sha1(date.encode()).hexdigest()
        shown = metrics if age == 0 else older_metrics(metrics, age)
        releases.append((f"model-{date}-{sha[:7]}", sha, release_files(project, shown)))
    return releases


def set_trees(project: Path, trees: int) -> None:
    """The pull request's change: the forest's size in params.yaml."""
    params = project / "params.yaml"
    text = params.read_text(encoding="utf-8")
    changed = re.sub(r"n_estimators: \d+", f"n_estimators: {trees}", text, count=1)
    if changed == text:
        sys.exit("screenshot: no `n_estimators: <number>` in the baked params.yaml")
    params.write_text(changed, encoding="utf-8")


def make_report(work: Path, log: Path) -> str:
    """Bake, set up, train, release, change, retrain and report; return the report's Markdown."""
    started = time.perf_counter()
    print("bake the default project, make setup, make repro", flush=True)
    step(log, ROOT, BIN / "cookiecutter", "--no-input", ROOT, "-o", work)
    project = work / "churn-model"
    step(log, project, "make", "setup", f"UV={BIN / 'uv'}")
    commit(project, log, "Bake the project")
    step(log, project, "make", "repro")
    base = commit(project, log, "Train the first model")
    releases = history(project, base)
    print(f"change n_estimators to {TREES} on a branch, make repro", flush=True)
    step(log, project, "git", "checkout", "-q", "-b", BRANCH)
    set_trees(project, TREES)
    step(log, project, "make", "repro")
    head = commit(project, log, "More trees")
    print("gitops-ml report, against a local stand-in of GitHub's API", flush=True)
    with GitHubStandIn(token=TOKEN) as github:
        for tag, sha, assets in releases:
            github.add_release(tag, assets, target_commitish=sha)
        github.add_pull_request(
            PULL_REQUEST, head_sha=head, base_sha=base, head_ref=BRANCH, title="More trees"
        )
        event = work / "event.json"
        pull = {"number": PULL_REQUEST, "base": {"ref": "main"}, "head": {"sha": head}}
        event.write_text(json.dumps({"pull_request": pull}), encoding="utf-8")
        summary = work / "summary.md"
        env = project_env() | {
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_API_URL": github.base_url,
            "GITHUB_SHA": head,
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_RUN_ID": "4242",
        }
        gitops_ml = project / ".venv" / "bin" / "gitops-ml"
        step(log, project, gitops_ml, "report", "--no-comment", "--project", project, env=env)
        github.assert_contract()
    print(f"   ({time.perf_counter() - started:.0f}s)")
    return summary.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the page

CSS = """
body { margin: 0; padding: 16px; background: #fff; color: #1f2328;
  font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial,
    sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"; }
.timeline { display: flex; gap: 16px; align-items: flex-start; }
.avatar { flex: none; width: 40px; height: 40px; }
.comment { flex: 1; min-width: 0; border: 1px solid #d1d9e0; border-radius: 6px; }
.header { display: flex; align-items: center; gap: 6px; padding: 8px 16px; color: #59636e;
  background: #f6f8fa; border-bottom: 1px solid #d1d9e0; border-radius: 6px 6px 0 0; }
.header strong { color: #1f2328; }
.label { padding: 0 7px; font-size: 12px; font-weight: 500; line-height: 18px;
  border: 1px solid #d1d9e0; border-radius: 2em; }
.markdown-body { padding: 16px; overflow-wrap: break-word; }
.markdown-body > :first-child { margin-top: 0 !important; }
.markdown-body > :last-child { margin-bottom: 0 !important; }
h2, h3 { margin: 24px 0 16px; font-weight: 600; line-height: 1.25; }
h2 { font-size: 1.5em; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0b3; }
h3 { font-size: 1.25em; }
p, table, pre { margin: 0 0 16px; }
a { color: #0969da; text-decoration: none; }
code { padding: .2em .4em; font-size: 85%; white-space: break-spaces; border-radius: 6px;
  background: #818b981f;
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono",
    "DejaVu Sans Mono", monospace; }
table { display: block; width: max-content; max-width: 100%; overflow: auto;
  border-spacing: 0; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 13px; border: 1px solid #d1d9e0; }
th { font-weight: 600; }
tr { background: #fff; border-top: 1px solid #d1d9e0b3; }
tr:nth-child(2n) { background: #f6f8fa; }
sub { font-size: 75%; color: #59636e; }
pre.mermaid { margin: 0 0 16px; padding: 8px 0; text-align: center; background: none; }
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
  content="default-src 'none'; script-src file: 'unsafe-inline'; style-src 'unsafe-inline';
    img-src data:; font-src data:">
<title>Model report</title>
<style>{css}</style>
<script src="{mermaid}"></script>
</head>
<body>
<div class="timeline">
  <svg class="avatar" viewBox="0 0 40 40" aria-hidden="true">
    <circle cx="20" cy="20" r="20" fill="#2088ff"/>
    <circle cx="20" cy="20" r="11" fill="none" stroke="#fff" stroke-width="2.5"/>
    <path d="M17 14.5v11l8.5-5.5z" fill="#fff"/>
  </svg>
  <div class="comment">
    <div class="header"><strong>github-actions</strong> <span class="label">bot</span>
      commented now</div>
    <div class="markdown-body">
{body}
    </div>
  </div>
</div>
<script>
mermaid.initialize({{ startOnLoad: false }});
mermaid.run({{ querySelector: "pre.mermaid" }})
  .catch((error) => {{ document.body.dataset.error = String(error); }})
  .finally(() => {{
    document.body.dataset.height = document.documentElement.scrollHeight;
  }});
</script>
</body>
</html>
"""


def to_html(report: str) -> str:
    """The report as a page like GitHub's comment: ```mermaid blocks become `<pre
    class="mermaid">` for Mermaid to draw. HTML in the report stays on, as GitHub keeps it
    (`<sub>`, the hidden marker): the report writes every project value escaped."""
    renderer = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    default_fence = renderer.renderer.rules["fence"]

    def fence(self, tokens, index, options, env) -> str:
        token = tokens[index]
        if token.info.strip() == "mermaid":
            return f'<pre class="mermaid">{html.escape(token.content)}</pre>\n'
        return default_fence(tokens, index, options, env)

    renderer.add_render_rule("fence", fence)
    return PAGE.format(css=CSS, mermaid=MERMAID_JS.as_uri(), body=renderer.render(report))


# --------------------------------------------------------------------------- the screenshot


def ensure_tools() -> None:
    """Install Debian's chromium and colour emoji when missing (as root); find Mermaid."""
    missing = [package for package in APT_PACKAGES if not installed(package)]
    if missing:
        if os.geteuid() != 0:
            sys.exit(f"screenshot: install {' '.join(missing)} (apt-get install -y ...)")
        print(f"apt-get install {' '.join(missing)}", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True)
    if not MERMAID_JS.is_file():
        sys.exit(
            f"screenshot: no {MERMAID_JS.relative_to(ROOT)}: run `python3 tasks.py quick -k"
            " charts` (or `npm ci` in tests/mermaid) first"
        )


def installed(package: str) -> bool:
    """Whether dpkg has `package` installed."""
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
    )
    return done.stdout.strip() == "install ok installed"


def chromium(page: Path, *flags: str) -> str:
    """Run headless chromium on `page` with a fresh profile, resolving no host; its stdout."""
    with tempfile.TemporaryDirectory(prefix="screenshot-chromium-") as profile:
        done = subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={profile}",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                "--virtual-time-budget=10000",
                *flags,
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
    if done.returncode:
        sys.exit(f"screenshot: chromium failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def measure(page: Path) -> int:
    """The page's height once Mermaid has run; stop if a chart was not drawn."""
    dom = chromium(page, f"--window-size={WIDTH},1000", "--dump-dom")
    error = re.search(r'<body[^>]*data-error="([^"]*)"', dom)
    if error:
        sys.exit(f"screenshot: Mermaid failed: {html.unescape(error.group(1))}")
    charts = re.findall(r'<pre class="mermaid"[^>]*>(.*?)</pre>', dom, re.S)
    drawn = [c for c in charts if "<svg" in c and 'roledescription="error"' not in c]
    if not charts or len(drawn) != len(charts):
        sys.exit(f"screenshot: Mermaid drew {len(drawn)} of {len(charts)} chart(s)")
    height = re.search(r'<body[^>]*data-height="(\d+)"', dom)
    if not height:
        sys.exit("screenshot: the page did not finish (no data-height on <body>)")
    return int(height.group(1))


def screenshot(page: Path, height: int, target: Path) -> None:
    """A WIDTH × `height` screenshot of `page`, as a small PNG at `target`."""
    raw = page.with_suffix(".raw.png")
    chromium(page, f"--window-size={WIDTH},{height}", f"--screenshot={raw}")
    image = Image.open(raw).convert("RGB")
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, optimize=True)
    if target.stat().st_size > MAX_BYTES:
        image.quantize(colors=256, dither=Image.Dither.NONE).save(target, optimize=True)


# --------------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    """Make (or read) the report, render it, screenshot it; return the exit code."""
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--markdown", type=Path, help="screenshot this report instead")
    options.add_argument("--out", type=Path, default=OUTPUT, help="the PNG (default: %(default)s)")
    args = options.parse_args(argv)
    started = time.perf_counter()
    ensure_tools()
    BUILD.mkdir(parents=True, exist_ok=True)
    if args.markdown:
        report = args.markdown.read_text(encoding="utf-8")
    else:
        log = BUILD / "bake.log"
        log.write_text("", encoding="utf-8")
        with tempfile.TemporaryDirectory(prefix="screenshot-report-") as work:
            report = make_report(Path(work), log)
        (BUILD / "report.md").write_text(report, encoding="utf-8")
    page = BUILD / "report.html"
    page.write_text(to_html(report), encoding="utf-8")
    height = measure(page)
    screenshot(page, height, args.out)
    with Image.open(args.out) as image:
        size = f"{image.width} × {image.height} px"
    print(f"wrote {args.out} ({size}, {args.out.stat().st_size:,} bytes) from {page}")
    print(f"took {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
