from __future__ import annotations

import struct
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import xarray as xr
from matplotlib.image import AxesImage

from wavecast import plotting
from wavecast.stations import extract_stations
from wavecast.summarise import summarise_ensemble

from .postprocess_fixtures import grid_lat_lon, write_member_files

NT, NY, NX = 6, 15, 20
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CFG = {"dpi": 50, "cmap": "viridis", "hs_max_m": None, "scenario": "tc-test"}


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the PNG signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def products(tmp_path_factory: pytest.TempPathFactory) -> tuple[xr.Dataset, xr.Dataset, list]:
    paths = write_member_files(tmp_path_factory.mktemp("members"), 3, nt=NT, ny=NY, nx=NX)
    ens, _ = summarise_ensemble(paths, {"percentile": 90})
    _, _, lat, lon = grid_lat_lon(NY, NX)
    stations = [
        {"name": "Buoy", "lat": float(lat[5, 10]), "lon": float(lon[5, 10])},
        {"name": "Harbour", "lat": float(lat[9, 0]), "lon": float(lon[9, 0])},  # on land
    ]
    return ens, extract_stations(paths, stations), stations


def check_png(path: Path, figsize: tuple[float, float], dpi: int) -> None:
    assert png_size(path) == (round(figsize[0] * dpi), round(figsize[1] * dpi))
    assert path.stat().st_size > 5_000  # a drawn figure, not an empty canvas
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_max_hs_map(products: tuple, tmp_path: Path) -> None:
    ens, _, stations = products
    out = plotting.plot_max_hs_map(ens, None, stations, tmp_path / "map.png", CFG, figsize=(8, 4))
    assert out == tmp_path / "map.png"
    check_png(out, (8, 4), 50)


def test_max_hs_map_takes_depth_from_grid_and_fixed_scale(products: tuple, tmp_path: Path) -> None:
    ens, _, stations = products
    grid = ens[["depth"]]
    cfg = {**CFG, "hs_max_m": 2.0, "dpi": 40}
    out = plotting.plot_max_hs_map(ens, grid, stations, tmp_path / "map.png", cfg, figsize=(6, 3))
    check_png(out, (6, 3), 40)


def test_default_map_size_follows_dpi(products: tuple, tmp_path: Path) -> None:
    ens, _, stations = products
    out = plotting.plot_max_hs_map(ens, None, stations, tmp_path / "map.png", {"dpi": 30})
    width, height = png_size(out)
    assert width == 12 * 30
    assert 4 * 30 <= height <= 14 * 30


def test_member_maxima(products: tuple, tmp_path: Path) -> None:
    ens, _, _ = products
    out = plotting.plot_member_maxima(ens, None, tmp_path / "members.png", CFG, figsize=(9, 3))
    check_png(out, (9, 3), 50)


def test_station_series(products: tuple, tmp_path: Path) -> None:
    _, sta, _ = products
    out = plotting.plot_station_series(sta, tmp_path / "series.png", CFG, figsize=(7, 5))
    check_png(out, (7, 5), 50)


def test_station_series_reads_only_the_settings_its_rule_is_given(
    products: tuple, tmp_path: Path
) -> None:
    """plot_stations is given only config.station_plotting's slice (so a colour-map edit
    redraws no station plot): the figure drawn from that slice is the one drawn from the
    whole plotting config, whatever the settings left out say."""
    from wavecast.config import station_plotting

    _, sta, _ = products
    whole = {**CFG, "cmap": "magma", "hs_max_m": 0.5}
    given = {**station_plotting(whole), "scenario": CFG["scenario"]}
    a = plotting.plot_station_series(sta, tmp_path / "a.png", whole, figsize=(7, 5))
    b = plotting.plot_station_series(sta, tmp_path / "b.png", given, figsize=(7, 5))
    assert a.read_bytes() == b.read_bytes()


def test_station_series_without_stations(products: tuple, tmp_path: Path) -> None:
    _, sta, _ = products
    out = plotting.plot_station_series(sta.isel(station=[]), tmp_path / "s.png", CFG)
    assert png_size(out) == (10 * 50, round(3.4 * 50))


def test_no_pyplot_figures_or_style_left_behind(products: tuple, tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    ens, sta, stations = products
    before = plt.get_fignums()
    font = matplotlib.rcParams["font.size"]
    plotting.plot_max_hs_map(ens, None, stations, tmp_path / "a.png", CFG, figsize=(8, 5))
    plotting.plot_member_maxima(ens, None, tmp_path / "b.png", CFG, figsize=(8, 5))
    plotting.plot_station_series(sta, tmp_path / "c.png", CFG, figsize=(8, 5))
    assert plt.get_fignums() == before
    assert matplotlib.rcParams["font.size"] == font


def _render(draw) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 3), dpi=60)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    draw(ax)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(int)


def test_fields_on_even_grids_are_images_that_draw_the_same_cells() -> None:
    """The image path (pcolorfast) puts every cell where pcolormesh(shading="auto") does."""
    _, _, lat, lon = grid_lat_lon(12, 9)
    data = np.arange(lat.size, dtype=float).reshape(lat.shape)
    data[3, 4] = np.nan
    kw = {"cmap": "viridis", "vmin": 0.0, "vmax": float(lat.size)}

    def limits(ax):
        ax.set_xlim(lon.min() - 0.03, lon.max() + 0.03)
        ax.set_ylim(lat.min() - 0.03, lat.max() + 0.03)

    def as_image(ax):
        artist = plotting._field(ax, lat, lon, np.ma.masked_invalid(data), **kw)
        assert isinstance(artist, AxesImage)
        limits(ax)

    def as_mesh(ax):
        ax.pcolormesh(lon, lat, np.ma.masked_invalid(data), shading="auto", **kw)
        limits(ax)

    image, mesh = _render(as_image), _render(as_mesh)
    differs = np.abs(image - mesh).sum(axis=-1) > 30
    assert differs.mean() < 0.02  # anti-aliased cell edges only
    assert not differs[60:120, 60:120].any()


