"""The app uvicorn serves: `uvicorn api.main:app`. Logging (infra.logs) and tracing (infra.tracing) are set up here,
once per process, before the app is built.

uvicorn configured its own loggers before importing this module; infra.logs.setup hands them to the same
handler as FOAD's, so every line of the process has one format (FOAD_LOG_FORMAT), masked.
"""

from api.app import create_app
from infra import logs, tracing
from infra.settings import settings_or_exit

settings = settings_or_exit("api")  # a bad setting: one line per problem and exit 2, not a traceback
logs.setup(settings)
tracing.install(settings, service_name="foad-api")
app = create_app(settings)
