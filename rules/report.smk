# The results page results/report.html (rule results_page): per dataset its data profile, the metric tables
# over seeds with the best marked, the comparison figure and the significance of the best model's lead; the
# cost table; the rule graph (rule rulegraph); a link to the fairness report.


rule report:
    input:
        "results/report.html",


rule rulegraph:
    output:
        dot="results/rulegraph.dot",
        svg=report(
            "results/rulegraph.svg",
            caption="../resources/report/rulegraph.rst",
            category="Overview",
            subcategory="rule graph",
            labels={"workflow": "rule graph"},
        ),
    log:
        "results/logs/report/rulegraph.log",
    benchmark:
        "results/benchmarks/report/rulegraph.tsv"
    conda:
        "../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        target="all",
        config=config,
    script:
        "../workflow_scripts/rulegraph.py"


rule results_page:
    input:
        unpack(results_page_inputs),
        rulegraph=rules.rulegraph.output.svg,
    output:
        report(
            "results/report.html",
            caption="../resources/report/results_page.rst",
            category="Overview",
            subcategory="pages",
            labels={"page": "results"},
        ),
    log:
        "results/logs/report/results_page.log",
    benchmark:
        "results/benchmarks/report/results_page.tsv"
    conda:
        "../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        datasets=config["report"]["datasets"],
        main_metrics=config["report"]["main_metrics"],
        significance_level=config["report"]["significance_level"],
        seeds=SEEDS,
        sources=report_data_sources,
    script:
        "../workflow_scripts/results_page.py"
