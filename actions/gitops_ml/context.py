"""The GitHub Actions run a command is part of: repository, commit, event, outputs, summary.

Outside Actions (a developer's shell) the same commands work: outputs are skipped and the
summary is printed.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .retry import DEFAULT_MAX_WAIT, MAX_WAIT_ENV, parse_max_wait


@dataclass
class Context:
    """What a command needs to know about where it runs."""

    repository: str = ""
    sha: str = ""
    token: str = ""
    api_url: str = "https://api.github.com"
    server_url: str = "https://github.com"
    run_id: str = ""
    event: dict[str, Any] = field(default_factory=dict)
    output_path: str = ""
    summary_path: str = ""
    max_wait: float = DEFAULT_MAX_WAIT

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Context:
        """Read the standard GITHUB_* variables and GITOPS_ML_MAX_WAIT (all optional).

        Raises ValueError when GITOPS_ML_MAX_WAIT is set but is not a number of seconds.
        """
        max_wait = env.get(MAX_WAIT_ENV, "").strip()
        event: dict[str, Any] = {}
        event_path = env.get("GITHUB_EVENT_PATH", "")
        if event_path and Path(event_path).is_file():
            try:
                event = json.loads(Path(event_path).read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                event = {}
        return cls(
            repository=env.get("GITHUB_REPOSITORY", ""),
            sha=env.get("GITHUB_SHA", ""),
            token=env.get("GITHUB_TOKEN", "") or env.get("GH_TOKEN", ""),
            api_url=env.get("GITHUB_API_URL", "") or "https://api.github.com",
            server_url=env.get("GITHUB_SERVER_URL", "") or "https://github.com",
            run_id=env.get("GITHUB_RUN_ID", ""),
            event=event,
            output_path=env.get("GITHUB_OUTPUT", ""),
            summary_path=env.get("GITHUB_STEP_SUMMARY", ""),
            max_wait=parse_max_wait(max_wait) if max_wait else DEFAULT_MAX_WAIT,
        )

    @property
    def run_url(self) -> str | None:
        """The link to this workflow run, when inside one."""
        if not (self.repository and self.run_id):
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def can_call_github(self) -> bool:
        """Whether a token and a repository are known."""
        return bool(self.token and self.repository)

    def set_output(self, name: str, value: str) -> None:
        """Set a step output (multi-line safe); a no-op outside Actions."""
        if not self.output_path:
            return
        delimiter = f"gitops_ml_{uuid.uuid4().hex}"
        with open(self.output_path, "a", encoding="utf-8") as handle:
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")

    def add_summary(self, markdown: str) -> None:
        """Append to the job summary; printed instead outside Actions."""
        if not self.summary_path:
            print(markdown)
            return
        with open(self.summary_path, "a", encoding="utf-8") as handle:
            handle.write(markdown.rstrip("\n") + "\n\n")
