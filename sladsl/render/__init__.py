"""Renderers: verdicts and diagnostics into words, JSON and pictures. The only place sentences are made.

`text` and `json` render a check report (`json` also the lines of a streamed check), `html` draws one as a page,
`explain` renders an agreement in plain English (`pictures` draws its weeks and ladders on the page), `compare` a
what-if between two agreements, and `diagnostics` the problems found in files. `words` holds the few phrasings
they share.
"""
