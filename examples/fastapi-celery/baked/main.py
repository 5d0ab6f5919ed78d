from fastapi import FastAPI

MESSAGE = "hello from baked v1"

app = FastAPI()


@app.get("/")
def root() -> dict:
    return {"message": MESSAGE}
