"""Network access shared by the Alpine mirror and the PyPI client."""
