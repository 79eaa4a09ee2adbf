rule summarise_ensemble:
    """Max Hs per member, ensemble mean and percentile, and a small JSON summary."""
    input:
        members=get_member_files("run_member"),
    output:
        ensemble="results/summarise_ensemble/ensemble.nc",
        summary="results/summarise_ensemble/summary.json",
    log:
        "logs/summarise_ensemble/summarise.log",
    benchmark:
        "logs/benchmarks/summarise_ensemble/summarise.tsv"
    container:
        CONTAINER_IMAGE
    threads: 1
    resources:
        mem_mb=2048,
        runtime=20,
    params:
        wavecast_code=WAVECAST_CODE["summarise_ensemble"],
        postprocess=SCIENCE["postprocess"],
        scenario=SCIENCE["scenario"],
    script:
        "../scripts/summarise_ensemble.py"


rule extract_stations:
    """Hs, Tp and wind time series at the named stations, every member (CSV and NetCDF)."""
    input:
        members=get_member_files("run_member"),
    output:
        csv="results/extract_stations/stations.csv",
        nc="results/extract_stations/stations.nc",
    log:
        "logs/extract_stations/stations.log",
    benchmark:
        "logs/benchmarks/extract_stations/stations.tsv"
    container:
        CONTAINER_IMAGE
    threads: 1
    resources:
        mem_mb=2048,
        runtime=20,
    params:
        wavecast_code=WAVECAST_CODE["extract_stations"],
        stations=SCIENCE["stations"],
    script:
        "../scripts/extract_stations.py"


rule plot_maps:
    """PNG maps of the ensemble's max Hs (mean, percentile) and of every member's maximum."""
    input:
        grid="results/build_grid/grid.nc",
        ensemble="results/summarise_ensemble/ensemble.nc",
    output:
        **get_map_outputs(),
    log:
        "logs/plot_maps/plots.log",
    benchmark:
        "logs/benchmarks/plot_maps/plots.tsv"
    container:
        CONTAINER_IMAGE
    threads: 1
    resources:
        mem_mb=2048,
        runtime=20,
    params:
        wavecast_code=WAVECAST_CODE["plot_maps"],
        plotting=SCIENCE["plotting"],
        stations=SCIENCE["stations"],
        scenario=SCIENCE["scenario"],
    script:
        "../scripts/plot_maps.py"


rule plot_stations:
    """PNG of Hs time series at every station: members as thin lines, ensemble mean bold.

    Its own job so it runs beside plot_maps instead of after it.
    """
    input:
        stations="results/extract_stations/stations.nc",
    output:
        **get_station_plot_outputs(),
    log:
        "logs/plot_stations/plots.log",
    benchmark:
        "logs/benchmarks/plot_stations/plots.tsv"
    container:
        CONTAINER_IMAGE
    threads: 1
    resources:
        mem_mb=2048,
        runtime=20,
    params:
        wavecast_code=WAVECAST_CODE["plot_stations"],
        plotting=get_station_plotting(),
        scenario=SCIENCE["scenario"],
    script:
        "../scripts/plot_stations.py"
