"""in-toto attestations: the CycloneDX or SPDX SBOM they carry is imported (signature not verified, and said so);
any other attestation is refused, named as one, with its predicateType."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from app.inventory.importers import ImporterError, cyclonedx_json, detect_format, in_toto, parse_file
from tests.helpers import DATA, REALWORLD
from tests.inventory.realworld import expected_components

ATTESTATIONS = DATA / "realworld" / "attestations"
DSSE_JSONL = ATTESTATIONS / "trivy-centos-7-cyclonedx.intoto.jsonl"  # cosign's DSSE envelope, one line
SIGSTORE_BUNDLE = ATTESTATIONS / "trivy-sigstore-bundle.json"  # a Sigstore bundle's dsseEnvelope (GitHub's form)
COSIGN_DATA = ATTESTATIONS / "trivy-cosign-data-predicate.cdx.intoto.jsonl"  # cosign 1.x: {"Data": bom, "Timestamp"}
COSIGN_OTHER = ATTESTATIONS / "trivy-cosign-attestation.json"  # predicateType cosign.sigstore.dev/attestation/v1


def statement_of(envelope: dict[str, Any]) -> dict[str, Any]:
    """The in-toto Statement a DSSE envelope signs, decoded in the test."""
    return json.loads(base64.b64decode(envelope["payload"]))


def envelope_of(statement: dict[str, Any]) -> bytes:
    """A DSSE envelope as cosign writes it, around a Statement (no real signature: the import does not verify it)."""
    payload = base64.b64encode(json.dumps(statement).encode()).decode()
    return json.dumps({"payloadType": "application/vnd.in-toto+json", "payload": payload,
                       "signatures": [{"keyid": "", "sig": "MEUC"}]}).encode()


def component_keys(bom: dict[str, Any]) -> set[tuple[str, str]]:
    return {(item["name"], item.get("version", "")) for item in bom["components"]}


@pytest.mark.parametrize("path", [DSSE_JSONL, SIGSTORE_BUNDLE], ids=["cosign-dsse", "sigstore-bundle"])
def test_the_cyclonedx_sbom_of_an_attestation_is_imported_with_a_warning(path) -> None:
    """trivy's fixtures: `cosign attest --type cyclonedx` output and a Sigstore bundle (what GitHub's attest-sbom
    writes): the predicate's components, counted from the decoded payload in the test."""
    document = json.loads(path.read_text())
    statement = statement_of(document.get("dsseEnvelope", document))
    assert statement["predicateType"] == "https://cyclonedx.org/bom"
    assert detect_format("upload", path.read_bytes()) == "in-toto-attestation"
    parsed = parse_file(path.name, path.read_bytes())
    assert parsed.format == "in-toto-attestation"
    assert {(c.name, c.version) for c in parsed.components} == component_keys(statement["predicate"])
    assert parsed.warnings[0] == ("the CycloneDX SBOM was read from an in-toto attestation (predicateType "
                                  "https://cyclonedx.org/bom); its signature was not verified")


def test_cosign_1_wraps_the_sbom_in_data_and_timestamp() -> None:
    """trivy's sbom.cdx.intoto.jsonl: the predicate is {"Data": <the BOM>, "Timestamp": ...}, as cosign before 2.0
    wrote it."""
    statement = statement_of(json.loads(COSIGN_DATA.read_text()))
    assert set(statement["predicate"]) == {"Data", "Timestamp"}
    parsed = parse_file(COSIGN_DATA.name, COSIGN_DATA.read_bytes())
    # as the BOM alone is read (trivy's composer.lock and gobinary nodes group packages: they are no components)
    assert parsed.components == cyclonedx_json.parse(json.dumps(statement["predicate"]["Data"]).encode()).components
    assert len(parsed.components) == 7


def test_a_bare_statement_is_imported_as_the_envelope_is() -> None:
    """The payload of the real envelope, decoded (what `cosign verify-attestation | jq -r .payload | base64 -d`
    prints)."""
    bare = base64.b64decode(json.loads(DSSE_JSONL.read_text())["payload"])
    parsed = parse_file("statement.json", bare)
    assert parsed.format == "in-toto-attestation"
    assert [c.purl for c in parsed.components] == [c.purl for c in parse_file("a.jsonl", DSSE_JSONL.read_bytes()).components]


