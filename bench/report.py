"""The benchmark's result as a plain-text table."""

from typing import Any


def _row(cells: list[Any], widths: list[int]) -> str:
    pairs = enumerate(zip(cells, widths, strict=True))
    return "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in pairs)


def _grid(title: str, header: list[str], rows: list[list[Any]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    lines = [title, _row(header, widths), _row(["-" * w for w in widths], widths)]
    return "\n".join(lines + [_row(r, widths) for r in rows])


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(result: dict[str, Any]) -> str:
    parts = [f"FOAD 128 benchmark, {result['when']}, {result['machine']['cpus']} CPUs"]
    rows = []
    for level in result["intake"]:
        for name, figures in (("intake (HTTP)", level["intake"]), ("raw start_workflow", level["raw_start_workflow"])):
            rows.append(
                [
                    name,
                    level["concurrency"],
                    figures["ok"],
                    figures["errors"],
                    _f(figures["per_second"]),
                    _f(figures["p50_ms"]),
                    _f(figures["p95_ms"]),
                    _f(figures["p99_ms"]),
                ]
            )
        rows.append(["  raw / intake", "", "", "", _f(level["raw_over_intake"], 2), "", "", ""])
    parts.append(_grid("\nIntake", ["what", "conc.", "ok", "errors", "per s", "p50 ms", "p95 ms", "p99 ms"], rows))

    whole, raw = result["whole_cases"], result.get("raw_cases")
    if raw is not None:
        rows = [
            [name, f["ok"], f["concurrency"], f["errors"], _f(f["per_second"], 2), _f(f["p50_ms"] / 1000, 2)]
            for name, f in (("FOAD (HTTP, read model)", whole), ("raw engine analog", raw))
        ]
        parts.append(
            _grid(
                "\nWhole cases against the raw analog", ["what", "cases", "conc.", "errors", "cases/s", "p50 s"], rows
            )
        )
    parts.append(
        _grid(
            "\nWhole cases (file, review, complete, approve, feedback: 5 API calls each)",
            ["cases", "conc.", "errors", "cases/s", "p50 s", "p95 s", "p99 s"],
            [
                [
                    whole["ok"],
                    whole["concurrency"],
                    whole["errors"],
                    _f(whole["per_second"], 2),
                    _f(whole["p50_ms"] / 1000),
                    _f(whole["p95_ms"] / 1000),
                    _f(whole["p99_ms"] / 1000),
                ]
            ],
        )
    )

    timers = result["timers"]
    parts.append(
        _grid(
            "\nTimer precision under that load (recorded after the due time)",
            ["timer", "count", "p50 ms", "p95 ms", "max ms"],
            [[k, v["count"], _f(v["p50_ms"]), _f(v["p95_ms"]), _f(v["max_ms"])] for k, v in timers.items()],
        )
    )

    costs = result["cost_per_case"]
    keys = [
        "history_events",
        "starts",
        "activities",
        "timers",
        "signals",
        "updates",
        "search_attribute_upserts",
        "queries",
        "billable_actions",
    ]
    parts.append(
        _grid(
            "\nCost per case (from its history; queries counted by the driver) and replay",
            ["case", *[k.replace("search_attribute_upserts", "SA upserts") for k in keys], "replay ms"],
            [[kind, *[c[k] for k in keys], _f(c["replay"]["median_ms"])] for kind, c in costs.items()],
        )
    )

    parts.append(_grid("\nGoals (issue 22), in this run", ["goal", "figure", "target", "met"], goals(result)))

    if "soak" in result:
        soak = result["soak"]
        memory = soak["memory"]
        first, last = memory[0], memory[-1]
        peak = {n: max(s[f"{n}_rss_mb"] for s in memory) for n in ("worker", "api")}
        parts.append(
            _grid(
                f"\nSoak: {soak['minutes']} min at {soak['rate_per_s']} cases/s",
                ["closed", "errors", "worker MB first/last/peak", "api MB first/last/peak"],
                [
                    [
                        soak["cases_closed"],
                        soak["errors"],
                        f"{first['worker_rss_mb']:.0f}/{last['worker_rss_mb']:.0f}/{peak['worker']:.0f}",
                        f"{first['api_rss_mb']:.0f}/{last['api_rss_mb']:.0f}/{peak['api']:.0f}",
                    ]
                ],
            )
        )
    return "\n".join(parts)


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def _met(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "NO")


def goals(result: dict[str, Any]) -> list[list[str]]:
    """Each goal's figure beside its target: intake and whole cases as ratios to the raw engine on the same server,
    cost per case from the first-level case's history, replay times."""
    rows = []
    for level in result["intake"]:
        product, raw = level["intake"], level["raw_start_workflow"]
        speed = _ratio(product["per_second"], raw["per_second"])
        p99 = _ratio(product["p99_ms"], raw["p99_ms"])
        conc = level["concurrency"]
        rows.append(
            [f"1. intake/s over raw, {conc} in flight", _f(speed, 2) + "x", ">= 0.80x", _met(speed and speed >= 0.8)]
        )
        rows.append(
            [f"1. intake p99 over raw's, {conc} in flight", _f(p99, 2) + "x", "<= 1.50x", _met(p99 and p99 <= 1.5)]
        )
    if result.get("raw_cases"):
        cases = _ratio(result["whole_cases"]["per_second"], result["raw_cases"]["per_second"])
        conc = result["whole_cases"]["concurrency"]
        rows.append(
            [
                f"2. whole cases/s over raw analog, {conc} in flight",
                _f(cases, 2) + "x",
                ">= 0.60x",
                _met(cases and cases >= 0.6),
            ]
        )
    first = result["cost_per_case"]["first_level"]
    rows.append(
        [
            "3. history events, first-level case",
            str(first["history_events"]),
            "<= 50",
            _met(first["history_events"] <= 50),
        ]
    )
    rows.append(
        [
            "3. billable actions, first-level case",
            str(first["billable_actions"]),
            "<= 16",
            _met(first["billable_actions"] <= 16),
        ]
    )
    replay = first["replay"]["median_ms"]
    rows.append(["4. replay of a first-level case (median)", _f(replay) + " ms", "<= 40 ms", _met(replay <= 40)])
    if "replay_page" in first:
        page = first["replay_page"]["median_ms"]
        rows.append(["4. auditor's replay page, end to end (median)", _f(page) + " ms", "< 300 ms", _met(page < 300)])
    return rows
