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

    whole = result["whole_cases"]
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
