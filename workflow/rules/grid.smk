rule build_grid:
    """Model grid and bathymetry: idealised basin or the user's NetCDF file.

    `priority` above make_forcing's: every member waits for the grid, so it starts first
    rather than after the forcings (on SLURM without groups: it is submitted first).
    """
    input:
        bathymetry=get_bathymetry_input,
    output:
        grid="results/build_grid/grid.nc",
    log:
        "logs/build_grid/grid.log",
    benchmark:
        "logs/benchmarks/build_grid/grid.tsv"
    priority: 2
    container:
        CONTAINER_IMAGE
    threads: 1
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        wavecast_code=WAVECAST_CODE["build_grid"],
        grid=SCIENCE["grid"],
        bathymetry=BATHYMETRY,
    script:
        "../scripts/build_grid.py"
