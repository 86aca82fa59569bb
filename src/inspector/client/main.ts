// The inspector page (bundled by scripts/build-inspector.mjs into dist/src/inspector/page/app.js): type a
// sentence, insert a trigger from the palette, watch the prediction (and the clean model's, with --compare),
// the [CLS] attention of a BERT and each token's influence. Everything runs here; the server only hands out
// files. Trigger insertion is the attacks' own code (src/triggers/insert.ts) with a seeded Rng.
import { PageModel, ortVersion, type Explanation, type Prediction } from './model.js';
import { insertAtEnd, insertAtRandom, insertAtStart } from '../../triggers/insert.js';
import { Rng } from '../../common/random.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} is missing`);
  return el as T;
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, opts: { text?: string; cls?: string; title?: string } = {}, ...kids: Node[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (opts.text !== undefined) e.textContent = opts.text;
  if (opts.cls) e.className = opts.cls;
  if (opts.title) e.title = opts.title;
  e.append(...kids);
  return e;
}

interface InspectorApi {
  ready: Promise<void>;
  /** ms from navigation start to the first prediction shown */
  firstPredictionMs: number | null;
  /** renders finished so far (tests wait for a count) */
  renders: number;
  /** true while no update runs or waits */
  idle(): boolean;
  predict(role: 'main' | 'compare', texts: string[]): Promise<Prediction[]>;
}
declare global {
  interface Window {
    inspector: InspectorApi;
  }
}

const models: { main?: PageModel; compare?: PageModel } = {};
const palette: string[] = [];

function renderPrediction(role: 'main' | 'compare', m: PageModel, p: Prediction | Explanation): void {
  const label = $(`${role}-label`);
  const probs = $(`${role}-probs`);
  probs.replaceChildren();
  if (m.isEncoder) {
    const pooled = (p as Explanation).pooled ?? p.probs;
    const norm = Math.sqrt(pooled.reduce((a, x) => a + x * x, 0));
    label.textContent = 'encoder';
    label.dataset['label'] = '';
    const vec = el('div', { cls: 'vec', title: 'pooled [CLS] representation (tanh), first 64 dimensions' });
    for (const x of pooled.slice(0, 64)) {
      const s = el('span');
      s.style.setProperty('--w', String(Math.abs(x)));
      vec.append(s);
    }
    probs.append(el('p', { text: `pooled output, ${pooled.length} dimensions, norm ${norm.toFixed(3)}` }), vec);
    return;
  }
  const name = m.meta.labelNames[p.label] ?? String(p.label);
  label.textContent = name;
  label.dataset['label'] = String(p.label);
  p.probs.forEach((q, k) => {
    const bar = el('div', { cls: 'bar' }, el('span'));
    (bar.firstChild as HTMLElement).style.setProperty('--p', String(q));
    const row = el('div', { cls: 'prob' }, el('span', { text: m.meta.labelNames[k] ?? String(k) }), bar, el('span', { text: q.toFixed(4) }));
    row.dataset['prob'] = String(q);
    probs.append(row);
  });
}

function renderAttention(x: Explanation): void {
  const box = $('attention');
  box.replaceChildren();
  if (!x.attention) {
    box.append(el('p', { cls: 'muted', text: 'attention is shown for BERT models (a SentenceCNN has none)' }));
    return;
  }
  const perHead = ($('attn-view') as HTMLSelectElement).value === 'heads';
  const rows: { name: string; w: number[] }[] = [];
  x.attention.forEach((heads, l) => {
    if (perHead) heads.forEach((w, h) => rows.push({ name: `layer ${l + 1} head ${h + 1}`, w }));
    else rows.push({ name: `layer ${l + 1}`, w: x.tokens.map((_, t) => heads.reduce((a, w) => a + w[t]!, 0) / heads.length) });
  });
  const table = el('table', { cls: 'heat' });
  table.id = 'attention-table';
  table.append(el('caption', { cls: 'muted', text: 'attention from [CLS] to each sub-word token' }));
  table.append(el('thead', {}, el('tr', {}, el('th'), ...x.tokens.map((t) => el('th', { text: t, title: t })))));
  const body = el('tbody');
  for (const r of rows) {
    const tr = el('tr', {}, el('th', { text: r.name }));
    r.w.forEach((w, t) => {
      const td = el('td', { text: w.toFixed(2), title: `${r.name}, ${x.tokens[t]}: ${w.toFixed(4)}` });
      td.style.setProperty('--w', String(Math.min(1, w)));
      if (w > 0.5) td.classList.add('hot');
      tr.append(td);
    });
    body.append(tr);
  }
  table.append(body);
  box.append(table);
}

