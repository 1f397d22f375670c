"""Conformance test 2: the ONNX package's node test cases for every op type fpgaforge claims."""

import pytest

from tests.frontend.onnx_node_cases import run_all

pytestmark = pytest.mark.conformance

REQUIRED_PASS_RATE = 0.98


def test_onnx_node_cases_pass() -> None:
    report = run_all()
    print(report.summary())
    assert report.count("pass") > 300, report.summary()
    assert report.pass_rate >= REQUIRED_PASS_RATE, report.summary()
