"""Extracts a Terraform provider schema snapshot for an offline provider-schema check.

No ``terraform providers schema -json`` is possible offline, so this reads the schema out of
packages that PyPI serves and that carry it:

* ``aws_*`` and other ``<provider>_*`` types: the prebuilt CDKTF bindings
  (``cdktf-cdktf-provider-aws``, ``cdktf-cdktf-provider-archive``, ...). Each ships a jsii
  assembly (``_jsii/*.jsii.tgz``) that describes every resource and data source config struct:
  property names, ``optional`` flags and nested struct types. Terraform names come from the
  registry link anchors in the property docs (``...docs/resources/lambda_function#function_name``),
  not from a camelCase -> snake_case guess, which is wrong for names like ``address_1`` or
  ``m2ts_settings``. Computed-only attributes (``arn``, ``invoke_arn``, ...) are the resource
  class getters that have no config counterpart; their Terraform names are read from the
  compiled JavaScript in the same tarball (``this.getStringAttribute('invoke_arn')``).
* ``awscc_*`` types: the CloudFormation resource schemas that cfn-lint ships
  (``AWS::Lex::Bot`` -> ``awscc_lex_bot``), named the way the awscc provider names them
  (``IdleSessionTTLInSeconds`` -> ``idle_session_ttl_in_seconds``, a top-level ``Id`` ->
  ``bot_id``). ``readOnlyProperties`` become attributes; in awscc every nested object is an
  attribute, recorded here under "blocks" like the CDKTF structs.
* ``terraform_data`` / ``terraform_remote_state``: built into Terraform, no package carries
  them; their few names are written out below (``BUILTIN_SCHEMAS``).

Each type's schema has this shape, recursively::

    {"arguments": {name: {"required": bool}},
     "blocks": {name: {"required": bool, "list": bool, "nesting": "list|set|map|single",
                       "schema": {...same shape...}}},
     "attributes": [computed-only names]}

"blocks" are all nested struct types: Terraform nested blocks and object-typed attributes alike
(a block entry has ``"attribute_syntax": true`` when the source says it is an attribute). A block's
``list`` is true when it may hold several objects; ``nesting`` is Terraform's nesting mode, so
``environment`` of ``aws_lambda_function`` is ``list: false, nesting: list`` (a list block of at
most one: ``environment[0].variables``). A block cut short because its CloudFormation definition
refers to itself says ``"recursive": true``. Computed-only nested objects, when a type has them, are
under "computed_blocks" ({name: {"list": bool, "attributes": [...]}}).

Run it with a Python that has the packages installed (nothing is imported from them, the files
are only read; ``--site-packages`` points at another environment's site-packages)::

    python3 -m venv /tmp/cdk
    /tmp/cdk/bin/pip install cdktf-cdktf-provider-aws==21.22.1 cdktf-cdktf-provider-archive==11.0.1 cfn-lint
    /tmp/cdk/bin/python scripts/extract_provider_schema.py --from-terraform terraform
    /tmp/cdk/bin/python scripts/extract_provider_schema.py \\
        --resource aws_lambda_function --resource awscc_lex_bot --data aws_iam_policy_document

The output (default ``terraform/schema/provider_schema.json``) is one JSON file with sorted keys
and a header naming the packages, the provider versions they were generated from and the date.
A run takes about 5 seconds, most of it reading the 130 MB AWS assembly; a type that no package
knows is an error (exit 1), and names the package to install.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import importlib.metadata
import json
import re
import sys
import tarfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Schema = dict[str, Any]

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO_ROOT / "terraform" / "schema" / "provider_schema.json"
KINDS = ("resource", "data")

# Valid on every resource and data source; provisioner/connection only on managed resources.
META_ARGUMENTS = ["count", "depends_on", "for_each", "lifecycle", "provider"]
RESOURCE_ONLY_META_BLOCKS = ["connection", "provisioner"]
# cdktf.TerraformMetaArguments, which every Config inherits: not provider arguments.
CDKTF_META_PROPERTIES = {"connection", "count", "dependsOn", "forEach", "lifecycle", "provider", "provisioners"}

REGISTRY_LINK = re.compile(
    r"\{@link https://registry\.terraform\.io/providers/[^/\s]+/[^/\s]+/[^/\s]+/docs/"
    r"(?P<kind>resources|data-sources)/(?P<page>[\w-]+)(?:#(?P<anchor>[\w-]+))? (?P<text>[^}\s]+)\}"
)
BLOCK_SUMMARY = re.compile(r"^\w+ block\.")
TF_BLOCK = re.compile(r'^\s*(resource|data)\s+"([A-Za-z0-9_-]+)"', re.MULTILINE)

# Compiled CDKTF JavaScript: getters and the HCL attribute tables.
JS_TOP_LEVEL = re.compile(r"^(?:class (\w+) extends|function (\w+)\()", re.MULTILINE)
JS_SIMPLE_GETTER = re.compile(  # also "return cdktf.Fn.tolist(this.getListAttribute('subnet_ids'))"
    r"get (\w+)\(\) \{\n\s*return [\w.(]*?this\.(?:get\w*Attribute|interpolationForAttribute)\('([^']+)'\)"
)
JS_COMPLEX_FIELD = re.compile(r"this\._(\w+) = new [\w.]+\(this, \"([^\"]+)\"")  # XList, cdktf.StringMap
JS_HCL_ENTRY = re.compile(
    r"^ +(?P<name>\"[^\"\n]+\"|\w+): \{\n\s*value: (?P<value>[^\n]*),\s*isBlock: (?P<block>true|false),"
    r"\s*type: \"(?P<type>\w+)\",",
    re.MULTILINE,
)
JS_SOURCE_MAP = "\n//# sourceMappingURL="
JS_VALUE_SOURCE = re.compile(r"(?:struct|this)\.(_?\w+)")
JS_NESTING = {"list": "list", "set": "set", "map": "map", "struct": "single"}


class ExtractError(Exception):
    """A type or a package could not be found; the message says what to install or fix."""


def camel_to_snake(name: str) -> str:
    """Fallback only: cdktf's own names come from docs links or the compiled JavaScript."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def empty_schema() -> Schema:
    return {"arguments": {}, "blocks": {}, "attributes": []}


