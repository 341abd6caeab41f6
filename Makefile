# The two commands that matter: `make demo` (run the agent locally) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# checkov pins old boto3 and packaging versions: it gets a virtualenv of its own.
CHECKOV_VENV  := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
# The SageMaker SDK's JumpStart functions (sagemaker-core, ~450 MB with pandas and scipy) resolve
# the model; they too get a virtualenv of their own, used only by resolve_jumpstart_model.py.
JUMPSTART_VENV  := .venv-jumpstart
JUMPSTART_STAMP := $(JUMPSTART_VENV)/.installed
TERRAFORM ?= terraform
MODEL_ID  ?=
REGION    ?=

.PHONY: demo test test-slow bench eval cost chat lint format cassettes docs resolve-model preflight deploy smoke destroy schema clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $(STAMP)

## Run the original write-up's six questions through the local agent, showing answers and state paths.
demo: $(STAMP)
	$(PY) scripts/chat.py --conversations data/eval/original_cases.jsonl

$(CHECKOV_STAMP):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet "checkov>=3.2,<4"
	touch $(CHECKOV_STAMP)

$(JUMPSTART_STAMP):
	test -x $(JUMPSTART_VENV)/bin/python || $(PYTHON) -m venv $(JUMPSTART_VENV)
	$(JUMPSTART_VENV)/bin/python -m pip install --quiet "sagemaker-core==2.27.0" "python-hcl2>=8,<9"
	touch $(JUMPSTART_STAMP)

## ruff (lint and format check) and the whole offline test suite.
test: $(STAMP) $(CHECKOV_STAMP) $(JUMPSTART_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

## The slow profile: 10,000 property-based examples per property instead of 1,000.
test-slow: $(STAMP) $(CHECKOV_STAMP) $(JUMPSTART_STAMP)
	$(VENV)/bin/pytest -q -n 2 --dist loadfile --slow

## Performance figures (docs/performance.md): LLM calls, prompt sizes, cold starts, wall times.
bench: $(STAMP)
	$(PY) scripts/bench.py --suite --write docs/performance.md

## The full evaluation on every data set, offline stand-in (LLM=replay:... or sagemaker:... to change).
LLM ?= offline
eval: $(STAMP)
	$(PY) scripts/evaluate.py data/eval/original_cases.jsonl data/eval/conversations.jsonl data/eval/routing_dev.jsonl --llm $(LLM) --json-out docs/evaluation-$(subst :,-,$(notdir $(LLM))).json

## The cost model (docs/cost.md).
cost: $(STAMP)
	$(PY) scripts/cost_model.py --write

## An interactive chat with the local agent.
chat: $(STAMP)
	$(PY) scripts/chat.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
	$(PY) scripts/terraform_fmt.py

## Re-record the Flan-style replay cassette after editing a prompt.
cassettes: $(STAMP)
	$(PY) tests/fixtures/build_flan_cassette.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(JUMPSTART_VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info

## Regenerate the generated parts of README.md (the state machine diagram).
docs: $(STAMP)
	$(PY) scripts/generate_docs.py --write

## Resolve the JumpStart model (needs AWS credentials): make resolve-model [MODEL_ID=...] [REGION=...]
resolve-model: $(JUMPSTART_STAMP)
	$(JUMPSTART_VENV)/bin/python scripts/resolve_jumpstart_model.py $(if $(MODEL_ID),--model-id $(MODEL_ID)) $(if $(REGION),--region $(REGION))

## Check credentials, region, the endpoint quota, model access and the Powertools layer before deploying.
preflight: $(STAMP)
	$(PY) scripts/preflight.py $(if $(REGION),--region $(REGION))

## Deploy to your AWS account: resolve the model (a new JumpStart endpoint only), preflight, apply.
deploy: $(STAMP)
	if $(PY) scripts/deployment.py needs-model $(if $(REGION),--region $(REGION)); then $(MAKE) resolve-model; fi
	$(PY) scripts/preflight.py $(if $(REGION),--region $(REGION))
	$(TERRAFORM) -chdir=terraform init -input=false
	$(TERRAFORM) -chdir=terraform apply $(if $(REGION),-var region=$(REGION))

## After deploy: four scripted turns through Lex on the test and live aliases; names a broken link.
smoke: $(STAMP)
	$(PY) scripts/smoke.py

## Remove everything deploy created, the endpoint included, then check that nothing is left
## (in the deployment's own region and prefix, saved from its outputs before they are destroyed).
destroy: $(STAMP)
	$(TERRAFORM) -chdir=terraform output -json > terraform/.outputs-before-destroy.json || echo '{}' > terraform/.outputs-before-destroy.json
	$(TERRAFORM) -chdir=terraform destroy $(if $(REGION),-var region=$(REGION))
	$(PY) scripts/check_cleanup.py --outputs terraform/.outputs-before-destroy.json $(if $(REGION),--region $(REGION))

## Re-extract terraform/schema/provider_schema.json after adding a resource type (see the script's docstring).
schema:
	test -x /tmp/cdk/bin/python || ($(PYTHON) -m venv /tmp/cdk && /tmp/cdk/bin/pip install --quiet cdktf-cdktf-provider-aws==21.22.1 cdktf-cdktf-provider-archive==11.0.1 cfn-lint)
	/tmp/cdk/bin/python scripts/extract_provider_schema.py --from-terraform terraform
