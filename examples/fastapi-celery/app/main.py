from fastapi import FastAPI

from app.tasks import version

MESSAGE = "hello from api v1"

app = FastAPI()


@app.get("/")
def root() -> dict:
    return {"message": MESSAGE}


@app.get("/task")
def task() -> dict:
    """Run a task on the Celery worker and return what the worker's code answered."""
    return {"result": version.delay().get(timeout=20)}
