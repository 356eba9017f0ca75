"""Library noise off at the source, so the CLI's output is its own (one JSON object for `eval`).

Each knob names the library it quiets and why it is safe: none of them hides an error of ours.
"""

from __future__ import annotations

import logging
import os
import warnings

# Variables the libraries read at import time; setdefault keeps what a user set on purpose.
_ENV = {
    "HF_HUB_OFFLINE": "1",  # nothing may reach for the model hub
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",  # also hides the "Loading weights" bars of transformers 5
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "WANDB_SILENT": "true",  # the offline-mode notice went to stdout, ahead of eval's JSON
    "WANDB_MODE": "offline",
}
# bitsandbytes warns on every import that an optional CPU kernel from the hub is missing.
_LOGGERS_TO_ERROR = ("bitsandbytes", "transformers", "datasets", "wandb")


def quiet_libraries(dagster: bool = False) -> None:
    """Quiet the libraries; `dagster=True` also its beta/preview warnings (importing it costs ~1.5 s)."""
    for key, value in _ENV.items():
        os.environ.setdefault(key, value)
    for name in _LOGGERS_TO_ERROR:
        logging.getLogger(name).setLevel(logging.ERROR)
    if dagster:
        import dagster as dg

        # kg_snapshot's content-hash data version uses an API Dagster marks beta; we rely on it knowingly.
        warnings.filterwarnings("ignore", category=dg.BetaWarning)
        warnings.filterwarnings("ignore", category=dg.PreviewWarning)
