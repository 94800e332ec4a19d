#!/usr/bin/env python3
"""Compares an original's pixels with its cleaned copy, read by pydicom (an independent decoder).

usage: pixel_diff.py ORIGINAL CLEANED MASKS.json TOLERANCE
MASKS.json: [[ [x, y, w, h], ... ] per frame]. Prints "outside=N inside_unmasked=M frames=F" where N counts
samples outside every mask that differ by more than TOLERANCE, M counts samples inside a mask that still
equal the original where the original was not already the fill (masking did nothing). Exit 0.
"""
import json, sys
import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import convert_color_space


def frames(path):
    ds = pydicom.dcmread(path)
    a = ds.pixel_array
    n = int(getattr(ds, "NumberOfFrames", 1) or 1)
    if n == 1:
        a = a[np.newaxis, ...]
    if ds.SamplesPerPixel == 3 and ds.PhotometricInterpretation.startswith("YBR") and \
            ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.50":
        a = np.stack([convert_color_space(f, ds.PhotometricInterpretation, "RGB") for f in a])
    return a.astype(np.int64)


orig, cleaned = frames(sys.argv[1]), frames(sys.argv[2])
masks = json.load(open(sys.argv[3]))
tol = int(sys.argv[4])
if orig.shape != cleaned.shape:
    print("shape %s != %s" % (orig.shape, cleaned.shape))
    sys.exit(1)
outside = 0
inside_same = 0
for k in range(orig.shape[0]):
    m = np.zeros(orig.shape[1:3], dtype=bool)
    for x, y, w, h in masks[k]:
        m[max(0, y):max(0, y + h), max(0, x):max(0, x + w)] = True
    diff = np.abs(orig[k] - cleaned[k])
    if diff.ndim == 3:
        diff = diff.max(axis=2)
    outside += int((diff[~m] > tol).sum())
    c = cleaned[k] if cleaned[k].ndim == 2 else cleaned[k].max(axis=2)
    inside_same += int(((c[m] != c[m].min()) if m.any() else np.zeros(0, bool)).sum())
print("outside=%d inside_unmasked=%d frames=%d" % (outside, inside_same, orig.shape[0]))
