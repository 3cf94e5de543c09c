// An independent float64 Avey-B, written from the paper digest and the official code's description
// (not from src/): plain loops over number arrays, no @avey/tensor op, no function of src/ called.
// Used as the oracle of the trace and proposition tests and of the mutation check.
//
// Forward per sequence (S split size, k top-k, L = (k+1)S, d′ = m/4):
//   x = E[ids], zero right-padded to N·S rows
//   ranker: xn = x / (‖x‖ + eps); score(i, j) = Σ_u max_v xn_iu·xn_jv for candidates j
//           selected = top-min(#cand, k) by score (desc); w = score / (min selected + eps)
//   compression: h_i = Σ_p P[:, slot_p] (w_p X_sel_p) + P[:, kS:] X_i (+ X_i)    slot_p = (p + k − n)S
//   no compression: h_i = [0 … ‖ w_p X_sel_p … ‖ X_i]   (L rows)
//   layer: z = σ(W_e RMSNorm(x) + b_e) = [v ‖ gate ‖ bypass]; out = W_f [gate ⊙ (M v) ‖ bypass] + b_f + α x
//   keep each split's last S rows, drop the padding, optional final RMSNorm.

export type Mat = number[][]; // rows × cols

/** The config fields the oracle reads (an AveyConfig fits). */
export interface OracleConfig {
  d_embed: number;
  n_layers: number;
  expansion_factor: number;
  chunk_size: number;
  k: number;
  eps: number;
  compression: 'neural' | 'none';
  ranker: 'causal' | 'bidirectional' | 'none';
  contextualiser: string;
  layer_pattern: string;
  compressor_residual: boolean;
  enricher_activation: 'gelu' | 'relu2';
  final_norm: boolean;
  residual: 'alpha' | 'plain';
}

/** Parameters by official name: flat float data and shape. */
export type OracleParams = Map<string, { data: ArrayLike<number>; shape: readonly number[] }>;

export interface OracleLayerTrace {
  v: Mat[]; // per processor row-block (B·N of them): (C, d′)
  mixing: Mat[] | null; // (C, C) per block for similarity layers, null for static
}

export interface OracleResult {
  scores: number[][][]; // (B, N, N), −∞ for non-candidates
  selected: number[][][]; // (B, N, k), −1 padded
  weights: number[][][]; // (B, N, k)
  layers: OracleLayerTrace[];
  hidden: Mat[]; // (B, T, d)
}

const dot = (a: readonly number[], b: readonly number[]): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const norm2 = (a: readonly number[]): number => Math.sqrt(dot(a, a));

export function matFrom(data: ArrayLike<number>, rows: number, cols: number, offset = 0): Mat {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => Number(data[offset + r * cols + c])));
}

export function matmul(a: Mat, b: Mat): Mat {
  const n = b[0]?.length ?? 0;
  return a.map((row) => {
    const out = new Array<number>(n).fill(0);
    row.forEach((x, l) => {
      if (x !== 0) for (let c = 0; c < n; c++) out[c] += x * b[l][c];
    });
    return out;
  });
}

/** x Wᵀ + b with W stored (out, in). */
function linear(x: Mat, W: Mat, b: readonly number[]): Mat {
  return x.map((row) => W.map((w, o) => dot(row, w) + b[o]));
}

/** erf to ~1e-13 (series below 3, continued fraction above). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let sum = ax, term = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc by Lentz's continued fraction
  let f = ax, C = ax, D = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    D = ax + an * D;
    D = 1 / D;
    C = ax + an / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / (f * Math.sqrt(Math.PI));
  return Math.sign(x) * (1 - erfc);
}

const gelu = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));

function rmsNorm(x: Mat, w: readonly number[], eps: number): Mat {
  return x.map((row) => {
    const r = 1 / Math.sqrt(row.reduce((a, b) => a + b * b, 0) / row.length + eps);
    return row.map((v, i) => v * r * w[i]);
  });
}

/** cos(v_i, v_j) with F.normalize's max(‖·‖, 1e-12) denominators. */
export function cosine(v: Mat): Mat {
  const n = v.map((r) => Math.max(norm2(r), 1e-12));
  return v.map((a, i) => v.map((b, j) => dot(a, b) / (n[i] * n[j])));
}

