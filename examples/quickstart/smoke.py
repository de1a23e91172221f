"""Smoke test of the served site: the index answers, names the demo, and
every page it links answers too.

    python3 smoke.py http://127.0.0.1:8000
"""
import re
import sys
import urllib.request


def fetch(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        if response.status != 200:
            raise SystemExit(f"smoke: GET {url}: HTTP {response.status}")
        return response.read().decode("utf-8")


def main(base):
    index = fetch(base + "/")
    if "<title>fops quickstart</title>" not in index:
        raise SystemExit(f"smoke: GET {base}/: not the quickstart index")
    links = re.findall(r'href="([^"]+)"', index)
    if not links:
        raise SystemExit(f"smoke: GET {base}/: the index links no page")
    for link in links:
        fetch(f"{base}/{link}")
        print(f"smoke: GET /{link} OK")
    print(f"smoke: {len(links) + 1} pages OK at {base}")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
