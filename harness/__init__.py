"""The developer harness: everything that runs the agent on this machine or talks to a deployment,
beside the product (``functions/``, what ships in the Lambda zips), which never imports it.

One module per job: ``manifest`` (what Terraform deploys, evaluated), ``terraform`` (the embedded
Terraform), ``moto_adapter`` (every use of moto's internals), ``lambdas`` (Lambda emulation),
``bootstrap`` (the deployment on moto), ``runtime`` (the turn runner: ``LocalAgent``), ``results``
(what a turn did), ``targets`` (the deployed bot and state machine), ``browser`` (the headless Chromium
the console's test drives), and the commands of ``agent`` (``cli``): chat, console, eval, bench, cost,
trace, docs, schema, resolve-model, preflight, smoke, cleanup.
"""
