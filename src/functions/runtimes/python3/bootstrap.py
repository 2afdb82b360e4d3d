"""Hangar's Python runtime for functions: a Lambda Runtime API client, run by the host's python3
inside the instance's sandbox. Standard library only.

  AWS_LAMBDA_RUNTIME_API  host:port of the Runtime API (a path starting with '/' is a unix
                          socket: Hangar's own, for running it outside a sandbox)
  _HANDLER                'module.function' (Lambda's form: 'dir/module.function' and
                          'package.module.function' both name a module under the task root)
  LAMBDA_TASK_ROOT        where the function's code is

Loads the handler once (module state stays while the instance is warm), then loops
GET /next -> handler(event, context) -> POST /response or /error. Started by Hangar
(HANGAR_RUNTIME_API_SOCKET), it does the same over Hangar's frames exchange on that socket
instead (src/functions/runtime-frames.ts: one frame each way per invocation, where HTTP takes two
requests). Errors are reported as Lambda's Python runtime reports them: {errorMessage,
errorType, requestId, stackTrace}.
"""
import datetime
import http.client
import importlib
import json
import logging
import os
import socket
import struct
import sys
import threading
import time
import traceback

API = os.environ.get("AWS_LAMBDA_RUNTIME_API", "")
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
HANDLER = os.environ.get("_HANDLER", "")
PREFIX = "/2018-06-01/runtime"
# In Hangar's sandbox the Runtime API's unix socket is bound in; this process talks to it
# directly and offers it on AWS_LAMBDA_RUNTIME_API itself (for extensions and code that read
# the variable), so no forwarder process runs beside it.
OWN_SOCKET = os.environ.pop("HANGAR_RUNTIME_API_SOCKET", None)


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def offer_runtime_api(socket_path):
    host, _, port = API.rpartition(":")
    server = socket.create_server((host, int(port)))

    def accept():
        while True:
            client, _ = server.accept()
            up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                up.connect(socket_path)
            except OSError:
                client.close()
                continue
            threading.Thread(target=pump, args=(client, up), daemon=True).start()
            threading.Thread(target=pump, args=(up, client), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def connection():
    if OWN_SOCKET:
        return UnixConnection(OWN_SOCKET)
    if API.startswith("/"):
        return UnixConnection(API)
    host, _, port = API.rpartition(":")
    return http.client.HTTPConnection(host, int(port))


class Invocation:
    """One invocation as the Runtime API gives it: the event and Lambda's Lambda-Runtime-* fields."""

    def __init__(self, request_id, deadline_ms, function_arn, trace_id, client_context, cognito_identity, body):
        self.request_id = request_id
        self.deadline_ms = deadline_ms
        self.function_arn = function_arn
        self.trace_id = trace_id
        self.client_context = client_context
        self.cognito_identity = cognito_identity
        self.body = body


def refused(request_id, error_type, message):
    """A refused answer (an unknown request id, a second answer, one over the size limit): a log line."""
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    sys.stderr.write("[ERROR]\t%s\t%s\t%s: %s\n" % (now, request_id, error_type, message))


class HttpExchange:
    """The Runtime API over HTTP, as AWS documents it."""

    def __init__(self):
        self.conn = connection()

    def call(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            try:
                self.conn.request(method, PREFIX + path, body=body, headers=headers or {})
                res = self.conn.getresponse()
                return res.status, res.headers, res.read()
            except (http.client.HTTPException, ConnectionError):
                # A kept-alive connection the server closed: one fresh try.
                self.conn.close()
                self.conn = connection()
                if attempt == 2:
                    raise

    def next(self):
        status, headers, body = self.call("GET", "/invocation/next")
        if status != 200:
            raise RuntimeError("runtime api: GET /next answered %d" % status)
        return Invocation(
            headers.get("Lambda-Runtime-Aws-Request-Id"),
            int(headers.get("Lambda-Runtime-Deadline-Ms") or 0),
            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
            headers.get("Lambda-Runtime-Trace-Id"),
            headers.get("Lambda-Runtime-Client-Context"),
            headers.get("Lambda-Runtime-Cognito-Identity"),
            body,
        )

    def respond(self, request_id, payload):
        self.answer(request_id, "/invocation/%s/response" % request_id, payload, {"Content-Type": "application/json"})

    def fail(self, request_id, doc):
        """Reports `doc` as the invocation's error, or as the init error (request_id None)."""
        path = "/init/error" if request_id is None else "/invocation/%s/error" % request_id
        headers = {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": doc["errorType"]}
        self.answer(request_id, path, json.dumps(doc).encode(), headers)

    def answer(self, request_id, path, body, headers):
        status, _, text = self.call("POST", path, body, headers)
        if status >= 400:
            try:
                doc = json.loads(text)
                refused(request_id, doc["errorType"], doc["errorMessage"])
            except (ValueError, KeyError, TypeError):
                refused(request_id, "HTTP %d" % status, text.decode("utf-8", "replace"))


FRAME_HEADER = struct.Struct(">cII")


class FramesExchange:
    """Hangar's frames exchange on its own socket (src/functions/runtime-frames.ts has the format):
    a frame is its type, head and body lengths (4 bytes each, big-endian), a JSON head and the
    body. The answer to an invocation also asks for the next one."""

    def __init__(self, socket_path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(socket_path)
        self.sock.sendall(
            b"GET /2018-06-01/runtime/hangar-frames HTTP/1.1\r\nHost: localhost\r\n"
            b"Connection: Upgrade\r\nUpgrade: hangar-runtime-frames/1\r\n\r\n"
        )
        self.buf = bytearray()
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        end = self.buf.index(b"\r\n\r\n")
        status_line = bytes(self.buf[: self.buf.index(b"\r\n")]).decode("latin-1")
        # What follows the response's headers is already the first frames.
        del self.buf[: end + 4]
        parts = status_line.split(" ")
        if len(parts) < 2 or parts[1] != "101":
            self.sock.close()
            raise RuntimeError("the frames exchange was refused (%s)" % status_line)
        self.asked = False
        # The last request answered, for a refusal that comes back after its answer.
        self.last_answered = None

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("runtime api: the frames connection closed")
        self.buf += chunk

    def take(self, n):
        while len(self.buf) < n:
            self.fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def send(self, kind, head, body=b""):
        h = json.dumps(head, separators=(",", ":")).encode()
        self.sock.sendall(FRAME_HEADER.pack(kind, len(h), len(body)) + h + body)

    def next(self):
        if not self.asked:
            self.asked = True
            self.send(b"N", {})
        while True:
            kind, head_len, body_len = FRAME_HEADER.unpack(self.take(FRAME_HEADER.size))
            head = json.loads(self.take(head_len))
            body = self.take(body_len)
            if kind == b"V":
                return Invocation(
                    head["requestId"],
                    int(head["deadlineMs"]),
                    head["invokedFunctionArn"],
                    head.get("traceId"),
                    head.get("clientContext"),
                    head.get("cognitoIdentity"),
                    body,
                )
            if kind == b"X":
                refused(self.last_answered, head.get("errorType"), head.get("errorMessage"))

    def respond(self, request_id, payload):
        self.last_answered = request_id
        self.send(b"R", {"requestId": request_id}, payload)

    def fail(self, request_id, doc):
        body = json.dumps(doc).encode()
        if request_id is None:
            self.send(b"I", {"errorType": doc["errorType"]}, body)
            return
        self.last_answered = request_id
        self.send(b"E", {"requestId": request_id, "errorType": doc["errorType"]}, body)


# How this runtime talks to Hangar (or to any Runtime API): set in main().
EXCHANGE = HttpExchange()


class NamedError(Exception):
    def __init__(self, name, message):
        super().__init__(message)
        self.name = name


def error_doc(err, request_id=None):
    name = err.name if isinstance(err, NamedError) else type(err).__name__
    doc = {"errorMessage": str(err), "errorType": name}
    if request_id:
        doc["requestId"] = request_id
    doc["stackTrace"] = traceback.format_list(own_frames(err)) if not isinstance(err, NamedError) else []
    return doc


def own_frames(err):
    """The traceback from the function's code on: the runtime's own frames that called it are
    left out, as Lambda's Python runtime (awslambdaric) leaves out its bootstrap's."""
    frames = traceback.extract_tb(err.__traceback__)
    for i, frame in enumerate(frames):
        if frame.filename != __file__:
            return frames[i:]
    return frames


def post_error(request_id, err):
    """Reports `err` as the invocation's error, or as the init error (request_id None)."""
    doc = error_doc(err, request_id)
    EXCHANGE.fail(request_id, doc)
    return doc


def load_handler():
    if "." not in HANDLER:
        raise NamedError("Runtime.MalformedHandlerName", "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % HANDLER)
    modname, fname = HANDLER.rsplit(".", 1)
    modname = modname.replace("/", ".")
    if ".." in modname.split(".") or modname.startswith("."):
        raise NamedError("Runtime.MalformedHandlerName", "Bad handler '%s'" % HANDLER)
    # As Lambda's Python runtimes: the code first, then the layers' site-packages and python/.
    sys.path[0:0] = [TASK_ROOT, "/opt/python/lib/python%d.%d/site-packages" % sys.version_info[:2], "/opt/python"]
    try:
        module = importlib.import_module(modname)
    except SyntaxError as e:
        raise NamedError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (modname, e))
    except ImportError as e:
        raise NamedError("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (modname, e))
    fn = getattr(module, fname, None)
    if fn is None:
        raise NamedError("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (fname, modname))
    if not callable(fn):
        raise NamedError("Runtime.HandlerNotFound", "Handler '%s' on module '%s' is not callable" % (fname, modname))
    return fn


class Context:
    def __init__(self, inv):
        self.aws_request_id = inv.request_id
        self.invoked_function_arn = inv.function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self._deadline = inv.deadline_ms
        self.client_context = parse(inv.client_context)
        self.identity = parse(inv.cognito_identity)

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline - int(time.time() * 1000))


def parse(text):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


# The request being handled, for JSON log records.
CURRENT_REQUEST_ID = None

# Lambda's levels as Python's logging has them (TRACE is below DEBUG: Python has none).
PYTHON_LEVELS = {"TRACE": logging.DEBUG, "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
                 "ERROR": logging.ERROR, "FATAL": logging.CRITICAL}
# A record's own attributes: the rest are the caller's `extra` fields, kept in the JSON record.
RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "aws_request_id"}


class JsonFormatter(logging.Formatter):
    """A log record as Lambda's Python runtime writes it in JSON mode: one object a line with
    its time, level, message, logger, request, where it was logged, and an exception's type,
    message and stack."""

    def format(self, record):
        message = record.msg if isinstance(record.msg, dict) and not record.args else record.getMessage()
        doc = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname,
            "message": message,
            "logger": record.name,
            "requestId": CURRENT_REQUEST_ID,
            "location": "%s:%s:%d" % (record.pathname, record.funcName, record.lineno),
        }
        if record.exc_info and record.exc_info[1] is not None:
            err = record.exc_info[1]
            doc["errorType"] = type(err).__name__
            doc["errorMessage"] = str(err)
            doc["stackTrace"] = traceback.format_tb(err.__traceback__)
        for key, value in vars(record).items():
            if key not in RECORD_ATTRIBUTES and key not in doc:
                doc[key] = value
        return json.dumps({k: v for k, v in doc.items() if v is not None}, default=str, ensure_ascii=False)


def json_logging():
    """With AWS_LAMBDA_LOG_FORMAT=JSON, the root logger writes JSON records to stdout at
    AWS_LAMBDA_LOG_LEVEL and above, as Lambda's Python runtime sets it up (print stays text)."""
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT") != "JSON":
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(PYTHON_LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO"), logging.INFO))


def main():
    global EXCHANGE, CURRENT_REQUEST_ID
    json_logging()
    try:
        if OWN_SOCKET and not API.startswith("/"):
            offer_runtime_api(OWN_SOCKET)
        if OWN_SOCKET:
            EXCHANGE = FramesExchange(OWN_SOCKET)
        handler = load_handler()
    except Exception as e:
        doc = post_error(None, e)
        sys.stderr.write(json.dumps(doc) + "\n")
        sys.exit(1)
    while True:
        inv = EXCHANGE.next()
        request_id = inv.request_id
        CURRENT_REQUEST_ID = request_id
        if inv.trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = inv.trace_id
        try:
            event = json.loads(inv.body) if inv.body else None
        except ValueError as e:
            post_error(request_id, NamedError("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % e))
            continue
        try:
            result = handler(event, Context(inv))
        except Exception as e:
            doc = post_error(request_id, e)
            sys.stdout.write("[ERROR] %s: %s\n" % (doc["errorType"], doc["errorMessage"]))
            continue
        try:
            # Bytes go as they are, as on Lambda (a handler may return JSON it encoded itself).
            payload = bytes(result) if isinstance(result, (bytes, bytearray)) else json.dumps(result).encode()
        except (TypeError, ValueError) as e:
            post_error(request_id, NamedError("Runtime.MarshalError", "Unable to marshal response: %s" % e))
            continue
        EXCHANGE.respond(request_id, payload)


if __name__ == "__main__":
    main()
