# Types of the compiled module built from _kernels.c (its docstrings say what each does).
from typing import Any

import numpy.typing as npt

_Array = npt.NDArray[Any]

def word_hashes(text: bytes, offsets: _Array, words: _Array, counts: _Array, /) -> int: ...
def shingle_values(
    words: _Array, counts: _Array, offsets: _Array, k: int, out: _Array, /
) -> None: ...
def minhash(values: _Array, offsets: _Array, a: _Array, b: _Array, out: _Array, /) -> None: ...
