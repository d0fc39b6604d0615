"""Run every benchmark and print its table: ``python -m bench [notebooks|conv|nms]``."""

import sys

from bench import conv, nms, notebooks

BENCHES = {"notebooks": notebooks.main, "conv": conv.main, "nms": nms.main}

chosen = sys.argv[1:] or list(BENCHES)
unknown = [name for name in chosen if name not in BENCHES]
if unknown:
    sys.exit(f"unknown benchmark {unknown}; choose from {sorted(BENCHES)}")
for name in chosen:
    BENCHES[name]()