# --------------------------------------------------------------------------------------------
# Locating installed packages
# --------------------------------------------------------------------------------------------


def search_dirs(extra: Iterable[Path]) -> list[Path]:
    dirs = [Path(p) for p in extra]
    dirs += [Path(p) for p in sys.path if p and Path(p).is_dir()]
    return list(dict.fromkeys(dirs))


def find_package_dir(module: str, dirs: list[Path]) -> Path | None:
    for base in dirs:
        candidate = base / module
        if (candidate / "__init__.py").is_file():
            return candidate
    return None


def dist_version(dist: str, package_dir: Path) -> str:
    """The installed distribution's version, from the site-packages that holds ``package_dir``."""
    for found in importlib.metadata.distributions(path=[str(package_dir.parent)]):
        if found.metadata["Name"] and found.metadata["Name"].lower().replace("_", "-") == dist:
            return found.version
    return "unknown"


# --------------------------------------------------------------------------------------------
# CDKTF prebuilt providers (jsii assembly + compiled JavaScript)
# --------------------------------------------------------------------------------------------


@dataclass
class JsModule:
    """What the compiled JavaScript of one cdktf submodule says about Terraform names."""

    getters: dict[str, dict[str, str]] = field(default_factory=dict)  # class -> camel -> tf name
    hcl: dict[str, dict[str, tuple[str, bool, str]]] = field(default_factory=dict)  # owner -> camel -> entry

    @classmethod
    def parse(cls, text: str) -> JsModule:
        module = cls()
        text = text.split(JS_SOURCE_MAP, 1)[0]  # the inline base64 source map is one huge "word"
        starts = list(JS_TOP_LEVEL.finditer(text))
        for index, match in enumerate(starts):
            end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
            body = text[match.start() : end]
            class_name, function_name = match.group(1), match.group(2)
            if class_name:
                names = {camel: tf for camel, tf in JS_SIMPLE_GETTER.findall(body)}
                names.update(JS_COMPLEX_FIELD.findall(body))
                module.getters[class_name] = names
            owner = class_name or (function_name or "").removesuffix("ToHclTerraform")
            if class_name or (function_name or "").endswith("ToHclTerraform"):
                entries = module.hcl.setdefault(owner, {})
                for entry in JS_HCL_ENTRY.finditer(body):
                    source = JS_VALUE_SOURCE.search(entry.group("value"))
                    if source:
                        camel = source.group(1).removeprefix("_")
                        tf_name = entry.group("name").strip('"')
                        entries[camel] = (tf_name, entry.group("block") == "true", entry.group("type"))
        return module


