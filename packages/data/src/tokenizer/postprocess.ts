import { DataError } from '../errors.js';
import type { PostProcessorJson, TemplatePiece } from './json-types.js';

/** One encoded sequence before special tokens are added. */
export interface Seq {
  ids: number[];
  tokens: string[];
  offsets: [number, number][];
}

export interface Processed extends Seq {
  typeIds: number[];
  specialTokensMask: number[];
  /** 0 / 1 for tokens of the first / second sequence, null for added special tokens. */
  sequenceIds: (0 | 1 | null)[];
}

function emptyOut(): Processed {
  return { ids: [], tokens: [], offsets: [], typeIds: [], specialTokensMask: [], sequenceIds: [] };
}

function pushSeq(o: Processed, s: Seq, typeId: number, seqId: 0 | 1): void {
  for (let i = 0; i < s.ids.length; i++) {
    o.ids.push(s.ids[i]); o.tokens.push(s.tokens[i]); o.offsets.push(s.offsets[i]);
    o.typeIds.push(typeId); o.specialTokensMask.push(0); o.sequenceIds.push(seqId);
  }
}

function pushSpecial(o: Processed, id: number, token: string, typeId: number): void {
  o.ids.push(id); o.tokens.push(token); o.offsets.push([0, 0]);
  o.typeIds.push(typeId); o.specialTokensMask.push(1); o.sequenceIds.push(null);
}

function template(p: Extract<PostProcessorJson, { type: 'TemplateProcessing' }>, a: Seq, b: Seq | null): Processed {
  const o = emptyOut();
  const tpl: TemplatePiece[] = b ? p.pair : p.single;
  for (const piece of tpl) {
    if ('Sequence' in piece) {
      const which = piece.Sequence.id === 'A' ? a : b;
      if (!which) throw new DataError('TemplateProcessing: template refers to sequence B but no pair was given');
      pushSeq(o, which, piece.Sequence.type_id, piece.Sequence.id === 'A' ? 0 : 1);
    } else {
      const sp = p.special_tokens[piece.SpecialToken.id];
      if (!sp) throw new DataError(`TemplateProcessing: special token '${piece.SpecialToken.id}' missing from special_tokens`);
      sp.ids.forEach((id, k) => pushSpecial(o, id, sp.tokens[k], piece.SpecialToken.type_id));
    }
  }
  return o;
}

/**
 * Adds special tokens (when `addSpecial`) following the post_processor; without it, concatenates
 * the sequences (type ids 0 / 1). ByteLevel processors add nothing (offset trimming is done by the
 * tokenizer for byte-level pre-tokenizers).
 */
export function postProcess(p: PostProcessorJson | null, a: Seq, b: Seq | null, addSpecial: boolean): Processed {
  if (addSpecial && p) {
    switch (p.type) {
      case 'TemplateProcessing': return template(p, a, b);
      case 'BertProcessing': {
        const o = emptyOut();
        pushSpecial(o, p.cls[1], p.cls[0], 0); pushSeq(o, a, 0, 0); pushSpecial(o, p.sep[1], p.sep[0], 0);
        if (b) { pushSeq(o, b, 1, 1); pushSpecial(o, p.sep[1], p.sep[0], 1); }
        return o;
      }
      case 'RobertaProcessing': {
        const o = emptyOut();
        pushSpecial(o, p.cls[1], p.cls[0], 0); pushSeq(o, a, 0, 0); pushSpecial(o, p.sep[1], p.sep[0], 0);
        if (b) { pushSpecial(o, p.sep[1], p.sep[0], 0); pushSeq(o, b, 0, 1); pushSpecial(o, p.sep[1], p.sep[0], 0); }
        return o;
      }
      case 'ByteLevel': break;
      case 'Sequence': {
        // only one special-token-adding processor is meaningful; apply the first that adds tokens
        const adder = p.processors.find((q) => q.type !== 'ByteLevel');
        return postProcess(adder ?? null, a, b, addSpecial);
      }
      default: throw new DataError(`tokenizer.json: unsupported post_processor type '${(p as { type: string }).type}'`);
    }
  }
  const o = emptyOut();
  pushSeq(o, a, 0, 0);
  if (b) pushSeq(o, b, 1, 1);
  return o;
}

export function checkPostProcessor(p: PostProcessorJson | null): void {
  const s: Seq = { ids: [], tokens: [], offsets: [] };
  if (p && p.type !== 'TemplateProcessing') postProcess(p, s, s, true);
  if (p && p.type === 'TemplateProcessing') postProcess(p, s, null, true);
}
