# Set-up and the two entry points of the README. Re-running reuses .venv (re-installed only when
# pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
CORES ?= all

.PHONY: demo test dry-run slurm-profile benchmark-kkbox benchmark-yambda rulegraph

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Makes `snakemake --profile slurm` use profiles/slurm (a link in the user's Snakemake config
# directory; a different `slurm` profile already there is left alone). Needs no SLURM.
slurm-profile: $(STAMP)
	PYTHON=$(VENV)/bin/python sh profiles/install_slurm_profile.sh

# The main job: the fairness report and everything it needs, on the embedded demo data.
demo: $(STAMP) slurm-profile
	$(VENV)/bin/snakemake --cores $(CORES) results/fairness_report.html

dry-run: $(STAMP)
	$(VENV)/bin/snakemake -n

test: $(STAMP)
	$(VENV)/bin/python -m pytest

# The KKBox stage for one seed at the row counts of the real Kaggle files, step by step, in its own
# working directory benchmarks/kkbox_kaggle/ (about 1.6 GB of demo CSV and 2 GB of features there):
# wall time and peak memory of each step in benchmarks/kkbox_kaggle/results/benchmarks/steps_kkbox.csv.
benchmark-kkbox: $(STAMP)
	$(VENV)/bin/python -m musicrec.benchmark_run benchmarks/kkbox_kaggle --cores $(CORES)

# The Yambda preparation at the real 50m shape (10,000 users, 934,057 items, 47.8M events) in its own working
# directory benchmarks/yambda_50m/ (about 5 GB of generated parquet), beside its plain-pandas reference, then
# MostPop and ALS (64 factors) with full-catalogue top-100 for every user: benchmarks/yambda_50m/results/
# benchmarks/steps_yambda.csv.
benchmark-yambda: $(STAMP)
	$(VENV)/bin/python -m musicrec.benchmark_run benchmarks/yambda_50m --stage yambda --cores $(CORES)

# The rule graph drawn in the README (resources/report/rulegraph.svg): snakemake --rulegraph of rule all under
# the default config, drawn with graphviz (rule rulegraph). A test checks it lists the workflow's current rules.
rulegraph: $(STAMP)
	$(VENV)/bin/snakemake --cores 1 --forcerun rulegraph -- results/rulegraph.svg
	cp results/rulegraph.svg resources/report/rulegraph.svg