class CdktfProvider:
    """One prebuilt cdktf provider package: its jsii assembly, read without importing it."""

    def __init__(self, prefix: str, package_dir: Path) -> None:
        self.prefix = prefix
        self.package_dir = package_dir
        tarballs = sorted((package_dir / "_jsii").glob("*.jsii.tgz"))
        if not tarballs:
            raise ExtractError(f"no _jsii/*.jsii.tgz in {package_dir}")
        self.tarball = tarballs[0]
        self.dist = f"cdktf-cdktf-provider-{prefix}"
        self.dist_version = dist_version(self.dist, package_dir)
        self.assembly, self.package_json = self._read_metadata()
        self.types: dict[str, Any] = self.assembly["types"]
        self.classes = self._index_classes()
        self.js: dict[str, JsModule] = {}
        self.warnings: list[str] = []

    def _read_metadata(self) -> tuple[dict[str, Any], dict[str, Any]]:
        wanted = {"package/.jsii", "package/package.json"}
        raw = self._read_members(wanted)
        assembly = json.loads(raw["package/.jsii"])
        if assembly.get("schema") == "jsii/file-redirect":  # newer jsii: compressed assembly
            target = "package/" + assembly["filename"].removeprefix("./")
            assembly = json.loads(gzip.decompress(self._read_members({target})[target]))
        return assembly, json.loads(raw["package/package.json"])

    def _read_members(self, wanted: set[str]) -> dict[str, bytes]:
        """Streams the tarball once, stopping as soon as every wanted member has been read."""
        found: dict[str, bytes] = {}
        with tarfile.open(self.tarball, mode="r|gz") as archive:
            for member in archive:
                if member.name in wanted:
                    handle = archive.extractfile(member)
                    if handle is not None:
                        found[member.name] = handle.read()
                    if len(found) == len(wanted):
                        break
        missing = wanted - set(found)
        if missing:
            raise ExtractError(f"{self.tarball.name} lacks {sorted(missing)}")
        return found

    def _index_classes(self) -> dict[tuple[str, str], str]:
        """(kind, terraform type) -> class fqn, from "Represents a {@link .../lambda_function aws_x}"."""
        bases = {"cdktf.TerraformResource": "resource", "cdktf.TerraformDataSource": "data"}
        index: dict[tuple[str, str], str] = {}
        for fqn, spec in self.types.items():
            kind = bases.get(spec.get("base", ""))
            if spec.get("kind") != "class" or not kind:
                continue
            link = REGISTRY_LINK.search(spec.get("docs", {}).get("summary", ""))
            if link:
                index[(kind, link.group("text"))] = fqn
        return index

    @property
    def provider_source(self) -> str:
        return self.package_json.get("cdktf", {}).get("provider", {}).get("name", "unknown")

    @property
    def provider_version(self) -> str:
        return self.package_json.get("cdktf", {}).get("provider", {}).get("version", "unknown")

    def header(self) -> dict[str, Any]:
        return {
            "package": self.dist,
            "package_version": self.dist_version,
            "npm_package": f"{self.assembly['name']}@{self.assembly['version']}",
            "generated_from": f"{self.provider_source.removeprefix('registry.terraform.io/')} {self.provider_version}",
            "provider_source": self.provider_source,
            "provider_version": self.provider_version,
        }

    def load_js(self, kind_types: Iterable[tuple[str, str]]) -> None:
        """Reads the compiled JavaScript of the submodules the requested types live in."""
        files = {}
        for key in kind_types:
            fqn = self.classes.get(key)
            if fqn:
                ts_file = self.types[fqn]["locationInModule"]["filename"]  # src/lambda-function/index.ts
                js_file = "package/lib/" + ts_file.removeprefix("src/").removesuffix(".ts") + ".js"
                files[self.types[fqn]["namespace"]] = js_file
        if files:
            raw = self._read_members(set(files.values()))
            for namespace, js_file in files.items():
                self.js[namespace] = JsModule.parse(raw[js_file].decode("utf-8"))

    # ---- schema building --------------------------------------------------------------------

    def schema_for(self, kind: str, tf_type: str) -> Schema:
        fqn = self.classes.get((kind, tf_type))
        if fqn is None:
            raise ExtractError(f"{kind} {tf_type} is not in {self.dist} {self.dist_version}")
        spec = self.types[fqn]
        js = self.js.get(spec["namespace"], JsModule())
        config_fqn = spec["initializer"]["parameters"][2]["type"]["fqn"]
        config_props = self._struct_properties(config_fqn)
        where = f"{kind} {tf_type}"
        schema = self._struct_schema(config_fqn, js, spec["name"], where, ())
        attributes, computed_blocks = self._computed(fqn, {p["name"] for p in config_props}, js, where)
        schema["attributes"] = attributes
        if computed_blocks:
            schema["computed_blocks"] = computed_blocks
        return schema

    def _struct_properties(self, fqn: str) -> list[dict[str, Any]]:
        spec = self.types[fqn]
        props = list(spec.get("properties", []))
        for parent in spec.get("interfaces", []):
            if parent in self.types:
                props += self._struct_properties(parent)
        return props

    def _struct_ref(self, type_ref: dict[str, Any], container: str = "single") -> tuple[str | None, str]:
        """The struct a property holds, if any, and how: single, array or map."""
        fqn = type_ref.get("fqn")
        if fqn and self.types.get(fqn, {}).get("datatype"):
            return fqn, container
        if "collection" in type_ref:
            return self._struct_ref(type_ref["collection"]["elementtype"], type_ref["collection"]["kind"])
        for option in type_ref.get("union", {}).get("types", []):
            found, how = self._struct_ref(option, container)
            if found:
                return found, how
        return None, container

    def _tf_name(self, prop: dict[str, Any], hcl: dict[str, tuple[str, bool, str]], where: str) -> str:
        docs = prop.get("docs", {})
        link = REGISTRY_LINK.search(f"{docs.get('summary', '')} {docs.get('remarks', '')}")
        from_js = hcl.get(prop["name"], (None,))[0]
        if link and link.group("anchor"):
            name = link.group("anchor")
            if from_js and from_js != name:
                self.warnings.append(f"{where}.{name}: docs anchor and JavaScript disagree ({from_js})")
            return name
        if from_js:
            return from_js
        self.warnings.append(f"{where}.{prop['name']}: no docs anchor, guessed {camel_to_snake(prop['name'])}")
        return camel_to_snake(prop["name"])

    def _struct_schema(self, fqn: str, js: JsModule, hcl_owner: str, where: str, seen: tuple[str, ...]) -> Schema:
        schema = empty_schema()
        hcl = js.hcl.get(hcl_owner, {})
        for prop in self._struct_properties(fqn):
            docs = prop.get("docs", {})
            if prop["name"] in CDKTF_META_PROPERTIES and not REGISTRY_LINK.search(str(docs)):
                continue
            name = self._tf_name(prop, hcl, where)
            required = not prop.get("optional", False)
            nested, container = self._struct_ref(prop["type"])
            if nested is None:
                schema["arguments"][name] = {"required": required}
                continue
            entry: dict[str, Any] = {"required": required, "list": container == "array"}
            nesting = JS_NESTING.get(hcl.get(prop["name"], ("", True, ""))[2])
            entry["nesting"] = nesting or {"array": "list", "map": "map"}.get(container, "single")
            if not BLOCK_SUMMARY.match(docs.get("summary", "")):
                entry["attribute_syntax"] = True  # an object-typed attribute, not a nested block
            if nested in seen:
                entry["recursive"] = True
                entry["schema"] = empty_schema()
            else:
                struct_name = self.types[nested]["name"]
                entry["schema"] = self._struct_schema(
                    nested, js, lower_first(struct_name), f"{where}.{name}", (*seen, nested)
                )
                attributes, computed_blocks = self._computed(
                    f"{nested}OutputReference",
                    {p["name"] for p in self._struct_properties(nested)},
                    js,
                    f"{where}.{name}",
                )
                entry["schema"]["attributes"] = attributes
                if computed_blocks:
                    entry["schema"]["computed_blocks"] = computed_blocks
            schema["blocks"][name] = entry
        return schema

    def _computed(
        self, class_fqn: str, config_names: set[str], js: JsModule, where: str, depth: int = 0
    ) -> tuple[list[str], dict[str, Any]]:
        """Getters of a resource or output-reference class that have no config counterpart."""
        spec = self.types.get(class_fqn)
        if spec is None:
            return [], {}
        names = js.getters.get(spec["name"], {})
        attributes: list[str] = []
        computed_blocks: dict[str, Any] = {}
        for prop in spec.get("properties", []):
            camel = prop["name"]
            if prop.get("static") or prop.get("protected") or camel == "internalValue" or camel in config_names:
                continue
            if camel.endswith("Input") and camel.removesuffix("Input") in config_names:
                continue
            if not prop.get("immutable"):
                continue
            tf_name = names.get(camel)
            if tf_name is None:
                tf_name = camel_to_snake(camel)
                self.warnings.append(f"{where}.{camel}: getter not found in JavaScript, guessed {tf_name}")
            attributes.append(tf_name)
            element, is_list = self._output_element(prop["type"])
            if element and depth < 8:
                nested_attrs, nested_blocks = self._computed(element, set(), js, f"{where}.{tf_name}", depth + 1)
                block: dict[str, Any] = {"list": is_list, "attributes": nested_attrs}
                if nested_blocks:
                    block["computed_blocks"] = nested_blocks
                computed_blocks[tf_name] = block
        return sorted(set(attributes)), computed_blocks

    def _output_element(self, type_ref: dict[str, Any]) -> tuple[str | None, bool]:
        """For a computed complex getter: the output-reference class of one element, and list-ness."""
        fqn = type_ref.get("fqn")
        spec = self.types.get(fqn or "")
        if not spec:
            return None, False
        if spec.get("base") == "cdktf.ComplexObject":
            return fqn, False
        if spec.get("base") in ("cdktf.ComplexList", "cdktf.ComplexMap"):
            for method in spec.get("methods", []):
                if method["name"] == "get" and "returns" in method:
                    return method["returns"]["type"].get("fqn"), spec["base"] == "cdktf.ComplexList"
        return None, False


