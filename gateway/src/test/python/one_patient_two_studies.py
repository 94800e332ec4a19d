"""Writes the studies of one patient, each study on its own date, from pydicom's CT_small.dcm.

usage: one_patient_two_studies.py OUT_DIR PATIENT_ID YYYYMMDD [YYYYMMDD ...]

Every date attribute of a study (study, series, acquisition, content, a DT with a time zone, and a
date inside a sequence item) carries the study's date; the birth date is 19600310.
"""
import os
import sys

import pydicom
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid


def main():
    out, patient_id, dates = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out, exist_ok=True)
    for s, date in enumerate(dates):
        study, series = generate_uid(), generate_uid()
        for i in range(2):
            ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
            ds.PatientID = patient_id
            ds.PatientName = "Doe^Jane"
            ds.PatientBirthDate = "19600310"
            ds.StudyInstanceUID = study
            ds.SeriesInstanceUID = series
            ds.SOPInstanceUID = generate_uid()
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            for keyword in ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate", "InstanceCreationDate"):
                setattr(ds, keyword, date)
            ds.AcquisitionDateTime = date + "101500.25+0100"
            ds.StudyDescription = "Follow-up " + str(s + 1)
            item = Dataset()
            item.ReferencedSOPClassUID = ds.SOPClassUID
            item.ReferencedSOPInstanceUID = ds.SOPInstanceUID
            item.InstanceCreationDate = date
            ds.ReferencedImageSequence = Sequence([item])
            ds.save_as(os.path.join(out, "study%d-%d.dcm" % (s + 1, i + 1)))


if __name__ == "__main__":
    main()
