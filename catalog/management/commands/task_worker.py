from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.tasks import task_backends


def worker_needed() -> bool:
    """Whether the configured backend needs a worker process (the immediate one does not)."""
    return type(task_backends["default"]).__name__ in ("DatabaseBackend", "RQBackend")


class Command(BaseCommand):
    help = (
        "Run the background-task worker of the configured backend (TASKS_BACKEND): the "
        "database worker, or an RQ worker. It runs until stopped (SIGINT or SIGTERM: the "
        "task under way finishes first); `make run` starts one beside the web server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    def handle(self, *args, batch, verbosity, **options):
        backend = type(task_backends["default"]).__name__
        if backend == "DatabaseBackend":
            call_command(
                "db_worker",
                queue_name="default",
                batch=batch,
                reload=False,
                startup_delay=not batch,
                verbosity=verbosity,
            )
        elif backend == "RQBackend":
            call_command(
                "rqworker",
                "default",
                job_class="django_tasks_rq.Job",
                with_scheduler=True,
                burst=batch,
                verbosity=verbosity,
            )
        else:
            raise CommandError(
                f"The task backend ({backend}) runs each task where it is queued: "
                "there is no worker to start."
            )
