"""PyTorch's side of wasmgrad's benchmark: the same workloads, the same
timing rules (medians; a budget per child process), JSON on one line.

    /usr/bin/python3 bench/torch_bench.py '{"workload": "W1", "steps": 10000, ...}'

Run by bench/run.mjs, one process per workload. Threads: 1 unless the task
says "threads": "default" (the build's default, reported as default_threads).
"""
import json
import statistics
import sys
import time

_import_start = time.perf_counter()
import torch  # noqa: E402 (timed: a cold task reports it)
import torch.nn.functional as F  # noqa: E402
IMPORT_MS = (time.perf_counter() - _import_start) * 1e3

DEFAULT_THREADS = torch.get_num_threads()
now_ms = lambda: time.perf_counter() * 1e3


def peak_rss():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def loss_summary(losses):
    pick = lambda i: losses[i] if i < len(losses) else None
    return {"first": pick(0), "at100": pick(100), "at1000": pick(1000), "last": losses[-1], "steps": len(losses)}


def time_loop(once, warmup, runs, budget_ms, warmup_ms=0):
    if warmup:
        w0 = now_ms()
        warmup()
        while now_ms() - w0 < warmup_ms:
            warmup()
    times, spent, result = [], 0.0, None
    while len(times) < runs and (not times or spent + times[-1] <= budget_ms):
        t0 = now_ms()
        result = once()
        dt = now_ms() - t0
        times.append(dt)
        spent += dt
    return {"times": times, "median": statistics.median(times), "result": result}


def time_repeated(run, blocks, target_ms, budget_ms, warmup_calls=3, warmup_ms=0, slow_ms=2000):
    t0 = now_ms()
    run()
    first = now_ms() - t0
    if first > slow_ms:  # one call is long enough to time on its own
        return {"perCall": [first], "median": first, "reps": 1, "single": True}
    i = 1
    while i < warmup_calls or now_ms() - t0 < warmup_ms:
        run()
        i += 1

    def block(reps):
        t0 = now_ms()
        for _ in range(reps):
            run()
        return now_ms() - t0

    reps, spent = 1, 0.0
    while True:
        dt = block(reps)
        spent += dt
        if dt >= target_ms / 4 or reps >= 1 << 24:
            reps = max(1, round(reps * target_ms / max(dt, 1e-3)))
            break
        reps *= 2
    per_call = []
    while len(per_call) < blocks and (not per_call or spent < budget_ms):
        dt = block(reps)
        per_call.append(dt / reps)
        spent += dt
    return {"perCall": per_call, "median": statistics.median(per_call), "reps": reps}


# ---- the series' programs ---------------------------------------------------------------

def inverse_momentum(steps):
    torch.manual_seed(314)
    M = torch.rand(4, 4)
    torch.manual_seed(314)
    X = torch.rand(M.shape, requires_grad=True)
    I = torch.eye(4)
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(X @ M, I)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            X -= 0.9 * X.grad
            X.grad *= 0.9
    return losses


