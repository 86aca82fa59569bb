"""PyTorch reference throughput for bench/bert.ts: the same BertForSequenceClassification computation (HF
modeling_bert: post-LayerNorm, erf GELU, tanh pooler), 4 layers / hidden 256 / 4 heads / FFN 1024 / vocab
30,522, batch 32, length 64, AdamW + clip 1.0, dropout 0.1. Two threads, passive OpenMP waiting (the default
busy-waiting oversubscribes a 2-core machine):

    OMP_WAIT_POLICY=PASSIVE python3 scripts/bench/bert_torch.py [threads]
"""
import json, math, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)
V, H, L, A, I, B, T = 30522, 256, 4, 4, 1024, 32, 64


class Layer(nn.Module):
    def __init__(s):
        super().__init__()
        s.q, s.k, s.v, s.o = nn.Linear(H, H), nn.Linear(H, H), nn.Linear(H, H), nn.Linear(H, H)
        s.ln1, s.ln2 = nn.LayerNorm(H, eps=1e-12), nn.LayerNorm(H, eps=1e-12)
        s.f1, s.f2 = nn.Linear(H, I), nn.Linear(I, H)
        s.drop = nn.Dropout(0.1)

    def forward(s, h, bias):
        dh = H // A
        sp = lambda t: t.view(B, T, A, dh).transpose(1, 2)
        q, k, v = sp(s.q(h)), sp(s.k(h)), sp(s.v(h))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh) + bias, -1)
        ctx = (s.drop(a) @ v).transpose(1, 2).reshape(B, T, H)
        h = s.ln1(h + s.drop(s.o(ctx)))
        return s.ln2(h + s.drop(s.f2(F.gelu(s.f1(h)))))


class Bert(nn.Module):
    def __init__(s):
        super().__init__()
        s.we, s.pe, s.te = nn.Embedding(V, H), nn.Embedding(512, H), nn.Embedding(2, H)
        s.ln, s.drop = nn.LayerNorm(H, eps=1e-12), nn.Dropout(0.1)
        s.layers = nn.ModuleList([Layer() for _ in range(L)])
        s.pool, s.cls = nn.Linear(H, H), nn.Linear(H, 2)

    def forward(s, ids, mask):
        h = s.drop(s.ln(s.we(ids) + s.pe(torch.arange(T)[None]) + s.te(torch.zeros_like(ids))))
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for l in s.layers:
            h = l(h, bias)
        return s.cls(s.drop(torch.tanh(s.pool(h[:, 0]))))


def timed(f, warm, reps):
    for _ in range(warm):
        f()
    t0 = time.perf_counter()
    for _ in range(reps):
        f()
    return (time.perf_counter() - t0) / reps


m = Bert()
mask = torch.ones(B, T, dtype=torch.long)
opt = torch.optim.AdamW(m.parameters(), lr=1e-4, weight_decay=0.01)


def step():
    ids = torch.randint(1000, V, (B, T)); y = torch.randint(0, 2, (B,))
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(m(ids, mask), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
    opt.step()


m.train()
dt = timed(step, 3, 20)
shape = dict(layers=L, hidden=H, heads=A, intermediate=I, vocab=V, batch=B, seq_len=T)
print(json.dumps(dict(bench='bert-train-step', **shape, ms_per_step=round(dt * 1e3), seq_per_s=round(B / dt, 1), backend=f'pytorch {torch.__version__} {torch.get_num_threads()} threads')))
m.eval()
ids = torch.randint(1000, V, (B, T))
with torch.no_grad():
    dt = timed(lambda: m(ids, mask), 3, 20)
print(json.dumps(dict(bench='bert-infer', **shape, ms_per_batch=round(dt * 1e3), seq_per_s=round(B / dt, 1), backend=f'pytorch {torch.__version__} {torch.get_num_threads()} threads')))
