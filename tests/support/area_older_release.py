"""What the older release tests share, in process and end to end."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from expctl.standin.experiments import seed_experiments
from expctl.standin.state import User
from tests.fakeposthog import FULL_KEY, FakePostHog, RunningServer
from tests.support.cli import Result, base_env, run


class Twin:
    """One project's data served twice: by the current and by the late-2024 release."""

    def __init__(self, home: Path) -> None:
        self.fakes = {flavour: self._project(FakePostHog(flavour)) for flavour in ("cloud", "legacy")}
        self.running = {flavour: RunningServer(fake) for flavour, fake in self.fakes.items()}
        self.home = home

    @staticmethod
    def _project(fake: FakePostHog) -> FakePostHog:
        """90 experiments by two people: a third running, a third ended, some archived, a
        few about pricing."""
        seed_experiments(fake, 90, running_every=3)
        with fake.store.lock:
            fake.store.users[2] = User(2, "otter@example.com", "Otter", current_team_id=1)
            for index, experiment in enumerate(sorted(fake.store.experiments.values(), key=lambda e: e["id"])):
                if index % 3 == 1:
                    experiment["start_date"] = fake.store.now() - timedelta(days=40 + index % 20)
                    experiment["end_date"] = fake.store.now() - timedelta(days=index % 25)
                if index % 10 == 9:
                    experiment["archived"] = True
                if index in (5, 17, 44):
                    experiment["name"] = f"Pricing test {index}"
                experiment["created_by"] = 1 if index % 2 else 2
        fake.clear_log()
        return fake

    def run(self, flavour: str, *args: str) -> Result:
        env = base_env(self.home)
        env.update({"EXPCTL_HOST": self.running[flavour].url, "EXPCTL_PROJECT": "1", "EXPCTL_API_KEY": FULL_KEY})
        return run(list(args), env)

    def both(self, *args: str) -> tuple[Result, Result]:
        return self.run("cloud", *args), self.run("legacy", *args)

    def stop(self) -> None:
        for running in self.running.values():
            running.stop()
