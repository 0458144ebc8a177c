#!/usr/bin/env python3
"""Turn catalog/data/*.csv into Sources/FedCatalog/BundledCatalogData.swift.

    python3 catalog/generate.py           # (re)write the Swift file
    python3 catalog/generate.py --check   # exit 1 if the Swift file is out of date
    python3 catalog/generate.py --print-version

Why generated Swift and not a resource file: the fedplane executable must work wherever
it is installed, so the data is compiled in. It is kept as compact pipe-separated text in
multi-line string literals (parsed once, lazily, by FedCatalog): large array literals of
structs make the Swift type checker very slow.

The rules applied here (egress per source region, symmetric RTT pairs) are documented in
catalog/README.md. Standard library only.
"""

import csv
import hashlib
import os
import sys

# Bump the serial (or the date) whenever the data changes; the content hash changes anyway.
EDITION = "2026-11-26.1"

# Model constants the Swift side uses; they are part of the content hash.
RTT_MS_PER_100_KM = 1.6      # median of measured rtt / (great_circle_km/100) over pairs > 1000 km
SAME_REGION_RTT_MS = 1.0     # a == b: intra-region round trip, not measured
MIN_FALLBACK_RTT_MS = 1.0    # floor of the great-circle fallback (co-located regions)

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
OUT = os.path.normpath(os.path.join(HERE, "..", "Sources", "FedCatalog", "BundledCatalogData.swift"))
CARBON_OUT = os.path.normpath(os.path.join(HERE, "..", "Sources", "FedCatalog", "BundledCarbonData.swift"))

AREAS = {"NA", "EU", "APAC", "SA", "MEA"}
SEP = "|"


class DataError(Exception):
    pass


