#!/usr/bin/env python3
"""Writes the JSON seeds of fuzz/corpus/ from what the tests already feed the parsers: every raw string
literal in tests/ that is a JSON object, sorted by shape (network config, conflist, result, cache
entry), plus conf-examples/. The other corpora (CNI_ARGS, -p, conditions, resolv.conf, store files)
are written by hand from the tests' inputs. Run from the top of the tree; it only adds files."""
import glob, hashlib, json, os, re

def put(target, data):
    d = os.path.join("fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

docs = []
for src in sorted(glob.glob("tests/unit/*.cpp") + glob.glob("tests/integration/*.cpp")):
    text = open(src).read()
    for m in re.finditer(r'R"(\w*)\((.*?)\)\1"', text, re.S):
        try:
            j = json.loads(m.group(2))
        except ValueError:
            continue
        if isinstance(j, dict):
            docs.append(j)
for f in sorted(glob.glob("conf-examples/*")):
    docs.append(json.load(open(f)))

for j in docs:
    raw = json.dumps(j, separators=(",", ":")).encode()
    if j.get("kind") == "cniCacheV1":
        put("result_cache", raw)
    elif "plugins" in j:
        put("conflist", raw)
        for p in j["plugins"]:
            doc = dict(p, cniVersion=j.get("cniVersion", ""), name=j.get("name", "n"))
            put("net_conf", b"A" + json.dumps(doc, separators=(",", ":")).encode())
    elif "type" in j:
        put("conflist", raw)
        put("net_conf", b"A" + raw)
        put("net_conf", b"D" + raw)  # DEL reads per-request input leniently
        if "prevResult" in j:
            put("result", (j.get("cniVersion") or "0.1.0").encode() + b"\n" + json.dumps(j["prevResult"]).encode())
    elif "ips" in j or "interfaces" in j or "ip4" in j:
        put("result", (j.get("cniVersion") or "1.1.0").encode() + b"\n" + raw)
