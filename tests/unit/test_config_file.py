"""The stack-file reader gives exactly what yaml.safe_load gives, reading the plain form itself and the rest with
PyYAML."""

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hpc import config_file

REPO = Path(__file__).resolve().parents[2]

SCALARS = [
    "128", "0", "-0", "-3", "007", "1_000", "0x10", "1:20", "2.0", "-0.5", "1e3", "1.5e3", ".inf", ".nan",
    "true", "false", "True", "yes", "no", "on", "Off", "null", "~", "y", "hpc-dev", "us-east-1", "STANDARD",
    "a.b/c", "a:b", "a b", "a # b", '"quoted"', '"with # hash"', '"esc\\\\n"', "'single'", "'it''s'", '""', "''",
    "2001-12-14", "=", "<<", "[1, 2]", "{a: 1}", "&anchor x", "*alias", "|", ">", "'unterminated", "-",
]  # fmt: skip
KEYS = ["hpc:maxItems", "aws:region", "key", "true", "yes", "1:20", "12", "a.b", "null", "_k", "x-y"]


def lines_of(entries):
    lines = []
    for indent, key, value in entries:
        lines.append(f"{'  ' if indent else ''}{key}:{'' if value is None else ' ' + value}")
    return "\n".join(lines)


def assert_same_as_pyyaml(text):
    try:
        expected = ("value", yaml.safe_load(text))
    except yaml.YAMLError:
        expected = ("error",)
    try:
        ours = ("value", config_file.parse(text))
    except config_file.InvalidYaml:
        ours = ("error",)
    assert ours == expected, text


def test_the_repository_stack_file_is_read_without_pyyaml():
    text = (REPO / "Pulumi.dev.yaml").read_text()
    assert config_file._plain(text) is not config_file._DECLINED
    assert_same_as_pyyaml(text)


@pytest.mark.parametrize("value", SCALARS)
@pytest.mark.parametrize("key", KEYS)
def test_each_scalar_and_key_reads_as_pyyaml_reads_it(key, value):
    assert_same_as_pyyaml(f"# comment\nconfig:\n  {key}: {value}\n  # another\n  aws:region: us-east-1\n")
    assert_same_as_pyyaml(f"{key}: {value}\n")


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "# only a comment\n", "config:\n", "config:\n  hpc:x:\n    secure: abc\n", "---\nconfig: {}\n",
     "config:\n\thpc:x: 1\n", "config:\r\n  hpc:x: 1\r\n", "config:\n    hpc:x: 1\n", "config:\n  a: 1\n  a: 2\n",
     "config:\n  a: 1\nconfig:\n  b: 2\n", "a: 1 # trailing\n", "encryptionsalt: v1:abc=\nconfig:\n  a: b\n",
     ": x\n", "config:\n  a: [\n"],
)  # fmt: skip
def test_other_shapes_read_as_pyyaml_reads_them(text):
    assert_same_as_pyyaml(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.sampled_from(KEYS), st.one_of(st.none(), st.sampled_from(SCALARS))), max_size=6
    )
)
def test_generated_files_read_as_pyyaml_reads_them(entries):
    assert_same_as_pyyaml(lines_of(entries))
