# causalfair — the README's commands.
#   make deps     system and Python dependencies (installs only what is missing)
#   make install  pip install . (builds the Swift engine and the extension into one wheel)
#   make demo     deps + install + the demo
#   make test     deps + swift test + install + pytest on the installed package
#   make docs     the user guide and API reference (Sphinx + numpydoc, warnings as errors)
#                 into docs/_build/html; documents the installed package
#   make bench    the benchmark harness (benchmarks/run.py; writes benchmarks/results.md)
#   make sanitize-address / make sanitize-thread
#                 swift test under AddressSanitizer / ThreadSanitizer (own build
#                 directories .build-asan / .build-tsan; slow, not part of make test)
#   make clean    build products

PYTHON ?= python3
SWIFT  ?= swift
PIP    := $(PYTHON) -m pip

APT_PACKAGES := python3-dev libopenblas-dev
PY_PACKAGES  := numpy pandas scikit-learn joblib tqdm matplotlib networkx 'dask[dataframe]' distributed \
                pytest hypothesis fairlearn sphinx numpydoc mypy pandas-stubs types-tqdm scipy-stubs dp-accounting

# Data sets shared beside the repository (CI lays shared/ next to its clone).
export CAUSALFAIR_DATA ?= $(CURDIR)/../shared/data

.NOTPARALLEL:

.PHONY: all deps deps-system deps-python install demo test swift-test python-test bench clean docs \
        sanitize-address sanitize-thread

all: install

deps: deps-system deps-python

deps-system:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing$$missing"; \
	    SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends $$missing; \
	fi

deps-python:
	$(PIP) install --quiet --disable-pip-version-check $(PY_PACKAGES)

install: deps-system
	$(PIP) install --disable-pip-version-check --progress-bar off .

demo: deps install
	$(PYTHON) -m causalfair demo

swift-test: deps-system
	$(SWIFT) test

# Run from python/tests so that the source tree (python/) is not on sys.path:
# the tests import the installed wheel (test_packaging.py checks that).
python-test:
	cd python/tests && $(PYTHON) -m pytest -q -p no:cacheprovider

test: deps swift-test install python-test

# The Swift core under the sanitizers (issue 6). Separate scratch paths so the
# instrumented objects never mix with the release/debug builds in .build/.
sanitize-address: deps-system
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan.supp:print_suppressions=0 \
	    $(SWIFT) test --sanitize=address --scratch-path .build-asan

sanitize-thread: deps-system
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan

docs: deps install
	$(PYTHON) -m sphinx -W --keep-going -b html docs docs/_build/html

bench: deps install
	$(PYTHON) benchmarks/run.py

clean:
	rm -rf .build .build-wheel .build-asan .build-tsan build dist *.egg-info python/*.egg-info docs/_build
	find python -name '*.so' -delete
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
