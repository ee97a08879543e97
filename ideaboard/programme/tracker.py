"""What the public commitment tracker shows: each milestone and activity with its status, its dates and
its proof (evidence, the linked ideathon's archived board and report), and the signed agreements."""
from dataclasses import dataclass, field
from datetime import date

from ..dates import today
from ..evidence.services import evidence_for
from ..pilots.services import agreements_of
from ..policies import can_plan
from .models import Programme, WorkStatus
from .services import ideathons_of


@dataclass
class Progress:
    """How far the programme's commitments (milestones and activities together) have come."""

    total: int = 0
    by_status: dict = field(default_factory=lambda: {s: 0 for s in WorkStatus})
    late: int = 0

    @property
    def done_share(self) -> float:
        return self.by_status[WorkStatus.DONE] / self.total if self.total else 0.0


def progress_of(programme: Programme, day: date) -> Progress:
    progress = Progress()
    for milestone in programme.milestones:
        for item in (milestone, *milestone.activities):
            progress.total += 1
            progress.by_status[item.status_enum] += 1
            progress.late += item.is_late(day)
    return progress


def tracker_context(programme: Programme, user) -> dict:
    day = today()
    planner = can_plan(user)
    return {
        "today": day,
        "planner": planner,
        "progress": progress_of(programme, day),
        "agreements": agreements_of(programme, preview=planner),
        # An activity's proof: its own evidence and its ideathon's, as this visitor may see them.
        "evidence_by_activity": {activity.id: evidence_for(activity, viewer=user)
                                 for milestone in programme.milestones for activity in milestone.activities},
        "ideathons": ideathons_of(programme),
    }
