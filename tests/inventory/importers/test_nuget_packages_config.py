"""NuGet packages.config: all direct; developmentDependency marks dev."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.inventory.importers import nuget_packages_config
from app.inventory.importers.base import ImporterError
from tests.inventory.importers.checks import direct_components, refused

SAMPLE = Path(__file__).parents[2] / "data" / "inventory" / "nuget" / "packages.config"


def test_every_package_element_is_a_direct_component():
    assert len(direct_components(nuget_packages_config, SAMPLE, r"<package\s")) == 4


def test_spot_check_purl_and_development_dependency():
    components = {c.name: c for c in nuget_packages_config.parse(SAMPLE.read_bytes()).components}
    assert components["Newtonsoft.Json"].purl == "pkg:nuget/Newtonsoft.Json@13.0.3"
    assert components["Newtonsoft.Json"].ecosystem == "nuget"
    assert components["Microsoft.CodeAnalysis.NetAnalyzers"].scope == "dev"
    assert components["NUnit"].scope == "runtime"


def test_broken_xml_names_the_line():
    error = refused(nuget_packages_config, b'<?xml version="1.0"?>\n<packages>\n<package id="A" version="1"\n</packages>')
    assert error.line is not None


def test_entity_expansion_is_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><packages>&a;</packages>'
    with pytest.raises(ImporterError):
        nuget_packages_config.parse(bomb)


def test_empty_packages_element_gives_no_components():
    assert nuget_packages_config.parse(b"<packages/>").components == []
