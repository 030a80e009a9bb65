"""The package list, which pyproject.toml cannot give: the found `assistant*` packages plus two data packages.

The repository keeps prompts/ and .chainlit/ at its top level; a wheel ships them inside the package as
assistant/_prompts and assistant/_chainlit (assistant/resources.py finds them in either place). Everything
else is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

DATA_PACKAGES = {"assistant._prompts": "prompts", "assistant._chainlit": ".chainlit"}
# A data folder with files of its own is a package to setuptools; prompts/<profile>/ (no Python name) is not.
DATA_SUBPACKAGES = ["assistant._chainlit.translations"]

setup(
    # Namespace packages too (assistant/backends has no __init__.py), as pyproject's packages.find found them.
    packages=[*find_namespace_packages(include=["assistant*"]), *DATA_PACKAGES, *DATA_SUBPACKAGES],
    package_dir=DATA_PACKAGES,
)
