"""Evaluation: a checked agreement and a timeline's records in, verdicts out.

`engine` is the one evaluation engine: every figure, whatever the output format, number of processes or machine,
comes from it. It decides each incident's `targets` once all the incident's records are in (`finality` says when
that is, for a timeline read backwards first), then per customer and period the `kpis`, `availability` and
`credits`. Its results are the data in `verdicts`: instants, seconds, amounts and facts, never sentences.
`compare` sets the evaluations of two versions of an agreement side by side.
"""