def test_an_spdx_sbom_in_an_in_toto_v1_statement_is_imported() -> None:
    """A real SPDX 2.3 document (sigs.k8s.io/bom's) as the predicate of a v1 Statement, in an envelope built here."""
    spdx_path = REALWORLD / "spdx" / "rust-hello-server.spdx.json"
    statement = {"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://spdx.dev/Document/v2.3",
                 "subject": [{"name": "app", "digest": {"sha256": "0" * 64}}],
                 "predicate": json.loads(spdx_path.read_text())}
    parsed = parse_file("app.intoto.jsonl", envelope_of(statement))
    assert len(parsed.components) == expected_components(spdx_path)
    assert parsed.warnings[0].startswith("the SPDX SBOM was read from an in-toto attestation (predicateType "
                                         "https://spdx.dev/Document/v2.3)")


def test_an_attestation_of_anything_else_is_refused_naming_its_predicate_type() -> None:
    """trivy's cosign attestation of "foo": before, "Unrecognised file" listing the envelope's keys."""
    with pytest.raises(ImporterError) as refused:
        parse_file(COSIGN_OTHER.name, COSIGN_OTHER.read_bytes())
    message = str(refused.value)
    assert message.startswith("in-toto-attestation: this in-toto attestation is of cosign.sigstore.dev/attestation/v1 "
                              "(its predicateType), not a CycloneDX or SPDX SBOM")
    provenance = envelope_of({"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://slsa.dev/provenance/v1",
                              "subject": [], "predicate": {"buildDefinition": {}}})
    with pytest.raises(ImporterError, match=re.escape("is of https://slsa.dev/provenance/v1 ")):
        parse_file("provenance.intoto.jsonl", provenance)


def test_cosign_download_attestation_lines_give_the_one_sbom_and_name_the_others() -> None:
    """`cosign download attestation` prints one envelope a line: the SBOM's is imported, the others are named."""
    content = COSIGN_OTHER.read_bytes().strip() + b"\n" + DSSE_JSONL.read_bytes().strip() + b"\n"
    assert detect_format("attestations", content) == "in-toto-attestation"
    parsed = parse_file("attestations.jsonl", content)
    assert len(parsed.components) == len(parse_file("a.jsonl", DSSE_JSONL.read_bytes()).components)
    assert parsed.warnings[-1] == ("1 other attestation(s) in the file skipped, of no SBOM: "
                                   "cosign.sigstore.dev/attestation/v1")
    twice = DSSE_JSONL.read_bytes().strip() + b"\n" + DSSE_JSONL.read_bytes().strip()
    with pytest.raises(ImporterError, match=r"holds 2 SBOM attestations \(lines 1, 2\); import them one at a time"):
        parse_file("twice.jsonl", twice)


def test_the_payload_goes_through_the_nesting_limit_and_bad_base64_is_named() -> None:
    deep = {"payloadType": "application/vnd.in-toto+json", "signatures": [],
            "payload": base64.b64encode(b'{"_type": "https://in-toto.io/Statement/v1", "predicate": '
                                        + b"[" * 5000 + b"]" * 5000 + b"}").decode()}
    with pytest.raises(ImporterError, match="the envelope's payload: the data is nested more than 100 levels deep"):
        in_toto.parse(json.dumps(deep).encode())
    broken = {"payloadType": "application/vnd.in-toto+json", "payload": "not base64!", "signatures": []}
    with pytest.raises(ImporterError, match="the envelope's payload is not base64"):
        in_toto.parse(json.dumps(broken).encode())
    # The decoded payload is never larger than the upload (base64 spends 4 bytes on 3), which the import service
    # holds to INVENTORY_UPLOAD_MAX_BYTES.
    envelope = json.loads(DSSE_JSONL.read_text())
    assert len(base64.b64decode(envelope["payload"])) < DSSE_JSONL.stat().st_size


def test_url_safe_base64_without_padding_is_read() -> None:
    """The DSSE specification allows standard or URL-safe base64."""
    envelope = json.loads(DSSE_JSONL.read_text())
    envelope["payload"] = base64.urlsafe_b64encode(base64.b64decode(envelope["payload"])).decode().rstrip("=")
    assert len(in_toto.parse(json.dumps(envelope).encode()).components) == 3


def test_an_envelope_of_another_payload_type_is_refused_naming_it() -> None:
    other = {"payloadType": "application/vnd.in-toto.other+json", "payload": "e30=", "signatures": []}
    with pytest.raises(ImporterError, match=re.escape("a DSSE envelope of 'application/vnd.in-toto.other+json'")):
        in_toto.parse(json.dumps(other).encode())
