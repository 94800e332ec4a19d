#!/usr/bin/env python3
"""Writes DICOM images with a planted identity burned into the pixels, for the Clean Pixel Data tests.

usage: burned_in.py OUT_DIR [--count N] [--seed S] [--kinds us,sc,mf,us-rle,us-jpeg,us-jpll,sc-norule,ct-clean]
(us-jpll: JPEG Lossless SV1, encoded by dcmtk's dcmcjpeg from the native image)

Each file NAME.dcm gets NAME.json beside it: the planted strings with their boxes (x, y, width,
height in pixels) and the header values they copy (the same person as in the header, as a
modality would print it). Fonts: DejaVu Sans, Sans Mono and Serif at several sizes.
"""
import argparse, json, os, random, subprocess, sys
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, RLELossless, JPEGBaseline8Bit, generate_uid
from pydicom.encaps import encapsulate
from PIL import Image, ImageDraw, ImageFont
import io

FONTS = [f for f in ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                     "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
                     "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
                     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"] if os.path.exists(f)]
SURNAMES = ["Hallstrom", "Okonkwo", "Villanueva", "Bergmann", "Castellano", "Lindqvist", "Moreau", "Kowalczyk"]
GIVEN = ["Ingrid", "Chidi", "Marisol", "Dieter", "Lucia", "Anders", "Colette", "Tomasz"]


def font(size, rng):
    if not FONTS:
        return ImageFont.load_default()
    return ImageFont.truetype(rng.choice(FONTS), size)


def person(rng, i):
    s, g = rng.choice(SURNAMES), rng.choice(GIVEN)
    pid = "PID%05d" % rng.randint(10000, 99999)
    birth = "%04d%02d%02d" % (rng.randint(1930, 2000), rng.randint(1, 12), rng.randint(1, 28))
    acc = "ACC%06d" % rng.randint(100000, 999999)
    study = "%04d%02d%02d" % (rng.randint(2015, 2025), rng.randint(1, 12), rng.randint(1, 28))
    return dict(surname=s, given=g, pid=pid, birth=birth, acc=acc, study=study, institution="St Brigid Clinic")


def base(kind, p, rows, cols, samples, frames=1):
    meta = FileMetaDataset()
    sop_class = {"us": "1.2.840.10008.5.1.4.1.1.6.1", "mf": "1.2.840.10008.5.1.4.1.1.3.1",
                 "sc": "1.2.840.10008.5.1.4.1.1.7", "ct": "1.2.840.10008.5.1.4.1.1.2"}[kind]
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = "%s^%s" % (p["surname"], p["given"])
    ds.PatientID = p["pid"]
    ds.PatientBirthDate = p["birth"]
    ds.PatientSex = "F"
    ds.AccessionNumber = p["acc"]
    ds.InstitutionName = p["institution"]
    ds.StudyDate = p["study"]
    ds.StudyTime = "101500"
    ds.Modality = {"us": "US", "mf": "US", "sc": "OT", "ct": "CT"}[kind]
    ds.Manufacturer = "Synthetic"
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = "RGB" if samples == 3 else "MONOCHROME2"
    if samples == 3:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.BurnedInAnnotation = "YES"
    if frames > 1:
        ds.NumberOfFrames = frames
    return ds


def speckle(rng, rows, cols):
    r = np.random.default_rng(rng.randint(0, 1 << 30))
    img = (r.random((rows, cols)) * 25).astype(np.float32)
    yy, xx = np.mgrid[0:rows, 0:cols]
    cx, cy = cols / 2, -rows * 0.15
    fan = ((xx - cx) ** 2 + (yy - cy) ** 2 < (rows * 1.05) ** 2) & (np.abs(xx - cx) < (yy - cy) * 0.9) & (yy > rows * 0.14)
    img[fan] += r.random(fan.sum()) * 110 + 20
    return np.clip(img, 0, 255).astype(np.uint8)


def draw(img, texts, rng, light_on_dark=True):
    """texts: list of (string, x, y, size). Returns planted boxes."""
    d = ImageDraw.Draw(img)
    out = []
    for text, x, y, size in texts:
        f = font(size, rng)
        fill = 255 if light_on_dark else 0
        if img.mode == "RGB":
            fill = (255, 255, 200) if light_on_dark else (0, 0, 0)
        d.text((x, y), text, fill=fill, font=f)
        l, t, r, b = d.textbbox((x, y), text, font=f)
        out.append(dict(text=text, box=[l, t, r - l, b - t]))
    return out


def identity_lines(p, rng, where, size):
    x0, y0 = where
    name = "%s, %s" % (p["surname"].upper(), p["given"])
    birth = "%s.%s.%s" % (p["birth"][6:8], p["birth"][4:6], p["birth"][0:4])
    study = "%s/%s/%s" % (p["study"][4:6], p["study"][6:8], p["study"][0:4])
    step = int(size * 1.5)
    return [(name, x0, y0, size), ("ID " + p["pid"], x0, y0 + step, size),
            ("DOB " + birth, x0 + 300 if x0 < 100 else x0, y0, size), (study + "  " + p["acc"], x0 + 300 if x0 < 100 else x0, y0 + step, size)]


def write(ds, frames, out, name, planted, p, ts):
    arr = np.stack(frames) if len(frames) > 1 else frames[0]
    if ts == "jpeg":
        parts = []
        for f in frames:
            b = io.BytesIO()
            Image.fromarray(f).save(b, format="JPEG", quality=95)
            parts.append(b.getvalue())
        ds.PixelData = encapsulate(parts)
        ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
        if ds.SamplesPerPixel == 3:
            ds.PhotometricInterpretation = "YBR_FULL_422"
        ds.LossyImageCompression = "01"
        ds["PixelData"].VR = "OB"
        ds.is_little_endian, ds.is_implicit_VR = True, False
    else:
        ds.PixelData = arr.tobytes()
        ds.is_little_endian, ds.is_implicit_VR = True, False
        if ts == "rle":
            ds.compress(RLELossless, arr)
    path = os.path.join(out, name + ".dcm")
    if ts == "jpll":
        native = path + ".native"
        ds.save_as(native, write_like_original=False)
        subprocess.run(["dcmcjpeg", "+e1", "+un", native, path], check=True)
        os.remove(native)
    else:
        ds.save_as(path, write_like_original=False)
    strings = [p["surname"], p["given"], p["pid"], p["acc"]]
    with open(os.path.join(out, name + ".json"), "w") as fh:
        json.dump(dict(file=path, planted=planted, strings=strings, person=p), fh, indent=1)


def make(kind, i, rng, out):
    p = person(rng, i)
    size = rng.choice([12, 14, 16, 20])
    if kind.startswith("us"):
        rows, cols = 480, 640
        img = Image.fromarray(speckle(rng, rows, cols))
        colour = rng.random() < 0.5
        if colour:
            img = img.convert("RGB")
        planted = draw(img, identity_lines(p, rng, (8, 6), min(size, 14)), rng)
        # an annotation below the banner, where no rule reaches: found by OCR
        planted += draw(img, [(p["surname"].upper(), rng.randint(60, 400), rng.randint(300, 420), size)], rng)
        draw(img, [("LIVER", 520, 440, 14), ("5.0 MHz", 520, 458, 12)], rng)
        ds = base("us", p, rows, cols, 3 if colour else 1)
        ts = {"us": "native", "us-rle": "rle", "us-jpeg": "jpeg", "us-jpll": "jpll"}[kind]
        write(ds, [np.asarray(img)], out, "%s-%03d" % (kind, i), planted, p, ts)
    elif kind == "mf":
        rows, cols, n = 240, 320, 3
        frames, planted = [], []
        for k in range(n):
            img = Image.fromarray(speckle(rng, rows, cols))
            planted += [dict(pl, frame=k) for pl in draw(img, [("%s, %s" % (p["surname"].upper(), p["given"]), 6, 4, 12),
                                                              ("ID " + p["pid"], 6, 150 + 10 * k, 14)], rng)]
            frames.append(np.asarray(img))
        ds = base("mf", p, rows, cols, 1, n)
        write(ds, frames, out, "mf-%03d" % i, planted, p, "native")
    elif kind in ("sc", "sc-norule"):
        rows, cols = 400, 560
        img = Image.new("L", (cols, rows), 235)
        planted = draw(img, [("Patient: %s %s" % (p["given"], p["surname"]), 30, 40, size),
                             ("MRN " + p["pid"], 30, 40 + 2 * size, size),
                             ("Born %s-%s-%s" % (p["birth"][0:4], p["birth"][4:6], p["birth"][6:8]), 30, 40 + 4 * size, size)],
                       rng, light_on_dark=False)
        if kind == "sc-norule":
            # words OCR reads that are not identifying: an unknown layout with text stays in quarantine
            draw(img, [("Summary of findings", 30, 250, 18), ("moderate effusion left side", 30, 280, 16)], rng,
                 light_on_dark=False)
        ds = base("sc", p, rows, cols, 1)
        # the document scanner a site describes by a rule of its own; the other SC is a layout nobody described
        ds.Manufacturer = "DocuScan" if kind == "sc" else "Unknown Vendor"
        write(ds, [np.asarray(img)], out, "%s-%03d" % (kind, i), planted, p, "native")
    elif kind == "ct-clean":
        rows, cols = 256, 256
        img = Image.fromarray(speckle(rng, rows, cols))
        ds = base("ct", p, rows, cols, 1)
        ds.BurnedInAnnotation = "NO"
        write(ds, [np.asarray(img)], out, "ct-clean-%03d" % i, [], p, "native")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--kinds", default="us,us-rle,us-jpeg,mf,sc")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    for i in range(a.count):
        for kind in a.kinds.split(","):
            make(kind, i, rng, a.out)


if __name__ == "__main__":
    main()
