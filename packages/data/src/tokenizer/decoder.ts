import { DataError } from '../errors.js';
import { fromByteChars } from './bytelevel.js';
import type { DecoderJson } from './json-types.js';

/** HF's `cleanup` of tokenization spaces (WordPiece decoder, clean_up_tokenization_spaces). */
export function cleanupSpaces(s: string): string {
  return s
    .replaceAll(' .', '.').replaceAll(' ?', '?').replaceAll(' !', '!').replaceAll(' ,', ',')
    .replaceAll(" ' ", "'").replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}

/** Decodes token strings to text, step by step as HF decoders do (each maps tokens → tokens). */
function step(d: DecoderJson, tokens: string[]): string[] {
  switch (d.type) {
    case 'ByteLevel': return [fromByteChars(tokens.join(''))];
    case 'WordPiece': {
      const prefix = d.prefix ?? '##';
      return tokens.map((t, i) => {
        let u = t;
        if (i > 0) u = u.startsWith(prefix) ? u.slice(prefix.length) : ' ' + u;
        return d.cleanup === false ? u : cleanupSpaces(u);
      });
    }
    case 'BPEDecoder': {
      const suffix = d.suffix ?? '</w>';
      return tokens.map((t, i) => t.replaceAll(suffix, i === tokens.length - 1 ? '' : ' '));
    }
    case 'Sequence': return d.decoders.reduce((ts, x) => step(x, ts), tokens);
    default: throw new DataError(`tokenizer.json: unsupported decoder type '${(d as { type: string }).type}'`);
  }
}

export function decodeTokens(d: DecoderJson | null, tokens: string[]): string {
  if (!d) return tokens.join(' ');
  return step(d, tokens).join('');
}

export function checkDecoder(d: DecoderJson | null): void {
  if (d) step(d, []);
}
