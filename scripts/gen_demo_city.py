#!/usr/bin/env python3
"""Generate the Precinct demo city into cities/demo/ and check it.

    python3 scripts/gen_demo_city.py
    python3 scripts/gen_demo_city.py --districts 12 --out .data/cities/big    # a big city (the bench's)

The city is modelled on Zouping (Shandong): 5 regions led by centre stations, 17 stations,
42 grids tiling the bbox, posts, squadrons, response points, schools, officers, units,
30 enterprises, ~200 standard addresses and 12 demo calls. Every person, enterprise and
phone number is fictional. Stdlib only, fixed seed: two runs give byte-identical files.
The output is committed with the repository; edit this script, re-run it, commit both.
After writing, the script reads the files back, checks references and geometry, and exits
with status 1 if anything is wrong. The format is documented in cities/demo/README.md.

With --districts N the city is N copies of that layout tiled into a mosaic (each with its own
regions, stations, grids, units, enterprises ... and fresh random geometry and people), so a
load test can have thousands of units; the counts the checks expect scale with N. Such a city
is generated, not committed; it takes the demo's rule files, which name no ids.
"""
import argparse
import itertools
import json
import math
import os
import random
import shutil
import sys

SEED = 20240601
DEMO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cities", "demo"))
OUT = DEMO
# Hand-written files of a city that name no ids, so a generated city can use the demo's as they are.
RULE_FILES = ["classification-rules.json", "departments.json", "dispatch-rules.json", "diversion-rules.json",
              "scoring-rules.json"]
CN = "一二三四五六七八九十"
QUALS = ["accidentPrimary", "mediatorCertified", "armed"]          # canonical order
ROLES = ["dutyChief", "schoolChief", "detectiveChief", "gridChief", "roadChief"]

# Lattice of the tiling: column edges west->east, row edges north->south. The centre columns and
# rows are narrower, so the urban grids are smaller.
LON_EDGES = [117.600, 117.655, 117.705, 117.730, 117.755, 117.780, 117.835, 117.900]
LAT_EDGES = [37.000, 36.960, 36.920, 36.885, 36.865, 36.845, 36.800]
LAYOUT = [  # owning station (short name) of each lattice cell, rows north->south
    "魏桥 魏桥 码头 码头 黄河 黄河 黄河",
    "魏桥 孙镇 孙镇 韩店 台子 台子 台子",
    "明集 明集 孙镇 韩店 韩店 九户 九户",
    "明集 好生 黛溪 黄山 高新 开发区 焦桥",
    "青阳 好生 黛溪 黄山 高新 开发区 焦桥",
    "青阳 青阳 临池 临池 长山 长山 长山",
]
# id, short name, township used in addresses, region
STATIONS = [
    ("S01", "台子", "台子镇", "R1"), ("S02", "码头", "码头镇", "R1"), ("S03", "黄河", "码头镇", "R1"),
    ("S04", "韩店", "韩店镇", "R2"), ("S05", "九户", "九户镇", "R2"), ("S06", "孙镇", "孙镇", "R2"),
    ("S07", "魏桥", "魏桥镇", "R3"), ("S08", "明集", "明集镇", "R3"), ("S09", "青阳", "青阳镇", "R3"),
    ("S10", "长山", "长山镇", "R4"), ("S11", "焦桥", "焦桥镇", "R4"), ("S12", "临池", "临池镇", "R4"),
    ("S13", "开发区", "经济技术开发区", "R5"), ("S14", "黛溪", "黛溪街道", "R5"),
    ("S15", "黄山", "黄山街道", "R5"), ("S16", "高新", "高新街道", "R5"), ("S17", "好生", "好生街道", "R5"),
]
# id, name, centre station, squadron (id, name, call-sign prefix)
REGIONS = [
    ("R1", "台子中心区", "S01", ("TS1", "交警一中队", "交一巡")),
    ("R2", "韩店中心区", "S04", ("TS5", "交警五中队", "交五巡")),
    ("R3", "魏桥中心区", "S07", ("TS3", "交警三中队", "交三巡")),
    ("R4", "长山中心区", "S10", ("TS4", "交警四中队", "交四巡")),
    ("R5", "开发区中心区", "S13", ("TS2", "交警开发区中队", "交开巡")),
]
MERGED = {"S04": "TS5"}                       # 交所合一: 韩店 station chief also leads 交警五中队
URBAN = ["S14", "S15", "S16"]                 # city-centre stations, all covered by post P1
POST = ("P1", "黛溪警务站")
MEDIATOR_STATIONS = ["S01", "S04", "S06", "S07", "S10", "S13", "S14", "S15", "S16"]
SCHOOL_STATIONS = ["S01", "S04", "S07", "S09", "S10", "S13", "S14", "S15", "S16", "S17"]
ROADS = {"黛溪": "黛溪一路 黛溪二路 黛溪三路 黛溪四路 黛溪五路", "黄山": "黄山一路 黄山二路 黄山三路 鹤伴一路 鹤伴二路",
         "高新": "会仙一路 会仙二路 会仙三路 醴泉一路 醴泉二路"}
INDUSTRIES = ("铝业 纺织 热电 粮油 机械制造 新材料 化工 食品 汽车配件 建材 物流 电子科技 医药 包装 钢结构 "
              "农业科技 服装 印染 棉业 轴承 新能源 环保科技 精密铸造 塑业 玻璃 木业 电缆 生物科技 家具 商贸").split()
ENTERPRISE_STATIONS = ("S13 S07 S04 S16 S10 S17 S13 S07 S04 S16 S01 S11 S06 S05 S02 "
                       "S08 S09 S12 S15 S14 S03 S13 S07 S10 S04 S17 S16 S01 S11 S06").split()
MAJOR = [3, 6, 9, 14, 20]                     # enterprise indexes flagged majorProject + zeroDisturbance
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍建文辉鹏飞红梅志海峰亮宁雪琳浩宇晨"

rng = random.Random(SEED)

# ---------------------------------------------------------------- geometry helpers

