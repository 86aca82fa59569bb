"""PyTorch reference for `npm run bench` (same shapes, same machine, same run). Optional: used only when
python3 can import torch (Debian: apt-get install python3-torch libopenblas0-pthread). Never a dependency.
Prints one JSON object. Shapes follow bench/cnn.ts and bench/bert.ts."""
import sys, time, json, math, os
import torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(int(os.environ.get('NT', '2')))
torch.manual_seed(0)
res = {'torch': torch.__version__, 'threads': torch.get_num_threads()}

def blas_kernel():
    # which BLAS and which kernel set it runs (OPENBLAS_CORETYPE pins the latter): threadpoolctl when present
    # (Debian python3-threadpoolctl), else the BLAS line of torch's build configuration
    try:
        from threadpoolctl import threadpool_info
        libs = [i for i in threadpool_info() if i.get('user_api') == 'blas']
        if libs:
            return '; '.join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture') or ''} {i.get('threading_layer') or ''} {i.get('num_threads')} threads".replace('  ', ' ').strip() for i in libs)
    except Exception:
        pass
    cfg = torch.__config__.show()
    line = next((l.strip() for l in cfg.splitlines() if 'BLAS_INFO' in l), None)
    return line or 'unknown'

what = sys.argv[1:] or ['cnn', 'bert']

def bench(f, warm, reps):
    for _ in range(warm): f()
    t0 = time.perf_counter()
    for _ in range(reps): f()
    return (time.perf_counter() - t0) / reps

class KimCNN(nn.Module):
    def __init__(s, V=20000, D=300, F_=100, widths=(3, 4, 5), C=2):
        super().__init__()
        s.emb = nn.Embedding(V, D)
        s.convs = nn.ModuleList([nn.Conv1d(D, F_, k) for k in widths])
        s.drop = nn.Dropout(0.5); s.fc = nn.Linear(F_ * len(widths), C)
    def forward(s, x):
        e = s.emb(x).transpose(1, 2)
        h = torch.cat([F.relu(c(e)).max(dim=2).values for c in s.convs], 1)
        return s.fc(s.drop(h))

if 'cnn' in what:
    B, L, V = 50, 50, 20000
    m = KimCNN(); opt = torch.optim.Adam(m.parameters(), lr=5e-4, weight_decay=0.01); m.train()
    def step():
        x = torch.randint(0, V, (B, L)); y = torch.randint(0, 2, (B,))
        opt.zero_grad(set_to_none=True); loss = F.cross_entropy(m(x), y); loss.backward(); opt.step()
    dt = bench(step, 5, 40); res['cnn_train_samples_per_s'] = B / dt
    m.eval()
    with torch.no_grad():
        x = torch.randint(0, V, (B, L))
        dt = bench(lambda: m(x), 3, 40); res['cnn_infer_samples_per_s'] = B / dt

if 'bert' in what:
    class Layer(nn.Module):
        def __init__(s, H=256, nh=4, inter=1024):
            super().__init__(); s.nh = nh
            s.q, s.k, s.v, s.o = nn.Linear(H, H), nn.Linear(H, H), nn.Linear(H, H), nn.Linear(H, H)
            s.ln1 = nn.LayerNorm(H, eps=1e-12); s.f1 = nn.Linear(H, inter); s.f2 = nn.Linear(inter, H); s.ln2 = nn.LayerNorm(H, eps=1e-12)
            s.drop = nn.Dropout(0.1)
        def forward(s, h, bias):
            Bz, T, H = h.shape; dh = H // s.nh
            sp = lambda t: t.view(Bz, T, s.nh, dh).transpose(1, 2)
            q, k, v = sp(s.q(h)), sp(s.k(h)), sp(s.v(h))
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh) + bias, -1)
            ctx = (s.drop(a) @ v).transpose(1, 2).reshape(Bz, T, H)
            h = s.ln1(h + s.drop(s.o(ctx)))
            return s.ln2(h + s.drop(s.f2(F.gelu(s.f1(h)))))
    class Bert(nn.Module):
        def __init__(s, V=30522, H=256, layers=4, C=2):
            super().__init__()
            s.we, s.pe, s.te = nn.Embedding(V, H), nn.Embedding(512, H), nn.Embedding(2, H)
            s.ln = nn.LayerNorm(H, eps=1e-12); s.layers = nn.ModuleList([Layer(H) for _ in range(layers)])
            s.pool = nn.Linear(H, H); s.cls = nn.Linear(H, C); s.drop = nn.Dropout(0.1)
        def forward(s, ids, mask):
            T = ids.shape[1]
            h = s.drop(s.ln(s.we(ids) + s.pe(torch.arange(T))[None] + s.te(torch.zeros_like(ids))))
            bias = (1.0 - mask[:, None, None, :].float()) * -1e9
            for l in s.layers: h = l(h, bias)
            return s.cls(s.drop(torch.tanh(s.pool(h[:, 0]))))
    B, T = 32, 64
    m = Bert(); opt = torch.optim.AdamW(m.parameters(), lr=5e-5); m.train()
    ids = torch.randint(0, 30522, (B, T)); mask = torch.ones(B, T, dtype=torch.long); y = torch.randint(0, 2, (B,))
    def step():
        opt.zero_grad(set_to_none=True); F.cross_entropy(m(ids, mask), y).backward(); opt.step()
    dt = bench(step, 2, 10); res['bert_train_step_ms'] = dt * 1e3; res['bert_train_seq_per_s'] = B / dt
    m.eval()
    with torch.no_grad():
        dt = bench(lambda: m(ids, mask), 2, 10); res['bert_infer_seq_per_s'] = B / dt
res['blas'] = blas_kernel()  # after the runs: the library is loaded and its kernel chosen
print(json.dumps(res))
