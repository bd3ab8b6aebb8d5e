"""Build services/geo/data/amsterdam-buurten.json from the shared Amsterdam reference CSV files.

Usage (from the repository root): .venv/bin/python tools/build_buurten_data.py [--source DIR] [--output FILE]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from services.geo.cbs import read_buurten_csv, read_kerncijfers_csv, with_population
from services.geo.names import read_area_names, repair_names
from services.geo.shipped import SHIPPED_FILE_NAME, build_feature_collection, dump_feature_collection

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data" / "amsterdam"
DEFAULT_OUTPUT = REPO_ROOT / "services" / "geo" / "data" / SHIPPED_FILE_NAME


def main(argv: list[str] | None = None) -> int:
    """Read buurten.csv and kerncijfers_2024.csv from the source directory and write the GeoJSON file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="directory with the CSV files")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="GeoJSON file to write")
    args = parser.parse_args(argv)
    source: Path = args.source
    output: Path = args.output

    buurten = read_buurten_csv(source / "buurten.csv")
    kerncijfers = read_kerncijfers_csv(source / "kerncijfers_2024.csv")
    buurten = repair_names(
        with_population(buurten, kerncijfers), read_area_names(source / "kerncijfers_2024.csv")
    )
    text = dump_feature_collection(build_feature_collection(buurten))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {len(buurten)} buurten, {len(text.encode('utf-8')):,} bytes, to {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
