"""RegioMonitor domain and data layer: catalogue, importers, warehouse store, benchmarks, targets.

Everything here is plain Python that tests can call without Streamlit.

Text columns are pandas' ``str`` dtype held in Python objects, not in Arrow arrays (pandas 3's default): a page run
filters, sorts and looks up rows of small frames hundreds of times, and every such step on an Arrow string column
calls into pyarrow's compute kernels (and releases and re-takes the interpreter lock), which under 25 concurrent
sessions was 40 % of the server's script time (bench/load.py, py-spy). The values and the dtype's behaviour
(missing text is NaN) are the same; only the storage differs.
"""

import pandas as _pd

_pd.set_option("mode.string_storage", "python")