function renderInfluence(x: Explanation, influence: (number | null)[], m: PageModel): void {
  const box = $('influence');
  box.replaceChildren();
  const vals = influence.filter((v): v is number => v !== null);
  // bars relative to the largest change, but never magnifying changes below 0.01 into full bars
  const max = Math.max(0.01, ...vals.map(Math.abs));
  const shown = (v: number) => (Math.abs(v) < 5e-4 ? '0' : (v > 0 ? '+' : '') + v.toFixed(3));
  const chips = el('div', { cls: 'chips' });
  x.tokens.forEach((t, i) => {
    const v = influence[i];
    const chip = el('span', { cls: 'chip', title: v === null ? `${t}: not removable` : `removing ${t}: ${m.isEncoder ? 'cosine distance' : 'probability change'} ${(-v).toFixed(4)}` }, el('span', { text: t }), el('span', { cls: 'v', text: v === null ? '' : shown(-v) }));
    if (v !== null && Math.abs(v) >= 5e-4) {
      chip.classList.add(v > 0 ? 'up' : 'down');
      chip.style.setProperty('--m', String(Math.abs(v) / max));
    }
    chips.append(chip);
  });
  box.append(chips);
}

async function update(): Promise<void> {
  const text = ($('text') as HTMLTextAreaElement).value;
  const main = models.main!;
  const [x, c] = await Promise.all([main.explain(text), models.compare ? models.compare.predict([text]) : Promise.resolve(null)]);
  renderPrediction('main', main, x);
  if (c && models.compare) renderPrediction('compare', models.compare, c[0]!);
  renderAttention(x);
  if (window.inspector.firstPredictionMs === null) {
    window.inspector.firstPredictionMs = Math.round(performance.now());
    $('status').textContent = `ready: first prediction ${window.inspector.firstPredictionMs} ms after the page started loading; the model runs in this page (onnxruntime-web ${ortVersion()}, WebAssembly)`;
  }
  // the leave-one-out batch costs (tokens)² (1.1 s for 100 words on the small BERT): the label is shown
  // first, and a keystroke that arrived meanwhile skips it for the newer text
  if (!dirty) {
    const influence = await main.influence(x);
    renderInfluence(x, influence, main);
  }
  window.inspector.renders++;
}

let running = false;
let dirty = false;
/** One update at a time; keystrokes during one coalesce into a single next update of the latest text. */
function schedule(): void {
  if (running) {
    dirty = true;
    return;
  }
  running = true;
  update()
    .catch(fail)
    .finally(() => {
      running = false;
      if (dirty) {
        dirty = false;
        schedule();
      }
    });
}

function fail(e: unknown): void {
  $('status').textContent = `error: ${(e as Error).message ?? String(e)}`;
  console.error(e);
}

