#!/usr/bin/python3
"""Generates N synthetic 512x512 16-bit CT instances of one study (one series) for benchmarks.

usage: generate-ct.py OUTDIR N [STUDIES]
The header comes from pydicom's CT_small.dcm; pixels are random, UIDs fresh. With STUDIES > 1 the
instances are split into that many studies, each of its own patient, in OUTDIR/study-1 ... (one
folder per parallel sender).
"""
import os
import sys

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

out, count = sys.argv[1], int(sys.argv[2])
studies = int(sys.argv[3]) if len(sys.argv) > 3 else 1
if studies < 1 or studies > count:
    sys.exit("STUDIES must be 1 to N")
os.makedirs(out, exist_ok=True)
template = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
rng = np.random.default_rng(42)
per_study = -(-count // studies)
for i in range(count):
    k = i // per_study
    if i % per_study == 0:
        study, series, frame = generate_uid(), generate_uid(), generate_uid()
        folder = out if studies == 1 else os.path.join(out, f"study-{k + 1}")
        os.makedirs(folder, exist_ok=True)
    ds = template.copy()
    ds.PatientName = f"Bench^Patient{k + 1}"
    ds.PatientID = f"BENCH{k + 1:04d}"
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.InstanceNumber = i + 1
    ds.Rows, ds.Columns = 512, 512
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.PixelData = rng.integers(-1024, 3000, size=(512, 512), dtype=np.int16).tobytes()
    ds.save_as(os.path.join(folder, f"ct{i:04d}.dcm"), write_like_original=False)
