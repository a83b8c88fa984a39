#!/usr/bin/env python3
"""Opens `edgec report` pages in headless Chromium and fails on any console error.

  .venv/bin/python Scripts/check_report_browser.py --edgec .build/debug/edgec [--out .build/report-check] [model ...]

For each model (default: Examples/tiny_cnn.onnx with its input, so the latency section is
drawn too, and the same model compiled with `--backend arm-cpu --quantize int8 --calibration
Examples/tiny_cnn`, so the quantization-error section is drawn too) it writes <out>/<name>.html
with `edgec report`, then loads it offline
(file://, network disabled) in Chromium with console logging on, and checks:

  * no console message at all (Chromium's log gives errors and uncaught exceptions the same
    level as console.log; the report logs nothing) — the detector is first run on a page with
    a console.error and an uncaught exception, both of which it must catch, so the check
    cannot pass vacuously;
  * the report's inline script ran: in the DOM after load, the graph <svg> has lost its
    width attribute and has a fitted viewBox (the script's work);
  * the page has its sections and one box per collapsed instruction group.

It takes a screenshot of each report (<out>/<name>.png, kept under .build as a test artifact).
Exit status 1 on any failure.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                  "--disable-background-networking", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                  "--enable-logging=stderr", "--v=0", "--window-size=1280,1000", "--virtual-time-budget=3000"]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("error: no chromium on PATH (Scripts/setup.sh installs Debian's chromium)")


def console_errors(stderr: str) -> list:
    """Every console message Chromium logged for the page. Its stderr log gives console.error
    and uncaught exceptions the same INFO level as console.log, so any message counts: the
    report's script writes none."""
    found = []
    for line in stderr.splitlines():
        m = re.search(r":[A-Z]+:CONSOLE[:(]\d+\)?\] (.*)", line)
        if m:
            found.append(m.group(1))
    return found


def load(browser: str, page: str, extra: list) -> subprocess.CompletedProcess:
    url = "file://" + os.path.abspath(page)
    return subprocess.run([browser] + CHROMIUM_FLAGS + extra + [url], capture_output=True, text=True, timeout=120)


def check(browser: str, page: str, shot: str, sections=("sec-graph", "sec-memory", "sec-cost")) -> list:
    problems = []
    dom = load(browser, page, ["--dump-dom"])
    if dom.returncode != 0:
        return [f"chromium exited {dom.returncode}: {dom.stderr[-400:]}"]
    problems += [f"console: {e}" for e in console_errors(dom.stderr)]
    html = dom.stdout
    m = re.search(r"<svg[^>]*id=\"graph\"[^>]*>", html)
    if not m:
        problems.append("no graph svg in the DOM")
    elif " width=" in m.group(0):
        problems.append("the inline script did not run (graph svg still has its width attribute)")
    for section in sections:
        if f'id="{section}"' not in html:
            problems.append(f"section {section} missing")
    if html.count('<g class="node"') == 0:
        problems.append("the graph has no boxes")
    png = load(browser, page, [f"--screenshot={shot}"])
    if png.returncode != 0 or not os.path.exists(shot) or os.path.getsize(shot) < 1000:
        problems.append(f"no screenshot ({png.returncode})")
    problems += [f"console: {e}" for e in console_errors(png.stderr)]
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--edgec", default=os.path.join(ROOT, ".build", "debug", "edgec"))
    ap.add_argument("--out", default=os.path.join(ROOT, ".build", "report-check"))
    ap.add_argument("models", nargs="*", help="model[:input.npy] (default: Examples/tiny_cnn.onnx with its input)")
    args = ap.parse_args()
    browser = chromium()
    os.makedirs(args.out, exist_ok=True)

    # The detector must catch a deliberate error, or the check below proves nothing.
    bad = os.path.join(args.out, "deliberate-error.html")
    with open(bad, "w") as f:
        f.write("<!DOCTYPE html><html><body><p>x</p><script>console.error('deliberate'); undefinedFunction();</script></body></html>\n")
    caught = console_errors(load(browser, bad, ["--dump-dom"]).stderr)
    if len(caught) < 2:
        print(f"FAIL: the console detector missed the deliberate errors (caught {caught})")
        return 1

    models = args.models or [os.path.join(ROOT, "Examples", "tiny_cnn.onnx") + ":" + os.path.join(ROOT, "Examples", "tiny_cnn.input.npy")]
    failed = 0
    if not args.models:
        # A quantized program: its report has the per-layer quantization error (table and chart).
        pte = os.path.join(args.out, "tiny_cnn_int8.pte")
        r = subprocess.run([args.edgec, "compile", os.path.join(ROOT, "Examples", "tiny_cnn.onnx"), "-o", pte, "--backend", "arm-cpu",
                            "--quantize", "int8", "--calibration", os.path.join(ROOT, "Examples", "tiny_cnn")], capture_output=True, text=True)
        page = os.path.join(args.out, "tiny_cnn_int8.html")
        if r.returncode != 0 or subprocess.run([args.edgec, "report", pte, "-o", page], capture_output=True, text=True).returncode != 0:
            print(f"FAIL tiny_cnn_int8: edgec compile/report: {r.stderr.strip()}")
            failed += 1
        else:
            problems = check(browser, page, os.path.join(args.out, "tiny_cnn_int8.png"), ("sec-graph", "sec-memory", "sec-cost", "sec-quantization"))
            if 'id="quantization-sqnr"' not in open(page, encoding="utf-8").read():
                problems.append("no quantization SQNR chart")
            if problems:
                failed += 1
                print("FAIL tiny_cnn_int8: " + "; ".join(problems))
            else:
                print(f"ok   tiny_cnn_int8: {os.path.getsize(page)} bytes, quantization section, no console errors, screenshot {os.path.join(args.out, 'tiny_cnn_int8.png')}")
    for spec in models:
        model, _, given = spec.partition(":")
        name = os.path.splitext(os.path.basename(model))[0]
        page = os.path.join(args.out, name + ".html")
        cmd = [args.edgec, "report", model, "-o", page, "--runs", "3"] + (["--input", given] if given else [])
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"FAIL {name}: edgec report: {r.stderr.strip()}")
            failed += 1
            continue
        problems = check(browser, page, os.path.join(args.out, name + ".png"))
        if problems:
            failed += 1
            print(f"FAIL {name}: " + "; ".join(problems))
        else:
            print(f"ok   {name}: {os.path.getsize(page)} bytes, no console errors, screenshot {os.path.join(args.out, name + '.png')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
