rule report_metrics:
    """Job metrics of this run as one HTML page, embedded in `snakemake --report`.

    Runs on the machine that runs Snakemake (it reads the run log and, on SLURM, sacct); the
    profile's environment gives the requested resources and the Kubernetes namespace. With
    Apptainer (production) it runs in the image, which has no SLURM client: the page then says
    sacct is missing and shows the run log's and benchmark files' figures (docs/metrics.md).
    """
    input:
        manifest="results/archive_run/manifest.json",
    output:
        html=report(
            "results/report_metrics/metrics.html",
            category="Job metrics",
            caption="../report/metrics.rst",
        ),
    log:
        "logs/report_metrics/metrics.log",
    benchmark:
        "logs/benchmarks/report_metrics/metrics.tsv"
    localrule: True
    container:
        CONTAINER_IMAGE
    threads: 1
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        env=WAVECAST_ENV,
    shell:
        "wavecast metrics report --env {params.env:q} --no-png -o {output.html:q} > {log:q} 2>&1"
