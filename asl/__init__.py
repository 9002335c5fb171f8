"""The state machine definition as plain data: small functions that build the ASL dict."""

from asl.definition import Functions, build_definition, definition_json

__all__ = ["Functions", "build_definition", "definition_json"]
