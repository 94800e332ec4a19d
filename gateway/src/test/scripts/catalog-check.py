#!/usr/bin/python3
"""Checks a `deid catalog export --format miabis-json --min-cell 1` against the delivered files.

usage: catalog-check.py EXPORT.json SCHEMA.json PROJECT DELIVERED-DIR SENT-DIR...
Validates the export against the JSON Schema, counts the delivered (de-identified) files with
pydicom, independently of the gateway, and compares: patients, studies, series, images in all and
per modality, and patients per sex. Then checks that no string in the export equals an
identifying value of the sent originals, a pseudonym or a UID. Prints PASS lines; exits 1 on a failure.
"""
import json
import pathlib
import sys
from collections import defaultdict

import jsonschema
import pydicom

export_path, schema_path, project, delivered_dir, *sent_dirs = sys.argv[1:]
export = json.load(open(export_path))
failures = []


def check(ok, what):
    print(("PASS: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


errors = sorted(jsonschema.Draft202012Validator(json.load(open(schema_path))).iter_errors(export), key=str)
check(not errors, "the export is valid against the JSON Schema" + ("" if not errors else ": " + errors[0].message))

collection = next(c for c in export["Collections"] if c["Name"] == project)
image = collection["ImageCollection"]

patients, studies, series, instances = set(), set(), set(), set()
by_modality = defaultdict(lambda: [set(), set()])
by_sex = defaultdict(set)
pseudonyms_and_uids = set()
for path in pathlib.Path(delivered_dir).rglob("*.dcm"):
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    patients.add(ds.PatientID)
    studies.add(ds.StudyInstanceUID)
    series.add(ds.SeriesInstanceUID)
    instances.add(ds.SOPInstanceUID)
    by_modality[str(ds.get("Modality", "")).upper()][0].add(ds.PatientID)
    by_modality[str(ds.get("Modality", "")).upper()][1].add(ds.SOPInstanceUID)
    by_sex[{"F": "Female", "M": "Male", "O": "Undifferentiated"}.get(str(ds.get("PatientSex", "")), "Unknown")].add(ds.PatientID)
    for keyword in ("PatientID", "PatientName", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID"):
        if ds.get(keyword):
            pseudonyms_and_uids.add(str(ds.get(keyword)))

counted = (len(patients), len(studies), len(series), len(instances))
exported = (image["NumberOfPatients"], image["NumberOfStudies"], image["NumberOfSeries"], image["NumberOfImages"])
check(counted == exported, f"patients, studies, series, images: export {exported}, delivered files {counted}")
check(collection["TotalNumberOfParticipants"] == len(patients), "TotalNumberOfParticipants is the number of patients")
modalities = {m["Modality"]: (m["Patients"], m["Images"]) for m in image["ModalityInformation"]}
expected = {m: (len(p), len(i)) for m, (p, i) in by_modality.items() if m}
check(modalities == expected, f"per modality (patients, images): export {sorted(modalities.items())}, files {sorted(expected.items())}")
sexes = {e["Value"]: e["Patients"] for e in collection["SexCounts"] if "Value" in e}
check(sexes == {k: len(v) for k, v in by_sex.items()}, f"patients per sex: export {sexes}, files { {k: len(v) for k, v in by_sex.items()} }")

identifying = ("PatientName", "PatientID", "OtherPatientIDs", "PatientBirthDate", "PatientAddress", "InstitutionName",
               "InstitutionAddress", "ReferringPhysicianName", "PerformingPhysicianName", "OperatorsName", "AccessionNumber",
               "StudyID", "StationName", "DeviceSerialNumber", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID",
               "FrameOfReferenceUID", "RequestingPhysician")
originals = set()
for folder in sent_dirs:
    for path in pathlib.Path(folder).rglob("*.dcm"):
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        except Exception:
            continue
        for keyword in identifying:
            value = str(ds.get(keyword, "") or "").strip()
            if value:
                originals.add(value)


def strings(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)
    elif isinstance(node, str):
        yield node.strip()


found = sorted(s for s in strings(export) if s in originals)
check(not found, f"no string of the export is an identifying value of a sent original ({len(originals)} values checked)"
      + ("" if not found else f": {len(found)} found"))
leaked = sorted(s for s in strings(export) if s in pseudonyms_and_uids)
check(not leaked, f"no pseudonym or UID of the delivered copies is in the export ({len(pseudonyms_and_uids)} checked)")
sys.exit(1 if failures else 0)
