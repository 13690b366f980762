"""The app uvicorn serves: `uvicorn api.main:app`. Log records of the API process are masked from here on.

uvicorn configures only its own loggers; FOAD's (`foad.*`, e.g. the development-only one-time code in
`foad.otp`) get a handler here, at INFO, like the worker's.
"""

import logging

from api.app import create_app
from foad import logmask

logmask.install()
logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
logging.getLogger("foad").setLevel(logging.INFO)
app = create_app()
