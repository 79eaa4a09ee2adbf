rule archive_run:
    """A tar.gz of the products with a manifest: sha256 of every file and the provenance."""
    input:
        **get_products(),
        configs=get_config_files(),
    output:
        archive="results/archive_run/wavecast_products.tar.gz",
        manifest="results/archive_run/manifest.json",
    log:
        "logs/archive_run/archive.log",
    benchmark:
        "logs/benchmarks/archive_run/archive.tsv"
    container:
        CONTAINER_IMAGE
    threads: 1
    resources:
        mem_mb=1024,
        runtime=20,
    params:
        wavecast_code=WAVECAST_CODE["archive_run"],
        science=get_config_fingerprint(),
        config_files=CONFIG_FILES_READ,
        command_line=CONFIG_COMMAND_LINE,
        image=CONTAINER_IMAGE,
        container_runtime=CONTAINER_RUNTIME,
    script:
        "../scripts/archive_run.py"