def area2(ring):
    """Twice the signed area of a closed ring in (lon, lat); > 0 means counter-clockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))

def inside(pt, ring):
    """Ray casting: is pt strictly inside the closed ring (points on an edge may go either way)."""
    x, y = pt
    hit = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            hit = not hit
    return hit

def convex_ccw(ring):
    pts = ring[:-1]
    n = len(pts)
    return all((pts[(i + 1) % n][0] - pts[i][0]) * (pts[(i + 2) % n][1] - pts[i][1])
               - (pts[(i + 1) % n][1] - pts[i][1]) * (pts[(i + 2) % n][0] - pts[i][0]) > 0 for i in range(n))

def overlap(a, b, eps=1e-9):
    """Separating-axis test for two convex rings: True if their interiors overlap."""
    for ring in (a, b):
        for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
            nx, ny = y0 - y1, x1 - x0
            pa = [nx * x + ny * y for x, y in a[:-1]]
            pb = [nx * x + ny * y for x, y in b[:-1]]
            if min(pa) >= max(pb) - eps or min(pb) >= max(pa) - eps:
                return False
    return True

def pt(lon, lat):
    return (round(lon, 6), round(lat, 6))

def loc(p):
    return {"lat": p[1], "lon": p[0]}

def rect(centre, w_m, h_m, angle):
    """Closed counter-clockwise rectangle of w_m x h_m metres around centre, rotated by angle."""
    lon, lat = centre
    mx, my = 111320 * math.cos(math.radians(lat)), 110540
    c, s = math.cos(angle), math.sin(angle)
    ring = [pt(lon + (x * c - y * s) / mx, lat + (x * s + y * c) / my)
            for x, y in ((-w_m / 2, -h_m / 2), (w_m / 2, -h_m / 2), (w_m / 2, h_m / 2), (-w_m / 2, h_m / 2))]
    return ring + [ring[0]]

def bbox_of(ring):
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)

def overlap_near(a, b):
    """overlap, skipping rings whose bounding boxes are apart (most pairs of a big city)."""
    return boxes_meet(bbox_of(a), bbox_of(b), 0.0) and overlap(a, b)

def boxes_meet(a, b, pad=0.0005):
    return not (a[2] + pad < b[0] or b[2] + pad < a[0] or a[3] + pad < b[1] or b[3] + pad < a[1])

# ---------------------------------------------------------------- grids

# ---------------------------------------------------------------- districts
# The demo city is one district. A bigger city tiles COLS x ROWS districts, district d at column
# d % COLS, row d // COLS; every demo id maps to its copy in each district (district 0's ids
# name the same records as the demo's, widened only when the counts need more digits).

DISTRICTS, COLS, ROWS = 1, 1, 1
DIST_LON, DIST_LAT = LON_EDGES[-1] - LON_EDGES[0], LAT_EDGES[0] - LAT_EDGES[-1]

def cn(n):
    """Chinese numeral for 1..99."""
    if n <= 10:
        return CN[n - 1]
    tens, units = divmod(n, 10)
    return (CN[tens - 1] if tens > 1 else "") + "十" + (CN[units - 1] if units else "")

def ident(prefix, n, digits, count):
    """Id n of a kind with count records: zero-padded to the demo's digits, or more if count needs."""
    return f"{prefix}{n:0{max(digits, len(str(count)))}d}"

def label(d):
    return "" if d == 0 else f"{cn(d + 1)}区"

def sid_of(d, base):
    return ident("S", d * len(STATIONS) + int(base[1:]), 2, len(STATIONS) * DISTRICTS)

def rid_of(d, base):
    return ident("R", d * len(REGIONS) + int(base[1:]), 1, len(REGIONS) * DISTRICTS)

def tsid_of(d, base):
    return ident("TS", d * len(REGIONS) + int(base[2:]), 1, len(REGIONS) * DISTRICTS)

def post_of(d):
    return ident("P", d + 1, 1, DISTRICTS)

def configure(districts):
    """Lay out the districts: the most nearly square COLS x ROWS that is exactly districts."""
    global DISTRICTS, COLS, ROWS, STATION_INFO, URBAN_POST, MERGED_ALL
    DISTRICTS = districts
    ROWS = max(r for r in range(1, int(math.isqrt(districts)) + 1) if districts % r == 0)
    COLS = districts // ROWS
    STATION_INFO = {sid_of(d, sid): {"short": label(d) + sh, "town": label(d) + town, "base": sid, "baseShort": sh,
                                     "d": d, "region": rid_of(d, region)}
                    for d in range(districts) for sid, sh, town, region in STATIONS}
    URBAN_POST = {sid_of(d, s): post_of(d) for d in range(districts) for s in URBAN}
    MERGED_ALL = {sid_of(d, s): tsid_of(d, t) for d in range(districts) for s, t in MERGED.items()}

def lattice():
    """Column edges west->east and row edges north->south of the whole city."""
    lons = [round(e + c * DIST_LON, 6) for c in range(COLS) for e in (LON_EDGES if c == 0 else LON_EDGES[1:])]
    lats = [round(e - r * DIST_LAT, 6) for r in range(ROWS) for e in (LAT_EDGES if r == 0 else LAT_EDGES[1:])]
    return lons, lats

# ---------------------------------------------------------------- grids

