"""Writers fed by results: results.json (the contract), Markdown summary, matrix, diff.

Writers never call a target; results.json is the only thing they read.
"""
