"""xarray objects from finished numpy arrays, built without xarray's dask probes.

xarray's ordinary constructors ask of every array whether it is a dask array; when dask is
installed (it is: ``lodestar batch``) the first question imports ``dask`` and ``dask.array``
(+ scipy.sparse, scipy.fft): 0.3-0.5 s, more than reading a whole day of observations, paid by
every one-file process such as ``lodestar solve``. Arrays here are numpy arrays with their final
dtype, so the question has a known answer; these two helpers build the same objects through
public xarray API that does not ask it:

- :func:`variable`: ``xarray.Variable(..., fastpath=True)`` takes the array as is (the
  conversions it skips are for lists, pandas objects, masked and object arrays);
- :func:`indexed_coords`: dimension coordinates from ready ``pandas.Index`` objects
  (``xarray.indexes.PandasIndex`` + ``xarray.Coordinates``), as xarray would create by default.

The resulting Dataset is identical (``xarray.testing.assert_identical``, dtypes, index types).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from xarray.indexes import PandasIndex

__all__ = ["variable", "indexed_coords"]


def variable(dims, array: np.ndarray, attrs=None) -> xr.Variable:
    """``xarray.Variable`` around ``array`` (a numpy array of its final dtype), without a copy."""
    return xr.Variable(dims, array, attrs, fastpath=True)


def indexed_coords(**arrays: np.ndarray) -> xr.Coordinates:
    """Dimension coordinates (name = dimension) with the pandas indexes xarray would make by default."""
    variables, indexes = {}, {}
    for dim, array in arrays.items():
        index = PandasIndex(pd.Index(array), dim, coord_dtype=array.dtype)
        variables.update(index.create_variables())
        indexes[dim] = index
    return xr.Coordinates(coords=variables, indexes=indexes)
