"""Home's guided demo under AppTest: the action, the progress bar, the links to each step."""

from __future__ import annotations

import os

from backend.demo_story import STEPS, STORY_KIND, StepOutcome
from backend.store import utcnow

PAGE = "pages/home.py"


def _story_job(store, status: str, steps: int, progress: float, message: str = "") -> int:
    job = store.create_job(kind=STORY_KIND, name="Guided demo story", runner="thread")
    outcomes = [
        StepOutcome(s.key, s.title, s.page, summary=f"summary of {s.key}", seconds=12.0).to_dict()
        for s in STEPS[:steps]
    ]
    store.update_job(
        job.id,
        status=status,
        progress=progress,
        message=message,
        started_at=utcnow(),
        finished_at=None if status == "running" else utcnow(),
        result={"steps": outcomes, "seconds": 171.0, "finished": status == "succeeded"},
    )
    return job.id


def test_home_offers_the_demo_story_on_an_empty_workspace(app_test, store):
    at = app_test(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    button = next(b for b in at.button if b.key == "story-run")
    assert button.label == "Run the demo story"
    assert any("About 3 minutes on 2 CPU cores" in c.value for c in at.caption)
    assert not [b for b in at.button if (b.key or "").startswith("story-open-")]


def test_a_running_story_shows_one_progress_bar_and_its_finished_steps(app_test, store):
    # owned by another live process (a CLI), or the job manager marks it interrupted
    job = _story_job(
        store, "running", 2, 0.55, "Step 3/5: Fairness of the run next to the baseline"
    )
    store.update_job(job, owner_pid=os.getppid())
    at = app_test(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [b for b in at.button if b.key == "story-run"]  # one story at a time
    bars = at.get("progress")
    assert len(bars) == 1 and bars[0].proto.value == 55
    assert "Step 3/5: Fairness" in bars[0].proto.text
    opened = [b.key for b in at.button if (b.key or "").startswith("story-open-")]
    assert opened == ["story-open-audit", "story-open-finetune"]
    texts = [m.value for m in at.markdown]
    assert any("summary of finetune" in t for t in texts)
    assert any(":gray[3. Fairness of the run next to the baseline]" in t for t in texts)


def test_a_finished_story_links_every_step(app_test, store):
    _story_job(store, "succeeded", 5, 1.0, "Done: 5 steps")
    at = app_test(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("finished in 2 min 51 s" in s.value for s in at.success)
    opened = [b.key for b in at.button if (b.key or "").startswith("story-open-")]
    assert opened == [f"story-open-{s.key}" for s in STEPS]
    assert next(b for b in at.button if b.key == "story-run").label == "Run the demo story"


def test_a_failed_story_says_which_step(app_test, store):
    job = _story_job(store, "failed", 1, 0.3)
    store.update_job(job, error="Step 2 (Fine-tune that learns) failed: out of memory")
    at = app_test(PAGE).run()
    assert not at.exception
    assert any(
        "The demo story stopped: Step 2 (Fine-tune that learns)" in e.value for e in at.error
    )


def test_run_button_starts_the_story_job(app_test, store, settings):
    at = app_test(PAGE).run()
    next(b for b in at.button if b.key == "story-run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    jobs = store.list_jobs(kind=STORY_KIND)
    assert len(jobs) == 1 and jobs[0].name == "Guided demo story"
    # stop it (the whole story runs in tests/test_demo_story.py) and wait until its thread
    # has seen the request, so nothing of it runs on into the next test
    from components import state

    manager = state.job_manager()  # the page's manager: it owns the story's thread
    manager.cancel(jobs[0].id)
    assert manager.wait(jobs[0].id, timeout=300) == "cancelled"
    for job in store.list_jobs(kind="train"):
        manager.cancel(job.id, grace_s=1.0)


def test_cli_refuses_a_second_story_in_one_clear_line(store, capsys):
    from backend.cli import main

    job = _story_job(store, "running", 1, 0.2, "Step 2/5: Fine-tune that learns")
    store.update_job(job, owner_pid=os.getppid())
    assert main(["demo", "--story"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: The demo story is already running (job #{job})."]
