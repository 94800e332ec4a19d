#!/usr/bin/python3
"""Writes one synthetic multi-frame 512x512 16-bit Enhanced CT object of about SIZE MiB.

usage: generate-multiframe.py OUTFILE SIZE_MIB
The header comes from pydicom's CT_small.dcm; the pixel data are written in 1 MiB chunks straight
to the file (never held whole), each frame's bytes differing, so that copies can be compared.
"""
import struct
import sys

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

out, mib = sys.argv[1], int(sys.argv[2])
frame_bytes = 512 * 512 * 2
frames = max(1, mib * 1024 * 1024 // frame_bytes)
if frames * frame_bytes > 0xFFFFFFFE:
    sys.exit("at most 4 GiB of pixel data fit a defined length")
ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
for tag in [t for t in ds.keys() if t >= 0x7FE00010]:
    del ds[tag]
ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2.1"          # Enhanced CT Image Storage
ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
ds.SOPInstanceUID = generate_uid()
ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
ds.PatientName, ds.PatientID = "Large^Object", "LARGE0001"
ds.Rows, ds.Columns, ds.NumberOfFrames = 512, 512, frames
ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
ds.save_as(out, write_like_original=False)
rng = np.random.default_rng(7)
pattern = rng.integers(0, 4096, size=frame_bytes // 2, dtype=np.uint16).tobytes()
with open(out, "ab") as f:
    f.write(b"\xe0\x7f\x10\x00OW\x00\x00" + struct.pack("<I", frames * frame_bytes))
    for i in range(frames):
        # the frame number in its first bytes: frames differ, and a reordering would show
        f.write(struct.pack("<I", i) + pattern[4:])
print(f"{out}: {frames} frames, {frames * frame_bytes / 2**20:.0f} MiB of pixel data")
