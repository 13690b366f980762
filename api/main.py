"""The app uvicorn serves: `uvicorn api.main:app`. Logging (foad.logs) and tracing (foad.tracing) are set up here,
once per process, before the app is built.

uvicorn configured its own loggers before importing this module; foad.logs.setup hands them to the same
handler as FOAD's, so every line of the process has one format (FOAD_LOG_FORMAT), masked.
"""

from api.app import create_app
from foad import logs, tracing
from foad.settings import settings_or_exit

settings = settings_or_exit("api")  # a bad setting: one line per problem and exit 2, not a traceback
logs.setup(settings)
tracing.install(settings, service_name="foad-api")
app = create_app(settings)
