#!/usr/bin/python3
"""Generates N synthetic 512x512 16-bit CT instances of one study (one series) for benchmarks.

usage: generate-ct.py OUTDIR N
The header comes from pydicom's CT_small.dcm; pixels are random, UIDs fresh.
"""
import os
import sys

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
template = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
study, series, frame = generate_uid(), generate_uid(), generate_uid()
rng = np.random.default_rng(42)
for i in range(count):
    ds = template.copy()
    ds.PatientName = "Bench^Patient"
    ds.PatientID = "BENCH0001"
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.InstanceNumber = i + 1
    ds.Rows, ds.Columns = 512, 512
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.PixelData = rng.integers(-1024, 3000, size=(512, 512), dtype=np.int16).tobytes()
    ds.save_as(os.path.join(out, f"ct{i:04d}.dcm"), write_like_original=False)
