"""Enclave for JupyterLab 4: a prebuilt labextension; no server extension is needed."""

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "@enclave/jupyter-plugin"}]
