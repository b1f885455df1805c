"""Time: the only package that does clock arithmetic.

Instants are integer seconds since the Unix epoch (UTC) everywhere in sladsl. This package turns text into
instants (`instants`), knows time zones (`zones`), compiles business calendars onto the epoch line and answers
questions about open time (`calendar`, with `holidays`), does arithmetic on half-open intervals (`intervals`),
and finds the calendar months, quarters and years an instant falls in (`periods`). Nothing outside it adds a
`timedelta` to a datetime, looks at a UTC offset, or imports `zoneinfo` or pendulum; a test holds that true.
"""
