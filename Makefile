# Two commands for a new user: `make run` serves the knowledge base, `make test` runs every test.
# Both create and fill the virtual environment in .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install clean-data translations i18n-merge-driver

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/kb serve $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(ARGS)

clean-data:
	rm -rf instance

# Interface strings: extract, update every catalogue, compile. No source locations and sorted output, so a
# catalogue changes only where a string does and branches that add strings merge cleanly.
translations: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext -k _l -k _ --no-location --sort-output -o kb_app/translations/messages.pot .
	$(BIN)/pybabel -q update -i kb_app/translations/messages.pot -d kb_app/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel -q compile -d kb_app/translations

# Once per clone: merge catalogues as the union of both sides (see .gitattributes); then `make translations`.
i18n-merge-driver:
	git config merge.po.name "union of gettext catalogues"
	git config merge.po.driver "$(abspath $(BIN))/python .ci/po_merge.py %O %A %B"
	git config merge.mo.name "keep ours; make translations recompiles"
	git config merge.mo.driver true
