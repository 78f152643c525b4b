"""Reading uploaded documents: inspect, extract, build the review copy, scan.

Pure: no Flask, no database. Submissions and anonymity both call this package;
it imports neither.
"""
