"""Publish a model as a GitHub Release, idempotently, and safely when runs race.

GitHub lets several drafts share a tag and checks the tag only when a release is published
(422 `already_exists` on `tag_name` when a published release has it). So:

1. The tag is looked up in the paginated list of releases (a draft is not found by tag). A
   published release is checked against the local files: if they match there is nothing to
   do (or another run published it while this one worked); if they differ it is an error,
   and a published model is never overwritten.
2. Otherwise the draft with the lowest id is *the* draft of the tag. A run that finds none
   creates one and looks again: if an older draft is there, it deletes its own (still empty)
   draft and joins the older one. Any run may finish that draft, so a re-run finishes a
   half-made draft left by a crashed run.
3. Each file is uploaded unless the draft has it. A finished (`uploaded`) asset is never
   deleted: one that matches is kept, one that differs stops the run. An unfinished
   (`starter`) asset is given time to finish (another run may be uploading it), then
   replaced. An asset whose `digest` is null (GitHub may send null) is verified by
   downloading it and hashing its bytes.
4. SHA256SUMS goes last and elects the publisher: the run whose upload of it succeeds
   publishes the release in one update; a run that finds it already there waits, bounded,
   and publishes the release itself if that never happens (the other run died).
5. Publishing answers 422 `already_exists` when another draft of the tag was published first
   (runs that missed each other's draft): that release is checked as in 1, and this run's
   draft, now a duplicate, is deleted.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .checksums import SUMS_NAME, sha256_file
from .github import GitHub, GitHubError

UPLOAD_TRIES = 3
ROUNDS = 5
"""Look-ups of the tag before giving up (two suffice unless other runs keep changing it)."""
WAITS = (0.25, 0.5, 1.0, *[2.0] * 14)
"""Pauses between looks at another run's work (an upload, publishing): short at first, about
30 s in all. Then this run does the work itself."""

MISSING, UNFINISHED, MATCHES, DIFFERS, UNVERIFIED = (
    "missing",
    "unfinished",
    "matches",
    "differs",
    "unverified",
)


class PublishError(Exception):
    """Publishing cannot go on safely; the message says why."""


class Published(NamedTuple):
    """How publishing ended."""

    release: dict
    wrote: bool
    """This run wrote part of the published release: an asset, or the publishing itself."""
    by_other_run: bool
    """Another run published the release while this one was at work."""


class _DraftLost(Exception):
    """The draft being finished is gone, or another release of the tag was published first."""


def release_tag(date: str, sha: str) -> str:
    """`model-<yyyymmdd>-<short sha>` for the commit's date."""
    return f"model-{date}-{sha[:7]}"


def verdict(asset: dict | None, digest: str, content_sha: str | None = None) -> str:
    """How an asset compares with the local file whose SHA-256 is `digest`.

    MISSING, UNFINISHED (its upload is not complete), MATCHES, DIFFERS, or UNVERIFIED: it is
    complete but GitHub gave no digest, and `content_sha` (its downloaded bytes' SHA-256), when
    given, decides.
    """
    if asset is None:
        return MISSING
    if asset["state"] != "uploaded":
        return UNFINISHED
    reported = asset.get("digest") or ""
    actual = reported.removeprefix("sha256:") if reported.startswith("sha256:") else content_sha
    if actual is None:
        return UNVERIFIED
    return MATCHES if actual == digest else DIFFERS


def split_by_state(releases: list[dict]) -> tuple[dict | None, list[dict]]:
    """The published release among `releases` of one tag (GitHub allows one), and the
    drafts, oldest (lowest id) first."""
    published = next((r for r in releases if not r["draft"]), None)
    drafts = sorted((r for r in releases if r["draft"]), key=lambda r: r["id"])
    return published, drafts


