"""Explorer scaffolding: it redraws on a slider change and carries a static default figure."""
import matplotlib.pyplot as plt
import pytest

from companion import attention, kernels, privacy, widgets, xor


def test_explorer_redraws_and_carries_a_picture():
    calls = []

    def draw(a, b):
        calls.append((a, b))
        fig, ax = plt.subplots()
        ax.plot([0, 1], [a, b])
        return fig

    ex = widgets.Explorer(draw, {"a": widgets.slider(0.5, 0.0, 1.0, 0.1, "a"),
                                 "b": widgets.int_slider(3, 1, 9, 1, "b")})
    assert calls == [(0.5, 3)]
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"].startswith("iVBOR")          # a base64 PNG of the default figure
    ex.controls["b"].value = 7
    assert calls[-1] == (0.5, 7)
    assert ex._repr_mimebundle_()["image/png"] == bundle["image/png"]   # the static picture stays the default


def test_xor_explorer_builds():
    ex = xor.explore(xor.EXPLORER.replace(steps=20))
    assert set(ex.values()) == {"noise_rate", "dim", "snr", "step", "laziness", "steps"}
    assert ex.figure is not None
    first = ex._repr_mimebundle_()["image/png"]
    ex.controls["dim"].value = 1e15          # the theorem's dimensions answer like the explorer's own
    assert "p = 1e+15" in ex.figure.axes[0].get_title()
    assert ex._repr_mimebundle_()["image/png"] == first


# every chapter's explorer on a small configuration: it builds, carries its default picture beside
# the widget, and redraws when a slider moves (tests/test_lower_bounds.py runs this file under
# ipywidgets 7.7.1, Colab's, and the newest 8.x)
EXPLORERS = {
    "xor": (lambda: xor.explore(xor.EXPLORER.replace(steps=20)), "steps", 10),
    "attention": (lambda: attention.explore(attention.EXPLORER.replace(n_test=100)), "steps", 1),
    "kernels": (lambda: kernels.explore(), "n_max", 200),
    "privacy": (lambda: privacy.explore(), "steps", 100),
}


@pytest.mark.parametrize("chapter", EXPLORERS)
def test_every_chapter_explorer_builds_and_redraws(chapter):
    build, control, value = EXPLORERS[chapter]
    ex = build()
    bundle = ex._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"}
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget.model_id
    default = ex.figure
    ex.controls[control].value = value
    assert ex.figure is not default and ex.values()[control] == value
    assert ex._repr_mimebundle_()["image/png"] == bundle["image/png"]
