"""Where things are in the repository (the harness is installed editable, so it sits in it) and where
its own results and downloads go: ``.local/``, which git ignores."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FUNCTIONS_DIR = REPO / "functions"
TERRAFORM_DIR = REPO / "terraform"
DATA_DIR = REPO / "data"
ASL_PATH = REPO / "statemachine" / "agent.asl.json"
SAMPLE_DATA_PATH = DATA_DIR / "sample_store.json"
VARIABLES_PATH = TERRAFORM_DIR / "variables.tf"
LOCAL_DIR = REPO / ".local"
RUNS_DIR = LOCAL_DIR / "runs"  # results of make bench and make eval
CACHE_DIR = LOCAL_DIR / "cache"  # evaluated manifests, virtualenvs of the heavy tools