/** Insert `trigger` where the radio group says; the text box keeps the focus and the cursor after it. */
function insertTrigger(trigger: string): void {
  const box = $('text') as HTMLTextAreaElement;
  const where = (document.querySelector('input[name="where"]:checked') as HTMLInputElement | null)?.value ?? 'cursor';
  const text = box.value;
  let next: string;
  let caret: number;
  if (where === 'cursor') {
    const at = box.selectionStart ?? text.length;
    const before = text.slice(0, at);
    const after = text.slice(box.selectionEnd ?? at);
    const lead = before === '' || /\s$/.test(before) ? '' : ' ';
    const trail = after === '' || /^\s/.test(after) ? '' : ' ';
    next = before + lead + trigger + trail + after;
    caret = (before + lead + trigger).length;
  } else {
    const r =
      where === 'start'
        ? insertAtStart(text, trigger)
        : where === 'end'
          ? insertAtEnd(text, trigger)
          : insertAtRandom(text, trigger, Math.max(1, Number(($('times') as HTMLInputElement).value) || 1), new Rng(Number(($('seed') as HTMLInputElement).value) || 0));
    next = r.text;
    caret = r.insertions.at(-1)?.end ?? next.length;
  }
  box.value = next;
  box.focus();
  box.setSelectionRange(caret, caret);
  schedule();
}

function addToPalette(trigger: string, source: string): void {
  const t = trigger.trim();
  if (!t || palette.includes(t)) return;
  palette.push(t);
  const b = el('button', { text: t, title: `insert "${t}" (${source})` });
  b.type = 'button';
  b.dataset['trigger'] = t;
  b.addEventListener('click', () => insertTrigger(t));
  $('triggers').append(b);
}

const SCHEMES = ['auto', 'light', 'dark'] as const;
function setScheme(s: (typeof SCHEMES)[number]): void {
  if (s === 'auto') delete document.documentElement.dataset['theme'];
  else document.documentElement.dataset['theme'] = s;
  $('scheme').textContent = `scheme: ${s}`;
}

async function start(): Promise<void> {
  const page = new URL('.', location.href);
  const idx = await fetch(new URL('models/index.json', page));
  if (!idx.ok) throw new Error(`cannot load models/index.json (${idx.status})`);
  const { roles } = (await idx.json()) as { roles: ('main' | 'compare')[] };
  const loaded = await Promise.all(roles.map((r) => PageModel.load(page, r)));
  roles.forEach((r, i) => (models[r] = loaded[i]));
  if (!models.main) throw new Error('models/index.json names no main model');
  $('main-name').textContent = `${models.main.meta.name} (${models.main.meta.kind})`;
  const info = [`${models.main.meta.name}: ${models.main.meta.kind}`];
  if (models.compare) {
    $('compare-card').hidden = false;
    $('compare-name').textContent = `${models.compare.meta.name} (${models.compare.meta.kind})`;
    info.push(`compared with ${models.compare.meta.name}`);
  }
  $('models').textContent = info.join(' · ');
  if (!models.main.meta.bert) $('attention-box').hidden = true;
  for (const m of loaded) for (const t of m.meta.triggers) addToPalette(t.text, `${m.meta.name}: ${t.source}`);
  const text = $('text') as HTMLTextAreaElement;
  text.addEventListener('input', schedule);
  ($('attn-view') as HTMLSelectElement).addEventListener('change', schedule);
  const custom = $('custom-trigger') as HTMLInputElement;
  const add = () => {
    addToPalette(custom.value, 'typed');
    custom.value = '';
  };
  $('add-trigger').addEventListener('click', add);
  custom.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      add();
    }
  });
  let scheme = 0;
  $('scheme').addEventListener('click', () => setScheme(SCHEMES[(scheme = (scheme + 1) % SCHEMES.length)]!));
  await update();
  text.focus();
}

window.inspector = {
  ready: Promise.resolve(),
  firstPredictionMs: null,
  renders: 0,
  idle: () => !running && !dirty,
  predict: async (role, texts) => {
    const m = models[role];
    if (!m) throw new Error(`no ${role} model on this page`);
    return m.predict(texts);
  },
};
window.inspector.ready = start().catch((e) => {
  fail(e);
  throw e;
});
