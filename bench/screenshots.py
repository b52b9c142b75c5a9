"""The README's screenshots, taken from the demo so that they stay current.

    python -m bench.screenshots [--data DIR] [--out docs/screenshots] [--no-build]   (make screenshots)

Builds the demo into a data folder of its own (`kb demo --no-serve`, by default
bench/results/screenshots-data, so that a person's kb-data is never shown),
serves it with `kb serve` on a free port of 127.0.0.1 and has headless Chromium
(Debian's when present) photograph the pages a newcomer should see: the home
page with its map, search results with facets and highlighted snippets, a case
with the cases like it, a workshop, its collection, the cases browse with its
map and a search in another interface language. Each is 1280 pixels wide, made
smaller by pngquant when it is installed. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.load import KB, free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
WIDTH, HEIGHT = 1280, 860


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    locale: str = "en-GB"
    height: int = HEIGHT  # the part of the page kept, from its top


def shots(data: Path) -> list[Shot]:
    """The pages to photograph, their ids read from the demo's database."""
    from kb.models import Case, Event
    from kb.settings import load_settings
    from kb.storage import open_kb

    knowledge_base = open_kb(load_settings(data))
    try:
        with knowledge_base.session() as session:
            first = session.query(Event).filter(Event.title.startswith("Workshop series")).one()
            case = session.query(Case).filter(Case.title.startswith("Amsterdam: algorithm register")).one()
            workshop, collection, case_id = first.id, first.collection_id, case.id
    finally:
        knowledge_base.close()
    return [
        Shot("home", "/", height=1700),
        Shot("search", "/?q=air+quality+sensors&type=case", height=1000),
        Shot("case", f"/cases/{case_id}", height=1250),
        Shot("workshop", f"/events/{workshop}", height=1000),
        Shot("collection", f"/collections/{collection}", height=1000),
        Shot("cases-map", "/cases/?country=BE", height=1000),
        Shot("search-nl", "/?q=burgerbegroting", locale="nl-BE", height=1000),
    ]


def build_demo(data: Path) -> None:
    """`kb demo --no-serve` into ``data``: reruns update the same records (dates follow the build day)."""
    subprocess.run([*KB, "--data", str(data), "demo", "--no-serve", "--site-port", "0"], check=True)


def photograph(base: str, out: Path, pictures: list[Shot]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    taken = []
    with sync_playwright() as playwright:
        options = {"executable_path": str(CHROMIUM)} if CHROMIUM.exists() else {}
        browser = playwright.chromium.launch(args=["--headless", "--no-sandbox", "--disable-gpu"], **options)
        try:
            for shot in pictures:
                context = browser.new_context(
                    base_url=base,
                    locale=shot.locale,
                    reduced_motion="reduce",
                    viewport={"width": WIDTH, "height": HEIGHT},
                )
                page = context.new_page()
                page.goto(shot.path, wait_until="networkidle")
                full = page.evaluate("document.documentElement.scrollHeight")
                clip = {"x": 0, "y": 0, "width": WIDTH, "height": min(shot.height, full)}
                target = out / f"{shot.name}.png"
                page.screenshot(path=str(target), clip=clip, full_page=True)
                print(
                    f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: "
                    f"{shot.path} ({target.stat().st_size // 1024} KB)"
                )
                context.close()
                taken.append(target)
        finally:
            browser.close()
    return taken


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "results" / "screenshots-data")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--no-build", action="store_true", help="Use the data folder as it is.")
    args = parser.parse_args(argv)
    if not args.no_build:
        build_demo(args.data)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*KB, "--data", str(args.data), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until_up(base)
        taken = photograph(base, args.out, shots(args.data))
    finally:
        server.terminate()
        server.wait(timeout=30)
    shrink(taken)


def shrink(pictures: list[Path]) -> None:
    """Palette PNGs through pngquant when it is installed (a third of Chromium's size, no visible change)."""
    pngquant = shutil.which("pngquant")
    if pngquant is None:
        print(
            "pngquant not found (apt-get install pngquant): the pictures stay as Chromium wrote them", file=sys.stderr
        )
        return
    for picture in pictures:
        before = picture.stat().st_size
        # exit 98/99: the result would be larger or worse than asked, and the picture is left as it is
        subprocess.run(
            [
                pngquant,
                "--force",
                "--skip-if-larger",
                "--strip",
                "--quality",
                "70-95",
                "--output",
                str(picture),
                str(picture),
            ],
            check=False,
        )
        print(f"{picture.name}: {before // 1024} KB -> {picture.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
