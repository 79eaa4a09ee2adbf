rule make_forcing:
    """Hourly Holland (1980) cyclone wind plus background wind for one ensemble member.

    The wind is computed on the grid's coordinates, which come from the `grid` config slice
    alone (no input file): forcing does not rerun when only the bathymetry changes, and can
    run beside build_grid — except inside a group with run_member (production's `member`
    group), which starts only once the grid exists.

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
        wavecast_code=WAVECAST_CODE["make_forcing"],
        grid=SCIENCE["grid"],
        cyclone=SCIENCE["cyclone"],
        ensemble=get_ensemble_params,
    script:
        "../scripts/make_forcing.py"