def read(name):
    with open(os.path.join(DATA, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def num(text, what):
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{what}: {text!r} is not a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise DataError(f"{what}: {text!r} is not finite")
    return value


def fmt(value):
    """Shortest round-trip text of a float; identical to Swift's Double.description in our ranges."""
    return repr(float(value))


def field(text, what):
    if SEP in text or "\n" in text or "\r" in text:
        raise DataError(f"{what}: {text!r} contains '|' or a line break")
    return text


def ascii_key(text, what):
    """Keys (clouds, regions, type names) are sorted by both Python and Swift; ASCII keeps the orders equal."""
    if not text or not text.isascii() or SEP in text or "/" in text or not text.strip() == text:
        raise DataError(f"{what}: {text!r} must be non-empty ASCII without '|', '/' or blanks")
    return text


# ---------------------------------------------------------------- regions

def load_regions():
    regions = {}
    for i, row in enumerate(read("regions.csv"), start=2):
        where = f"regions.csv:{i}"
        ref = f"{ascii_key(row['cloud'], where)}/{ascii_key(row['region'], where)}"
        if ref in regions:
            raise DataError(f"{where}: duplicate region {ref}")
        if row["geo_area"] not in AREAS:
            raise DataError(f"{where}: unknown area {row['geo_area']!r}")
        lat, lon = num(row["lat"], where), num(row["lon"], where)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise DataError(f"{where}: coordinate {lat},{lon} out of range")
        regions[ref] = dict(cloud=row["cloud"], region=row["region"],
                            city=field(row["city"], where), country=field(row["country"], where),
                            lat=lat, lon=lon, area=row["geo_area"])
    return regions


# ---------------------------------------------------------------- offers

def load_offers(regions):
    offers = {}
    specs = {}
    for i, row in enumerate(read("instances.csv"), start=2):
        where = f"instances.csv:{i}"
        ref = f"{row['cloud']}/{row['region']}"
        if ref not in regions:
            raise DataError(f"{where}: region {ref} is not in regions.csv")
        name = ascii_key(row["instance_type"], where)
        vcpu = int(row["vcpus"])
        mem = num(row["memory_gib"], where)
        usd = num(row["ondemand_usd_per_hr"], where)
        spot = num(row["spot_usd_per_hr"], where) if row["spot_usd_per_hr"].strip() else None
        if usd <= 0 or (spot is not None and spot <= 0):
            raise DataError(f"{where}: prices must be positive")
        key = (row["cloud"], name)
        if specs.setdefault(key, (vcpu, mem)) != (vcpu, mem):
            raise DataError(f"{where}: {key} has different vCPU/memory in another row")
        if (ref, name) in offers:
            raise DataError(f"{where}: duplicate offer {name} in {ref}")
        offers[(ref, name)] = dict(cloud=row["cloud"], region=row["region"], name=name,
                                   vcpu=vcpu, mem=mem, usd=usd, spot=spot)
    return offers


# ---------------------------------------------------------------- egress

def load_egress(regions):
    """Internet egress USD/GB, first tier, per source region (see catalog/README.md)."""
    rows = read("egress.csv")
    skyplane = [r for r in rows if r["kind"] == "internet_egress" and r["source"].startswith("skyplane-project/")]
    skypilot = [r for r in rows if r["kind"] == "internet_egress" and r["source"].startswith("skypilot-org/skypilot@")]

    # Per-cloud default (regions an overlay adds without a rate): SkyPilot's first tier = its highest rate.
    defaults = {}
    for r in skypilot:
        defaults[r["cloud"]] = max(defaults.get(r["cloud"], 0.0), num(r["usd_per_gb"], "egress.csv"))

    def matches(scope_token, region):
        token = scope_token.strip()
        return region.startswith(token[:-1]) if token.endswith("*") else token == region

    per_region = {}
    for ref, reg in sorted(regions.items()):
        cloud, region = reg["cloud"], reg["region"]
        if cloud == "aws":
            hits = [r for r in skyplane if r["cloud"] == "aws" and r["from_scope"] == region]
        elif cloud == "gcp":
            premium = [r for r in skyplane if r["cloud"] == "gcp" and "premium tier" in r["volume_tier"]
                       and r["to_scope"] in ("AWS/Azure (non-Australia)", "AWS/Azure (any)")]
            hits = [r for r in premium if any(matches(t, region) for t in r["from_scope"].split("/ "))]
            hits = [r for r in hits if r["from_scope"] != "GCP regions not listed below"]
            if not hits:
                hits = [r for r in premium if r["from_scope"] == "GCP regions not listed below"]
        elif cloud == "azure":
            groups = {"NA": "North America / Europe", "EU": "North America / Europe",
                      "APAC": "Asia / Oceania / Middle East / Africa", "MEA": "Asia / Oceania / Middle East / Africa",
                      "SA": "South America"}
            hits = [r for r in skyplane if r["cloud"] == "azure" and r["from_scope"] == groups[reg["area"]]]
        else:
            hits = []
        values = {num(r["usd_per_gb"], "egress.csv") for r in hits}
        if len(values) != 1:
            raise DataError(f"egress.csv: expected one internet-egress rate for {ref}, found {sorted(values)}")
        per_region[ref] = values.pop()
    for cloud in {r["cloud"] for r in regions.values()}:
        if cloud not in defaults:
            raise DataError(f"egress.csv: no SkyPilot default rate for cloud {cloud}")
    return defaults, per_region


# ---------------------------------------------------------------- latency

def load_rtts(regions):
    """One symmetric measured value per unordered pair; pairs without a value are left to the fallback."""
    directed = {}
    for i, row in enumerate(read("latency-ms.csv"), start=2):
        a, b = (x.replace(":", "/", 1) for x in (row["from_region"], row["to_region"]))
        for ref in (a, b):
            if ref not in regions:
                raise DataError(f"latency-ms.csv:{i}: region {ref} is not in regions.csv")
        directed[(a, b)] = row["rtt_ms"].strip()
    pairs, missing = {}, []
    for (a, b), text in directed.items():
        if (b, a) not in directed or directed[(b, a)] != text:
            raise DataError(f"latency-ms.csv: {a} <-> {b} is not symmetric")
        if a >= b:
            continue
        if text:
            ms = num(text, f"latency-ms.csv {a}->{b}")
            if ms <= 0:
                raise DataError(f"latency-ms.csv: {a} <-> {b} has a non-positive RTT")
            pairs[(a, b)] = ms
        else:
            missing.append((a, b))
    return pairs, sorted(missing)


# ---------------------------------------------------------------- currency

def load_currency():
    rows = read("currency.csv")
    dates = {r["date"] for r in rows}
    if len(dates) != 1:
        raise DataError(f"currency.csv: all rates must share one date, found {sorted(dates)}")
    base = [r["currency"] for r in rows if num(r["units_per_eur"], "currency.csv") == 1.0]
    if base != ["EUR"]:
        raise DataError("currency.csv: EUR must be the only currency with rate 1 (the base)")
    rates = {}
    for r in rows:
        code = r["currency"]
        if len(code) != 3 or not code.isalpha() or not code.isupper() or code in rates:
            raise DataError(f"currency.csv: bad or duplicate code {code!r}")
        rates[code] = num(r["units_per_eur"], "currency.csv")
    return "EUR", dates.pop(), rates


# ---------------------------------------------------------------- carbon and power (CCF model)

def load_carbon(regions):
    """Grid g CO2e/kWh per region (carbon.csv). A region without a row is simply absent: the
    Swift side names it when a placement needs it (never a silent zero)."""
    grid = {}
    for i, row in enumerate(read("carbon.csv"), start=2):
        where = f"carbon.csv:{i}"
        ref = f"{ascii_key(row['provider'], where)}/{ascii_key(row['region'], where)}"
        if ref not in regions:
            raise DataError(f"{where}: region {ref} is not in regions.csv")
        if ref in grid:
            raise DataError(f"{where}: duplicate region {ref}")
        value = num(row["grid_gco2_per_kwh"], where)
        if value < 0:
            raise DataError(f"{where}: negative grid intensity")
        if not row["source"].strip():
            raise DataError(f"{where}: no source")
        grid[ref] = value
    return grid


def load_power(regions, offers):
    """Per region: PUE and memory kWh/GB-hour; per instance type: idle and full-load W/vCPU,
    counted memory GB and the vCPU-hour factor (AWS burstable baseline / 50). The rules are
    CCF's (see catalog/README.md, "Carbon and power")."""
    rows = read("power.csv")
    keyed = {}
    for i, row in enumerate(rows, start=2):
        if not row["source"].strip():
            raise DataError(f"power.csv:{i}: no source")
        keyed[(row["provider"], row["key"])] = num(row["value"], f"power.csv:{i}")

    def get(cloud, key, what):
        if (cloud, key) not in keyed:
            raise DataError(f"power.csv: no {key} for {cloud} ({what})")
        return keyed[(cloud, key)]

    per_region = {}
    for ref, reg in sorted(regions.items()):
        cloud = reg["cloud"]
        pue = keyed.get((cloud, f"pue:region={reg['region']}"), None)
        if pue is None:
            pue = get(cloud, "pue", ref)
        per_region[ref] = (pue, get(cloud, "memory_kwh_per_gb_hour", ref))

    families = {}
    for i, row in enumerate(read("instances.csv"), start=2):
        families[(row["cloud"], row["instance_type"])] = row["family"]
    per_type = {}
    for (ref, name), o in sorted(offers.items()):
        key = (o["cloud"], name)
        if key in per_type:
            continue
        cloud, family = o["cloud"], families[key]
        lo = keyed.get((cloud, f"min_watts_per_vcpu:family={family}"), None)
        hi = keyed.get((cloud, f"max_watts_per_vcpu:family={family}"), None)
        if lo is None or hi is None:
            lo, hi = get(cloud, "min_watts_per_vcpu", name), get(cloud, "max_watts_per_vcpu", name)
        if not 0 <= lo <= hi:
            raise DataError(f"power.csv: {cloud} {family}: min watts {lo} above max {hi}")
        # Burstable types: CCF scales vCPU-hours by baseline/50 and counts no extra memory.
        baseline = keyed.get((cloud, f"cpu_baseline_utilization_pct:instance={name}"), None)
        if baseline is not None:
            factor, memory = baseline / 50, 0.0
        else:
            factor = 1.0
            memory = get(cloud, f"derived_counted_memory_gb_per_vcpu:family={family}", name) * o["vcpu"]
        per_type[key] = (lo, hi, memory, factor)
    return per_region, per_type


def carbon_lines(grid, per_region, per_type):
    lines = []
    for ref, (pue, mem) in sorted(per_region.items()):
        lines.append(f"energy|{ref}|{fmt(pue)}|{fmt(mem)}")
    for ref, g in sorted(grid.items()):
        lines.append(f"grid|{ref}|{fmt(g)}")
    for (cloud, name), (lo, hi, memory, factor) in sorted(per_type.items()):
        lines.append(f"power|{cloud}|{name}|{fmt(lo)}|{fmt(hi)}|{fmt(memory)}|{fmt(factor)}")
    return lines


def render_carbon():
    regions = load_regions()
    offers = load_offers(regions)
    grid = load_carbon(regions)
    per_region, per_type = load_power(regions, offers)
    digest = content_sha256(carbon_lines(grid, per_region, per_type))
    missing = sorted(set(regions) - set(grid))
    text = "".join([
        "// GENERATED by catalog/generate.py from catalog/data/{carbon,power,instances,regions}.csv. Do not edit by hand:\n"
        "// change the CSVs and run `python3 catalog/generate.py` (CI runs it with --check).\n"
        "\n"
        "/// Carbon and power coefficients (Cloud Carbon Footprint's model; sources in catalog/README.md),\n"
        "/// kept apart from `BundledCatalogData` so the price catalog's version, recorded in plans, is unchanged.\n"
        "enum BundledCarbonData {\n",
        f"    /// sha256 of the rows below as `energy|…`, `grid|…`, `power|…` lines, sorted; `CarbonCatalog.version` shows its first 12 digits.\n",
        f"    static let contentSHA256 = \"{digest}\"\n",
        f"    /// Regions without a grid intensity ({len(missing)}): " + (", ".join(missing) or "none") + ".\n\n",
        literal("regionEnergy", f"{len(per_region)} regions: PUE (region-specific where CCF lists one) and memory kWh per GB-hour.",
                "region ref|PUE|memory kWh/GB-hour", [[ref, fmt(p), fmt(m)] for ref, (p, m) in sorted(per_region.items())]),
        "\n",
        literal("gridIntensity", f"{len(grid)} grid intensities, g CO2e per kWh.",
                "region ref|g CO2e/kWh", [[ref, fmt(g)] for ref, g in sorted(grid.items())]),
        "\n",
        literal("instancePower", f"{len(per_type)} instance types: W/vCPU idle and at full load, memory GB CCF counts, vCPU-hour factor.",
                "cloud|instance type|min W/vCPU|max W/vCPU|counted memory GB|vCPU-hour factor",
                [[c, n, fmt(lo), fmt(hi), fmt(m), fmt(f)] for (c, n), (lo, hi, m, f) in sorted(per_type.items())]),
        "}\n",
    ])
    return text, digest


# ---------------------------------------------------------------- canonical form (mirrors CatalogCanonicalForm.swift)

def canonical_lines(regions, offers, defaults, per_region, pairs, fx):
    """Sections in a fixed order, each sorted by its key; mirrors CatalogCanonicalForm.swift."""
    base, date, rates = fx
    lines = [
        f"model|rtt-ms-per-100km|{fmt(RTT_MS_PER_100_KM)}",
        f"model|same-region-ms|{fmt(SAME_REGION_RTT_MS)}",
        f"model|min-fallback-ms|{fmt(MIN_FALLBACK_RTT_MS)}",
        f"fx|base|{base}",
        f"fx|date|{date}",
    ]
    for ref, r in sorted(regions.items()):
        lines.append(f"region|{ref}|{r['city']}|{r['country']}|{fmt(r['lat'])}|{fmt(r['lon'])}|{r['area']}")
    for (ref, name), o in sorted(offers.items()):
        spot = "-" if o["spot"] is None else fmt(o["spot"])
        lines.append(f"offer|{ref}|{name}|{o['vcpu']}|{fmt(o['mem'])}|{fmt(o['usd'])}|{spot}")
    for (a, b), ms in sorted(pairs.items()):
        lines.append(f"rtt|{a}|{b}|{fmt(ms)}")
    for cloud, usd in sorted(defaults.items()):
        lines.append(f"egress|{cloud}|{fmt(usd)}")
    for ref, usd in sorted(per_region.items()):
        lines.append(f"egress|{ref}|{fmt(usd)}")
    for code, rate in sorted(rates.items()):
        lines.append(f"fx|{code}|{fmt(rate)}")
    return lines


def content_sha256(lines):
    return hashlib.sha256("".join(line + "\n" for line in lines).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- Swift output

def literal(name, doc, header, rows):
    body = "\n".join(SEP.join(cols) for cols in rows)
    return (f"    /// {doc}\n"
            f"    /// Columns: {header}\n"
            f"    static let {name} = #\"\"\"\n{body}\n\"\"\"#\n")


def render():
    regions = load_regions()
    offers = load_offers(regions)
    defaults, per_region = load_egress(regions)
    pairs, missing = load_rtts(regions)
    fx = load_currency()
    base, date, rates = fx
    digest = content_sha256(canonical_lines(regions, offers, defaults, per_region, pairs, fx))

    parts = [
        "// GENERATED by catalog/generate.py from catalog/data/*.csv. Do not edit by hand:\n"
        "// change the CSVs and run `python3 catalog/generate.py` (CI runs it with --check).\n"
        "\n"
        "/// The bundled catalog as compact pipe-separated text, parsed once on first use of `Catalog.bundled`.\n"
        "/// Why text and not array literals: large struct-array literals make the type checker very slow.\n"
        "enum BundledCatalogData {\n",
        f"    static let edition = \"{EDITION}\"\n",
        "    /// sha256 of the canonical form (see CatalogCanonicalForm.swift); a test checks the parsed catalog hashes to this.\n",
        f"    static let contentSHA256 = \"{digest}\"\n",
        f"    static let rttMsPer100Km = {fmt(RTT_MS_PER_100_KM)}\n",
        f"    static let sameRegionRttMs = {fmt(SAME_REGION_RTT_MS)}\n",
        f"    static let minimumFallbackRttMs = {fmt(MIN_FALLBACK_RTT_MS)}\n",
        f"    static let currencyBase = \"{base}\"\n",
        f"    static let currencyDate = \"{date}\"\n",
        "    static let currencySource = \"ECB euro foreign exchange reference rates (eurofxref), "
        f"{date}; see catalog/README.md\"\n",
        f"    /// Region pairs without a valid measurement ({len(missing)}): "
        + ", ".join(f"{a} <-> {b}" for a, b in missing) + "; they use the great-circle fallback.\n\n",
        literal("regions", f"{len(regions)} regions.", "cloud|region|city|country|latitude|longitude|area",
                [[r["cloud"], r["region"], r["city"], r["country"], fmt(r["lat"]), fmt(r["lon"]), r["area"]]
                 for _, r in sorted(regions.items())]),
        "\n",
        literal("offers", f"{len(offers)} on-demand offers; spot is the regional minimum, empty when unknown.",
                "cloud|region|instance type|vCPU|memory GiB|USD/hour|spot USD/hour",
                [[o["cloud"], o["region"], o["name"], str(o["vcpu"]), fmt(o["mem"]), fmt(o["usd"]),
                  "" if o["spot"] is None else fmt(o["spot"])]
                 for _, o in sorted(offers.items())]),
        "\n",
        literal("cloudEgress", "Per-cloud internet egress USD/GB (SkyPilot first tier), for regions without their own rate.",
                "cloud|USD/GB", [[c, fmt(v)] for c, v in sorted(defaults.items())]),
        "\n",
        literal("regionEgress", f"{len(per_region)} per-source-region internet egress USD/GB (Skyplane first tier).",
                "region ref|USD/GB", [[ref, fmt(v)] for ref, v in sorted(per_region.items())]),
        "\n",
        literal("rtts", f"{len(pairs)} measured symmetric RTTs in ms, one row per unordered pair.",
                "region ref|region ref|rtt ms", [[a, b, fmt(ms)] for (a, b), ms in sorted(pairs.items())]),
        "\n",
        literal("currencyRates", f"Units of each currency per 1 {base} on {date}.",
                "currency|units per base", [[c, fmt(v)] for c, v in sorted(rates.items())]),
        "}\n",
    ]
    summary = dict(regions=len(regions), offers=len(offers), pairs=len(pairs), missing=len(missing),
                   types=len({(o["cloud"], o["name"]) for o in offers.values()}),
                   version=f"{EDITION}+{digest[:12]}")
    return "".join(parts), summary


def main(argv):
    try:
        text, summary = render()
        carbon_text, carbon_digest = render_carbon()
    except DataError as e:
        print(f"generate.py: {e}", file=sys.stderr)
        return 2
    if "--print-version" in argv:
        print(summary["version"])
        return 0
    if "--check" in argv:
        try:
            with open(OUT, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print(f"generate.py: {os.path.relpath(OUT)} is out of date; run `python3 catalog/generate.py`",
                  file=sys.stderr)
            return 1
        try:
            with open(CARBON_OUT, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != carbon_text:
            print(f"generate.py: {os.path.relpath(CARBON_OUT)} is out of date; run `python3 catalog/generate.py`",
                  file=sys.stderr)
            return 1
        print(f"generate.py: up to date ({summary['version']})")
        return 0
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {OUT}: {summary}")
    with open(CARBON_OUT, "w", encoding="utf-8") as f:
        f.write(carbon_text)
    print(f"wrote {CARBON_OUT}: carbon {carbon_digest[:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
