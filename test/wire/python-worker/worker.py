"""A metatrain worker in Python, written from proto/metatrain/v1/coordinator.proto and docs/wire.md only.

It checks that the wire page is enough to write a third-party worker: it joins a run, fetches parameter
versions, rebuilds sinusoid tasks from their specs (deriveSeed, Rng, the draw order of docs/wire.md) and
computes FOMAML and second-order MAML meta-gradients (TRAIN) and adaptation curves (EVAL) for the sinusoid MLP
with NumPy (hand-written backprop and Hessian-vector products, float64). Anything else (other families, algorithms, JOINT tasks) it refuses:
at the welcome (exit 2), or per task with a TaskFailure. It leaves when the coordinator says the run is over (`finished`).

Usage: METATRAIN_TOKEN=... python3 worker.py --coordinator HOST:PORT [--name NAME] [--proto FILE]
Prints one JSON line per finished task on stdout ({"kind": "TRAIN", "ok": true}), and {"finished": PHASE} when it leaves.
Needs: grpcio, grpcio-tools (protoc for Python, run at start-up) and numpy.
"""
import argparse
import importlib
import json
import math
import os
import queue
import re
import sys
import tempfile
import time

import grpc
import numpy as np
from grpc_tools import protoc

MASK = 0xFFFFFFFF
MAX_MESSAGE_BYTES = 2 * 1024 * 1024
CHUNK_BYTES = 1 << 20


def load_stubs(proto_file):
    """Compiles the proto with grpc_tools.protoc into a temporary directory and imports it.

    Debian 12's grpc-tools 1.14 bundles a protoc older than 3.12, which refuses proto3 `optional`
    (TaskMetrics.chosen_steps); the label only adds presence tracking and leaves the wire encoding as is, so with
    such a protoc the copy compiled here drops it.
    """
    out = tempfile.mkdtemp(prefix="metatrain-proto-")
    rel = os.path.join("metatrain", "v1", "coordinator.proto")
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    with open(proto_file, encoding="utf-8") as f:
        text = f.read()
    for attempt in (text, re.sub(r"^(\s*)optional\s+", r"\1", text, flags=re.M)):
        os.makedirs(os.path.join(out, "src", "metatrain", "v1"), exist_ok=True)
        with open(os.path.join(out, "src", rel), "w", encoding="utf-8") as f:
            f.write(attempt)
        args = ["protoc", f"-I{os.path.join(out, 'src')}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}", rel]
        if protoc.main(args) == 0:
            break
    else:
        raise SystemExit(f"protoc failed on {proto_file}")
    sys.path.insert(0, out)
    module = rel[: -len(".proto")].replace(os.sep, ".")
    return importlib.import_module(module + "_pb2"), importlib.import_module(module + "_pb2_grpc")


# --- Randomness (docs/wire.md "Randomness") -------------------------------------------------------------

def derive_seed(*keys):
    """FNV-1a over the UTF-16 code units of the keys joined with U+241F, then the murmur3 finalizer."""
    text = "\u241f".join(str(k) for k in keys)
    h = 0x811C9DC5
    units = text.encode("utf-16-le")
    for i in range(0, len(units), 2):
        h ^= units[i] | (units[i + 1] << 8)
        h = (h * 0x01000193) & MASK
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK
    h ^= h >> 16
    return h


