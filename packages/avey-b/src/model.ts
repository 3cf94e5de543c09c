// AveyModel (official `AveyModel._get_hidden`): Embedding → Ranker.preprocess → layers →
// Ranker.contract. No positional embeddings, no final norm (the `final_norm` switch adds ln_f).
// `trace()` runs the same forward and also returns what the ranker chose and what every dynamic
// layer mixed (trace.ts names the tensors).
import type { Rng, Tensor } from '@avey/tensor';
import { Rng as RngClass, scope } from '@avey/tensor';
import { Variable, isGradEnabled, nn } from '@avey/autograd';
import type { AveyConfig, MaskMode } from './config.js';
import { AveyLayer, makeLayers } from './layers.js';
import { Ranker, type RankerSelection } from './ranker.js';
import { xavierNormal } from './init.js';
import { checkInputIds, checkMask, type EncodeOptions, type Encoder } from './encoder.js';
import { TraceRecorder, type AveyForwardTrace } from './trace.js';

export interface AveyModelOptions {
  /** Seed of the initialisation RNG (default 0). */
  seed?: number;
  rng?: Rng;
}

/** Everything a forward pass computed besides the hidden state (for tests and inspection). */
export interface AveyTrace {
  selection: RankerSelection | null;
}

export class AveyModel extends nn.Module implements Encoder {
  readonly config: AveyConfig;
  embed: nn.Embedding;
  layers: nn.ModuleList<AveyLayer>;
  ranker: Ranker;
  /** RMSNorm after the last layer (`final_norm` switch; null in the official model). */
  ln_f: nn.RMSNorm | null;
  /** Filled by every forward: the ranker's choice. */
  lastTrace: AveyTrace = { selection: null };

  constructor(config: AveyConfig, opts: AveyModelOptions = {}) {
    super();
    this.config = config;
    const rng = opts.rng ?? new RngClass(opts.seed ?? 0);
    this.embed = new nn.Embedding(config.vocab_size, config.d_embed);
    // Xavier-normal on the (V, d) matrix: std = sqrt(2 / (V + d)).
    this.embed.weight.value = xavierNormal(rng, [config.vocab_size, config.d_embed]);
    this.layers = new nn.ModuleList(makeLayers(config, rng));
    this.ranker = new Ranker(config, rng);
    this.ln_f = config.final_norm ? new nn.RMSNorm(config.d_embed, config.eps) : null;
  }

  get hiddenSize(): number {
    return this.config.d_embed;
  }

  get maskMode(): MaskMode {
    return this.config.mask_mode;
  }

  /** The tied input/output embedding (V, d). */
  tiedEmbedding(): Variable {
    return this.embed.weight;
  }

  /** input_ids (B, T) int32 → last_hidden_state (B, T, d). */
  encode(inputIds: Tensor, opts: EncodeOptions = {}): Variable {
    return this.run(inputIds, opts, null);
  }

  /** The forward of `encode`, plus its trace: the ranker's scores, selections and weights and
   *  every dynamic layer's v and mixing matrix (see trace.ts for names and shapes). The traced
   *  tensors are plain values (no gradient), owned by the caller. */
  trace(inputIds: Tensor, opts: EncodeOptions = {}): { hidden: Variable; trace: AveyForwardTrace } {
    const rec = new TraceRecorder(this.config);
    const hidden = this.run(inputIds, opts, rec);
    return { hidden, trace: rec.result() };
  }

  private run(inputIds: Tensor, opts: EncodeOptions, rec: TraceRecorder | null): Variable {
    checkInputIds(inputIds, this.config.vocab_size, 'AveyModel.encode');
    const mode = opts.maskMode ?? this.config.mask_mode;
    let x = this.embed.forward(inputIds); // (B, T, d)
    if (opts.attentionMask && mode === 'masked') {
      const m = checkMask(opts.attentionMask, inputIds.shape, 'AveyModel.encode');
      // zero the pads' embeddings, exactly like the official zero padding of T to a multiple of S
      x = x.mul(m.unsqueeze(-1));
    }
    // Without a tape (noGrad) nothing needs a layer's intermediates once it returns: free them per
    // step (the (B, T', T') ranker similarities, the (·, m) enricher outputs) instead of at the end.
    const step = isGradEnabled() ? <R>(f: () => R): R => f() : <R>(f: () => R): R => scope(f);
    const { h, state, selection } = step(() => this.ranker.preprocess(x));
    this.lastTrace = { selection };
    rec?.ranker(selection, state);
    let y = h;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers.at(i), input = y;
      y = step(() => layer.forward(input, rec?.layer(i, layer)));
    }
    const out = this.ranker.contract(y, state);
    return this.ln_f ? this.ln_f.forward(out) : out;
  }
}
