# Shortcuts for the scripts README.md names (make is not needed to use them).
.PHONY: run test demo lint
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
demo:
	.venv/bin/python -m hotspots demo
lint:
	.venv/bin/ruff check .
