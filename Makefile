# Two commands do all set-up on a fresh machine:
#   make run   — virtualenv, dependencies, PWA build, migrations, demo data, server on YIWANG_HOST:YIWANG_PORT
#   make test  — the same set-up, then the whole suite (SQLite, and PostgreSQL + Redis when reachable)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export YIWANG_VAR_DIR ?= var
SECRETS := $(YIWANG_VAR_DIR)/secrets.env
# Load var/secrets.env unless the keys already come from the environment.
WITH_ENV := set -a; [ -n "$$YIWANG_DATA_KEY" ] || . $(SECRETS); set +a;

.PHONY: run test lint bench setup install pwa vapid-key migrate seed sysdeps bench-sysdeps clean

run: setup
	@$(WITH_ENV) exec $(BIN)/yiwang serve

test: setup lint sysdeps
	@$(WITH_ENV) $(BIN)/pytest $(PYTEST_ARGS)

bench: setup sysdeps bench-sysdeps
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	@$(WITH_ENV) $(BIN)/python -m bench.photos $(BENCH_ARGS)
	@$(WITH_ENV) $(BIN)/python -m bench.run $(BENCH_ARGS)
	@$(WITH_ENV) $(BIN)/python -m bench.notify $(BENCH_NOTIFY_ARGS)
	@$(WITH_ENV) $(BIN)/python -m bench.submit $(BENCH_SUBMIT_ARGS)
	@$(WITH_ENV) $(BIN)/python -m bench.appointments $(BENCH_APPOINTMENTS_ARGS)
	@$(WITH_ENV) $(BIN)/python -m bench.lighthouse $(BENCH_LIGHTHOUSE_ARGS)

setup: install pwa $(SECRETS) vapid-key migrate seed

install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

pwa: pwa/dist/index.html
# ruff and mypy read their settings from pyproject.toml. Vite only strips the types; vue-tsc checks them (scripts and templates alike).
lint: install pwa/node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	cd pwa && npm run --silent typecheck
pwa/node_modules/.package-lock.json: pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund --loglevel=error
pwa/dist/index.html: pwa/node_modules/.package-lock.json $(shell find pwa/src pwa/public pwa/index.html pwa/vite.config.* -type f 2>/dev/null)
	cd pwa && npm run build

$(SECRETS): | $(VENV)/.installed
	mkdir -p $(YIWANG_VAR_DIR)
	umask 077 && $(BIN)/yiwang keygen > $@.tmp && mv $@.tmp $@
	@echo "generated local keys in $@ (keep this file: it decrypts the personal data in var/)"

# Keys made before Web Push existed get a VAPID key added once.
vapid-key: $(SECRETS)
	@grep -q '^YIWANG_VAPID_PRIVATE_KEY=' $(SECRETS) || { umask 077 && $(BIN)/yiwang vapid >> $(SECRETS); }

migrate: install
	@$(WITH_ENV) $(BIN)/yiwang migrate

seed: install $(SECRETS)
	@$(WITH_ENV) $(BIN)/yiwang seed-demo

# Debian packages the tests drive: nginx with its brotli_static module (proxy test, nginx.conf), chromium (browser
# tests, Lighthouse), redis-server (Redis fault tests own one).
BROTLI_STATIC := /usr/lib/nginx/modules/ngx_http_brotli_static_module.so
sysdeps:
	@command -v nginx >/dev/null && test -f $(BROTLI_STATIC) && command -v chromium >/dev/null && command -v redis-server >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-http-brotli-static chromium redis-server >/dev/null; }
	@# A Chinese font, so that the browser tests measure (and screenshot) real glyphs, not boxes.
	@fc-list :lang=zh 2>/dev/null | grep -q . || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; }

bench-sysdeps:
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

clean:
	rm -rf $(VENV) pwa/node_modules pwa/dist
