#!/usr/bin/python3
"""Independent checks of de-identified outputs, run by the Java tests.

  check_outputs.py read OUTDIR          every file must be read by pydicom and marked de-identified
  check_outputs.py names PAIRS_FILE     each line "input<TAB>output": decoded text values must be equal
  check_outputs.py dciodvfy PAIRS_FILE  each line "input<TAB>output": no dciodvfy error in the output
                                        that the input did not have
Prints one line per problem and exits 1 if there is any.
"""
import os
import re
import subprocess
import sys

import pydicom

TEXT_VRS = {"PN", "LO", "SH", "LT", "ST", "UT", "UC"}


def read_all(outdir):
    problems, count = [], 0
    for dirpath, _, files in os.walk(outdir):
        for name in files:
            path = os.path.join(dirpath, name)
            count += 1
            try:
                ds = pydicom.dcmread(path)
                ds.decode()
            except Exception as e:  # noqa: BLE001 - any failure to read is the finding
                problems.append(f"{path}: pydicom cannot read it: {type(e).__name__}: {e}")
                continue
            if ds.get("PatientIdentityRemoved") != "YES":
                problems.append(f"{path}: PatientIdentityRemoved is not YES")
    print(f"read {count} files")
    return problems


def text_values(ds):
    values = {}
    for elem in ds.iterall():
        if elem.VR in TEXT_VRS and elem.value not in (None, ""):
            values[(elem.tag, elem.VR)] = str(elem.value)
    return values


def names(pairs_file):
    problems = []
    for line in open(pairs_file, encoding="utf-8"):
        src, out = line.rstrip("\n").split("\t")
        a = pydicom.dcmread(src)
        b = pydicom.dcmread(out)
        a.decode()
        b.decode()
        av, bv = text_values(a), text_values(b)
        for key, value in bv.items():
            if key in av and av[key] != value and value.replace("?", "") != value:
                problems.append(f"{out}: {key[0]} came out as '{value}' instead of '{av[key]}'")
        if str(a.get("PatientName", "")) != str(b.get("PatientName", "")):
            problems.append(f"{out}: PatientName '{b.get('PatientName')}' differs from the input '{a.get('PatientName')}'")
    return problems


def dciodvfy_errors(path):
    run = subprocess.run(["dciodvfy", path], capture_output=True, text=True, errors="replace")
    errors = set()
    for line in (run.stdout + run.stderr).splitlines():
        if line.startswith("Error"):
            # Values differ by design between input and output; compare the kind of error only.
            # UIDs are replaced by design, so compare the kind of error, not the values.
            line = re.sub(r"<[^>]*>|\[[^\]]*\]|=\s*\S+|\"[^\"]*\"", "", line)
            errors.add(re.sub(r"\b\d[\d.]*\b", "N", line).strip())
    return errors


def dciodvfy(pairs_file):
    problems, count = [], 0
    for line in open(pairs_file, encoding="utf-8"):
        src, out = line.rstrip("\n").split("\t")
        count += 1
        new = dciodvfy_errors(out) - dciodvfy_errors(src)
        for error in sorted(new):
            problems.append(f"{os.path.basename(src)}: new dciodvfy error: {error}")
    print(f"validated {count} pairs")
    return problems


def main():
    mode, arg = sys.argv[1], sys.argv[2]
    problems = {"read": read_all, "names": names, "dciodvfy": dciodvfy}[mode](arg)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