def inverse_notebook(steps):
    """Part 2 with the loss composed as the notebook writes it."""
    torch.manual_seed(314)
    M = torch.rand(4, 4)
    torch.manual_seed(314)
    X = torch.rand(M.shape, requires_grad=True)
    I = torch.eye(4)
    losses = []
    for _ in range(steps):
        loss = ((X @ M - I) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            X -= 0.9 * X.grad
            X.grad *= 0.9
    return losses


def svd_notebook(steps):
    """Part 3 (hand momentum) with the losses composed as the notebook writes them."""
    torch.manual_seed(314)
    M = torch.rand(5, 4)
    torch.manual_seed(314)
    U = torch.rand(5, 4, requires_grad=True)
    d = torch.rand(4, requires_grad=True)
    V = torch.rand(4, 4, requires_grad=True)
    I = torch.eye(4)
    losses = []
    for _ in range(steps):
        S = torch.diag(d * d)
        loss = ((U @ S @ V.T - M) ** 2).mean() + ((U.T @ U - I) ** 2).mean() / 100 + ((V @ V.T - I) ** 2).mean() / 100
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (U, d, V):
                p -= 0.9 * p.grad
                p.grad *= 0.9
    return losses


def svd(steps, optimizer):
    torch.manual_seed(314)
    M = torch.rand(5, 4)
    torch.manual_seed(314)
    U = torch.rand(5, 4, requires_grad=True)
    d = torch.rand(4, requires_grad=True)
    V = torch.rand(4, 4, requires_grad=True)
    I = torch.eye(4)
    opt = torch.optim.Adam([U, d, V], weight_decay=1e-5) if optimizer == "adam" else None
    losses = []
    for _ in range(steps):
        S = torch.diag(d * d)
        loss = F.mse_loss(U @ S @ V.T, M) + F.mse_loss(U.T @ U, I) / 100 + F.mse_loss(V @ V.T, I) / 100
        losses.append(loss.item())
        loss.backward()
        if opt:
            opt.step()
            opt.zero_grad()
        else:
            with torch.no_grad():
                for p in (U, d, V):
                    p -= 0.9 * p.grad
                    p.grad *= 0.9
    return losses


def inverse_adam(n):
    torch.manual_seed(314)
    M = torch.rand(n, n)
    torch.manual_seed(314)
    X = torch.rand(n, n, requires_grad=True)
    I = torch.eye(n)
    opt = torch.optim.Adam([X], lr=1e-3)

    def step():
        loss = F.mse_loss(X @ M, I)
        value = loss.item()
        loss.backward()
        opt.step()
        opt.zero_grad()
        return value

    return step


def bench_data(name):
    """The MLP and CNN steps' inputs and initial parameters, from bench/data.mjs (the same numbers every library uses)."""
    import subprocess
    here = __file__.rsplit("/", 1)[0]
    script = f"import {{ {name} }} from './data.mjs'; const d = {name}(); process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.data ? {{ shape: v.shape, data: Array.from(v.data) }} : Array.from(v)]))));"
    out = json.loads(subprocess.run(["node", "--input-type=module", "-e", script], cwd=here, capture_output=True, check=True, text=True).stdout)
    return {k: (torch.tensor(v["data"], dtype=torch.float32).reshape(v["shape"]) if isinstance(v, dict) else torch.tensor(v)) for k, v in out.items()}


def train_step(name):
    d = bench_data(name)
    if name == "mlpData":
        params = [d[k].requires_grad_() for k in ("W1", "b1", "W2", "b2")]
        W1, b1, W2, b2 = params
        forward = lambda: F.linear(F.relu(F.linear(d["x"], W1, b1)), W2, b2)
    else:
        params = [d[k].requires_grad_() for k in ("K1", "c1", "K2", "c2", "W", "b")]
        K1, c1, K2, c2, W, b = params
        forward = lambda: F.linear(F.max_pool2d(F.relu(F.conv2d(F.relu(F.conv2d(d["x"], K1, c1)), K2, c2)), 2).reshape(32, -1), W, b)
    opt = torch.optim.Adam(params, lr=1e-3)

    def step():
        loss = F.cross_entropy(forward(), d["y"])
        value = loss.item()
        loss.backward()
        opt.step()
        opt.zero_grad()
        return value

    return step


def matmul_case(n, kase):
    g = torch.Generator().manual_seed(1234)
    A = torch.rand(n, n, generator=g)
    B = torch.rand(n, n, generator=g)
    At, Bt = A.T.contiguous(), B.T.contiguous()
    return {
        "AB": lambda: A @ B,
        "AtB": lambda: A.T @ B,  # a strided view: BLAS reads it transposed, no copy
        "ABt": lambda: A @ B.T,
        "AtB_pre": lambda: At @ B,
        "ABt_pre": lambda: A @ Bt,
    }[kase]


def per_op():
    torch.manual_seed(314)
    a = torch.rand(4, 4, requires_grad=True)
    b = torch.rand(4, 4, requires_grad=True)
    return lambda: a * b


def main():
    task = json.loads(sys.argv[1])
    threads = DEFAULT_THREADS if task.get("threads") == "default" else 1
    torch.set_num_threads(threads)
    w = task["workload"]
    out = {
        "version": f"torch {torch.__version__} ({threads} thread{'s' if threads > 1 else ''})",
        "default_threads": DEFAULT_THREADS,
        "variant": {"W2b": "optim.Adam", "W3": "optim.Adam", "W5": "F + optim.Adam", "W6": "F + optim.Adam"}.get(w, "eager"),
    }
    if task.get("cold") and w in ("W4", "W5"):
        # a training step or a product in a fresh process: the setup timed apart, then the
        # cumulative time at each count in task["marks"]
        t0 = now_ms()
        run = matmul_case(task["n"], task["case"]) if w == "W4" else train_step("mlpData")
        setup_ms = now_ms() - t0
        marks, first_steps, t1 = task["marks"], {}, now_ms()
        for i in range(1, marks[-1] + 1):
            run()
            if i in marks:
                first_steps[str(i)] = now_ms() - t1
        out.update(kind="coldSteps", loadMs=IMPORT_MS, setupMs=setup_ms, firstStepsMs=first_steps)
    elif task.get("cold"):
        # a fresh process's first run; the import of torch timed apart
        fn = {
            ("W1", "eager"): inverse_momentum,
            ("W1", "notebook"): inverse_notebook,
            ("W2", "eager"): lambda s: svd(s, "momentum"),
            ("W2", "notebook"): svd_notebook,
        }[(w, task.get("style", "eager"))]
        t0 = now_ms()
        losses = fn(task["steps"])
        out.update(kind="cold", loadMs=IMPORT_MS, firstRunMs=now_ms() - t0, losses=loss_summary(losses))
    elif w in ("W1", "W2", "W2b"):
        fn = {"W1": inverse_momentum, "W2": lambda s: svd(s, "momentum"), "W2b": lambda s: svd(s, "adam")}[w]
        steps = task["steps"]
        r = time_loop(lambda: fn(steps), lambda: fn(max(1, steps // 10)), task["runs"], task["budgetMs"], task.get("warmupMs", 0))
        out.update(kind="loop", times=r["times"], median=r["median"], losses=loss_summary(r["result"]))
    elif w in ("W5", "W6"):
        step = train_step("mlpData" if w == "W5" else "cnnData")
        r = time_repeated(step, task["blocks"], task["targetMs"], task["budgetMs"], warmup_calls=2, warmup_ms=task.get("warmupMs", 0))
        out.update(kind="perStep", lossAfter=step(), **r)
    elif w == "W3":
        step = inverse_adam(task["n"])
        r = time_repeated(step, task["blocks"], task["targetMs"], task["budgetMs"], warmup_calls=2, warmup_ms=task.get("warmupMs", 0))
        out.update(kind="perStep", **r)
    elif w == "W4":
        n, cases, t_start = task["n"], {}, now_ms()
        for kase in task["cases"]:
            if now_ms() - t_start > task["budgetMs"]:
                cases[kase] = {"error": "skipped: the child's time budget was spent"}
                continue
            r = time_repeated(matmul_case(n, kase), task["blocks"], task["targetMs"], task["budgetMs"] / len(task["cases"]), warmup_ms=task.get("warmupMs", 0))
            r["gflops"] = 2 * n ** 3 / (r["median"] * 1e6)
            cases[kase] = r
        out.update(kind="matmul", cases=cases)
    elif w == "perop":
        r = time_repeated(per_op(), task["blocks"], task["targetMs"], task["budgetMs"], warmup_calls=1000, warmup_ms=task.get("warmupMs", 500))
        out.update(kind="perCall", **r)
    else:
        raise SystemExit(f"unknown workload {w}")
    out["peakRss"] = peak_rss()
    print("@@RESULT " + json.dumps(out))


if __name__ == "__main__":
    main()