# --------------------------------------------------------------------------------------------
# awscc: CloudFormation resource schemas shipped with cfn-lint
# --------------------------------------------------------------------------------------------

AWSCC_REPLACEMENTS = {
    "CloudFormation": "Cloudformation",
    "CloudFront": "Cloudfront",
    "CloudWatch": "Cloudwatch",
    "CNAMEs": "Cnames",
    "FSx": "Fsx",
    "OTel": "Otel",
}


def cfn_to_tf_name(name: str) -> str:
    """CloudFormation PascalCase -> awscc snake_case, the way the awscc generator does it.

    An underscore goes between a lower-case letter and a capital or digit, between a digit and a
    letter, and before the last capital of an acronym run that starts a word:
    ``IdleSessionTTLInSeconds`` -> ``idle_session_ttl_in_seconds``, ``Ipv6CidrBlock`` ->
    ``ipv_6_cidr_block``, ``S3Bucket`` -> ``s3_bucket``.
    """
    for old, new in AWSCC_REPLACEMENTS.items():
        name = name.replace(old, new)
    out: list[str] = []
    for index, char in enumerate(name):
        nxt = name[index + 1] if index + 1 < len(name) else ""
        if char.isupper() and nxt.islower():
            if index > 0 and name[index - 1].isupper():
                out.append("_")
            out.append(char.lower())
        elif (char.islower() and (nxt.isupper() or nxt.isdigit())) or (char.isdigit() and nxt.isalpha()):
            out.append(char.lower() + "_")
        else:
            out.append(char.lower() if char.isalnum() else "_")
    return "".join(out)