class Rng:
    """xoroshiro128+ in pure-rand's 32-bit-half layout, seeded with derive_seed(seed | 0); 8 outputs discarded."""

    def __init__(self, seed):
        signed = ((seed & MASK) ^ 0x80000000) - 0x80000000  # JavaScript's seed | 0: 4087293960 hashes as -207673336
        d = derive_seed(signed)
        self.s01, self.s00, self.s11, self.s10 = MASK, (~d) & MASK, d, 0
        for _ in range(8):
            self._out()

    def _out(self):
        s00, s01, s10, s11 = self.s00, self.s01, self.s10, self.s11
        out = (s00 + s10) & MASK
        a0 = s10 ^ s00
        a1 = s11 ^ s01
        self.s00 = ((s00 << 24) ^ (s01 >> 8) ^ a0 ^ (a0 << 16)) & MASK
        self.s01 = ((s01 << 24) ^ (s00 >> 8) ^ a1 ^ ((a1 << 16) | (a0 >> 16))) & MASK
        self.s10 = ((a1 << 5) ^ (a0 >> 27)) & MASK
        self.s11 = ((a0 << 5) ^ (a1 >> 27)) & MASK
        return out

    def next(self):
        hi = self._out() >> 5
        lo = self._out() >> 6
        return (hi * 2**26 + lo) / 2**53

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.next()

    def int(self, n):
        return math.floor(self.next() * n)


def sinusoid_task(seed, shots, query_shots):
    """(support x, support y, query x, query y), float32 arrays [n, 1], as the sinusoid family builds them."""
    rng = Rng(seed)
    amplitude = rng.uniform(0.1, 5)
    phase = rng.uniform(0, math.pi)

    def points(n):
        x = np.empty((n, 1), np.float32)
        y = np.empty((n, 1), np.float32)
        for i in range(n):
            x[i, 0] = np.float32(rng.uniform(-5, 5))
            y[i, 0] = np.float32(amplitude * math.sin(float(x[i, 0]) - phase))
        return x, y

    sx, sy = points(shots)
    qx, qy = points(query_shots)
    return sx, sy, qx, qy


# --- The sinusoid MLP: layer{i}.w [in, out], layer{i}.b [out], head.w, head.b; y = x·W + b, ReLU ---------

def mse_and_grad(params, depth, x, y):
    """Mean squared error of the MLP on (x, y) and its gradient with respect to every parameter (float64)."""
    acts, pre = [x.astype(np.float64)], []
    for i in range(depth):
        z = acts[-1] @ params[f"layer{i}.w"] + params[f"layer{i}.b"]
        pre.append(z)
        acts.append(np.maximum(z, 0))
    out = acts[-1] @ params["head.w"] + params["head.b"]
    diff = out - y.astype(np.float64)
    loss = float(np.mean(diff**2))
    d = 2 * diff / diff.size
    grad = {"head.w": acts[-1].T @ d, "head.b": d.sum(axis=0)}
    d = d @ params["head.w"].T
    for i in reversed(range(depth)):
        d = d * (pre[i] > 0)
        grad[f"layer{i}.w"] = acts[i].T @ d
        grad[f"layer{i}.b"] = d.sum(axis=0)
        d = d @ params[f"layer{i}.w"].T
    return loss, grad


def hessian_vector(params, depth, x, y, v):
    """H·v, H the Hessian of the mean squared error at params, exactly (Pearlmutter 1994's R-operator on the
    forward and backward passes above; ReLU's second derivative is zero)."""
    acts, pre = [x.astype(np.float64)], []
    r_acts = [np.zeros_like(acts[0])]
    for i in range(depth):
        w, b = params[f"layer{i}.w"], params[f"layer{i}.b"]
        z = acts[-1] @ w + b
        rz = r_acts[-1] @ w + acts[-1] @ v[f"layer{i}.w"] + v[f"layer{i}.b"]
        pre.append(z)
        acts.append(np.maximum(z, 0))
        r_acts.append(rz * (z > 0))
    out = acts[-1] @ params["head.w"] + params["head.b"]
    r_out = r_acts[-1] @ params["head.w"] + acts[-1] @ v["head.w"] + v["head.b"]
    d = 2 * (out - y.astype(np.float64)) / out.size
    rd = 2 * r_out / out.size
    hv = {"head.w": r_acts[-1].T @ d + acts[-1].T @ rd, "head.b": rd.sum(axis=0)}
    rda = rd @ params["head.w"].T + d @ v["head.w"].T
    da = d @ params["head.w"].T
    for i in reversed(range(depth)):
        mask = pre[i] > 0
        dz, rdz = da * mask, rda * mask
        hv[f"layer{i}.w"] = r_acts[i].T @ dz + acts[i].T @ rdz
        hv[f"layer{i}.b"] = rdz.sum(axis=0)
        da = dz @ params[f"layer{i}.w"].T
        rda = rdz @ params[f"layer{i}.w"].T + dz @ v[f"layer{i}.w"].T
    return hv


