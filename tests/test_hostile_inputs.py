"""The toolkit trusts nothing it is handed: names, tokens, waits, hosts and sizes (issue 13).

A release may name its files `../../x`; a pasted token may end in a newline; an endpoint may
ask for an hour's wait, redirect to any host, or send more bytes than it declared. Each test
here fails when the guard it is about is removed. Waits are injected: nothing really sleeps.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
from pathlib import Path

import pytest
import requests
import urllib3
import yaml
from conftest import REPO, TOKEN
from github_standin import Fault, GitHubStandIn
from gitops_ml import cli
from gitops_ml.checksums import render_sums
from gitops_ml.fetch import STAGING_PREFIX, FetchError, fetch_files
from gitops_ml.github import GitHub, GitHubError

ROOT = Path(__file__).resolve().parents[1]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _release(standin: GitHubStandIn, tag: str, files: dict[str, bytes], **listed: bytes) -> dict:
    """A release of `files` plus a SHA256SUMS listing them (and `listed`: name -> bytes)."""
    sums = render_sums({n: _sha(c) for n, c in {**files, **listed}.items()}).encode()
    return standin.add_release(tag, {**files, "SHA256SUMS": sums})


def _asset_id(release: dict, name: str) -> int:
    return next(a["id"] for a in release["assets"] if a["name"] == name)


def _downloads(standin: GitHubStandIn, asset_id: int | None = None) -> int:
    """Asset downloads asked of the API (`releases/assets/<id>`, any id when None)."""
    which = r"\d+" if asset_id is None else str(asset_id)
    return standin.count("GET", rf"/releases/assets/{which}$")


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


# ------------------------------------------- item 3: names that leave the folder


@pytest.mark.parametrize("hostile", ["../../x", "..\\..\\x", "sub/x", "..", "ABSOLUTE"])
def test_a_name_that_leaves_the_folder_is_refused_before_any_byte_is_written(
    gh_standin, client, tmp_path, hostile
):
    if hostile == "ABSOLUTE":
        (tmp_path / "abs").mkdir()
        hostile = str(tmp_path / "abs" / "x")
    destination = tmp_path / "a" / "b" / "champion"
    destination.parent.mkdir(parents=True)
    release = _release(gh_standin, "model-1", {hostile: b"evil", "model.skops": b"model"})
    with pytest.raises(FetchError, match="refusing names listed in SHA256SUMS") as caught:
        fetch_files(client, release, None, destination)
    assert repr(hostile) in str(caught.value)
    assert _files_under(tmp_path) == []
    # SHA256SUMS was read (into memory, to learn the names); nothing else was downloaded.
    assert _downloads(gh_standin) == 1


def test_a_requested_name_with_a_path_is_refused_before_any_download(gh_standin, client, tmp_path):
    release = _release(gh_standin, "model-1", {"model.skops": b"model"})
    with pytest.raises(FetchError, match=r"refusing the names asked for: '\.\./model.skops'"):
        fetch_files(client, release, ["../model.skops"], tmp_path / "a" / "champion")
    assert _downloads(gh_standin) == 0 and _files_under(tmp_path) == []


def test_a_listed_name_that_is_not_an_asset_of_the_release_is_refused(gh_standin, client, tmp_path):
    release = _release(gh_standin, "model-1", {"model.skops": b"model"}, **{"ghost.bin": b"x"})
    with pytest.raises(FetchError, match=r"\['ghost.bin'\] not assets of the release"):
        fetch_files(client, release, None, tmp_path / "champion")
    assert _downloads(gh_standin) == 1 and _files_under(tmp_path) == []


def test_a_wrong_digest_leaves_the_destination_as_it_was(gh_standin, client, tmp_path):
    good = {"metrics.json": b'{"roc_auc": 0.9}', "model.skops": b"model"}
    sums = render_sums({n: _sha(c) for n, c in good.items()}).encode()
    release = gh_standin.add_release(
        "model-2", {**good, "model.skops": b"evil", "SHA256SUMS": sums}
    )
    fresh, kept = tmp_path / "fresh", tmp_path / "kept"
    kept.mkdir()
    (kept / "model.skops").write_bytes(b"the model we had")
    for destination in (fresh, kept):
        with pytest.raises(FetchError, match="checksum mismatch: model.skops"):
            fetch_files(client, release, None, destination)
    assert not fresh.exists()
    assert _files_under(tmp_path) == [kept / "model.skops"]
    assert (kept / "model.skops").read_bytes() == b"the model we had"


def test_files_are_staged_beside_the_destination_then_renamed_into_place(
    gh_standin, client, tmp_path, monkeypatch
):
    release = _release(gh_standin, "model-1", {"model.skops": b"model", "m.json": b"{}"})
    destination = tmp_path / "champion"
    staged: list[Path] = []
    download = client.download_asset

    def spy(asset, path, **kwargs):
        staged.append(path)
        assert not destination.exists(), "a file reached the destination before verification"
        download(asset, path, **kwargs)

    monkeypatch.setattr(client, "download_asset", spy)
    placed = fetch_files(client, release, None, destination)
    assert sorted(placed) == ["SHA256SUMS", "m.json", "model.skops"]
    assert {p.parent.parent for p in staged} == {tmp_path}
    assert all(p.parent.name.startswith(STAGING_PREFIX) for p in staged)
    assert [p.name for p in tmp_path.iterdir()] == ["champion"]  # the staging folder is gone


# --------------------------------------------------- item 4: the token never shows


SECRET = "ghp_Zx9Qw3Er5Ty7Ui1Op2As4Df6Gh8Jk0LzXcVb"


def _forms_of_the_secret(text: str) -> list[str]:
    """Every 8-character piece of the secret found in `text` (raw, escaped, repr, stripped
    and partly masked forms all contain one)."""
    return [SECRET[i : i + 8] for i in range(len(SECRET) - 7) if SECRET[i : i + 8] in text]


@pytest.mark.parametrize(
    "token",
    [SECRET + "\n", SECRET + "\r\n", " " + SECRET, SECRET + "\t", SECRET[:20] + " " + SECRET[20:]]
    + [SECRET + "é", SECRET + "\x7f"],
)
def test_a_token_that_cannot_be_a_header_is_refused_without_showing_it(
    gh_standin, tmp_path, monkeypatch, capsys, token
):
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    for key, value in {
        "GITHUB_TOKEN": token,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": gh_standin.base_url,
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
    }.items():
        monkeypatch.setenv(key, value)
    assert cli.main(["fetch-model", "--dest", str(tmp_path / "champion")]) == 1
    out, err = capsys.readouterr()
    assert "holds whitespace or a character an HTTP header cannot carry" in err
    assert len(err.strip().splitlines()) == 1
    written = "".join(p.read_text() for p in (output, summary) if p.exists())
    assert _forms_of_the_secret(out + err + written) == []
    assert gh_standin.requests == []  # refused up front: nothing was sent


# ------------------------------------------------------- item 5: a budget for waits


def test_an_hour_of_retry_after_fails_at_once_naming_the_limit_and_the_reset(
    gh_standin, client, waits
):
    gh_standin.inject("GET", "/releases/latest", Fault.secondary_rate_limit(3600, code=429))
    with pytest.raises(GitHubError) as caught:
        client.latest_release()
    message = str(caught.value)
    assert waits == [] and "\n" not in message
    assert message.startswith("get the latest release failed: HTTP 429: secondary rate limit hit")
    assert "retry-after 3600s, so it resets at 1970-01-01 01:16:40 UTC" in message
    assert "600s left of 600s" in message and "max-wait" in message


def test_a_primary_rate_limit_past_the_budget_names_its_reset(gh_standin, waits):
    client = GitHub(TOKEN, REPO, gh_standin.base_url, sleep=waits.append, clock=time.time)
    gh_standin.inject("GET", "/releases/latest", Fault.primary_rate_limit(reset_in=3600))
    with pytest.raises(GitHubError, match="HTTP 403: primary rate limit hit") as caught:
        client.latest_release()
    assert waits == []
    reset = re.search(r"x-ratelimit-reset: it resets at (.+ UTC), in (\d+)s", str(caught.value))
    assert reset and 3595 <= int(reset[2]) <= 3605


def test_back_offs_stop_where_the_budget_ends(gh_standin, client, waits):
    gh_standin.inject("GET", "/releases/latest", Fault.secondary_rate_limit(), times=5)
    with pytest.raises(GitHubError, match="no reset time given; the next try would be in 480s"):
        client.latest_release()
    assert waits == [60.0, 120.0, 240.0] and gh_standin.count("GET", "/releases/latest") == 4


@pytest.fixture
def cli_env(monkeypatch, gh_standin, tmp_path) -> list[float]:
    """The CLI against the stand-in; returns the sleeps asked for (none really happen)."""
    for key, value in {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": gh_standin.base_url,
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GITOPS_ML_MAX_WAIT", raising=False)
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    good = {"model.skops": b"model"}
    gh_standin.add_release(
        "model-1", {**good, "SHA256SUMS": render_sums({"model.skops": _sha(b"model")}).encode()}
    )
    return slept


def test_the_cli_stops_past_the_budget_set_by_the_environment(
    gh_standin, cli_env, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("GITOPS_ML_MAX_WAIT", "5")
    gh_standin.inject("GET", "/releases/latest", Fault.secondary_rate_limit(7, code=429))
    assert cli.main(["fetch-model", "--dest", str(tmp_path / "champion")]) == 1
    err = capsys.readouterr().err
    assert cli_env == [] and len(err.strip().splitlines()) == 1
    assert "secondary rate limit hit (retry-after 7s, so it resets at" in err
    assert "5s left of 5s" in err


def test_the_cli_option_sets_the_budget(gh_standin, cli_env, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("GITOPS_ML_MAX_WAIT", "5")
    gh_standin.inject("GET", "/releases/latest", Fault.secondary_rate_limit(7, code=429))
    assert cli.main(["--max-wait", "10", "fetch-model", "--dest", str(tmp_path / "c")]) == 0
    assert cli_env == [7.0] and (tmp_path / "c" / "model.skops").read_bytes() == b"model"


def test_a_malformed_budget_is_one_clear_line(cli_env, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("GITOPS_ML_MAX_WAIT", "ten minutes")
    assert cli.main(["fetch-model", "--dest", str(tmp_path / "c")]) == 1
    err = capsys.readouterr().err
    assert "GITOPS_ML_MAX_WAIT / max-wait must be a number of seconds >= 0" in err


def _github_actions() -> list[Path]:
    """The actions whose steps run the toolkit with a token."""
    return [
        path
        for path in sorted((ROOT / "actions").glob("*/action.yml"))
        if "github-token" in (yaml.safe_load(path.read_text()).get("inputs") or {})
    ]


def test_the_github_actions_are_the_expected_ones():
    names = [p.parent.name for p in _github_actions()]
    assert names == ["drift", "fetch-model", "gate", "post-report", "promote", "publish", "report"]


@pytest.mark.parametrize("action", _github_actions(), ids=lambda p: p.parent.name)
def test_every_action_that_calls_github_passes_a_max_wait_input(action):
    spec = yaml.safe_load(action.read_text())
    wanted = spec["inputs"].get("max-wait")
    assert wanted and str(wanted["default"]) == "600" and wanted["description"]
    toolkit_steps = [s for s in spec["runs"]["steps"] if "gitops-ml" in s.get("run", "")]
    assert toolkit_steps
    for step in toolkit_steps:
        assert step["env"]["GITOPS_ML_MAX_WAIT"] == "${{ inputs.max-wait }}"
        assert "${{" not in step["run"]


# ------------------------------------------- a hostile or compromised API endpoint


def _redirect_elsewhere(standin: GitHubStandIn, asset_id: int) -> str:
    """The stand-in under another host name: `localhost`, not `127.0.0.1`."""
    port = standin.base_url.rsplit(":", 1)[1]
    return f"http://localhost:{port}/_objects/release-assets/{asset_id}"


def test_a_download_redirected_to_another_host_is_refused(gh_standin, client, tmp_path):
    release = _release(gh_standin, "model-1", {"model.skops": b"model"})
    sums_id = _asset_id(release, "SHA256SUMS")
    gh_standin.inject(
        "GET",
        rf"/releases/assets/{sums_id}$",
        Fault.redirect(_redirect_elsewhere(gh_standin, sums_id)),
    )
    with pytest.raises(GitHubError, match="refused to follow a URL on http://localhost:"):
        fetch_files(client, release, None, tmp_path / "champion")
    assert gh_standin.count("GET", "/_objects/") == 0 and _files_under(tmp_path) == []


def test_a_pagination_link_to_another_host_is_refused(gh_standin, client):
    port = gh_standin.base_url.rsplit(":", 1)[1]
    elsewhere = f"http://localhost:{port}/repos/{REPO}/releases?per_page=100&page=2"
    gh_standin.inject(
        "GET",
        r"/releases\?",
        Fault.status(200, body=[], headers={"Link": f'<{elsewhere}>; rel="next"'}),
    )
    with pytest.raises(GitHubError, match="refused to follow a URL on http://localhost:"):
        list(client.releases())
    assert gh_standin.count("GET", "/releases") == 1


def test_a_pagination_link_that_loops_is_refused(gh_standin, client):
    again = f"{gh_standin.base_url}/repos/{REPO}/releases?per_page=100&page=2"
    link = Fault.status(200, body=[], headers={"Link": f'<{again}>; rel="next"'})
    gh_standin.inject("GET", r"/releases\?", link, times=3)
    with pytest.raises(GitHubError, match="the pagination links loop"):
        list(client.releases())
    assert gh_standin.count("GET", "/releases") == 2
    gh_standin.clear_faults()


def test_an_asset_larger_than_its_declared_size_is_cut_off_and_refused(
    gh_standin, client, tmp_path
):
    # The checksum fits the bytes served: only the declared size gives the swap away.
    served = b"x" * 100_000
    sums = render_sums({"model.skops": _sha(served)}).encode()
    release = gh_standin.add_release("model-2", {"model.skops": b"model", "SHA256SUMS": sums})
    model_id = _asset_id(release, "model.skops")
    gh_standin.inject("GET", rf"/_objects/release-assets/{model_id}$", Fault.octets(served))
    with pytest.raises(FetchError, match="more than its declared 5: refused"):
        fetch_files(client, release, None, tmp_path / "champion")
    assert _files_under(tmp_path) == []


def test_an_asset_over_the_size_limit_is_refused_before_downloading(gh_standin, waits, tmp_path):
    client = GitHub(TOKEN, REPO, gh_standin.base_url, sleep=waits.append, max_asset_size=1000)
    release = _release(gh_standin, "model-1", {"model.skops": b"m" * 1001})
    with pytest.raises(FetchError, match="declared size 1001 bytes is over 1000: refused"):
        fetch_files(client, release, None, tmp_path / "champion")
    assert _downloads(gh_standin, _asset_id(release, "model.skops")) == 0
    assert _files_under(tmp_path) == []


class _Transport(requests.adapters.HTTPAdapter):
    """Answers from a table instead of the network, recording each URL and its credentials."""

    def __init__(self, table: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        super().__init__()
        self.table, self.sent = table, []

    def send(self, request, **kwargs):
        self.sent.append((request.url, request.headers.get("Authorization")))
        status, headers, body = self.table[request.url]
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body), headers=headers, status=status, preload_content=False
        )
        return self.build_response(request, raw)


API_ASSET = f"https://api.github.com/repos/{REPO}/releases/assets/7"
STORAGE = "https://release-assets.githubusercontent.com/github-production-release-asset/7?sig=s"


def _github_com(table) -> tuple[GitHub, _Transport]:
    transport, session = _Transport(table), requests.Session()
    session.mount("https://", transport)
    return GitHub(TOKEN, REPO, sleep=lambda s: None, session=session), transport


def test_on_github_com_the_token_never_follows_a_download_to_the_asset_host(tmp_path):
    client, transport = _github_com(
        {
            API_ASSET: (302, {"Location": STORAGE}, b""),
            STORAGE: (200, {"Content-Length": "5"}, b"model"),
        }
    )
    asset = {"name": "model.skops", "id": 7, "size": 5, "state": "uploaded"}
    client.download_asset(asset, tmp_path / "model.skops")
    assert (tmp_path / "model.skops").read_bytes() == b"model"
    assert transport.sent == [(API_ASSET, f"Bearer {TOKEN}"), (STORAGE, None)]


def test_an_asset_streamed_past_its_declared_size_is_cut_off(tmp_path):
    # No Content-Length to check up front: the count while reading stops it.
    client, _ = _github_com(
        {
            API_ASSET: (302, {"Location": STORAGE}, b""),
            STORAGE: (200, {}, b"x" * 200_000),
        }
    )
    asset = {"name": "model.skops", "id": 7, "size": 5, "state": "uploaded"}
    with pytest.raises(GitHubError, match="more bytes than its declared 5: cut off, refused"):
        client.download_asset(asset, tmp_path / "model.skops")
    assert not (tmp_path / "model.skops").exists()


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example/asset",
        "http://release-assets.githubusercontent.com/asset",  # not https
        "https://api.github.com.evil.example/asset",
        "https://api.github.com@evil.example/asset",
        "https://evil.example\\@api.github.com/asset",
    ],
)
def test_on_github_com_a_download_redirect_elsewhere_is_refused(tmp_path, location):
    client, transport = _github_com({API_ASSET: (302, {"Location": location}, b"")})
    asset = {"name": "model.skops", "id": 7, "size": 5, "state": "uploaded"}
    with pytest.raises(GitHubError, match="refused to follow a URL"):
        client.download_asset(asset, tmp_path / "model.skops")
    assert [url for url, _ in transport.sent] == [API_ASSET]
    assert not (tmp_path / "model.skops").exists()


def test_an_enterprise_api_host_trusts_itself_only():
    from gitops_ml.hosts import TrustedHosts

    ghe = TrustedHosts("https://GHE.example.com/api/v3")
    assert ghe.sends_token("https://ghe.example.com/api/uploads/repos/a/b/releases/1/assets")
    assert ghe.serves_assets("https://ghe.example.com/storage/releases/1")
    for elsewhere in (
        "https://objects.githubusercontent.com/x",
        "http://ghe.example.com/api/v3/x",
        "https://ghe.example.com:8443/x",
        "https://ghe.example.com.evil.example/x",
    ):
        assert not ghe.sends_token(elsewhere) and not ghe.serves_assets(elsewhere)


@pytest.mark.parametrize("api_url", ["ftp://api.github.com", "https://user@evil.example", ""])
def test_an_api_url_that_is_no_plain_http_url_is_refused(api_url):
    with pytest.raises(GitHubError, match="authenticate failed: no response: GITHUB_API_URL"):
        GitHub(TOKEN, REPO, api_url)
