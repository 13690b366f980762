"""The app uvicorn serves: `uvicorn api.main:app`. Log records of the API process are masked from here on."""

from api.app import create_app
from foad import logmask

logmask.install()
app = create_app()
