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

# pytest-xdist workers of make test (tests/conftest.py gives each its own Redis database; PostgreSQL ones are per process).
TEST_WORKERS ?= 2

.PHONY: run test lint bench setup install pwa vapid-key migrate seed sysdeps bench-sysdeps clean

# Without a carrier configured (YIWANG_EMS_API_BASE unset), `make run` starts the fake EMS + Kuaidi100 server of the
# tests (tests/fakes/ems.py) beside the app, with these demo credentials, and stops it when the server stops.
FAKE_CARRIER_PORT ?= 8011
DEMO_CARRIER := YIWANG_EMS_SENDER_NO=YIWANG-DEMO YIWANG_EMS_AUTHORIZATION=demo-ems-authorization \
  YIWANG_EMS_SIGN_KEY=eWl3YW5nLWZha2Utc200aw== YIWANG_KUAIDI100_CUSTOMER=DEMO-CUSTOMER \
  YIWANG_KUAIDI100_KEY=demo-kuaidi100-key YIWANG_KUAIDI100_SALT=demo-kuaidi100-salt

run: setup
	@$(WITH_ENV) [ -z "$$YIWANG_EMS_API_BASE" ] || exec $(BIN)/yiwang serve; \
	export $(DEMO_CARRIER) YIWANG_EMS_API_BASE=http://127.0.0.1:$(FAKE_CARRIER_PORT) \
	  YIWANG_KUAIDI100_API_BASE=http://127.0.0.1:$(FAKE_CARRIER_PORT); \
	export YIWANG_PUBLIC_URL="$${YIWANG_PUBLIC_URL:-http://$${YIWANG_HOST:-127.0.0.1}:$${YIWANG_PORT:-8000}}"; \
	out=$(YIWANG_VAR_DIR)/fake-carrier.out; \
	$(BIN)/python -m tests.fakes ems --port $(FAKE_CARRIER_PORT) --sender-no "$$YIWANG_EMS_SENDER_NO" \
	  --authorization "$$YIWANG_EMS_AUTHORIZATION" --sign-key "$$YIWANG_EMS_SIGN_KEY" \
	  --kuaidi-customer "$$YIWANG_KUAIDI100_CUSTOMER" --kuaidi-key "$$YIWANG_KUAIDI100_KEY" --kuaidi-salt "$$YIWANG_KUAIDI100_SALT" \
	  --push-url "$$YIWANG_PUBLIC_URL/api/v1/carrier/ems/push" \
	  --kuaidi-callback "$$YIWANG_PUBLIC_URL/api/v1/carrier/kuaidi100/callback" > $$out & fake=$$!; \
	trap 'kill $$fake 2>/dev/null' EXIT; \
	until grep -q '^READY' $$out; do kill -0 $$fake 2>/dev/null || { echo "the fake carrier did not start" >&2; exit 1; }; sleep 0.1; done; \
	echo "fake carrier (EMS + Kuaidi100): $$(cut -d' ' -f2 $$out)"; \
	$(BIN)/yiwang serve

test: setup lint sysdeps miniprogram/node_modules/.package-lock.json
	@$(WITH_ENV) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

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
lint: install pwa/node_modules/.package-lock.json miniprogram/node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	cd pwa && npm run --silent typecheck
	cd miniprogram && npm run --silent typecheck
pwa/node_modules/.package-lock.json: pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund --loglevel=error
# The WeChat mini-program's tools (Vant Weapp, jest, miniprogram-simulate, tsc); tests/test_miniprogram.py runs its jest suite.
miniprogram/node_modules/.package-lock.json: miniprogram/package-lock.json
	cd miniprogram && npm ci --no-audit --no-fund --loglevel=error
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
	rm -rf $(VENV) pwa/node_modules pwa/dist miniprogram/node_modules miniprogram/miniprogram_npm