def test_fields_on_uneven_or_curvilinear_grids_keep_pcolormesh() -> None:
    from matplotlib.collections import QuadMesh
    from matplotlib.figure import Figure

    _, _, lat, lon = grid_lat_lon(6, 5)
    data = np.ones(lat.shape)
    ax = Figure().subplots()
    uneven = lon.copy()
    uneven[:, -1] += 0.01
    assert isinstance(plotting._field(ax, lat, uneven, data), QuadMesh)
    tilted = lat + 0.001 * np.arange(lat.shape[1])
    assert isinstance(plotting._field(ax, tilted, lon, data), QuadMesh)
    dateline = np.where(lon > lon[0, 2], lon - 360.0, lon)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pcolormesh: centres not monotonic
        assert isinstance(plotting._field(ax, lat, dateline, data), QuadMesh)


def test_station_names_are_drawn_as_written(tmp_path: Path) -> None:
    """Any one-line text is a valid station name; `$` would otherwise start Matplotlib's
    mathematics (`$\\b$` fails to parse), after every member had run."""
    paths = write_member_files(tmp_path / "members", 2, nt=NT, ny=NY, nx=NX)
    ens, _ = summarise_ensemble(paths, {"percentile": 90})
    _, _, lat, lon = grid_lat_lon(NY, NX)
    name = "Quai $\\b$ 5"  # two $: Matplotlib would parse "\\b" as mathematics, and fail
    stations = [{"name": name, "lat": float(lat[5, 10]), "lon": float(lon[5, 10])}]
    sta = extract_stations(paths, stations)
    check_png(
        plotting.plot_station_series(sta, tmp_path / "s.png", CFG, figsize=(7, 3)), (7, 3), 50
    )
    check_png(
        plotting.plot_max_hs_map(ens, None, stations, tmp_path / "m.png", CFG, figsize=(8, 4)),
        (8, 4),
        50,
    )
    assert plotting.literal(name) == "Quai \\$\\b\\$ 5"


def test_titles_count_one_member_in_the_singular(tmp_path: Path, monkeypatch) -> None:
    """`ensemble.members: 1` (a control run alone): "1 member", not "1 members"."""
    paths = write_member_files(tmp_path / "members", 1, nt=NT, ny=NY, nx=NX)
    ens, _ = summarise_ensemble(paths, {"percentile": 90})
    _, _, lat, lon = grid_lat_lon(NY, NX)
    sta = extract_stations(
        paths, [{"name": "Buoy", "lat": float(lat[5, 10]), "lon": float(lon[5, 10])}]
    )
    titles = []
    save = plotting._save

    def save_and_note_title(fig, out_png, dpi):
        titles.append(fig.get_suptitle())
        return save(fig, out_png, dpi)

    monkeypatch.setattr(plotting, "_save", save_and_note_title)
    plotting.plot_max_hs_map(ens, None, [], tmp_path / "map.png", CFG, figsize=(8, 4))
    plotting.plot_station_series(sta, tmp_path / "sta.png", CFG, figsize=(7, 3))
    assert titles[0].splitlines()[1].startswith("1 member, ")
    assert titles[1].splitlines()[1].startswith("1 ensemble member, ")


def test_station_time_axis_shows_the_data_dates(tmp_path: Path, monkeypatch) -> None:
    """Three days to 23:00 (the demo's 72 h): the axis ends at the last hour, not at the next
    midnight, and no date offset names that next day; the title gives the period."""
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    paths = write_member_files(tmp_path / "members", 1, nt=72, ny=NY, nx=NX)
    _, _, lat, lon = grid_lat_lon(NY, NX)
    sta = extract_stations(
        paths, [{"name": "Buoy", "lat": float(lat[5, 10]), "lon": float(lon[5, 10])}]
    )
    drawn = {}
    save = plotting._save

    def save_and_read_axis(fig, out_png, dpi):
        FigureCanvasAgg(fig).draw()
        ax = fig.axes[-1]
        drawn["xlim"] = ax.get_xlim()
        drawn["ticks"] = [t.get_text() for t in ax.get_xticklabels()]
        drawn["offset"] = ax.xaxis.get_offset_text().get_text()
        drawn["title"] = fig.get_suptitle()
        return save(fig, out_png, dpi)

    monkeypatch.setattr(plotting, "_save", save_and_read_axis)
    plotting.plot_station_series(sta, tmp_path / "sta.png", CFG, figsize=(7, 3))
    first, last = mdates.date2num(sta["time"].values[[0, -1]])
    assert mdates.num2date(last).isoformat() == "2024-09-03T23:00:00+00:00"
    assert drawn["xlim"] == pytest.approx((first, last), abs=1e-6)
    assert "Sep-04" not in drawn["ticks"]
    assert drawn["offset"] == ""  # it was "2024-Sep-04", the last tick's date
    assert drawn["title"].splitlines()[1] == (
        "1 ensemble member, 2024-09-01 00:00 to 2024-09-03 23:00 UTC"
    )
