# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
AGENCY ?= Kabupaten Sleman
OUT    ?= out

.PHONY: demo test test-deps lint bench system-deps clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

system-deps:
	tools/system-deps.sh $(EXTRA_DEBS)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

demo: system-deps $(VENV)/.installed
	$(VENV)/bin/netral kit --agency "$(AGENCY)" --out $(OUT)
	@echo "Kit siap: $(OUT)/ (buka manifest.json untuk daftar berkas)"

test-deps:
	tools/system-deps.sh chromium tesseract-ocr tesseract-ocr-ind postgresql

test: test-deps $(VENV)/.installed
	$(VENV)/bin/ruff check netral_assets tests benchmarks tools
	$(PY) -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check netral_assets tests benchmarks tools

bench: test-deps $(VENV)/.installed
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) $(OUT) build dist tests/results
