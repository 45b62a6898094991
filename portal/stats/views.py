"""The public statistics: the dashboard, small multiples by district, embeddable charts, the
methodology and the data dictionary."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from flask_babel import gettext as _

from portal.accounts.roles import open_to_all
from portal.core.clock import local_today
from portal.core.page_cache import cacheable
from portal.core.security import allow_framing
from portal.core.vendor import allow_plotly
from portal.stats import catalogue, figures, opendata, panels, query, snapshots
from portal.stats.blueprint import public
from portal.stats.forms import FILTERS, DashboardForm, period_name
from portal.stats.models import StatsRun
from portal.stats.periods import Granularity, Period


def _selection(run: StatsRun | None, names: tuple[str, ...] = FILTERS
               ) -> tuple[DashboardForm, Period | None, dict[str, str], str | None]:
    """The form, the period and the filters ``names`` it gives, and an error message (400) if
    it names something the statistics do not know. Filters that no table crosses at this
    period are not an error: each panel says what it cannot show."""
    form = DashboardForm(run, request.args)
    chosen = {name: request.args.get(name, "") for name in ("period", *names)}
    try:
        _offered(names)
        periods = query.periods(chosen["period"], run, local_today())
        if len(periods) != 1:
            raise query.QueryError("period", query_message_single())
        filters = query.filters(chosen)
    except query.QueryError as error:
        field = getattr(form, error.parameter, None)
        if field is not None and error.parameter in ("period", *names):
            field.errors = [error.message]
        else:
            form.form_errors.append(error.message)
        return form, None, {}, error.message
    form.period.data = str(periods[0])
    return form, periods[0], filters, None


def _offered(names: tuple[str, ...]) -> None:
    """Refuse what the page cannot show rather than show unfiltered figures as if filtered: a
    dimension it has no filter for, or a filter given twice. Other parameters (a campaign's
    tag on a shared link) are left alone."""
    for name in request.args:
        if name in ("period", *names) and len(request.args.getlist(name)) > 1:
            raise query.QueryError(name, _("Choose one value for %(name)s.",
                                           name=query.dimension_name(name)
                                           if name in catalogue.DIMENSIONS else _("period")))
        if (name in catalogue.DIMENSIONS or name == "group_by") and name not in names:
            what = query.dimension_name(name) if name in catalogue.DIMENSIONS else name
            raise query.QueryError(name, _("This page cannot narrow or group the figures by "
                                           "%(name)s; the open data gives the other tables.",
                                           name=what))


def query_message_single() -> str:
    """The dashboard shows one period at a time."""
    return _("Choose one period: a year, a quarter or a month.")


def _no_figures(run: StatsRun | None) -> Any:
    return render_template("stats/dashboard.html", run=run, form=DashboardForm(run),
                           period=None, panels=[], trend=None, error=None), 200


@public.get("/")
@open_to_all
@cacheable
def dashboard() -> Any:
    """Counts, deadlines, satisfaction and times for a period, narrowed by type, category and
    district; every view is a permalink."""
    run = figures.current_run()
    if run is None or run.first_month is None:
        return _no_figures(run)
    form, period, filters, error = _selection(run)
    if period is None:
        return render_template("stats/dashboard.html", run=run, form=form, period=None,
                               panels=[], trend=None, error=error), 400
    allow_plotly()
    return render_template(
        "stats/dashboard.html", run=run, form=form, period=period, filters=filters,
        panels=[panels.panel(run, kind, period, filters) for kind in panels.KINDS.values()],
        trend=panels.trend(run, period, filters),
        times=figures.times(run, "category", period),
        total_times=figures.times(run, None, period), error=None)


@public.get("/districts")
@open_to_all
@cacheable
def districts() -> Any:
    """Small multiples: each district's monthly counts over a year or a quarter."""
    run = figures.current_run()
    if run is None or run.first_month is None:
        return _no_figures(run)
    form, period, _filters, error = _selection(run, names=())  # the page has no filters
    if period is None:
        return render_template("stats/districts.html", run=run, form=form, period=None,
                               rows=[], error=error), 400
    allow_plotly()
    rows = [(code, label, panels.trend(run, period, {"district": code}))
            for code, label in figures.vocabulary("district")]
    panels.same_scale([trend for _code, _label, trend in rows])
    return render_template("stats/districts.html", run=run, form=form, period=period,
                           rows=rows, customers=figures.customers(), error=None)


@public.get("/embed/<code>")
@open_to_all
@cacheable
def embed(code: str) -> Any:
    """One chart with its figures, source, licence and extraction time, for other sites to
    frame (``frame-ancestors *`` on this path only)."""
    if code not in panels.KINDS and code != "trend":
        abort(404)
    run = figures.current_run()
    if run is None or run.first_month is None:
        abort(404)
    _form, period, filters, error = _selection(run)
    if period is None:
        return _framable(render_template("stats/embed.html", run=run, error=error,
                                         panel=None, trend=None), 400)
    allow_plotly()
    chosen = panels.panel(run, panels.KINDS[code], period, filters) \
        if code in panels.KINDS else None
    trend = panels.trend(run, period, filters) if code == "trend" else None
    return _framable(render_template("stats/embed.html", run=run, panel=chosen, trend=trend,
                                     period=period, error=None), 200)


def _framable(body: str, status: int) -> tuple[str, int]:
    allow_framing()
    return body, status


@public.get("/methodology")
@open_to_all
@cacheable
def methodology() -> Any:
    """The rules: what counts, the time zone, k, suppression and its audit, freshness."""
    return render_template("stats/methodology.html", run=figures.current_run(),
                           tables=catalogue.TABLES.values(), period_name=period_name,
                           granularity=Granularity)


@public.get("/data-dictionary")
@open_to_all
@cacheable
def data_dictionary() -> Any:
    """Every column of the open data, every dimension's codes, every table of the catalogue."""
    return render_template("stats/dictionary.html", run=figures.current_run(),
                           dimensions=catalogue.DIMENSIONS.values(), vocabulary=figures.vocabulary,
                           tables=catalogue.TABLES.values(), licence=opendata.LICENCE,
                           snapshots=snapshots.listed(), stats_period=Period.parse)
