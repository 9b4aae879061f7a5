"""The pure domain: Kreise and keys, the indicator catalogue, benchmark statistics, targets and priorities.

No file or database access beyond the committed reference tables; every function here can be tested alone.
"""