def build_grids():
    lon_edges, lat_edges = lattice()
    v = {}
    for j, lat in enumerate(lat_edges):
        for i, lon in enumerate(lon_edges):
            dx = dy = 0.0
            if 0 < i < len(lon_edges) - 1:   # border vertices stay on the bbox
                a = 0.18 * min(lon_edges[i] - lon_edges[i - 1], lon_edges[i + 1] - lon_edges[i])
                dx = rng.uniform(-a, a)
            if 0 < j < len(lat_edges) - 1:
                a = 0.18 * min(lat_edges[j - 1] - lat_edges[j], lat_edges[j] - lat_edges[j + 1])
                dy = rng.uniform(-a, a)
            v[i, j] = pt(lon + dx, lat + dy)
    per_col, per_row = len(LON_EDGES) - 1, len(LAT_EDGES) - 1
    cells = {}
    for r in range(per_row * ROWS):
        for c in range(per_col * COLS):
            d = (r // per_row) * COLS + c // per_col
            cells.setdefault((d, LAYOUT[r % per_row].split()[c % per_col]), []).append((r, c))
    count = sum(len(x) for x in cells.values())
    grids = []
    for sid, info in STATION_INFO.items():
        for k, (r, c) in enumerate(sorted(cells[info["d"], info["baseShort"]])):
            sw, se, ne, nw = v[c, r + 1], v[c + 1, r + 1], v[c + 1, r], v[c, r]
            grids.append({"id": ident("G", len(grids) + 1, 3, count), "name": f"{info['short']}{CN[k]}网格",
                          "stationId": sid, "postId": URBAN_POST.get(sid), "urban": sid in URBAN_POST,
                          "ring": [sw, se, ne, nw, sw], "district": info["d"]})
    # Grids sharing a vertex are neighbours; sharing two, they share an edge. Indexed by vertex so
    # a city of thousands of grids does not compare every pair.
    at = {}
    for n, g in enumerate(grids):
        for p in set(g["ring"]):
            at.setdefault(p, []).append(n)
    for n, g in enumerate(grids):
        shared = {}
        for p in set(g["ring"]):
            for m in at[p]:
                if m != n:
                    shared[m] = shared.get(m, 0) + 1
        g["neighbourIds"] = [grids[m]["id"] for m in sorted(shared)]
        g["edgeIds"] = [grids[m]["id"] for m in sorted(shared) if shared[m] == 2]
    return grids

def sample(ring, margin=0.2):
    """A random point well inside a convex quadrilateral (bilinear interpolation of its corners)."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = ring[:4]
    u, w = rng.uniform(margin, 1 - margin), rng.uniform(margin, 1 - margin)
    return pt((1 - u) * (1 - w) * x0 + u * (1 - w) * x1 + u * w * x2 + (1 - u) * w * x3,
              (1 - u) * (1 - w) * y0 + u * (1 - w) * y1 + u * w * y2 + (1 - u) * w * y3)

def place_shape(grid, lo, hi, taken):
    """A rotated rectangle lo..hi metres across wholly inside grid, clear of the shapes in taken."""
    for _ in range(500):
        centre = sample(grid["ring"])
        ring = rect(centre, rng.uniform(lo, hi), rng.uniform(lo, hi), rng.uniform(0, math.pi / 2))
        box = bbox_of(ring)
        if all(inside(p, grid["ring"]) for p in ring) and not any(boxes_meet(box, t) for t in taken):
            taken.append(box)
            cx, cy = sum(p[0] for p in ring[:4]) / 4, sum(p[1] for p in ring[:4]) / 4
            return pt(cx, cy), ring
    raise SystemExit(f"cannot place a shape in {grid['id']}")

# ---------------------------------------------------------------- people

_names = set()

def person():
    while True:
        n = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        if n not in _names:
            _names.add(n)
            return n

# The demo's 1380000xxxx numbers run out at a few hundred; a bigger city goes on past them.
_phones = itertools.chain(range(1001, 9999, 37), range(10001, 10 ** 8, 37))

def phone():
    return f"138{next(_phones):08d}"

# ---------------------------------------------------------------- the city

def build():
    grids = build_grids()
    gid = {g["id"]: g for g in grids}
    by_station = {sid: [] for sid in STATION_INFO}
    for g in grids:
        by_station[g["stationId"]].append(g)
    short = {sid: info["short"] for sid, info in STATION_INFO.items()}
    taken = []                                       # bboxes of schools and enterprise geofences

    stations = []
    for sid, info in STATION_INFO.items():
        stations.append({"id": sid, "name": f"{info['short']}派出所", "regionId": info["region"],
                         "urban": sid in URBAN_POST, "location": loc(sample(by_station[sid][0]["ring"], 0.3)),
                         "mergedSquadronId": MERGED_ALL.get(sid)})
    spos = {s["id"]: (s["location"]["lon"], s["location"]["lat"]) for s in stations}
    regions, squadrons = [], []
    for d in range(DISTRICTS):
        for rid, name, centre, (tsid, tsname, _cs) in REGIONS:
            rid, centre, tsid = rid_of(d, rid), sid_of(d, centre), tsid_of(d, tsid)
            regions.append({"id": rid, "name": label(d) + name, "centreStationId": centre,
                            "memberStationIds": [s for s, i in STATION_INFO.items() if i["region"] == rid],
                            "squadronIds": [tsid]})
            merged = [s for s, t in MERGED_ALL.items() if t == tsid]
            p = spos[merged[0]] if merged else sample(by_station[centre][0]["ring"])
            squadrons.append({"id": tsid, "name": label(d) + tsname, "regionId": rid, "location": loc(p)})
    squadrons.sort(key=lambda s: s["id"])
    posts = [{"id": post_of(d), "name": label(d) + POST[1], "stationIds": [sid_of(d, s) for s in URBAN],
              "location": loc(sample(by_station[sid_of(d, URBAN[0])][1]["ring"]))} for d in range(DISTRICTS)]

    # response points: 1 minute in the 8 central grids, 3 minutes at the seat grid of the other 13
    # stations, 5 minutes in every remaining grid plus a reserve point at each centre station.
    centre_sids = {sid_of(d, s) for d in range(DISTRICTS) for s in URBAN + ["S13"]}
    one = [g for g in grids if g["stationId"] in centre_sids]
    three = [by_station[s][0] for s in STATION_INFO if s not in centre_sids]
    placed = {g["id"] for g in one + three}
    five = [g for g in grids if g["id"] not in placed] + [by_station[r["centreStationId"]][0] for r in regions]
    rps, own_rp = [], {}
    for minutes, gs in ((1, one), (3, three), (5, five)):
        for g in gs:
            if minutes == 1:
                cover = [g["id"]]
            elif minutes == 3:
                cover = [g["id"]] + [h for h in g["edgeIds"] if gid[h]["stationId"] == g["stationId"]]
            else:
                cover = [g["id"]] + g["edgeIds"]
            rp = {"id": ident("RP", len(rps) + 1, 2, len(one) + len(three) + len(five)), "minutes": minutes,
                  "location": loc(sample(g["ring"])), "gridIds": cover}
            rps.append(rp)
            own_rp.setdefault(g["id"], rp)

    schools = []
    for d in range(DISTRICTS):
        for base in SCHOOL_STATIONS:
            sid = sid_of(d, base)
            g = by_station[sid][0]
            _c, ring = place_shape(g, 150, 250, taken)
            kind = "中学" if base in ("S13", "S15") else "第一小学"
            schools.append({"id": ident("SC", len(schools) + 1, 2, len(SCHOOL_STATIONS) * DISTRICTS),
                            "name": f"{short[sid]}{kind}", "gridId": g["id"],
                            "geofence": {"type": "Polygon", "coordinates": [ring]}})

    # enterprises (geometry first; officers are assigned below)
    used_addr = set()

    def address(sid):
        town, sh = STATION_INFO[sid]["town"], STATION_INFO[sid]["baseShort"]
        roads = ROADS.get(sh, f"{sh}大街 {sh}一路 {sh}二路 {sh}三路").split()
        while True:
            a = f"邹平市{town}{rng.choice(roads)}{rng.randrange(1, 200)}号"
            if a not in used_addr:
                used_addr.add(a)
                return a

    enterprises, largest = [], set()
    for d in range(DISTRICTS):
        for k, base in enumerate(ENTERPRISE_STATIONS):
            sid = sid_of(d, base)
            scale = "large" if k < 6 else "medium" if k < 18 else "small"
            lo, hi = {"large": (300, 400), "medium": (200, 300), "small": (150, 200)}[scale]
            g = rng.choice(by_station[sid])
            centre, ring = place_shape(g, lo, hi, taken)
            eid = ident("E", len(enterprises) + 1, 4, len(ENTERPRISE_STATIONS) * DISTRICTS)
            if k < 3:
                largest.add(eid)
            enterprises.append({"id": eid, "name": f"邹平示例{label(d)}{INDUSTRIES[k]}有限公司", "address": address(sid),
                                "location": loc(centre), "geofence": {"type": "Polygon", "coordinates": [ring]},
                                "gridId": g["id"], "scale": scale, "liaisonOfficerId": None, "deputyOfficerId": None,
                                "contacts": [{"name": person(), "role": "安保主管", "phone": phone()}]
                                + ([{"name": person(), "role": "总经理", "phone": phone()}] if scale != "small" else []),
                                "majorProject": k in MAJOR, "zeroDisturbance": k in MAJOR, "stationedOfficerId": None})

    addresses = [{"address": e["address"], "lat": e["location"]["lat"], "lon": e["location"]["lon"],
                  "gridId": e["gridId"]} for e in enterprises]
    for g in grids:
        for _ in range(4):
            p = sample(g["ring"], 0.1)
            addresses.append({"address": address(g["stationId"]), "lat": p[1], "lon": p[0], "gridId": g["id"]})
    addresses.sort(key=lambda a: (a["gridId"], a["address"]))

    # officers and units
    officers = []
    kinds = {k: [] for k in ("patrolCar", "motorcycle", "stationDuty", "mediatorPair",
                             "trafficSquadron", "accidentDivision", "ptu")}
    moto_grids = {g["id"] for g in grids if g["urban"]}
    for d in range(DISTRICTS):
        moto_grids |= set(rng.sample([g["id"] for g in grids if not g["urban"] and g["district"] == d], 13))

    def officer(sid, team, roles=(), grid_ids=(), quals=(), aux=False):
        # Provisional id, wide enough to sort like the final one (renumbered at the end).
        o = {"id": f"O{len(officers) + 1:09d}", "name": person(), "stationId": sid, "team": team,
             "roles": list(roles), "gridIds": list(grid_ids), "qualifications": [q for q in QUALS if q in quals],
             "auxiliary": aux}
        officers.append(o)
        return o

    def unit(kind, sign, crew, pos, sid=None, tsid=None, home=None, rp=None, shift=("00:00", "24:00")):
        kinds[kind].append({"id": None, "callSign": sign, "kind": kind, "stationId": sid, "squadronId": tsid,
                            "homeGridId": home, "officerIds": [o["id"] for o in crew],
                            "qualifications": [q for q in QUALS if any(q in o["qualifications"] for o in crew)],
                            "responsePointId": rp, "shift": {"start": shift[0], "end": shift[1]}, "position": loc(pos)})

    for sid, info in STATION_INFO.items():
        sh = info["short"]
        gs = by_station[sid]
        chiefs = [officer(sid, "communityPolicing", ["gridChief"], [g["id"]],
                          ["accidentPrimary"] if int(g["id"][1:]) % 2 else []) for g in gs]
        seconds = [officer(sid, "communityPolicing", ["schoolChief"], [gs[0]["id"]]),
                   officer(sid, "communityPolicing", ["roadChief"], [g["id"] for g in gs])]
        seconds += [officer(sid, "caseHandling", [], [g["id"]]) for g in gs[2:]]
        for k, g in enumerate(gs):
            rp = own_rp[g["id"]]
            unit("patrolCar", f"{sh}巡{k + 1}", [chiefs[k], seconds[k]], (rp["location"]["lon"], rp["location"]["lat"]),
                 sid=sid, home=g["id"], rp=rp["id"])
        m = 0
        for g in gs:
            if g["id"] in moto_grids:
                shifts = [("08:00", "20:00"), ("20:00", "08:00")] if g["urban"] else [("08:00", "20:00")]
                for shift in shifts:
                    m += 1
                    rider = officer(sid, "communityPolicing", [], [g["id"]])
                    unit("motorcycle", f"{sh}摩{m}", [rider], sample(g["ring"]), sid=sid, home=g["id"], shift=shift)
        duty = [officer(sid, "commandRoom", ["dutyChief"], [], ["accidentPrimary"]),
                officer(sid, "commandRoom", [], [], ["accidentPrimary"])]
        unit("stationDuty", f"{sh}值班", duty, spos[sid], sid=sid, home=gs[0]["id"])
        officer(sid, "caseHandling", ["detectiveChief"])                 # no unit
        if info["base"] in MEDIATOR_STATIONS:
            pair = [officer(sid, "communityPolicing", [], [], ["mediatorCertified"], True) for _ in range(2)]
            unit("mediatorPair", f"{sh}调解", pair, spos[sid], sid=sid, home=gs[0]["id"], shift=("08:00", "20:00"))
        for e in enterprises:                                            # 驻企警长 of the 3 largest
            if e["id"] in largest and gid[e["gridId"]]["stationId"] == sid:
                e["stationedOfficerId"] = officer(sid, "communityPolicing", [], [e["gridId"]])["id"]

    def grid_at(p):
        return next(g["id"] for g in grids if inside(p, g["ring"]))

    for d in range(DISTRICTS):
        for _rid, _name, _centre, (tsid, _tsname, sign) in REGIONS:
            tsid = tsid_of(d, tsid)
            sq = next(s for s in squadrons if s["id"] == tsid)
            p = (sq["location"]["lon"], sq["location"]["lat"])
            crew = [officer(None, "communityPolicing", [], [], ["accidentPrimary"]) for _ in range(2)]
            unit("trafficSquadron", f"{label(d)}{sign}1", crew, p, tsid=tsid, home=grid_at(p))
    for d in range(DISTRICTS):
        base = sample(by_station[sid_of(d, "S15")][0]["ring"])       # 事故科 in the city centre
        for k in range(3):
            unit("accidentDivision", f"{label(d)}事故科{k + 1}",
                 [officer(None, "caseHandling", [], [], ["accidentPrimary"]) for _ in range(2)], base)
    ptu_shifts = [("00:00", "24:00"), ("00:00", "24:00"), ("08:00", "20:00"), ("20:00", "08:00")]
    for d in range(DISTRICTS):
        ones = [r for r in rps if r["minutes"] == 1 and gid[r["gridIds"][0]]["district"] == d]
        for k, rp in enumerate(ones[::2]):
            crew = [officer(None, "caseHandling", [], [], ["armed"]) for _ in range(2)]
            unit("ptu", f"{label(d)}特警快反{k + 1}", crew, (rp["location"]["lon"], rp["location"]["lat"]),
                 home=rp["gridIds"][0], rp=rp["id"], shift=ptu_shifts[k])
    units = [u for k in kinds for u in kinds[k]]
    for n, u in enumerate(units):
        u["id"] = ident("U", n + 1, 3, len(units))

    # liaison = the grid chief of the enterprise's grid; deputy = the least-loaded other community officer
    load, community = {}, {}
    for o in officers:
        if o["team"] == "communityPolicing" and not o["auxiliary"] and o["stationId"] is not None:
            community.setdefault(o["stationId"], []).append(o)
    for e in enterprises:
        comm = community[gid[e["gridId"]]["stationId"]]
        liaison = next(o for o in comm if "gridChief" in o["roles"] and o["gridIds"] == [e["gridId"]])
        deputy = min((o for o in comm if o is not liaison), key=lambda o: (load.get(o["id"], 0), o["id"]))
        load[deputy["id"]] = load.get(deputy["id"], 0) + 1
        e["liaisonOfficerId"], e["deputyOfficerId"] = liaison["id"], deputy["id"]

    final = {o["id"]: ident("O", n + 1, 4, len(officers)) for n, o in enumerate(officers)}
    for o in officers:
        o["id"] = final[o["id"]]
    for u in units:
        u["officerIds"] = [final[o] for o in u["officerIds"]]
    for e in enterprises:
        for key in ("liaisonOfficerId", "deputyOfficerId", "stationedOfficerId"):
            e[key] = final.get(e[key])

    calls = demo_calls(by_station, enterprises, addresses)
    lon_edges, lat_edges = lattice()
    name = "邹平 (demo city)" if DISTRICTS == 1 else f"邹平 ×{DISTRICTS} (generated, {COLS}×{ROWS} districts)"
    return grids, {"city": {"id": os.path.basename(OUT), "name": name,
                            "bbox": {"minLat": lat_edges[-1], "minLon": lon_edges[0],
                                     "maxLat": lat_edges[0], "maxLon": lon_edges[-1]}},
                   "regions": regions, "stations": stations, "squadrons": squadrons, "posts": posts,
                   "responsePoints": rps, "schools": schools, "officers": officers, "units": units}, \
        enterprises, addresses, calls

def demo_calls(by_station, enterprises, addresses):
    ct = iter(["CT01", "CT02", "CT03"] * 4)

    def at_grid(sid, k=0):                   # the demo calls all fall in district 0
        p = sample(by_station[sid_of(0, sid)][k]["ring"], 0.3)
        return {"lat": p[1], "lon": p[0]}

    def at_ent(e):
        return {"lat": e["location"]["lat"], "lon": e["location"]["lon"], "address": e["address"]}

    def call(channel, caller, location, hint, text):
        c = {"channel": channel, "caller": caller, "location": location, "categoryHint": hint,
             "description": text, "callTaker": next(ct)}
        if hint is None:
            del c["categoryHint"]
        return c

    def who():
        return {"name": person(), "phone": phone()}

    def contact(e):
        return {"name": e["contacts"][0]["name"], "phone": e["contacts"][0]["phone"]}

    e_theft, e_zero, e_wage, e_fight = enterprises[1], enterprises[MAJOR[0]], enterprises[11], enterprises[17]
    lost = next(a for a in addresses if a["gridId"] == by_station[sid_of(0, "S09")][1]["id"])
    neighbour = who()
    home = at_grid("S14", 1)
    repeat = {"lat": round(home["lat"] + 0.0003, 6), "lon": round(home["lon"] - 0.0002, 6)}
    return [
        call("110", neighbour, dict(home, address="邹平市黛溪街道黛溪三路小区"), "dispute",
             "楼上漏水到我家，和楼上邻居吵起来了，对方不让进门查看。"),
        call("122", who(), dict(at_grid("S04", 1), address="邹平市韩店镇韩店大街与韩店二路路口"), "accidentMinor",
             "两辆小轿车刮擦，无人受伤，车辆能移动，双方对责任有争议。"),
        call("110", contact(e_theft), at_ent(e_theft), "criminal",
             f"{e_theft['name']}仓库夜间被盗，发现院墙有翻越痕迹，丢失一批原材料。"),
        call("enterprise", contact(e_zero), at_ent(e_zero), "publicOrder",
             f"{e_zero['name']}项目工地门口有十余人聚集阻拦施工车辆进出。"),
        call("122", who(), dict(at_grid("S10", 2), address="邹平市长山镇长山大街东段"), "accidentCasualty",
             "货车与电动自行车相撞，骑车人倒地受伤，头部流血，需要救护车。"),
        call("12345", who(), at_ent(e_wage), "dispute",
             f"12345转办：多名工人反映{e_wage['name']}拖欠三个月工资，现正在厂门口与厂方交涉。"),
        call("110", who(), {"address": lost["address"]}, "helpRequest",
             "家中八十岁老人早上出门散步至今未归，有轻度老年痴呆，穿蓝色外套。"),
        call("110", who(), dict(at_grid("S15", 0), address="邹平市黄山街道黄山二路小区门口"), "nonPolice",
             "小区门口路灯坏了好几天，晚上很黑，希望有人来修。"),
        call("110", who(), dict(at_grid("S16", 1), address="邹平市高新街道会仙二路一饭店门口"), None,
             "饭店门口有五六个人喝多了打架，有人拿着酒瓶。"),
        call("110", who(), dict(at_grid("S07", 2), address="邹平市魏桥镇魏桥大街"), "criminal",
             "接到自称网购客服的电话，按对方要求操作后被转走两万元。"),
        call("enterprise", contact(e_fight), at_ent(e_fight), None,
             f"{e_fight['name']}车间两名员工因琐事发生口角后动手，已被拉开。"),
        call("110", neighbour, dict(repeat, address="邹平市黛溪街道黛溪三路小区"), "dispute",
             "刚才报过警，楼上邻居又来敲门吵闹，警察怎么还没到？"),
    ]

# ---------------------------------------------------------------- output

def scalar(v):
    return v is None or isinstance(v, (str, int, float, bool))

def dump(v, ind=0):
    """JSON with 2-space indent; lists of scalars and small flat objects stay on one line."""
    pad = "  " * ind
    if isinstance(v, float):
        return f"{v:.6f}"
    if scalar(v):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        if all(scalar(x) for x in v):
            return "[" + ", ".join(dump(x) for x in v) + "]"
        return "[\n" + ",\n".join(pad + "  " + dump(x, ind + 1) for x in v) + "\n" + pad + "]"
    if len(v) <= 4 and all(scalar(x) for x in v.values()):
        return "{" + ", ".join(f"{json.dumps(k)}: {dump(x)}" for k, x in v.items()) + "}"
    return "{\n" + ",\n".join(f"{pad}  {json.dumps(k)}: {dump(x, ind + 1)}" for k, x in v.items()) + "\n" + pad + "}"

def write(name, obj):
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\n") as f:
        f.write(dump(obj) + "\n")

def ring_of(geom):
    return [tuple(p) for p in geom["coordinates"][0]]

# ---------------------------------------------------------------- self-check

def verify():
    """Read the files back and return a list of problems (empty when the city is consistent).
    The counts the demo fixes (8 one-minute points, 5 zero-disturbance projects ...) are per district."""
    def load(name):
        with open(os.path.join(OUT, name), encoding="utf-8") as f:
            return json.load(f)
    j, fc = load("jurisdiction.json"), load("grids.geojson")
    ents, addrs, calls = load("enterprises.json")["enterprises"], load("addresses.json")["addresses"], \
        load("demo-calls.json")["calls"]
    bad = []

    def check(ok, msg):
        if not ok:
            bad.append(msg)

    def index(items, what):
        ids = [x["id"] for x in items]
        check(len(ids) == len(set(ids)), f"duplicate {what} ids")
        return {x["id"]: x for x in items}

    grids = index([dict(f["properties"], ring=ring_of(f["geometry"]), fid=f["id"]) for f in fc["features"]], "grid")
    regions, stations = index(j["regions"], "region"), index(j["stations"], "station")
    squadrons, posts = index(j["squadrons"], "squadron"), index(j["posts"], "post")
    rps, schools = index(j["responsePoints"], "response point"), index(j["schools"], "school")
    officers, units, enterprises = index(j["officers"], "officer"), index(j["units"], "unit"), index(ents, "enterprise")

    def ref(value, table, what, nullable=False):
        check((nullable and value is None) or value in table, f"{what}: unknown id {value!r}")

    def p_of(o):
        return (o["lon"], o["lat"])

    def within(p, gid, what):
        check(gid in grids and inside(p, grids[gid]["ring"]), f"{what} not inside grid {gid}")

    def polygon(geom, gid, what):
        ring = ring_of(geom)
        check(geom["type"] == "Polygon" and len(ring) >= 4 and ring[0] == ring[-1], f"{what}: ring not closed")
        check(area2(ring) > 0, f"{what}: ring not counter-clockwise")
        check(all(inside(p, grids[gid]["ring"]) for p in ring[:-1]), f"{what}: not inside grid {gid}")

    # organisation
    b = j["city"]["bbox"]
    for r in regions.values():
        check(r["centreStationId"] in r["memberStationIds"], f"{r['id']}: centre station not a member")
        for s in r["memberStationIds"]:
            ref(s, stations, r["id"])
            check(stations.get(s, {}).get("regionId") == r["id"], f"{s}: regionId disagrees with {r['id']}")
        for t in r["squadronIds"]:
            ref(t, squadrons, r["id"])
    staff = {}
    for o in officers.values():
        staff.setdefault(o["stationId"], []).append(o)
    member = [s for r in regions.values() for s in r["memberStationIds"]]
    check(sorted(member) == sorted(stations), "every station must be in exactly one region")
    for s in stations.values():
        ref(s["regionId"], regions, s["id"])
        ref(s["mergedSquadronId"], squadrons, s["id"], nullable=True)
        check(any(inside(p_of(s["location"]), g["ring"]) for g in grids.values() if g["stationId"] == s["id"]),
              f"{s['id']}: location not in its own grids")
        own = [g for g in grids.values() if g["stationId"] == s["id"]]
        check(2 <= len(own) <= 3, f"{s['id']}: owns {len(own)} grids")
        reach, todo = set(), [own[0]["id"]] if own else []
        while todo:
            g = todo.pop()
            if g not in reach:
                reach.add(g)
                todo += [n for n in grids[g]["neighbourIds"] if grids[n]["stationId"] == s["id"]
                         and len(set(grids[n]["ring"]) & set(grids[g]["ring"])) == 2]
        check(len(reach) == len(own), f"{s['id']}: grids not contiguous")
        roles = {r for o in staff.get(s["id"], []) for r in o["roles"]}
        check(roles == set(ROLES), f"{s['id']}: missing roles {set(ROLES) - roles}")
    for t in squadrons.values():
        ref(t["regionId"], regions, t["id"])
    covered = [s for p in posts.values() for s in p["stationIds"]]
    check(sorted(covered) == sorted(s for s in stations if stations[s]["urban"]),
          "every urban station must be covered by exactly one post, and posts cover only urban stations")
    post_of = {s: p for p in posts for s in posts[p]["stationIds"]}

    # grids: geometry, tiling, neighbours
    total = 0.0
    at = {}                                          # vertex -> grids, so neighbours are not a scan of all pairs
    for g in grids.values():
        for p in set(g["ring"]):
            at.setdefault(p, set()).add(g["id"])
    for g in grids.values():
        ring = g["ring"]
        check(g["fid"] == g["id"], f"{g['id']}: feature id differs from properties.id")
        ref(g["stationId"], stations, g["id"])
        check(g["urban"] == stations[g["stationId"]]["urban"] and g["postId"] == post_of.get(g["stationId"]),
              f"{g['id']}: urban/postId disagree with its station")
        check(ring[0] == ring[-1], f"{g['id']}: ring not closed")
        check(area2(ring) > 0 and convex_ccw(ring), f"{g['id']}: ring not convex and counter-clockwise")
        check(all(b["minLon"] <= x <= b["maxLon"] and b["minLat"] <= y <= b["maxLat"] for x, y in ring),
              f"{g['id']}: outside the bbox")
        total += area2(ring) / 2
        geo = sorted({h for p in set(ring) for h in at[p]} - {g["id"]})
        check(sorted(g["neighbourIds"]) == geo, f"{g['id']}: neighbourIds {g['neighbourIds']} != {geo}")
    gl = list(grids.values())
    for i, g in enumerate(gl):
        for h in gl[i + 1:]:
            check(not overlap_near(g["ring"], h["ring"]), f"grids {g['id']} and {h['id']} overlap")
    bbox_area = (b["maxLon"] - b["minLon"]) * (b["maxLat"] - b["minLat"])
    check(abs(total - bbox_area) < 1e-9, f"grids cover {total:.9f} of the bbox area {bbox_area:.9f} (gap)")

    # response points and schools
    for rp in rps.values():
        for g in rp["gridIds"]:
            ref(g, grids, rp["id"])
        within(p_of(rp["location"]), rp["gridIds"][0], f"{rp['id']} location")
    n = DISTRICTS
    check(sorted(r["minutes"] for r in rps.values()).count(1) == 8 * n, f"need {8 * n} one-minute points")
    check([r["minutes"] for r in rps.values()].count(3) == 13 * n, f"need {13 * n} three-minute points")
    check(20 * n <= [r["minutes"] for r in rps.values()].count(5) <= 30 * n, f"need {20 * n}-{30 * n} five-minute points")
    check({g for r in rps.values() for g in r["gridIds"]} == set(grids), "a grid is not covered by any response point")
    for s in schools.values():
        ref(s["gridId"], grids, s["id"])
        polygon(s["geofence"], s["gridId"], s["id"])

    # officers and units
    for o in officers.values():
        ref(o["stationId"], stations, o["id"], nullable=True)
        for g in o["gridIds"]:
            ref(g, grids, o["id"])
        check(o["team"] in ("communityPolicing", "caseHandling", "commandRoom"), f"{o['id']}: bad team")
        check(set(o["roles"]) <= set(ROLES) and set(o["qualifications"]) <= set(QUALS), f"{o['id']}: bad role/qual")
        check(o["auxiliary"] == ("mediatorCertified" in o["qualifications"]), f"{o['id']}: auxiliary flag")
        if "roadChief" in o["roles"] or "gridChief" in o["roles"]:
            check(all(grids[g]["stationId"] == o["stationId"] for g in o["gridIds"]), f"{o['id']}: chief of foreign grid")
    chiefed = {g for o in officers.values() if "gridChief" in o["roles"] for g in o["gridIds"]}
    for g in grids:
        check(g in chiefed, f"{g}: no gridChief")
    crew = [o for u in units.values() for o in u["officerIds"]]
    check(len(crew) == len(set(crew)), "an officer belongs to more than one unit")
    for u in units.values():
        ref(u["stationId"], stations, u["id"], nullable=True)
        ref(u["squadronId"], squadrons, u["id"], nullable=True)
        ref(u["homeGridId"], grids, u["id"], nullable=True)
        ref(u["responsePointId"], rps, u["id"], nullable=True)
        for o in u["officerIds"]:
            ref(o, officers, u["id"])
        check(1 <= len(u["officerIds"]) <= 2, f"{u['id']}: needs 1-2 officers")
        union = {q for o in u["officerIds"] for q in officers[o]["qualifications"]}
        check(set(u["qualifications"]) == union, f"{u['id']}: qualifications are not its crew's")
        p = p_of(u["position"])
        if u["homeGridId"]:
            within(p, u["homeGridId"], f"{u['id']} position")
        else:
            check(any(inside(p, g["ring"]) for g in grids.values()), f"{u['id']} position outside every grid")
        if u["responsePointId"]:
            check(u["homeGridId"] in rps[u["responsePointId"]]["gridIds"], f"{u['id']}: point does not cover home")
        if u["kind"] == "mediatorPair":
            check(len(u["officerIds"]) == 2 and all(officers[o]["auxiliary"] for o in u["officerIds"]),
                  f"{u['id']}: mediator pair must be two certified auxiliaries")
        if u["stationId"]:
            check(all(officers[o]["stationId"] == u["stationId"] for o in u["officerIds"]), f"{u['id']}: crew station")

    # enterprises, addresses, calls
    addr = {a["address"]: a for a in addrs}
    check(len(addr) == len(addrs), "duplicate standard addresses")
    for a in addrs:
        within((a["lon"], a["lat"]), a["gridId"], f"address {a['address']}")
    for e in enterprises.values():
        ref(e["gridId"], grids, e["id"])
        polygon(e["geofence"], e["gridId"], e["id"])
        check(inside(p_of(e["location"]), ring_of(e["geofence"])), f"{e['id']}: location outside its geofence")
        a = addr.get(e["address"])
        check(a is not None and (a["lat"], a["lon"], a["gridId"]) == (e["location"]["lat"], e["location"]["lon"],
              e["gridId"]), f"{e['id']}: address not in addresses.json at its location")
        sid = grids[e["gridId"]]["stationId"]
        for key in ("liaisonOfficerId", "deputyOfficerId", "stationedOfficerId"):
            ref(e[key], officers, e["id"], nullable=key == "stationedOfficerId")
            if e[key] in officers:
                check(officers[e[key]]["stationId"] == sid, f"{e['id']}: {key} not of station {sid}")
        check(e["liaisonOfficerId"] != e["deputyOfficerId"], f"{e['id']}: liaison is also deputy")
    ev = list(enterprises.values())
    for i, e in enumerate(ev):
        for f in ev[i + 1:]:
            check(not overlap_near(ring_of(e["geofence"]), ring_of(f["geofence"])), f"{e['id']} and {f['id']} overlap")
    check(sum(e["majorProject"] and e["zeroDisturbance"] for e in ev) == 5 * n,
          f"need {5 * n} zero-disturbance major projects")
    check(sum(e["stationedOfficerId"] is not None for e in ev) == 3 * n, f"need {3 * n} stationed officers")
    hits = []
    for n, c in enumerate(calls, 1):
        l = c["location"]
        if "lat" in l:
            p = (l["lon"], l["lat"])
        else:
            check(l["address"] in addr, f"call {n}: address not in addresses.json")
            p = (addr[l["address"]]["lon"], addr[l["address"]]["lat"]) if l["address"] in addr else (0, 0)
        check(any(inside(p, g["ring"]) for g in grids.values()), f"call {n}: outside every grid")
        hits += [(n, e["id"]) for e in ev if inside(p, ring_of(e["geofence"]))]
    check(len({n for n, _ in hits}) >= 4, "need at least 4 calls inside enterprise geofences")
    check(any(enterprises[e]["zeroDisturbance"] for _, e in hits), "no call at a zero-disturbance site")
    return bad, hits

def parse_args(argv):
    ap = argparse.ArgumentParser(description="Generate a Precinct city (by default the demo city, cities/demo) and check it.")
    ap.add_argument("--districts", type=int, default=1,
                    help="copies of the demo layout tiled into one city (default 1: the demo city, 105 units; 12 gives 1,260)")
    ap.add_argument("--out", default=None, help="folder to write (default cities/demo; required with --districts > 1)")
    args = ap.parse_args(argv)
    if not 1 <= args.districts <= 99:
        ap.error("--districts must be between 1 and 99")
    out = os.path.normpath(os.path.abspath(args.out)) if args.out else DEMO
    # cities/demo is committed and the tests rely on its exact contents: only the demo goes there.
    if out == DEMO and args.districts != 1:
        ap.error("a city with --districts > 1 is generated, not committed: give --out DIR outside cities/demo")
    return args.districts, out

def main(argv=None):
    global OUT
    districts, OUT = parse_args(sys.argv[1:] if argv is None else argv)
    configure(districts)
    grids, jurisdiction, enterprises, addresses, calls = build()
    os.makedirs(OUT, exist_ok=True)
    write("jurisdiction.json", jurisdiction)
    write("grids.geojson", {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": g["id"],
         "properties": {k: g[k] for k in ("id", "name", "stationId", "postId", "urban", "neighbourIds")},
         "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in g["ring"]]]}} for g in grids]})
    write("enterprises.json", {"enterprises": enterprises})
    write("addresses.json", {"addresses": addresses})
    write("demo-calls.json", {"calls": calls})
    if OUT != DEMO:
        for name in RULE_FILES:
            shutil.copyfile(os.path.join(DEMO, name), os.path.join(OUT, name))
    try:
        bad, hits = verify()
    except (KeyError, TypeError, ValueError, IndexError) as err:     # malformed output
        bad, hits = [f"malformed output: {err!r}"], []
    kinds = {}
    for u in jurisdiction["units"]:
        kinds[u["kind"]] = kinds.get(u["kind"], 0) + 1
    print(f"wrote {OUT}: {len(grids)} grids, {len(jurisdiction['stations'])} stations, "
          f"{len(jurisdiction['officers'])} officers, {len(jurisdiction['units'])} units {kinds}, "
          f"{len(enterprises)} enterprises, {len(addresses)} addresses, {len(calls)} calls")
    print("demo calls inside enterprise geofences: " + ", ".join(f"call {n} -> {e}" for n, e in hits))
    for msg in bad:
        print("PROBLEM: " + msg, file=sys.stderr)
    sys.exit(1 if bad else 0)

if __name__ == "__main__":
    main()
