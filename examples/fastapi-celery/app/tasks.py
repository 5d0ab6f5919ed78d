import os

from celery import Celery

TASK_VERSION = "task v1"

celery = Celery(
    "app",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "redis://localhost:6379/1"),
)
celery.conf.beat_schedule = {"heartbeat": {"task": "app.tasks.version", "schedule": 30.0}}


@celery.task
def version() -> str:
    return TASK_VERSION