/** The mixing matrix of each contextualiser variant, from v (and V for coupled). */
export function oracleMixing(name: string, v: Mat, opts: { eps: number; V?: Mat } = { eps: 1e-12 }): Mat {
  const s = cosine(v);
  const dprime = v[0]?.length ?? 1;
  const softmax = (row: number[]): number[] => {
    const mx = Math.max(...row);
    const e = row.map((x) => Math.exp(x - mx));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / z);
  };
  const l1 = (row: number[]): number[] => {
    const z = Math.max(row.reduce((a, b) => a + Math.abs(b), 0), 1e-12);
    return row.map((x) => x / z);
  };
  switch (name) {
    case 'cosine-l1': return s.map(l1);
    case 'cosine': return s;
    case 'signed': return s.map((row) => { const z = row.reduce((a, b) => a + b, 0) + opts.eps; return row.map((x) => x / z); });
    case 'softmax': return s.map(softmax);
    case 'scaled-softmax': return s.map((row) => softmax(row.map((x) => x / Math.sqrt(dprime))));
    case 'rms': return s.map((row) => { const r = Math.sqrt(row.reduce((a, b) => a + b * b, 0) / row.length + opts.eps); return row.map((x) => x / r); });
    case 'coupled': {
      const V = opts.V;
      if (!V) throw new Error('oracle: coupled needs V');
      return s.map((row, i) => l1(row.map((x, j) => x * V[i][j])));
    }
    default: throw new Error(`oracle: unknown contextualiser ${name}`);
  }
}

function param(p: OracleParams, name: string): { data: ArrayLike<number>; shape: readonly number[] } {
  const t = p.get(name);
  if (!t) throw new Error(`oracle: no parameter ${name}`);
  return t;
}
const vec = (p: OracleParams, name: string): number[] => Array.from(param(p, name).data, Number);
const mat = (p: OracleParams, name: string): Mat => {
  const t = param(p, name);
  return matFrom(t.data, t.shape[0], t.shape[1]);
};

/** MaxSim scores, top-k selection and weights of one sequence's padded embeddings x (N·S, d). */
export function oracleRanker(cfg: OracleConfig, x: Mat): { scores: number[][]; selected: number[][]; weights: number[][] } {
  const S = cfg.chunk_size, N = x.length / S, k = cfg.k;
  const xn = x.map((r) => { const n = norm2(r) + cfg.eps; return r.map((v) => v / n); });
  const scores: number[][] = [], selected: number[][] = [], weights: number[][] = [];
  for (let i = 0; i < N; i++) {
    const row: number[] = [];
    for (let j = 0; j < N; j++) {
      const cand = cfg.ranker === 'causal' ? j < i : cfg.ranker === 'bidirectional' ? j !== i : false;
      if (!cand) { row.push(-Infinity); continue; }
      let s = 0;
      for (let u = 0; u < S; u++) {
        let best = -Infinity;
        for (let w = 0; w < S; w++) best = Math.max(best, dot(xn[i * S + u], xn[j * S + w]));
        s += best;
      }
      row.push(s);
    }
    scores.push(row);
    const order = row.map((s, j) => [s, j] as const).filter(([s]) => s !== -Infinity).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const n = Math.min(order.length, k);
    const sel = order.slice(0, n);
    const vmin = n > 0 ? sel[n - 1][0] : 1;
    selected.push(Array.from({ length: k }, (_, p) => (p < n ? sel[p][1] : -1)));
    weights.push(Array.from({ length: k }, (_, p) => (p < n ? sel[p][0] / (vmin + cfg.eps) : 0)));
  }
  return { scores, selected, weights };
}

const isDynamic = (cfg: OracleConfig, i: number): boolean =>
  cfg.contextualiser === 'coupled' || cfg.layer_pattern[i % cfg.layer_pattern.length] === 'D';

/** One processor layer on a (C, d) block; returns the output and what it mixed. */
export function oracleLayer(cfg: OracleConfig, p: OracleParams, i: number, x: Mat): { out: Mat; v: Mat; mixing: Mat } {
  const C = x.length;
  const pre = `layers.${i}.`;
  const xn = rmsNorm(x, vec(p, pre + 'norm.weight'), cfg.eps);
  const act = cfg.enricher_activation === 'gelu' ? gelu : (t: number) => Math.max(t, 0) ** 2;
  const z = linear(xn, mat(p, pre + 'enricher.weight'), vec(p, pre + 'enricher.bias')).map((r) => r.map(act));
  const m = z[0].length, q = m / 4;
  const v = z.map((r) => r.slice(0, q)), gate = z.map((r) => r.slice(q, 2 * q)), bypass = z.map((r) => r.slice(2 * q));
  const V = p.has(pre + 'spatial_proj') ? mat(p, pre + 'spatial_proj').slice(0, C).map((r) => r.slice(0, C)) : undefined;
  const mixing = isDynamic(cfg, i) ? oracleMixing(cfg.contextualiser, v, { eps: cfg.eps, V }) : (V as Mat);
  const mixed = matmul(mixing, v);
  const y = mixed.map((r, t) => [...r.map((val, c) => gate[t][c] * val), ...bypass[t]]);
  const f = linear(y, mat(p, pre + 'fuser.weight'), vec(p, pre + 'fuser.bias'));
  const alpha = cfg.residual === 'alpha' ? vec(p, pre + 'alpha')[0] : 1;
  return { out: f.map((r, t) => r.map((val, c) => val + alpha * x[t][c])), v, mixing };
}