def publish(
    gh: GitHub,
    *,
    tag: str,
    sha: str,
    files: dict[str, Path],
    digests: dict[str, str],
    body: str,
    log: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> Published:
    """Make the release of `tag` complete and published, whatever other runs do meanwhile.

    `files` maps asset names to local paths and must include SHA256SUMS; `digests` maps every
    name to its SHA-256. `sleep` is how this run waits for another run's upload or publishing.
    """
    return _Run(gh, tag, sha, files, digests, body, log, sleep).publish()


@dataclass
class _Run:
    """One run publishing one tag: what it created, uploaded and verified."""

    gh: GitHub
    tag: str
    sha: str
    files: dict[str, Path]
    digests: dict[str, str]
    body: str
    log: Callable[[str], None]
    sleep: Callable[[float], None]
    created: set[int] = field(default_factory=set)
    uploaded_to: set[int] = field(default_factory=set)
    verified_draft: int | None = None
    saw_it_unpublished: bool = False
    _content_shas: dict[int, str] = field(default_factory=dict)

    @property
    def order(self) -> list[str]:
        """The asset names in upload order: SHA256SUMS last."""
        return [n for n in self.files if n != SUMS_NAME] + [SUMS_NAME]

    def publish(self) -> Published:
        """Look the tag up and act on what is there, until the release is published."""
        for _ in range(ROUNDS):
            published, drafts = split_by_state(self.gh.releases_with_tag(self.tag))
            if published is not None:
                return self._settle(published)
            self.saw_it_unpublished = True
            if not drafts and not self.created:
                self._create_draft()
                continue
            draft = drafts[0] if drafts else self._own_draft()
            self._delete_own_drafts(but=draft["id"])
            try:
                return self._finish(draft)
            except _DraftLost as lost:
                self.log(str(lost))
            except GitHubError as err:
                if err.status != 404:
                    raise
                self.log(f"draft release {self.tag} (id {draft['id']}) is gone: {err}")
        raise PublishError(f"release {self.tag}: still changing after {ROUNDS} look-ups; run again")

    # ------------------------------------------------------------- drafts

    def _create_draft(self) -> None:
        draft = self.gh.create_release(
            tag_name=self.tag, target_commitish=self.sha, name=self.tag, body=self.body, draft=True
        )
        self.created.add(draft["id"])
        self.log(f"created draft release {self.tag} (id {draft['id']})")

    def _own_draft(self) -> dict:
        """The draft this run created, when the list does not show it yet."""
        draft = self.gh.release(min(self.created))
        if draft is None:
            raise PublishError(f"draft release {self.tag} vanished right after its creation")
        return draft

    def _delete_own_drafts(self, but: int | None = None) -> None:
        """Delete the drafts this run created, except `but`: an older one is being finished,
        or the release is published."""
        for release_id in sorted(self.created - {but}):
            self.log(f"deleting this run's draft of {self.tag} (id {release_id}): not needed")
            self.gh.delete_release(release_id)
            self.created.discard(release_id)

    def _finish(self, draft: dict) -> Published:
        """Upload what the draft lacks, verify it, and publish it (or see it published)."""
        release_id = draft["id"]
        self.log(f"finishing draft release {self.tag} (id {release_id})")
        existing = {a["name"]: a for a in self.gh.assets(release_id)}
        for name in self.order[:-1]:
            self._ensure(draft, name, existing.get(name))
        elected = self._ensure(draft, SUMS_NAME, existing.get(SUMS_NAME))
        wrong = self._wrong(release_id)
        if wrong:
            raise PublishError(
                f"release {self.tag}: asset(s) {wrong} do not match after upload; left as a draft"
            )
        self.verified_draft = release_id
        if not elected:
            published = self._await_publication(release_id)
            if published is not None:
                self.log(f"release {self.tag} was published by another run; its assets match ours")
                return Published(published, release_id in self.uploaded_to, True)
        try:
            release = self.gh.update_release(release_id, draft=False, make_latest="true")
        except GitHubError as err:
            if err.has_code("already_exists"):
                raise _DraftLost(f"another release {self.tag} was published first") from err
            raise
        self.log(f"published {self.tag} and marked it latest")
        return Published(release, True, False)

    def _await_publication(self, release_id: int) -> dict | None:
        """The release once another run publishes it; None if it stays a draft too long."""
        self.log(f"another run uploaded {SUMS_NAME} of {self.tag}: waiting for it to publish")
        for pause in WAITS:
            self.sleep(pause)
            release = self.gh.release(release_id)
            if release is None:
                raise _DraftLost(f"draft release {self.tag} (id {release_id}) was deleted")
            if not release["draft"]:
                return release
        self.log(f"release {self.tag} is still a draft: publishing it")
        return None

    # ------------------------------------------------------------- assets

    def _ensure(self, draft: dict, name: str, asset: dict | None) -> bool:
        """Make the draft hold `name` as the local file; True if this run's upload put it there.

        A finished asset is never deleted: another run uploaded it, or an earlier run did.
        """
        release_id, uploads = draft["id"], 0
        while True:
            state = self._verdict(asset, name)
            if state == MATCHES:
                return False
            if state == DIFFERS:
                raise PublishError(
                    f"draft release {self.tag} already has a finished {name} that differs from"
                    " the local file; finished assets are never deleted. Investigate, or delete"
                    " the draft to publish again."
                )
            if state == UNFINISHED and asset is not None:
                asset = self._await_upload(release_id, asset)
                continue
            uploads += 1
            try:
                uploaded = self.gh.upload_asset(draft, self.files[name], name)
            except GitHubError as err:
                conflict = err.status is None or err.has_code("already_exists")
                if not conflict or uploads == UPLOAD_TRIES:
                    raise
                # Another run's upload, or this run's own cut short (the client retries a
                # dropped connection itself, and then meets its own leftover).
                asset = self._find(release_id, name)
                continue
            self.uploaded_to.add(release_id)
            self.log(f"uploaded {name}")
            if self._verdict(uploaded, name) != MATCHES:
                raise PublishError(f"release {self.tag}: {name} does not match after upload")
            return True

    def _await_upload(self, release_id: int, asset: dict) -> dict | None:
        """The asset once its upload finishes; None once it is gone, or removed because its
        upload never finished (cut short, or its run died)."""
        name = asset["name"]
        self.log(f"{name} is being uploaded (state {asset['state']}): waiting for it to finish")
        for pause in WAITS:
            self.sleep(pause)
            found = self._find(release_id, name)
            if found is None or found["state"] == "uploaded":
                return found
            asset = found
        self.log(f"removing {name}: its upload never finished (state {asset['state']})")
        self.gh.delete_asset(asset)
        return None

    def _find(self, release_id: int, name: str) -> dict | None:
        return next((a for a in self.gh.assets(release_id) if a["name"] == name), None)

    def _verdict(self, asset: dict | None, name: str) -> str:
        """`verdict`, downloading the asset to hash it when GitHub gave no digest."""
        state = verdict(asset, self.digests[name])
        if state == UNVERIFIED and asset is not None:
            state = verdict(asset, self.digests[name], self._content_sha(asset))
        return state

    def _content_sha(self, asset: dict) -> str:
        """The SHA-256 of an asset's bytes, downloaded once per asset."""
        if asset["id"] not in self._content_shas:
            self.log(f"{asset['name']} has no digest: downloading it to verify it")
            with tempfile.TemporaryDirectory(prefix="gitops-ml-verify-") as tmp:
                path = Path(tmp) / "asset"
                self.gh.download_asset(asset, path)
                self._content_shas[asset["id"]] = sha256_file(path)
        return self._content_shas[asset["id"]]

    def _wrong(self, release_id: int) -> list[str]:
        """The names whose asset in the release is missing or differs from the local file."""
        assets = {a["name"]: a for a in self.gh.assets(release_id)}
        return [n for n in self.order if self._verdict(assets.get(n), n) != MATCHES]

    # ---------------------------------------------------------- published

    def _settle(self, published: dict) -> Published:
        """A published release of the tag: it must hold the local files; drafts of this run
        (and the one it verified, now a duplicate) go."""
        wrong = self._wrong(published["id"])
        duplicate = self.verified_draft
        if duplicate in self.created or duplicate == published["id"]:
            duplicate = None
        self._delete_own_drafts()
        if wrong:
            raise PublishError(
                f"release {self.tag} is already published but its asset(s) {wrong} differ from"
                " the local files (or are missing); refusing to overwrite a published model."
                " Investigate, or delete the release to publish again."
            )
        if duplicate is not None:
            self.log(f"deleting draft {duplicate} of {self.tag}: the published release has it all")
            self.gh.delete_release(duplicate)
        if not self.saw_it_unpublished:
            self.log(f"release {self.tag} is already complete: nothing to do")
            return Published(published, False, False)
        self.log(f"release {self.tag} was published by another run; its assets match ours")
        return Published(published, published["id"] in self.uploaded_to, True)