def meta_gradient(params, depth, algorithm, sx, sy, qx, qy):
    """(query loss after adaptation, meta-gradient) of one task: K SGD steps on the support set, then
    ∇L_query(φ_K) (fomaml), or that gradient carried back through the steps, g ← g − α·H_support(φ_k)·g for
    k = K−1..0 (maml, Finn et al. 2017, eq. 1 differentiated)."""
    lr = algorithm["innerLr"]
    phis = [params]
    for _ in range(algorithm["innerSteps"]):
        phis.append(sgd(phis[-1], mse_and_grad(phis[-1], depth, sx, sy)[1], lr))
    loss, grad = mse_and_grad(phis[-1], depth, qx, qy)
    if algorithm["name"] == "maml":
        for phi in reversed(phis[:-1]):
            hg = hessian_vector(phi, depth, sx, sy, grad)
            grad = {n: g - lr * hg[n] for n, g in grad.items()}
    return loss, grad


def sgd(params, grad, lr):
    return {n: p - lr * grad[n] for n, p in params.items()}


# --- The worker ----------------------------------------------------------------------------------------

class Worker:
    def __init__(self, pb, stubs, address, token, name):
        self.pb = pb
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.channel = grpc.insecure_channel(address, options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.keepalive_time_ms", 5000),
            ("grpc.keepalive_permit_without_calls", 1),
        ])
        self.stub = stubs.CoordinatorStub(self.channel)
        self.name = name
        self.cache = {}
        self.outbox = queue.Queue()

    def requests(self):
        while True:
            msg = self.outbox.get()
            if msg is None:
                return
            yield msg

    def run(self):
        pb = self.pb
        self.outbox.put(pb.WorkerMessage(hello=pb.Hello(worker_name=self.name, concurrency=1, backend="numpy")))
        try:
            responses = self.stub.Join(self.requests(), metadata=self.metadata)
            for msg in responses:
                body = msg.WhichOneof("body")
                if body == "welcome":
                    self.welcome(msg.welcome)
                elif body == "assignment":
                    self.assignment(msg.assignment)
                elif body == "finished":
                    # The run is over (docs/wire.md "Finished"): leave, closing the stream.
                    print(json.dumps({"finished": msg.finished.phase}), flush=True)
                    responses.cancel()
                    return
                # cancel: tasks run one at a time and are answered before the next message is read.
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.UNAUTHENTICATED:
                raise SystemExit(f"refused: {err.details()}")
            print(json.dumps({"left": err.code().name, "details": err.details()}), flush=True)
        finally:
            self.outbox.put(None)

    def welcome(self, w):
        c = json.loads(w.config_json)
        self.config = c
        problems = []
        if c["task"]["family"] != "sinusoid" or c["model"]["kind"] != "sinusoid-mlp":
            problems.append("only the sinusoid family with the sinusoid-mlp model")
        if c["algorithm"]["name"] not in ("fomaml", "maml") or c["algorithm"]["adapt"] != "all" or c["algorithm"]["headInit"] != "learned":
            problems.append("only fomaml and maml with adapt: all and headInit: learned")
        if problems:
            print(f"this worker supports {' and '.join(problems)}", file=sys.stderr, flush=True)
            os._exit(2)
        self.depth = len(c["model"]["hidden"])
        print(json.dumps({"joined": w.run_name, "worker_id": w.worker_id}), flush=True)

    def parameters(self, version):
        if version not in self.cache:
            tensors = {}
            for chunk in self.stub.GetParameters(self.pb.GetParametersRequest(version=version), metadata=self.metadata, timeout=30):
                if chunk.dtype != "float32":
                    raise ValueError(f"tensor {chunk.name} has dtype {chunk.dtype}")
                t = tensors.setdefault(chunk.name, (tuple(chunk.shape), np.zeros(chunk.total_elements, np.float32)))
                values = np.frombuffer(chunk.data, dtype="<f4")
                t[1][chunk.offset : chunk.offset + values.size] = values
            self.cache[version] = {n: v.reshape(shape).astype(np.float64) for n, (shape, v) in tensors.items()}
        return self.cache[version]

    def assignment(self, a):
        pb = self.pb
        kind = pb.TaskKind.Name(a.kind)
        try:
            if kind not in ("TASK_KIND_TRAIN", "TASK_KIND_EVAL"):
                raise ValueError(f"{kind} is not supported by the Python worker")
            theta = self.parameters(a.param_version)
            task = self.config["task"]
            sx, sy, qx, qy = sinusoid_task(a.task.seed, task["shots"], task["queryShots"])
            lr = self.config["algorithm"]["innerLr"]
            started = time.monotonic()
            if kind == "TASK_KIND_TRAIN":
                loss, grad = meta_gradient(theta, self.depth, self.config["algorithm"], sx, sy, qx, qy)
                for name in sorted(grad, key=utf16):
                    self.send_tensor(a.assignment_id, name, grad[name])
                metrics = pb.TaskMetrics(query_loss=loss, query_metric=loss)
            else:
                phi = dict(theta)
                if a.reset_head:
                    phi["head.w"] = np.zeros_like(phi["head.w"])
                    phi["head.b"] = np.zeros_like(phi["head.b"])
                curve = []
                for s in range(a.eval_steps + 1):
                    curve.append(mse_and_grad(phi, self.depth, qx, qy)[0])
                    if s < a.eval_steps:
                        phi = sgd(phi, mse_and_grad(phi, self.depth, sx, sy)[1], lr)
                metrics = pb.TaskMetrics(eval_loss=curve, eval_metric=curve, query_loss=curve[-1], query_metric=curve[-1])
            metrics.duration_seconds = time.monotonic() - started
            self.outbox.put(pb.WorkerMessage(result=pb.ResultPart(assignment_id=a.assignment_id, final=True, metrics=metrics)))
            print(json.dumps({"kind": kind[len("TASK_KIND_"):], "ok": True}), flush=True)
        except Exception as err:  # noqa: BLE001 - any failure of one task is reported to the coordinator
            self.outbox.put(pb.WorkerMessage(failure=pb.TaskFailure(assignment_id=a.assignment_id, message=f"python worker: {err}")))
            print(json.dumps({"kind": kind[len("TASK_KIND_"):], "ok": False, "error": str(err)}), flush=True)

    def send_tensor(self, assignment_id, name, value):
        data = np.ascontiguousarray(value, dtype="<f4").ravel()
        per_chunk = CHUNK_BYTES // 4
        for offset in range(0, max(1, data.size), per_chunk):
            chunk = self.pb.TensorChunk(name=name, shape=list(value.shape), dtype="float32", offset=offset,
                                        total_elements=data.size, data=data[offset : offset + per_chunk].tobytes())
            self.outbox.put(self.pb.WorkerMessage(result=self.pb.ResultPart(assignment_id=assignment_id, gradient=[chunk], final=False)))


def utf16(name):
    """JavaScript string order: by UTF-16 code units."""
    return name.encode("utf-16-be")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coordinator", required=True)
    parser.add_argument("--name", default=f"python-{os.getpid()}")
    parser.add_argument("--proto", default=os.path.join(here, "..", "..", "..", "proto", "metatrain", "v1", "coordinator.proto"))
    args = parser.parse_args()
    pb, stubs = load_stubs(args.proto)
    Worker(pb, stubs, args.coordinator, os.environ["METATRAIN_TOKEN"], args.name).run()


if __name__ == "__main__":
    main()
