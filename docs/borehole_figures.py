"""Make the figures and the realism statistic of docs/borehole.md: `python docs/borehole_figures.py`."""

from pathlib import Path

import numpy as np

from nmskit.borehole import hough_picks, preprocess
from nmskit.borehole.plots import plot_log_with_picks, plot_patches
from nmskit.data import synthesize_borehole
from nmskit.data.borehole import PickTable, load_well
from nmskit.evaluate import compare_dips, pick_statistics

OUT = Path(__file__).parent / "img"


def save(fig, name):
    """Save a figure as a small palette PNG."""
    from PIL import Image

    path = OUT / name
    fig.savefig(path, dpi=65)
    Image.open(path).convert("RGB").quantize(colors=96).save(path, optimize=True)


def real_vs_synthetic(image):
    real = preprocess(image).rows(800, 1600)
    panels, titles = [real], ["real LWD\n48/19a-C2"]
    for tool, seed in (("lwd", 1), ("lwd", 2), ("fmi", 3), ("cmi", 4)):
        synth, _ = synthesize_borehole(800, seed, tool=tool)
        panels.append(preprocess(synth))
        titles.append(f"synthetic {tool.upper()}\nseed {seed}")
    save(plot_patches(panels, titles, height=5.5), "borehole_real_vs_synthetic.png")


def real_interval(image, truth):
    found = hough_picks(image)
    pre = preprocess(image)
    fig = plot_log_with_picks(
        pre,
        found,
        truth,
        top=13405,
        bottom=13420,
        height=8,
        title="48/19a-C2: expert picks (magenta), Hough baseline (cyan)",
    )
    save(fig, "borehole_real_picks.png")


def realism(truth, seeds=range(10), **options):
    tables = [synthesize_borehole(2400, s, tool="lwd", **options)[1] for s in seeds]
    fields = ("depth", "apparent_dip", "apparent_azimuth", "true_dip", "true_azimuth", "score", "cls")
    merged = PickTable(*[np.concatenate([getattr(t, f) for t in tables]) for f in fields], depth_unit="ft")
    stats = pick_statistics(merged, 60.0 * len(tables))
    return stats, compare_dips(merged, truth), float(np.mean(merged.cls == "bed"))


def main():
    OUT.mkdir(exist_ok=True)
    image, truth = load_well()
    real_vs_synthetic(image)
    real_interval(image, truth)
    s = pick_statistics(truth, 60.0)
    print(
        f"real: {s['n']} picks, {s['per_foot']:.2f}/ft, dip median {s['dip_median']:.1f}, "
        f"quartiles {np.round(s['dip_quartiles'], 1)}, histogram {np.round(s['dip_histogram'], 3)}"
    )
    for label, options in (("defaults", {}), ("bed_dip_range=(50, 72)", {"bed_dip_range": (50, 72)})):
        st, d, beds = realism(truth, **options)
        print(
            f"synthetic LWD, {label}: {st['n']} picks over 600 ft, {st['per_foot']:.2f}/ft, beds {100 * beds:.0f} %, "
            f"dip median {st['dip_median']:.1f}, quartiles {np.round(st['dip_quartiles'], 1)}, "
            f"histogram {np.round(st['dip_histogram'], 3)}, W1 {d['wasserstein_deg']:.1f} deg, KS {d['ks']:.2f}"
        )


if __name__ == "__main__":
    main()
