"""Hangar's Python runtime for functions: a Lambda Runtime API client, run by the host's python3
inside the instance's sandbox. Standard library only.

  AWS_LAMBDA_RUNTIME_API  host:port of the Runtime API (a path starting with '/' is a unix
                          socket: Hangar's own, for running it outside a sandbox)
  _HANDLER                'module.function' (Lambda's form: 'dir/module.function' and
                          'package.module.function' both name a module under the task root)
  LAMBDA_TASK_ROOT        where the function's code is

Loads the handler once (module state stays while the instance is warm), then loops
GET /next -> handler(event, context) -> POST /response or /error. Errors are reported as
Lambda's Python runtime reports them: {errorMessage, errorType, requestId, stackTrace}.
"""
import http.client
import importlib
import json
import os
import socket
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


CONN = connection()


def call(method, path, body=None, headers=None):
    global CONN
    for attempt in (1, 2):
        try:
            CONN.request(method, PREFIX + path, body=body, headers=headers or {})
            res = CONN.getresponse()
            return res.status, res.headers, res.read()
        except (http.client.HTTPException, ConnectionError):
            # A kept-alive connection the server closed: one fresh try.
            CONN.close()
            CONN = connection()
            if attempt == 2:
                raise


class NamedError(Exception):
    def __init__(self, name, message):
        super().__init__(message)
        self.name = name


def error_doc(err, request_id=None):
    name = err.name if isinstance(err, NamedError) else type(err).__name__
    doc = {"errorMessage": str(err), "errorType": name}
    if request_id:
        doc["requestId"] = request_id
    doc["stackTrace"] = traceback.format_list(traceback.extract_tb(err.__traceback__)) if not isinstance(err, NamedError) else []
    return doc


def post_error(path, err, request_id=None):
    doc = error_doc(err, request_id)
    call("POST", path, json.dumps(doc).encode(), {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": doc["errorType"]})
    return doc


def load_handler():
    if "." not in HANDLER:
        raise NamedError("Runtime.MalformedHandlerName", "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % HANDLER)
    modname, fname = HANDLER.rsplit(".", 1)
    modname = modname.replace("/", ".")
    if ".." in modname.split(".") or modname.startswith("."):
        raise NamedError("Runtime.MalformedHandlerName", "Bad handler '%s'" % HANDLER)
    sys.path.insert(0, TASK_ROOT)
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
    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self._deadline = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.client_context = parse(headers.get("Lambda-Runtime-Client-Context"))
        self.identity = parse(headers.get("Lambda-Runtime-Cognito-Identity"))

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline - int(time.time() * 1000))


def parse(text):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def main():
    try:
        if OWN_SOCKET and not API.startswith("/"):
            offer_runtime_api(OWN_SOCKET)
        handler = load_handler()
    except Exception as e:
        doc = post_error("/init/error", e)
        sys.stderr.write(json.dumps(doc) + "\n")
        sys.exit(1)
    while True:
        status, headers, body = call("GET", "/invocation/next")
        if status != 200:
            raise RuntimeError("runtime api: GET /next answered %d" % status)
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        if headers.get("Lambda-Runtime-Trace-Id"):
            os.environ["_X_AMZN_TRACE_ID"] = headers.get("Lambda-Runtime-Trace-Id")
        path = "/invocation/%s" % request_id
        try:
            event = json.loads(body) if body else None
        except ValueError as e:
            post_error(path + "/error", NamedError("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % e), request_id)
            continue
        try:
            result = handler(event, Context(headers))
        except Exception as e:
            doc = post_error(path + "/error", e, request_id)
            sys.stdout.write("[ERROR] %s: %s\n" % (doc["errorType"], doc["errorMessage"]))
            continue
        try:
            payload = json.dumps(result).encode()
        except (TypeError, ValueError) as e:
            post_error(path + "/error", NamedError("Runtime.MarshalError", "Unable to marshal response: %s" % e), request_id)
            continue
        call("POST", path + "/response", payload, {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