def awscc_type_name(cfn_type: str) -> str:
    _, service, resource = cfn_type.split("::")
    return f"awscc_{service.lower()}_{cfn_to_tf_name(resource)}"


class CfnLintSchemas:
    """cfn-lint's copy of the CloudFormation registry schemas for one region."""

    def __init__(self, package_dir: Path, region: str) -> None:
        self.version = dist_version("cfn-lint", package_dir)
        self.region = region
        version_file = package_dir / "data" / "schemas" / "version.json"
        self.schema_date = json.loads(version_file.read_text()).get("schema_date") if version_file.is_file() else None
        root = package_dir / "data" / "schemas" / "providers"
        self.files: dict[str, Path] = {}
        index_file = root / f"{region}.json"
        legacy_dir = root / region.replace("-", "_")
        if index_file.is_file():  # cfn-lint >= 1.x: type -> content hash, files in resources/
            resources = package_dir / "data" / "schemas" / "resources"
            for cfn_type, digest in json.loads(index_file.read_text()).items():
                self.files[cfn_type] = resources / f"{digest}.json"
        elif legacy_dir.is_dir():  # older: one file per type, aws-lex-bot.json
            for path in legacy_dir.glob("*.json"):
                type_name = json.loads(path.read_text()).get("typeName")
                if type_name:
                    self.files[type_name] = path
        else:
            raise ExtractError(f"no CloudFormation schemas for {region} under {root}")
        self.by_tf_name = {awscc_type_name(t): t for t in self.files if t.count("::") == 2}
        self.warnings: list[str] = []

    def header(self) -> dict[str, Any]:
        return {
            "package": "cfn-lint",
            "package_version": self.version,
            "cloudformation_region": self.region,
            "cloudformation_schema_date": self.schema_date,
            "note": "CloudFormation resource schemas shipped with cfn-lint, named as the awscc provider "
            "names them; they may be newer or older than any given awscc release.",
        }

    def schema_for(self, kind: str, tf_type: str) -> Schema:
        cfn_type = self.by_tf_name.get(tf_type)
        if cfn_type is None:
            raise ExtractError(f"{tf_type}: no CloudFormation type maps to it in cfn-lint {self.version}")
        document = json.loads(self.files[cfn_type].read_text())
        read_only = {p.removeprefix("/properties") for p in document.get("readOnlyProperties", [])}
        read_only |= {p.replace("/*", "") for p in read_only}
        resource_id = f"{cfn_to_tf_name(cfn_type.split('::')[2])}_id"
        walker = _CfnWalker(document, read_only, resource_id, f"{tf_type}", self.warnings)
        schema = walker.object_schema(document, "", ())
        for definition, times in sorted(walker.recursive.items()):
            self.warnings.append(
                f"{tf_type}: #/definitions/{definition} refers to itself; cut short {times} times "
                '(those blocks say "recursive": true and have an empty schema)'
            )
        schema["attributes"] = sorted({*schema["attributes"], "id"})
        if kind == "data":  # singular awscc data source: look up by id, everything else is computed
            names = {*schema["arguments"], *schema["blocks"], *schema["attributes"]} - {"id"}
            return {"arguments": {"id": {"required": True}}, "blocks": {}, "attributes": sorted(names)}
        return schema


