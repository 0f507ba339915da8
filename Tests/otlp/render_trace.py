#!/usr/bin/env python3
"""Prints the traces an OTLP receiver (otlp_receiver.py) got, as indented trees with times.

    render_trace.py PORT [TRACE_ID]

Each line: offset from the trace's first span, duration, service, span name, status, and the
span's attributes; children indented under their parent.
"""
import json
import sys
import urllib.request


def main():
    port = sys.argv[1]
    wanted = sys.argv[2] if len(sys.argv) > 2 else None
    spans = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/spans"))
    traces = {}
    for span in spans:
        traces.setdefault(span["trace_id"], []).append(span)
    for trace_id, members in traces.items():
        if wanted and trace_id != wanted:
            continue
        start = min(s["start_ns"] for s in members)
        ids = {s["span_id"] for s in members}
        children = {}
        for s in members:
            parent = s["parent_span_id"] if s["parent_span_id"] in ids else ""
            children.setdefault(parent, []).append(s)
        print(f"trace {trace_id}")
        roots = sorted(children.get("", []), key=lambda s: s["start_ns"])
        for root in roots:
            if root["parent_span_id"]:
                print(f"  (parent {root['parent_span_id']}: the sender's span)")
            show(root, children, start, 1)
        print()


def show(span, children, start, depth):
    status = {0: "", 1: " OK", 2: " ERROR"}[span["status_code"]]
    if span["status_message"]:
        status += f" ({span['status_message']})"
    offset = (span["start_ns"] - start) / 1e6
    duration = (span["end_ns"] - span["start_ns"]) / 1e6
    print(f"{'  ' * depth}+{offset:9.1f} ms {duration:8.1f} ms  {span['service']}: {span['name']}{status}"
          f"  [span {span['span_id']}]")
    for key, value in sorted(span["attributes"].items()):
        print(f"{'  ' * depth}{' ' * 28}{key} = {value}")
    for child in sorted(children.get(span["span_id"], []), key=lambda s: s["start_ns"]):
        show(child, children, start, depth + 1)


if __name__ == "__main__":
    main()
