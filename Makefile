# The two commands that matter: `make demo` (run the agent locally) and `make test` (the whole suite).
# `make help` lists the others. Everything a command writes that is not source goes to .local/ (ignored).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
AGENT  := $(VENV)/bin/agent
STAMP  := $(VENV)/.installed
RUNS   := .local/runs
# Tools with dependencies of their own get virtualenvs of their own, kept in .local/venvs:
# checkov pins old boto3 and packaging versions; the JumpStart resolver needs the SageMaker SDK
# (sagemaker-core, ~450 MB with pandas and scipy); the schema extractor reads CDKTF provider packages.
CHECKOV_VENV    := .local/venvs/checkov
JUMPSTART_VENV  := .local/venvs/jumpstart
SCHEMA_VENV     := .local/venvs/schema
TERRAFORM ?= terraform
MODEL_ID  ?=
REGION    ?=
LLM       ?= offline
EVAL_SETS := data/eval/original_cases.jsonl data/eval/demo.jsonl data/eval/conversations.jsonl data/eval/routing_dev.jsonl

.DEFAULT_GOAL := help
.PHONY: help demo test test-slow chat console eval eval-docs bench bench-docs cost docs packages cassettes lint format \
        schema resolve-model preflight deploy smoke destroy clean

## Run the original write-up's six questions, then a policy question, small talk, a follow-up and a handoff.
demo: $(STAMP)
	$(AGENT) chat --conversations data/eval/original_cases.jsonl
	$(AGENT) chat --conversations data/eval/demo.jsonl

## ruff, import contracts and the whole offline test suite (parallel), the console's browser test included.
test: $(STAMP) $(CHECKOV_VENV)/.installed $(JUMPSTART_VENV)/.installed
	bash .ci/install-chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(AGENT) contracts
	CHECKOV=$(CHECKOV_VENV)/bin/checkov JUMPSTART_PYTHON=$(JUMPSTART_VENV)/bin/python $(VENV)/bin/pytest -q -n 2 --dist worksteal

## The slow profile: 10,000 property-based examples per property, the full evaluation.
test-slow: $(STAMP) $(CHECKOV_VENV)/.installed $(JUMPSTART_VENV)/.installed
	CHECKOV=$(CHECKOV_VENV)/bin/checkov JUMPSTART_PYTHON=$(JUMPSTART_VENV)/bin/python $(VENV)/bin/pytest -q -n 2 --dist worksteal --slow

## An interactive chat with the local agent (agent chat --help for more).
chat: $(STAMP)
	$(AGENT) chat

## The console in your browser: chat beside the execution graph, each state's input and output (PORT=8765).
console: $(STAMP)
	$(AGENT) console --llm $(LLM) $(if $(PORT),--port $(PORT))

## The full evaluation on every data set (LLM=replay:FILE or sagemaker:ENDPOINT to change), into .local/runs/.
eval: $(STAMP)
	$(AGENT) eval $(EVAL_SETS) --llm $(LLM) --json-out $(RUNS)/evaluation-$(subst :,-,$(notdir $(LLM))).json

## The full offline evaluation, written to docs/evaluation-offline.json (commit it).
eval-docs: $(STAMP)
	$(AGENT) eval $(EVAL_SETS) --llm offline --json-out docs/evaluation-offline.json

## Performance figures (LLM calls, prompt sizes, cold starts, packages, wall times), into .local/runs/.
bench: $(STAMP)
	$(AGENT) bench --suite --write $(RUNS)/performance.md --json-out $(RUNS)/bench.json

## The same, written to docs/performance.md and .json (commit them); FIRST_RUN=1 also times a fresh clone's make test.
bench-docs: $(STAMP)
	$(AGENT) bench --suite $(if $(FIRST_RUN),--first-run) --write docs/performance.md

## The cost model, written to docs/cost.md.
cost: $(STAMP)
	$(AGENT) cost --write

## Regenerate the generated parts of README.md and docs/ (state machine diagram, inputs, retries...).
docs: $(STAMP)
	$(AGENT) docs --write

