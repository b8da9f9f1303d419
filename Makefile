# Every target creates .venv with the standard library's venv when missing and installs
# the project into it: on a fresh machine, `make run` and `make test` are enough.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
DATA ?= $(HOME)/.local/share/FieldApp-demo
export QT_QPA_PLATFORM ?= $(if $(DISPLAY)$(WAYLAND_DISPLAY),,offscreen)

.PHONY: run test bench fuzz screenshots translations mo package clean upgrade lock soak

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Exactly the locked versions (hash-checked), then the project itself without resolving
# anything again: what runs here is what CI and the bundle run.
LOCK := requirements/dev.txt
PIP := $(PY) -m pip --disable-pip-version-check
$(STAMP): pyproject.toml $(LOCK) requirements/build.txt | $(VENV)/bin/python
	$(PIP) install --quiet --require-hashes -r requirements/build.txt -r $(LOCK)
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Re-resolve the lock to the newest versions pyproject.toml allows, then reinstall. The
# routine after it (README, "Upgrading dependencies"): make test, make soak, commit the
# lock with the fixes it needed.
UV_VERSION := 0.13.9
upgrade: | $(VENV)/bin/python
	$(PIP) install --quiet uv==$(UV_VERSION)
	UV=$(VENV)/bin/uv requirements/relock.sh --upgrade
	$(PIP) install --quiet --require-hashes -r requirements/build.txt -r $(LOCK)
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# After editing pyproject.toml's dependencies: re-lock keeping every pin that still fits.
lock: | $(VENV)/bin/python
	$(PIP) install --quiet uv==$(UV_VERSION)
	UV=$(VENV)/bin/uv requirements/relock.sh

soak: $(STAMP)
	QT_QPA_PLATFORM=offscreen FIELDAPP_SOAK_ACTIONS=$${FIELDAPP_SOAK_ACTIONS:-20000} $(PY) -m pytest -q -p no:cacheprovider tests/ui/test_soak.py

run: $(STAMP) mo
	$(VENV)/bin/fieldapp --data-dir "$(DATA)" --demo-if-empty

mo: $(STAMP)
	$(PY) translations/manage.py compile

translations: $(STAMP)
	$(PY) translations/manage.py update
	$(PY) translations/manage.py stats

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(PY) bench/store.py
	$(PY) bench/forms.py
	$(PY) bench/xlsform_corpus.py
	QT_QPA_PLATFORM=offscreen $(PY) bench/forms_window.py
	QT_QPA_PLATFORM=offscreen $(PY) bench/ui.py
	QT_QPA_PLATFORM=offscreen $(PY) bench/map.py
	$(PY) bench/server.py
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
	  cd bench/pouch && npm ci --ignore-scripts --no-audit --no-fund; \
	else echo "node/npm not found: bench/sync.py measures our side only"; fi
	$(PY) bench/sync.py
	$(PY) bench/sync_scale.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m fieldapp.ui.screenshots screenshots

package: $(STAMP) mo
	$(PY) packaging/build.py
	QT_QPA_PLATFORM=offscreen bash packaging/smoke.sh

fuzz: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/server tests/security -k fuzz

clean:
	rm -rf $(VENV) build dist *.egg-info