@dataclass
class _CfnWalker:
    document: dict[str, Any]
    read_only: set[str]
    resource_id: str
    where: str
    warnings: list[str]
    recursive: dict[str, int] = field(default_factory=dict)  # definition -> times cut short

    def resolve(self, node: dict[str, Any], stack: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/definitions/"):
                self.warnings.append(f"{self.where}: unsupported $ref {ref}")
                return {}, stack
            name = ref.removeprefix("#/definitions/")
            if name in stack:
                return {"recursive": name}, stack
            stack = (*stack, name)
            node = self.document.get("definitions", {}).get(name, {})
        return node, stack

    def properties(self, node: dict[str, Any], stack: tuple[str, ...]) -> dict[str, Any]:
        props = dict(node.get("properties", {}))
        for combinator in ("allOf", "anyOf", "oneOf"):
            for option in node.get(combinator, []):
                resolved, _ = self.resolve(option, stack)
                for name, value in resolved.get("properties", {}).items():
                    props.setdefault(name, value)
        return props

    def object_schema(self, node: dict[str, Any], pointer: str, stack: tuple[str, ...]) -> Schema:
        schema = empty_schema()
        required = set(node.get("required", []))
        for cfn_name, raw in sorted(self.properties(node, stack).items()):
            name = cfn_to_tf_name(cfn_name)
            if not pointer and name == "id":
                name = self.resource_id  # awscc keeps "id" for the Terraform identifier
            path = f"{pointer}/{cfn_name}"
            if path in self.read_only or path.replace("/*", "") in self.read_only:
                schema["attributes"].append(name)
                continue
            prop, prop_stack = self.resolve(raw, stack)
            is_array = prop.get("type") == "array"
            element, element_stack = self.resolve(prop.get("items", {}), prop_stack) if is_array else (prop, prop_stack)
            if element.get("recursive"):
                self.recursive[element["recursive"]] = self.recursive.get(element["recursive"], 0) + 1
                schema["blocks"][name] = {
                    "required": cfn_name in required,
                    "list": is_array,
                    "nesting": "list" if is_array else "single",
                    "attribute_syntax": True,
                    "recursive": True,
                    "schema": empty_schema(),
                }
                continue
            if not self.properties(element, element_stack) or element.get("patternProperties"):
                schema["arguments"][name] = {"required": cfn_name in required}  # primitive, map or JSON
                continue
            nesting = "single"
            if is_array:
                nesting = "set" if prop.get("uniqueItems") and prop.get("insertionOrder") is False else "list"
            nested = self.object_schema(element, f"{path}/*" if is_array else path, element_stack)
            schema["blocks"][name] = {
                "required": cfn_name in required,
                "list": is_array,
                "nesting": nesting,
                "attribute_syntax": True,
                "schema": nested,
            }
        schema["attributes"].sort()
        return schema


# --------------------------------------------------------------------------------------------
# terraform_*: the provider built into Terraform itself (no package carries it)
# --------------------------------------------------------------------------------------------


def _args(required: Iterable[str], optional: Iterable[str]) -> dict[str, dict[str, bool]]:
    return {name: {"required": True} for name in required} | {name: {"required": False} for name in optional}


BUILTIN_SCHEMAS: dict[tuple[str, str], Schema] = {
    ("resource", "terraform_data"): {
        "arguments": _args([], ["input", "triggers_replace"]),
        "blocks": {},
        "attributes": ["id", "output"],
    },
    ("data", "terraform_remote_state"): {
        "arguments": _args(["backend"], ["config", "defaults", "workspace"]),
        "blocks": {},
        "attributes": ["outputs"],
    },
}


class BuiltinTerraform:
    """Hand-written from the Terraform language docs: terraform_data and terraform_remote_state."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def header(self) -> dict[str, Any]:
        return {"provider_source": "terraform.io/builtin/terraform", "note": "built into Terraform; hand-written"}

    def schema_for(self, kind: str, tf_type: str) -> Schema:
        if (kind, tf_type) not in BUILTIN_SCHEMAS:
            raise ExtractError(f"{kind} {tf_type} is not a built-in terraform_* type known to this script")
        return json.loads(json.dumps(BUILTIN_SCHEMAS[(kind, tf_type)]))


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def types_in_terraform(directory: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for path in sorted(directory.rglob("*.tf")):
        if ".terraform" in path.parts:
            continue
        for kind, tf_type in TF_BLOCK.findall(path.read_text(encoding="utf-8")):
            found[kind].add(tf_type)
    return found


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resource", action="append", default=[], metavar="TYPE", help="resource type (repeatable)")
    parser.add_argument("--data", action="append", default=[], metavar="TYPE", help="data source type (repeatable)")
    parser.add_argument(
        "--from-terraform", type=Path, metavar="DIR", help='add every resource "T" / data "T" in DIR/**/*.tf'
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"default: {DEFAULT_OUTPUT}")
    parser.add_argument(
        "--site-packages",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="also look for the packages here (repeatable), e.g. /tmp/cdk/lib/python3.11/site-packages",
    )
    parser.add_argument("--cfn-region", default="us-east-1", help="cfn-lint schema region for awscc (us-east-1)")
    return parser.parse_args(argv)


def requested_types(args: argparse.Namespace) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {"resource": set(args.resource), "data": set(args.data)}
    if args.from_terraform:
        for kind, names in types_in_terraform(args.from_terraform).items():
            wanted[kind] |= names
    if not any(wanted.values()):
        raise ExtractError("nothing to extract: give --resource, --data or --from-terraform")
    return wanted


def load_sources(wanted: dict[str, set[str]], args: argparse.Namespace) -> dict[str, Any]:
    dirs = search_dirs(args.site_packages)
    prefixes = {name.split("_", 1)[0] for names in wanted.values() for name in names}
    sources: dict[str, Any] = {}
    for prefix in sorted(prefixes):
        if prefix == "terraform":
            sources[prefix] = BuiltinTerraform()
            continue
        if prefix == "awscc":
            package_dir = find_package_dir("cfnlint", dirs)
            if package_dir is None:
                raise ExtractError("awscc types need cfn-lint: pip install cfn-lint")
            sources[prefix] = CfnLintSchemas(package_dir, args.cfn_region)
            continue
        package_dir = find_package_dir(f"cdktf_cdktf_provider_{prefix}", dirs)
        if package_dir is None:
            raise ExtractError(f"{prefix}_* types need pip install cdktf-cdktf-provider-{prefix} (or --site-packages)")
        provider = CdktfProvider(prefix, package_dir)
        provider.load_js((kind, name) for kind, names in wanted.items() for name in names)
        sources[prefix] = provider
    return sources


def extract(wanted: dict[str, set[str]], sources: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "format": "provider-schema-snapshot/1",
        "generated_by": "scripts/extract_provider_schema.py",
        "extracted_on": datetime.datetime.now(datetime.UTC).date().isoformat(),
        "sources": {prefix: source.header() for prefix, source in sources.items()},
        "meta_arguments": {
            "all": META_ARGUMENTS,
            "resource_only_blocks": RESOURCE_ONLY_META_BLOCKS,
            "note": "Terraform meta-arguments, valid on every resource and data source; not in the schemas below.",
        },
        "resource": {},
        "data": {},
    }
    errors = []
    for kind in KINDS:
        for tf_type in sorted(wanted[kind]):
            try:
                out[kind][tf_type] = sources[tf_type.split("_", 1)[0]].schema_for(kind, tf_type)
            except ExtractError as error:
                errors.append(str(error))
    if errors:
        raise ExtractError("\n".join(errors))
    return out


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    args = parse_args(argv)
    try:
        wanted = requested_types(args)
        sources = load_sources(wanted, args)
        snapshot = extract(wanted, sources)
    except ExtractError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for source in sources.values():
        for warning in dict.fromkeys(source.warnings):
            print(f"warning: {warning}", file=sys.stderr)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(snapshot, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    counts = ", ".join(f"{len(snapshot[kind])} {kind}" for kind in KINDS)
    print(f"wrote {args.output} ({counts}) in {time.monotonic() - started:.1f}s")
    return 0
