"""The language: `.sla` text to a checked agreement, and back to canonical text.

    text ─parser→ ast.Document ─checker→ model.Agreement
                       └────formatter───→ canonical text

`parser` (with `syntax_errors`) is the only place Lark is imported. `checker` resolves names, normalises
durations and zones and builds the `sladsl.model` the evaluation sees. `formatter` prints a syntax tree back as
canonical `.sla` text, and `lexer` highlights `.sla` text for Pygments.
"""
