"""csproj PackageReference: Version attribute or element, properties resolved, all direct."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.inventory.importers import nuget_csproj
from app.inventory.importers.base import ImporterError
from tests.helpers import DATA
from tests.inventory.importers.checks import by_name, direct_components

SAMPLE = Path(__file__).parents[2] / "data" / "inventory" / "nuget" / "Device.Service.csproj"


def test_every_package_reference_is_a_direct_component():
    assert len(direct_components(nuget_csproj, SAMPLE, r"<PackageReference\s+Include=")) == 6


def test_versions_from_attribute_element_property_and_exact_range():
    components = by_name(nuget_csproj.parse(SAMPLE.read_bytes()))
    assert components["Newtonsoft.Json"].version == "13.0.3"
    assert components["Serilog"].version == "3.1.1"
    assert components["Polly"].version == "8.4.2"
    assert components["Microsoft.Extensions.Http"].version == "8.0.1"
    assert components["Polly"].purl == "pkg:nuget/Polly@8.4.2"


def test_floating_version_is_not_exact_and_is_reported():
    parsed = nuget_csproj.parse(SAMPLE.read_bytes())
    assert by_name(parsed)["Dapper"].version == ""
    assert any("Dapper" in warning for warning in parsed.warnings)


def test_private_assets_all_is_dev():
    components = by_name(nuget_csproj.parse(SAMPLE.read_bytes()))
    assert components["StyleCop.Analyzers"].scope == "dev"
    assert components["Serilog"].scope == "runtime"


def test_old_style_namespaced_project_is_read():
    content = (b'<Project ToolsVersion="15.0" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">'
               b'<ItemGroup><PackageReference Include="NLog"><Version>5.3.4</Version></PackageReference>'
               b'</ItemGroup></Project>')
    assert by_name(nuget_csproj.parse(content))["NLog"].version == "5.3.4"


def test_a_project_without_references_gives_no_components():
    assert nuget_csproj.parse(b'<Project Sdk="Microsoft.NET.Sdk"></Project>').components == []


def test_a_wrong_root_element_is_refused():
    with pytest.raises(ImporterError):
        nuget_csproj.parse(b"<packages/>")


def test_an_old_style_project_without_package_references_points_to_packages_config():
    """cdxgen's demo.csproj: <Reference Include="Auth0.Core, Version=7.26.1.0, ..."> with HintPaths into packages/."""
    parsed = nuget_csproj.parse((DATA / "realworld" / "lockfiles" / "cdxgen-old-style-demo.csproj").read_bytes())
    assert parsed.components == []
    assert parsed.warnings == ["this project file has no <PackageReference>, so it names no NuGet packages; an "
                               "old-style project lists them in the packages.config next to it: import that file instead"]


def test_a_version_override_of_central_package_management_is_the_version():
    """testcontainers-dotnet's WeatherForecast.Tests.csproj: one VersionOverride, the rest versioned centrally."""
    parsed = nuget_csproj.parse(
        (DATA / "realworld" / "lockfiles" / "testcontainers-weatherforecast-tests.csproj").read_bytes())
    components = by_name(parsed)
    assert len(components) == 6
    assert components["JetBrains.Annotations"].version == "2023.3.0"
    assert components["JetBrains.Annotations"].purl == "pkg:nuget/JetBrains.Annotations@2023.3.0"
    assert components["JetBrains.Annotations"].scope == "dev"  # PrivateAssets="All"
    assert components["xunit"].version == ""
    assert parsed.warnings == [  # one warning for all five, not one each
        "5 package(s) with no version in this file (with central package management it is in "
        "Directory.Packages.props): Microsoft.NET.Test.Sdk, xunit.runner.visualstudio, xunit, "
        "Selenium.WebDriver.ChromeDriver, Selenium.WebDriver"]


def test_a_package_in_several_conditional_item_groups_is_warned_about_once():
    content = b"""<Project Sdk="Microsoft.NET.Sdk">
  <ItemGroup Condition="'$(TargetFramework)' == 'net48'"><PackageReference Include="NUnit" Version="$(NunitVersion)"/></ItemGroup>
  <ItemGroup Condition="'$(TargetFramework)' == 'net8.0'"><PackageReference Include="NUnit" Version="$(NunitVersion)"/></ItemGroup>
</Project>"""
    assert nuget_csproj.parse(content).warnings == ["NUnit: no exact version in this file: '$(NunitVersion)'"]
