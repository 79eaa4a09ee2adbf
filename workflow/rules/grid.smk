rule build_grid:
    """Model grid and bathymetry: idealised basin or the user's NetCDF file."""
    input:
        bathymetry=get_bathymetry_input,
    output:
        grid="results/build_grid/grid.nc",
    log:
        "logs/build_grid/grid.log",
    benchmark:
        "logs/benchmarks/build_grid/grid.tsv"
    container:
        CONTAINER_IMAGE
    threads: 1
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        grid=SCIENCE["grid"],
        bathymetry=SCIENCE["bathymetry"],
    script:
        "../scripts/build_grid.py"
