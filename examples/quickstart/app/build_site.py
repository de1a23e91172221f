"""Builds the quickstart's static site: content/*.txt -> dist/*.html.

Each content file is a title line, a blank line, then paragraphs. The index
links every page; healthz.txt is what the readiness probe fetches.

    python3 app/build_site.py content dist
"""
import html
import os
import sys

TEMPLATE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>
{body}
</body></html>
"""


def read_page(path):
    with open(path, encoding="utf-8") as f:
        title, _, rest = f.read().partition("\n")
    paragraphs = [p.strip() for p in rest.split("\n\n") if p.strip()]
    return title.strip(), paragraphs


def render(title, paragraphs, links=()):
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    if links:
        items = "\n".join(f'<li><a href="{href}">{html.escape(text)}</a></li>' for href, text in links)
        body += f"\n<ul>\n{items}\n</ul>"
    return TEMPLATE.format(title=html.escape(title), body=body)


def build(content_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    pages = []
    for name in sorted(os.listdir(content_dir)):
        if not name.endswith(".txt") or name == "index.txt":
            continue
        title, paragraphs = read_page(os.path.join(content_dir, name))
        target = name[:-len(".txt")] + ".html"
        write(os.path.join(out_dir, target), render(title, paragraphs))
        pages.append((target, title))
    title, paragraphs = read_page(os.path.join(content_dir, "index.txt"))
    write(os.path.join(out_dir, "index.html"), render(title, paragraphs, pages))
    write(os.path.join(out_dir, "healthz.txt"), "ok\n")
    return ["index.html"] + [target for target, _ in pages]


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)  # a server never sees half a page


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: build_site.py CONTENT_DIR OUT_DIR")
    built = build(sys.argv[1], sys.argv[2])
    print(f"built {len(built)} pages into {sys.argv[2]}: {', '.join(built)}")
