"""The provider schema snapshot: the schemas of the resource and data types terraform/ uses.

``terraform/schema/provider_schema.json`` holds the schema of exactly the types declared by the
resource and data blocks in ``terraform/`` and ``terraform/modules/*``, and of nothing else::

    make schema             regenerate it, after starting or stopping using a type
    agent schema --check    check that it covers what terraform/ declares (needs no packages)

``--check`` exits 1 with one line per type that terraform/ declares and the snapshot lacks, and per
type the snapshot holds that terraform/ no longer declares, each ending in ``run make schema``.
tests/test_provider_schema.py runs the same check, then checks every argument, block and
attribute reference in terraform/ against the snapshot.

No ``terraform providers schema -json`` is possible offline, so the schemas are read from the
prebuilt CDKTF bindings that PyPI serves (``cdktf-cdktf-provider-aws``,
``cdktf-cdktf-provider-archive``); ``make schema`` installs them in ``.local/venvs/schema`` and
passes that virtualenv's site-packages as ``--site-packages`` (the files are only read, nothing is
imported from them). Each package ships a jsii assembly (``_jsii/*.jsii.tgz``) that describes every
resource and data source config struct: property names, ``optional`` flags and nested struct
types. Terraform names come from the registry link anchors in the property docs
(``...docs/resources/lambda_function#function_name``), not from a camelCase -> snake_case guess,
which is wrong for names like ``address_1`` or ``m2ts_settings``. Computed-only attributes
(``arn``, ``invoke_arn``, ...) are the resource class getters that have no config counterpart;
their Terraform names are read from the compiled JavaScript in the same tarball
(``this.getStringAttribute('invoke_arn')``).

Each type's schema has this shape, recursively::

    {"arguments": {name: {"required": bool}},
     "blocks": {name: {"required": bool, "list": bool, "nesting": "list|set|map|single",
                       "schema": {...same shape...}}},
     "attributes": [computed-only names]}

"blocks" are all nested struct types: Terraform nested blocks and object-typed attributes alike
(a block entry has ``"attribute_syntax": true`` when the docs say it is an attribute). A block's
``list`` is true when it may hold several objects; ``nesting`` is Terraform's nesting mode, so
``environment`` of ``aws_lambda_function`` is ``list: false, nesting: list`` (a list block of at
most one: ``environment[0].variables``). A block cut short because its struct refers to itself
says ``"recursive": true``. Computed-only nested objects, when a type has them, are under
"computed_blocks" ({name: {"list": bool, "attributes": [...]}}).

The snapshot is one JSON file with sorted keys and a header naming the packages, the provider
versions they were generated from and the date. A run takes about 3 seconds, most of it reading
the 130 MB AWS assembly; a type that no installed package knows is an error (exit 1) that names
the package to install.
"""

from __future__ import annotations

import argparse
import datetime
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
TypeKey = tuple[str, str]  # (kind, Terraform type): ("resource", "aws_lambda_function")

REPO_ROOT = Path(__file__).resolve().parents[1]
TERRAFORM_DIR = REPO_ROOT / "terraform"
DEFAULT_SNAPSHOT = TERRAFORM_DIR / "schema" / "provider_schema.json"
KINDS = ("resource", "data")
REGENERATE = "run make schema"

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
        return json.loads(raw["package/.jsii"]), json.loads(raw["package/package.json"])

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
# The types terraform/ declares, and the check (no packages needed)
# --------------------------------------------------------------------------------------------


def types_in_terraform(directory: Path) -> dict[TypeKey, Path]:
    """Every resource and data type declared in ``directory/**/*.tf``, with the first file declaring it."""
    found: dict[TypeKey, Path] = {}
    for path in sorted(directory.rglob("*.tf")):
        if any(part.startswith(".") for part in path.relative_to(directory).parts):
            continue  # .terraform/ (downloaded modules and providers), .build/
        for kind, tf_type in TF_BLOCK.findall(path.read_text(encoding="utf-8")):
            found.setdefault((kind, tf_type), path)
    return found


def shown(path: Path, base: Path) -> str:
    """``path`` the way messages name it: from the repository root, else from ``base``."""
    path = path.resolve()
    for root in (REPO_ROOT, base.resolve()):
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return str(path)


def check_snapshot(directory: Path = TERRAFORM_DIR, snapshot_path: Path = DEFAULT_SNAPSHOT) -> list[str]:
    """One line per type ``directory`` declares and the snapshot lacks, and per type it holds unused."""
    base = directory.resolve().parent
    snapshot_name = shown(snapshot_path, base)
    if not snapshot_path.is_file():
        return [f"{snapshot_name} is missing: {REGENERATE}"]
    snapshot = json.loads(snapshot_path.read_text(encoding="utf-8"))
    held = {(kind, tf_type) for kind in KINDS for tf_type in snapshot.get(kind, {})}
    used = types_in_terraform(directory)
    problems = [
        f"{shown(path, base)} uses {kind} {tf_type}, which {snapshot_name} lacks: {REGENERATE}"
        for (kind, tf_type), path in sorted(used.items())
        if (kind, tf_type) not in held
    ]
    problems += [
        f"{snapshot_name} holds {kind} {tf_type}, which {shown(directory, base)}/ no longer uses: {REGENERATE}"
        for kind, tf_type in sorted(held - used.keys())
    ]
    return problems