## Regenerate functions/packages.json: what each Lambda zip holds, from the handlers' imports.
packages: $(STAMP)
	$(AGENT) packages --write

## Re-record the Flan-style replay cassette after editing a prompt.
cassettes: $(STAMP)
	$(PY) tests/fixtures/build_flan_cassette.py

## ruff and the import contracts, without the tests.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(AGENT) contracts

## Format the Python (ruff) and the Terraform (terraform fmt), and apply ruff's safe fixes.
format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
	$(AGENT) fmt

## Regenerate terraform/schema/provider_schema.json after starting or stopping using a resource or data type.
schema: $(STAMP) $(SCHEMA_VENV)/.installed
	$(AGENT) schema --site-packages $$($(SCHEMA_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') --from-terraform terraform

## Resolve the JumpStart model (needs AWS credentials): make resolve-model [MODEL_ID=...] [REGION=...]
resolve-model: $(JUMPSTART_VENV)/.installed
	PYTHONPATH=$(CURDIR) $(JUMPSTART_VENV)/bin/python -m harness.jumpstart $(if $(MODEL_ID),--model-id $(MODEL_ID)) $(if $(REGION),--region $(REGION))

## Check credentials, region, the endpoint quota, model access and the Powertools layer before deploying.
preflight: $(STAMP)
	$(AGENT) preflight $(if $(REGION),--region $(REGION))

## Deploy to your AWS account: preflight, resolve the model (a new JumpStart endpoint only: then preflight
## again, with the model's facts), apply.
deploy: $(STAMP)
	$(AGENT) preflight $(if $(REGION),--region $(REGION))
	if $(AGENT) needs-model $(if $(REGION),--region $(REGION)); then \
		$(MAKE) resolve-model && $(AGENT) preflight $(if $(REGION),--region $(REGION)); fi
	$(TERRAFORM) -chdir=terraform init -input=false
	$(TERRAFORM) -chdir=terraform apply $(if $(REGION),-var region=$(REGION))

## After deploy: four scripted turns through Lex on the test and live aliases; names a broken link.
smoke: $(STAMP)
	$(AGENT) smoke

## Remove everything deploy created, the endpoint included, then check that nothing is left
## (in the deployment's own region and prefix, saved from its outputs before they are destroyed).
destroy: $(STAMP)
	$(TERRAFORM) -chdir=terraform output -json > terraform/.outputs-before-destroy.json || echo '{}' > terraform/.outputs-before-destroy.json
	$(TERRAFORM) -chdir=terraform destroy $(if $(REGION),-var region=$(REGION))
	$(AGENT) cleanup --outputs terraform/.outputs-before-destroy.json $(if $(REGION),--region $(REGION))

## Remove the virtualenvs, caches and run results (everything in .local/).
clean:
	rm -rf $(VENV) .local .pytest_cache .ruff_cache .hypothesis build *.egg-info

## This list.
help:
	@awk '/^## /{text = (text ? text " " : "") substr($$0, 4); next} /^[a-z-]+:/{if (text) printf "  make %-14s %s\n", substr($$1, 1, length($$1) - 1), text; text = ""; next} {text = ""}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(CHECKOV_VENV)/.installed:
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet "checkov>=3.2,<4"
	touch $@

$(JUMPSTART_VENV)/.installed:
	test -x $(JUMPSTART_VENV)/bin/python || $(PYTHON) -m venv $(JUMPSTART_VENV)
	$(JUMPSTART_VENV)/bin/python -m pip install --quiet "sagemaker-core==2.27.0" "python-hcl2>=8,<9"
	touch $@

$(SCHEMA_VENV)/.installed:
	test -x $(SCHEMA_VENV)/bin/python || $(PYTHON) -m venv $(SCHEMA_VENV)
	$(SCHEMA_VENV)/bin/python -m pip install --quiet "cdktf-cdktf-provider-aws==21.22.1" "cdktf-cdktf-provider-archive==11.0.1"
	touch $@
