"""The compiled part of mhds: the hashing spec's inner loops (src/mhds/steps/dedup/_kernels.c).

Everything else about the package is in pyproject.toml; setuptools reads both.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "mhds.steps.dedup._kernels",
            sources=["src/mhds/steps/dedup/_kernels.c"],
            extra_compile_args=["-O3", "-std=c11"],
        )
    ]
)
