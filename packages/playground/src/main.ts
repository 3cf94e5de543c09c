// The playground page: backend choice, fill-mask with the shipped (or a dropped) checkpoint,
// heatmaps of the ranker and the mixing matrices, the autodiff explorer. Sets
// document.body.dataset.ready = "true" once the model has answered its first query; any failure
// is shown in #error (and document.body.dataset.error) as well as the console.
import { chooseBackend, requestedBackend, type BackendChoice } from './backend-choice.js';
import { loadDroppedModel, loadShippedModel, type PageModel } from './model-io.js';
import { fillMask, type FillResult } from './fill-mask.js';
import { inspect } from './inspect.js';
import { heatmap } from './heatmap.js';
import { parseProgram } from './autodiff/parse.js';
import { runProgram } from './autodiff/graph.js';
import { drawGraph } from './autodiff/draw.js';
import { EXAMPLES } from './autodiff/examples.js';

const $ = <E extends HTMLElement>(id: string): E => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page is missing #${id}`);
  return e as E;
};

/** Shows an error in the page (and keeps the previous content usable). */
function showError(where: string, e: unknown): void {
  const msg = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  const box = $('error');
  box.hidden = false;
  box.textContent = `${where}: ${msg}`;
  document.body.dataset.error = `${where}: ${msg}`;
  console.error(where, e);
}
function clearError(): void {
  $('error').hidden = true;
  delete document.body.dataset.error;
}

let pm: PageModel | null = null;
let last: FillResult | null = null;

function renderAnswers(text: string, r: FillResult): void {
  const body = $('answers').querySelector('tbody')!;
  body.replaceChildren();
  r.candidates.forEach((cands, m) => {
    cands.forEach((c, i) => {
      let n = 0;
      let at = 0;
      const filled = text.replace(/ ?\[MASK\]/g, (s, offset: number) => (n++ === m ? ((at = offset), `«${c.text}»`) : s));
      // the filled text around this mask only (the whole text is in the input above)
      const snippet = `${at > 40 ? '…' : ''}${filled.slice(Math.max(0, at - 40), at + c.text.length + 42)}${at + c.text.length + 42 < filled.length ? '…' : ''}`;
      const tr = document.createElement('tr');
      for (const cell of [`${m > 0 ? `mask ${m + 1}, ` : ''}${i + 1}`, JSON.stringify(c.text), c.probability.toFixed(4), snippet]) {
        const td = document.createElement('td');
        td.textContent = cell;
        tr.append(td);
      }
      body.append(tr);
    });
  });
}

async function renderInspection(): Promise<void> {
  if (!pm || !last) return;
  const split = Number(($('split-index') as HTMLInputElement).value) || 0;
  const ins = await inspect(pm.model, last.ids, split);
  ($('split-index') as HTMLInputElement).max = String(ins.splits - 1);
  const rk = $('ranker-maps');
  rk.replaceChildren();
  if (ins.scores) {
    const outline: [number, number][] = [];
    ins.picks.forEach((row, i) => row.forEach((j) => { if (j >= 0) outline.push([i, j]); }));
    rk.append(heatmap(ins.scores, `ranker: ${ins.splits} splits, top-${pm.config.k} picks outlined`, { outline }));
  } else {
    const p = document.createElement('p');
    p.className = 'hint';
    p.textContent = `one split only (${last.ids.length} tokens ≤ split size ${pm.config.chunk_size}): the ranker has nothing to pick. Type a longer text.`;
    rk.append(p);
  }
  const mx = $('mixing-maps');
  mx.replaceChildren(...ins.layers.map((l, i) => heatmap(l.matrix, `layer ${i} (${l.kind}), split ${Math.min(split, ins.splits - 1)}`)));
}

async function runFill(): Promise<void> {
  if (!pm) return;
  const text = ($('fill-text') as HTMLInputElement).value;
  last = await fillMask(pm, text);
  renderAnswers(text, last);
  await renderInspection();
}

async function runAutodiff(): Promise<void> {
  const nodes = await runProgram(parseProgram(($('ad-expr') as HTMLTextAreaElement).value));
  $('ad-graph').replaceChildren(drawGraph(nodes));
}

function describeModel(p: PageModel): string {
  const c = p.config;
  return `model: ${p.source}; Avey-B d=${c.d_embed}, ${c.n_layers} layers, split size ${c.chunk_size}, top-k ${c.k}, vocabulary ${p.tokenizer.vocabSize}`;
}

function describeBackend(c: BackendChoice): string {
  const why = c.forced ? ' (forced by ?backend=)' : c.passedOver.length ? ` — passed over: ${c.passedOver.map((p) => `${p.name}: ${p.reason}`).join('; ')}` : '';
  return `backend: ${c.detail}${why}`;
}

async function start(): Promise<void> {
  const sel = $('ad-examples') as HTMLSelectElement;
  for (const ex of EXAMPLES) sel.append(new Option(ex.name, ex.src));
  ($('ad-expr') as HTMLTextAreaElement).value = EXAMPLES[0].src;
  sel.addEventListener('change', () => { ($('ad-expr') as HTMLTextAreaElement).value = sel.value; runAutodiff().then(clearError, (e) => showError('autodiff', e)); });
  $('ad-run').addEventListener('click', () => { runAutodiff().then(clearError, (e) => showError('autodiff', e)); });

  const choice = await chooseBackend(requestedBackend(location.search));
  $('backend').textContent = describeBackend(choice);
  document.body.dataset.backend = choice.name;
  await runAutodiff();

  pm = await loadShippedModel();
  $('model-info').textContent = describeModel(pm);
  $('fill-form').addEventListener('submit', (ev) => { ev.preventDefault(); runFill().then(clearError, (e) => showError('fill-mask', e)); });
  $('split-index').addEventListener('change', () => { renderInspection().catch((e) => showError('heatmaps', e)); });
  $('ckpt-files').addEventListener('change', (ev) => {
    const files = (ev.target as HTMLInputElement).files;
    if (!files || files.length === 0) return;
    loadDroppedModel(files).then(async (m) => {
      pm = m;
      $('model-info').textContent = describeModel(m);
      await runFill();
      clearError();
    }).catch((e) => showError('loading the checkpoint', e));
  });
  await runFill();
  document.body.dataset.ready = 'true';
}

window.addEventListener('error', (ev) => showError('uncaught error', ev.error ?? ev.message));
window.addEventListener('unhandledrejection', (ev) => showError('unhandled rejection', ev.reason));
start().catch((e) => showError('start-up', e));
