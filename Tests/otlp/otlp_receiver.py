#!/usr/bin/env python3
"""A small OTLP/HTTP trace receiver for the tests and the bench.

    otlp_receiver.py [--port N] [--discard] [--grpc-port M]

Listens on 127.0.0.1 (port 0: any free one) and prints "otlp receiver listening on PORT".
With --grpc-port it also serves OTLP/gRPC (TraceService/Export, with grpcio) on that port.
POST /v1/traces takes an ExportTraceServiceRequest (protobuf, decoded with the
opentelemetry-proto package) and keeps its spans; GET /spans answers them as a JSON array, one
object per span: service, trace_id, span_id, parent_span_id (hex, "" for a root), name, kind,
status_code (0 unset, 1 ok, 2 error), status_message, attributes (name → value).
With --discard it answers every export with 200 and keeps nothing (the bench's collector).
"""
import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

SPANS = []
LOCK = threading.Lock()
DISCARD = False
EMPTY_ANSWER = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()


def value(any_value):
    kind = any_value.WhichOneof("value")
    if kind is None:
        return None
    found = getattr(any_value, kind)
    if kind == "array_value":
        return [value(item) for item in found.values]
    if kind == "kvlist_value":
        return {item.key: value(item.value) for item in found.values}
    return found


def spans_of(request):
    for resource_spans in request.resource_spans:
        attributes = {a.key: value(a.value) for a in resource_spans.resource.attributes}
        service = attributes.get("service.name", "")
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield {
                    "service": service,
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex(),
                    "name": span.name,
                    "kind": span.kind,
                    "status_code": span.status.code,
                    "status_message": span.status.message,
                    "start_ns": span.start_time_unix_nano,
                    "end_ns": span.end_time_unix_nano,
                    "attributes": {a.key: value(a.value) for a in span.attributes},
                }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path != "/v1/traces":
            return self.answer(404, b"", "text/plain")
        if not DISCARD:
            request = trace_service_pb2.ExportTraceServiceRequest()
            request.ParseFromString(body)
            with LOCK:
                SPANS.extend(spans_of(request))
        self.answer(200, EMPTY_ANSWER, "application/x-protobuf")

    def do_GET(self):
        if self.path != "/spans":
            return self.answer(404, b"", "text/plain")
        with LOCK:
            body = json.dumps(SPANS).encode()
        self.answer(200, body, "application/json")


def serve_grpc(port):
    """OTLP/gRPC on `port`, into the same spans."""
    from concurrent import futures

    import grpc
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc

    class TraceService(trace_service_pb2_grpc.TraceServiceServicer):
        def Export(self, request, context):
            if not DISCARD:
                with LOCK:
                    SPANS.extend(spans_of(request))
            return trace_service_pb2.ExportTraceServiceResponse()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(TraceService(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    return server


def main():
    global DISCARD
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--discard", action="store_true")
    parser.add_argument("--grpc-port", type=int, default=0)
    args = parser.parse_args()
    DISCARD = args.discard
    grpc_server = serve_grpc(args.grpc_port) if args.grpc_port else None
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"otlp receiver listening on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    if grpc_server:
        grpc_server.stop(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
