rule make_forcing:
    """Hourly Holland (1980) cyclone wind plus background wind for one ensemble member.

    The wind is computed on the grid's coordinates, which come from the `grid` config slice
    alone (no input file): forcing runs alongside build_grid and does not rerun when only the
    bathymetry changes.

    `priority`: with fewer cores than members, every forcing runs before the members, so the
    last members run side by side instead of one alone behind its own forcing.
    """
    output:
        forcing="results/make_forcing/member_{member}.nc",
    log:
        "logs/make_forcing/member_{member}.log",
    benchmark:
        "logs/benchmarks/make_forcing/member_{member}.tsv"
    priority: 1
    container:
        CONTAINER_IMAGE
    threads: 1
    resources:
        mem_mb=2048,
        runtime=20,
    params:
        grid=SCIENCE["grid"],
        cyclone=SCIENCE["cyclone"],
        ensemble=get_ensemble_params(),
    script:
        "../scripts/make_forcing.py"