/** The whole forward of a batch of id rows (B, T). */
export function oracleForward(cfg: OracleConfig, p: OracleParams, ids: number[][]): OracleResult {
  const S = cfg.chunk_size, k = cfg.k, d = cfg.d_embed;
  const E = param(p, 'embed.weight');
  const res: OracleResult = { scores: [], selected: [], weights: [], layers: Array.from({ length: cfg.n_layers }, () => ({ v: [], mixing: null })), hidden: [] };
  for (const row of ids) {
    const T = row.length, N = Math.max(1, Math.ceil(T / S));
    const x: Mat = Array.from({ length: N * S }, (_, t) => (t < T ? matFrom(E.data, 1, d, row[t] * d)[0] : new Array<number>(d).fill(0)));
    const r = cfg.ranker === 'none' ? oracleRanker({ ...cfg, k: 0 }, x) : oracleRanker(cfg, x);
    if (cfg.ranker === 'none') {
      r.selected = r.selected.map(() => new Array<number>(k).fill(-1));
      r.weights = r.weights.map(() => new Array<number>(k).fill(0));
    }
    res.scores.push(r.scores);
    res.selected.push(r.selected);
    res.weights.push(r.weights);
    const split = (j: number): Mat => x.slice(j * S, (j + 1) * S);
    const blocks: Mat[] = [];
    // (as the model: without compression, a batch where no split selected anything keeps S rows)
    const anySelected = r.selected.some((sr) => sr.some((j) => j >= 0));
    for (let i = 0; i < N; i++) {
      const sel = r.selected[i].map((j, q) => [j, r.weights[i][q]] as const).filter(([j]) => j >= 0);
      const n = sel.length;
      if (cfg.compression === 'neural') {
        const P = mat(p, 'ranker.down_proj'); // (S, L)
        const block = (q: number): Mat => P.map((pr) => pr.slice(q * S, (q + 1) * S));
        let h = matmul(block(k), split(i));
        sel.forEach(([j, w], pIdx) => {
          const g = matmul(block(pIdx + k - n), split(j).map((rw) => rw.map((val) => val * w)));
          h = h.map((rw, t) => rw.map((val, c) => val + g[t][c]));
        });
        if (cfg.compressor_residual) h = h.map((rw, t) => rw.map((val, c) => val + x[i * S + t][c]));
        blocks.push(h);
      } else if (cfg.ranker === 'none' || !anySelected) {
        blocks.push(split(i));
      } else {
        const ext: Mat = [];
        for (let z = 0; z < (k - n) * S; z++) ext.push(new Array<number>(d).fill(0));
        for (const [j, w] of sel) ext.push(...split(j).map((rw) => rw.map((val) => val * w)));
        ext.push(...split(i));
        blocks.push(ext);
      }
    }
    let hs = blocks;
    for (let l = 0; l < cfg.n_layers; l++) {
      hs = hs.map((h) => {
        const o = oracleLayer(cfg, p, l, h);
        res.layers[l].v.push(o.v);
        if (isDynamic(cfg, l)) (res.layers[l].mixing ??= []).push(o.mixing);
        return o.out;
      });
    }
    let out: Mat = hs.flatMap((h) => h.slice(h.length - S)).slice(0, T);
    if (cfg.final_norm) out = rmsNorm(out, vec(p, 'ln_f.weight'), cfg.eps);
    res.hidden.push(out);
  }
  // blocks were pushed per sequence: order b·N + i, as the model's (B·N, C, ·)
  return res;
}

/** Largest |a − b| / (atol + rtol·|b|) over two nested arrays (≤ 1 means close). */
export function closeness(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 1e-3, atol = 1e-4): number {
  if (a.length !== b.length) throw new Error(`closeness: lengths ${a.length} != ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]), y = Number(b[i]);
    if (x === y) continue; // equal infinities
    worst = Math.max(worst, Math.abs(x - y) / (atol + rtol * Math.abs(y)));
  }
  return worst;
}

/** Flattens nested number arrays. */
export function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x as number];
}