# --------------------------------------------------------------------------------------------
# Writing the snapshot (needs the CDKTF packages)
# --------------------------------------------------------------------------------------------


def provider_package(prefix: str, dirs: list[Path]) -> Path:
    if prefix == "terraform":
        raise ExtractError("terraform_* types are built into Terraform: no provider package describes them")
    package_dir = find_package_dir(f"cdktf_cdktf_provider_{prefix}", dirs)
    if package_dir is None:
        raise ExtractError(
            f"{prefix}_* types need cdktf-cdktf-provider-{prefix}: add it to the Makefile's schema virtualenv "
            "(or give its site-packages with --site-packages)"
        )
    return package_dir


def load_providers(wanted: Iterable[TypeKey], site_packages: list[Path]) -> dict[str, CdktfProvider]:
    """The CDKTF package of every provider that ``wanted`` names, with those types' JavaScript read."""
    dirs = search_dirs(site_packages)
    wanted = sorted(wanted)
    providers: dict[str, CdktfProvider] = {}
    for prefix in sorted({tf_type.split("_", 1)[0] for _, tf_type in wanted}):
        providers[prefix] = CdktfProvider(prefix, provider_package(prefix, dirs))
        providers[prefix].load_js(wanted)
    return providers


def extract(wanted: Iterable[TypeKey], providers: dict[str, CdktfProvider]) -> dict[str, Any]:
    snapshot: dict[str, Any] = {
        "format": "provider-schema-snapshot/1",
        "generated_by": "make schema (harness/schema.py)",
        "extracted_on": datetime.datetime.now(datetime.UTC).date().isoformat(),
        "sources": {prefix: provider.header() for prefix, provider in providers.items()},
        "meta_arguments": {
            "all": META_ARGUMENTS,
            "resource_only_blocks": RESOURCE_ONLY_META_BLOCKS,
            "note": "Terraform meta-arguments, valid on every resource and data source; not in the schemas below.",
        },
        "resource": {},
        "data": {},
    }
    errors = []
    for kind, tf_type in sorted(wanted):
        try:
            snapshot[kind][tf_type] = providers[tf_type.split("_", 1)[0]].schema_for(kind, tf_type)
        except ExtractError as error:
            errors.append(str(error))
    if errors:
        raise ExtractError("\n".join(errors))
    return snapshot


def write_snapshot(directory: Path, snapshot_path: Path, site_packages: list[Path]) -> int:
    started = time.monotonic()
    wanted = types_in_terraform(directory)
    if not wanted:
        raise ExtractError(f"no resource or data blocks in {directory}")
    providers = load_providers(wanted, site_packages)
    snapshot = extract(wanted, providers)
    for provider in providers.values():
        for warning in dict.fromkeys(provider.warnings):
            print(f"warning: {warning}", file=sys.stderr)
    snapshot_path.parent.mkdir(parents=True, exist_ok=True)
    snapshot_path.write_text(json.dumps(snapshot, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    counts = ", ".join(f"{len(snapshot[kind])} {kind}" for kind in KINDS)
    print(f"wrote {shown(snapshot_path, Path.cwd())} ({counts}) in {time.monotonic() - started:.1f}s")
    return 0


# --------------------------------------------------------------------------------------------
# Command line: agent schema [--check]
# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="agent schema",
        description="\n\n".join((__doc__ or "").split("\n\n")[:4]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare the snapshot with the types terraform/ uses")
    mode.add_argument("--write", action="store_true", help="regenerate the snapshot (the default; make schema)")
    parser.add_argument("--from-terraform", type=Path, default=TERRAFORM_DIR, metavar="DIR", help="default: terraform/")
    parser.add_argument(
        "--snapshot",
        "--output",
        dest="snapshot",
        type=Path,
        default=DEFAULT_SNAPSHOT,
        metavar="FILE",
        help="default: terraform/schema/provider_schema.json",
    )
    parser.add_argument(
        "--site-packages",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="where the CDKTF packages are installed (repeatable); make schema gives .local/venvs/schema's",
    )
    return parser.parse_args(argv)


def run_check(directory: Path, snapshot_path: Path) -> int:
    problems = check_snapshot(directory, snapshot_path)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{shown(snapshot_path, Path.cwd())} holds exactly the types {shown(directory, Path.cwd())}/ uses")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.check:
            return run_check(args.from_terraform, args.snapshot)
        return write_snapshot(args.from_terraform, args.snapshot, args.site_packages)
    except ExtractError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
