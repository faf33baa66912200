"""Explorer scaffolding: sliders -> rerun a small experiment -> redraw.

An :class:`Explorer` is a box of sliders above a figure. In a live kernel (Jupyter, Colab) each
change of a slider reruns the chapter's draw function and replaces the figure. In a static page
(the built book) there is no kernel, so the explorer also carries a picture of its default
figure: its display bundle holds both the widget and that PNG, and the book's configuration
renders the PNG.

It works with ipywidgets 7.7 (what Colab ships) and 8: the only difference it meets is that a 7.x
widget has no ``_repr_mimebundle_`` (it publishes itself through ``_ipython_display_``), so
:func:`_widget_bundle` builds the same bundle.
"""
from __future__ import annotations

import base64
import io
from typing import Callable

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

__all__ = ["Explorer", "slider", "int_slider", "log_slider", "dropdown", "checkbox"]

def _look(slider: bool = True) -> dict:
    """Each control gets its own style and layout objects (widgets never share mutable state); a
    slider updates when released (``continuous_update``, a trait that dropdowns and checkboxes lack:
    traitlets warns of the unknown argument and means to refuse it)."""
    look = dict(style={"description_width": "140px"}, layout=W.Layout(width="440px"))
    return {**look, "continuous_update": False} if slider else look


def slider(value: float, low: float, high: float, step: float, label: str) -> W.FloatSlider:
    """A float slider with the book's layout (updates when released)."""
    return W.FloatSlider(value=value, min=low, max=high, step=step, description=label, **_look())


def int_slider(value: int, low: int, high: int, step: int, label: str) -> W.IntSlider:
    """An integer slider with the book's layout (updates when released)."""
    return W.IntSlider(value=value, min=low, max=high, step=step, description=label, **_look())


def log_slider(value: float, low: float, high: float, label: str, step: float = 0.1) -> W.FloatLogSlider:
    """A log-scale float slider between ``low`` and ``high`` (updates when released); ``step`` is in
    decades."""
    return W.FloatLogSlider(value=value, base=10, min=np.log10(low), max=np.log10(high), step=step,
                            description=label, readout_format=".3g", **_look())


def dropdown(options, value, label: str) -> W.Dropdown:
    """A choice among ``options`` with the book's layout."""
    return W.Dropdown(options=list(options), value=value, description=label, **_look(slider=False))


def checkbox(value: bool, label: str) -> W.Checkbox:
    """An on/off switch with the book's layout."""
    return W.Checkbox(value=value, description=label, **_look(slider=False))


def _widget_bundle(widget) -> dict:
    """The display bundle of a widget with a view: ipywidgets 8's ``_repr_mimebundle_``, or for 7.x
    (no such method) the view reference its ``_ipython_display_`` publishes, built the same way."""
    if hasattr(widget, "_repr_mimebundle_"):
        return dict(widget._repr_mimebundle_() or {})
    return {"application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                         "model_id": widget.model_id}}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


class Explorer:
    """Sliders that rerun ``draw(**values)`` and show the figure it returns.

    Parameters
    ----------
    draw : callable
        ``draw(**values) -> matplotlib.figure.Figure``; called with the sliders' values.
    controls : dict of str to ipywidgets.ValueWidget
        The sliders, keyed by the argument of ``draw`` they set.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure for the current values (the default figure until a slider moves).
    """

    def __init__(self, draw: Callable, controls: dict):
        self._draw = draw
        self.controls = controls
        self._out = W.Output()
        self.figure = None
        self._default_png = None
        for control in controls.values():
            control.observe(self._update, names="value")
        self._render()
        self._default_png = _png(self.figure)
        self.widget = W.VBox([W.HTML("<b>Move a slider to rerun the experiment.</b>"),
                              *controls.values(), self._out])

    def values(self) -> dict:
        """The sliders' current values, keyed like ``controls``."""
        return {name: c.value for name, c in self.controls.items()}

    def _render(self) -> None:
        fig = self._draw(**self.values())
        if self.figure is not None:
            plt.close(self.figure)
        self.figure = fig
        plt.close(fig)            # keep pyplot from showing it a second time
        with self._out:
            self._out.clear_output(wait=True)
            display(fig)

    def _update(self, _change=None) -> None:
        self._render()

    def _repr_mimebundle_(self, **kwargs):
        bundle = _widget_bundle(self.widget)
        bundle["image/png"] = self._default_png
        bundle["text/plain"] = "Explorer (default figure shown; run the notebook to move the sliders)"
        return bundle
