"""fixture_format.py - the text format of tests/fixtures/*.txt, shared by the make_fixtures*.py
scripts (the C side reads it with fixture_load in tests/testutil.c):

    # comment lines
    tensor NAME NDIM D0 D1 ...
    v0 v1 v2 ...      (8 values a line)
"""
import os

import torch


def tensor_lines(name, t, dtype=torch.float32, digits=9):
    """The lines of one tensor. dtype float32 writes what the C code will hold exactly (9 digits
    round-trip a float32); float64 with more digits keeps a double-precision reference."""
    t = torch.as_tensor(t).detach().to(dtype).contiguous()
    dims = " ".join(str(d) for d in t.shape)
    lines = [f"tensor {name} {t.dim()} {dims}".rstrip()]
    vals = [f"{v:.{digits}g}" for v in t.flatten().tolist()]
    for i in range(0, len(vals), 8):
        lines.append(" ".join(vals[i:i + 8]))
    return lines


def write_fixture(path, lines, header=()):
    """Write header lines then the tensor lines, through a temporary file and a rename."""
    with open(path + ".tmp", "w") as f:
        for h in header:
            f.write(h + "\n")
        f.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)
