import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Tokenizer as HF } from '@huggingface/tokenizers';
import { BpeTrainer, DataError, embeddedCorpus, Tokenizer, trainBpe, type TokenizerJson } from '../src/index.js';
import { ds, SKIP_DATASETS, smallTokenizer, tmpFile } from './helpers.js';
import { readSst2, readSick } from '../src/index.js';

const EDGE = [
  'Hello [MASK] world', '[CLS]first sentence[SEP]second one', 'ünïcödé — “quotes” 😀 emoji, CJK 中文字', '  leading and trailing  ',
  "it's we'll they'd I'M 12345 3.14", 'tabs\tand\nnewlines\r\n', '', ' ', 'a', '\u00e9\u0301 combining', 'x'.repeat(300),
];

function heldOutTexts(): string[] {
  const { heldOut } = embeddedCorpus(['moby-dick', 'sotu']);
  const out: string[] = [];
  for (const { doc } of heldOut.iterate()) out.push(doc.text.slice(0, 4000));
  return out;
}

test('trained byte-level BPE: ids agree with @huggingface/tokenizers on held-out text and edge cases; decode round-trips', () => {
  const tok = smallTokenizer();
  assert.equal(tok.vocabSize, 2000);
  assert.deepEqual([tok.special.pad, tok.special.unk, tok.special.cls, tok.special.sep, tok.special.mask, tok.special.eos], [0, 1, 2, 3, 4, 5]);
  const hf = new HF(tok.toJSON(), {});
  for (const t of [...heldOutTexts(), ...EDGE]) {
    const ours = tok.encode(t);
    assert.deepEqual(ours.ids, hf.encode(t).ids, `ids differ on ${JSON.stringify(t.slice(0, 60))}`);
    assert.deepEqual(ours.tokens, hf.encode(t).tokens);
    assert.equal(tok.decode(ours.ids), t);
    if (ours.ids.length) assert.equal(hf.decode(ours.ids, { clean_up_tokenization_spaces: false }), t);
  }
  assert.equal(tok.encode('a [MASK] b').ids.filter((i) => i === tok.special.mask).length, 1);
  assert.equal(tok.decode(tok.encode('a [EOS]').ids, { skipSpecialTokens: true }), 'a ');
});

test('property: byte-level ids match HF and offsets slice the token text (whitespace-trimmed)', () => {
  const tok = smallTokenizer();
  const hf = new HF(tok.toJSON(), {});
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (t) => {
    const e = tok.encode(t);
    assert.deepEqual(e.ids, hf.encode(t).ids);
    let prevStart = 0;
    e.offsets.forEach(([s, en], i) => {
      // starts never decrease (tokens of one multi-byte character share its span)
      assert.ok(s >= prevStart && s <= en && en <= t.length, `offset ${i} ${s},${en}`);
      const piece = tok.decode([e.ids[i]]);
      // a token made of whole characters spans exactly its own text minus surrounding whitespace
      if (!piece.includes('\uFFFD')) assert.equal(t.slice(s, en), piece.replace(/^\s+|\s+$/g, ''));
      prevStart = s;
    });
  }), { numRuns: 200 });
});

test('training is deterministic and order-independent; save/load round-trips', () => {
  const texts = heldOutTexts();
  const a = trainBpe(texts, { vocabSize: 600 });
  const b = trainBpe(texts.slice().reverse(), { vocabSize: 600 });
  assert.equal(JSON.stringify(a.toJSON()), JSON.stringify(b.toJSON()));
  const p = tmpFile('tokenizer.json', '');
  a.save(p);
  const c = Tokenizer.load(p);
  assert.equal(JSON.stringify(c.toJSON()), JSON.stringify(a.toJSON()));
  assert.deepEqual(c.encode(texts[0]).ids, a.encode(texts[0]).ids);
  // merges are frequent pairs: the first merge is the most frequent adjacent byte pair
  const m0 = (a.toJSON().model as { merges: [string, string][] }).merges[0];
  assert.equal(m0.length, 2);
  assert.throws(() => trainBpe(['x'], { vocabSize: 100 }), DataError);
});

function bertJson(): TokenizerJson {
  const words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat', 'sat', 'on', 'mat', '##s', 'un', '##aff', '##able', '.', ',', '!', 'hello', 'world', 'caf', '##e', 'a', '##b', 'b', '中', '文'];
  const vocab: Record<string, number> = {};
  words.forEach((w, i) => { vocab[w] = i; });
  const sp = (c: string, id: number) => ({ id, content: c, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [sp('[PAD]', 0), sp('[UNK]', 1), sp('[CLS]', 2), sp('[SEP]', 3), sp('[MASK]', 4)],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

test('hand-built BERT WordPiece tokenizer.json: ids, type ids, pairs agree with HF; offsets point at the original (un-normalized) text', () => {
  const j = bertJson();
  const ours = Tokenizer.fromJSON(j);
  const hf = new HF(j, {});
  const texts = ['The CATS sat on the mat!', 'Unaffable café, hello world.', 'xyz the [MASK] cat', 'ab b 中文 hello', 'HELLO\tWorld\u0000 ,', ''];
  for (const t of texts) {
    assert.deepEqual(ours.encode(t).ids, hf.encode(t).ids, t);
    assert.deepEqual(ours.encode(t, { addSpecialTokens: false }).ids, hf.encode(t, { add_special_tokens: false }).ids, t);
  }
  const p = ours.encode('The cat', { pair: 'sat on the mat' });
  const hp = hf.encode('The cat', { text_pair: 'sat on the mat', return_token_type_ids: true });
  assert.deepEqual(p.ids, hp.ids);
  assert.deepEqual(p.typeIds, hp.token_type_ids);
  const e = ours.encode('Unaffable Café');
  assert.deepEqual(e.tokens, ['[CLS]', 'un', '##aff', '##able', 'caf', '##e', '[SEP]']);
  assert.deepEqual(e.offsets, [[0, 0], [0, 2], [2, 5], [5, 9], [10, 13], [13, 14], [0, 0]]);
  assert.equal(ours.decode(e.ids, { skipSpecialTokens: true }), 'unaffable cafe');
  assert.equal(ours.decode(e.ids, { skipSpecialTokens: true }), hf.decode(e.ids, { skip_special_tokens: true }));
});

function gpt2StyleJson(): TokenizerJson {
  // tiny GPT-2 style vocab: all 256 byte chars + a few merges ("a b" string form, as in older files)
  const tok = smallTokenizer().toJSON();
  const model = tok.model as { vocab: Record<string, number>; merges: [string, string][] };
  const vocab: Record<string, number> = {};
  const byteChars = Object.keys(model.vocab).filter((k) => model.vocab[k] >= 6 && model.vocab[k] < 262);
  byteChars.forEach((c, i) => { vocab[c] = i; });
  const merges = model.merges.slice(0, 300);
  for (const [a, b] of merges) if (vocab[a + b] === undefined) vocab[a + b] = Object.keys(vocab).length;
  vocab['<|endoftext|>'] = Object.keys(vocab).length;
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: vocab['<|endoftext|>'], content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`) },
  };
}

test('hand-built GPT-2-style ByteLevel BPE (string merges, add_prefix_space): ids agree with HF', () => {
  const j = gpt2StyleJson();
  const ours = Tokenizer.fromJSON(j);
  const hf = new HF(j, {});
  assert.equal(ours.special.eos, j.model.vocab['<|endoftext|>']);
  for (const t of [...EDGE, ...heldOutTexts().slice(0, 5), 'end<|endoftext|>start']) {
    assert.deepEqual(ours.encode(t).ids, hf.encode(t).ids, JSON.stringify(t.slice(0, 60)));
  }
  const e = ours.encode('Call me Ishmael');
  assert.equal(e.tokens[0][0], 'Ġ', 'prefix space added');
  assert.deepEqual(e.offsets[0][0], 0);
});

test('bad tokenizer.json → DataError naming the file / component', () => {
  const p = tmpFile('tokenizer.json', '{"model": ');
  assert.throws(() => Tokenizer.load(p), (e: unknown) => e instanceof DataError && e.file === p && /invalid JSON/.test(e.message));
  const j = bertJson() as unknown as { normalizer: { type: string } };
  j.normalizer = { type: 'Precompiled' };
  assert.throws(() => Tokenizer.fromJSON(j as unknown as TokenizerJson), /unsupported normalizer type 'Precompiled'/);
  const k = gpt2StyleJson();
  (k.model as { merges: string[] }).merges.push('zzz qqq');
  assert.throws(() => Tokenizer.fromJSON(k), /BPE merge #300/);
  assert.throws(() => smallTokenizer().decode([99999]), DataError);
});

test('real text: a WordPiece vocab built from SST-2 agrees with HF on SST-2 / SICK sentences; ours too', { skip: SKIP_DATASETS }, () => {
  const sst = readSst2(ds('sst2', 'test.tsv')).examples.map((e) => e.text);
  const sick = readSick(ds('sick', 'SICK_trial.txt')).examples.flatMap((e) => [e.a, e.b]);
  const freq = new Map<string, number>();
  for (const t of sst) for (const w of t.toLowerCase().split(/\s+/)) freq.set(w, (freq.get(w) ?? 0) + 1);
  const top = [...freq].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 400).map(([w]) => w).filter((w) => /^[a-z]+$/.test(w));
  const j = bertJson();
  const vocab: Record<string, number> = {};
  const add = (t: string): void => { if (vocab[t] === undefined) vocab[t] = Object.keys(vocab).length; };
  Object.keys(j.model.vocab).forEach(add);
  for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789') { add(c); add(`##${c}`); }
  for (const c of `!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~`) add(c);
  for (const w of top) { add(w); if (w.length > 4) add(`##${w.slice(2)}`); }
  j.model.vocab = vocab;
  const ours = Tokenizer.fromJSON(j);
  const hf = new HF(j, {});
  let unk = 0, n = 0;
  for (const t of [...sst, ...sick]) {
    const e = ours.encode(t);
    assert.deepEqual(e.ids, hf.encode(t).ids, t);
    unk += e.ids.filter((i) => i === 1).length; n += e.ids.length;
    // every non-special token's span lower-cases to the token (minus '##'), accents aside
    e.tokens.forEach((tk, i) => { if (e.specialTokensMask[i] === 0 && tk !== '[UNK]') assert.equal(t.slice(...e.offsets[i]).normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase(), tk.replace(/^##/, '')); });
  }
  assert.ok(unk / n < 0.05, `mostly known tokens (${unk}/${n} unk)`);
  const tok = smallTokenizer();
  const hf2 = new HF(tok.toJSON(), {});
  for (const t of [...sst, ...sick]) assert.deepEqual(tok.encode(t).ids, hf2.encode(t).ids);
});

test('hand-built RoBERTa-style tokenizer.json (RobertaProcessing, <mask> with lstrip) agrees with HF', () => {
  const base = smallTokenizer().toJSON();
  const model = base.model as { vocab: Record<string, number>; merges: [string, string][] };
  const vocab: Record<string, number> = { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 };
  for (const [k, v] of Object.entries(model.vocab)) if (v >= 6) vocab[k] = v - 2;
  vocab['<mask>'] = Object.keys(vocab).length;
  const at = (id: number, content: string, lstrip = false) => ({ id, content, single_word: false, lstrip, rstrip: false, normalized: false, special: true });
  const j: TokenizerJson = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [at(0, '<s>'), at(1, '<pad>'), at(2, '</s>'), at(3, '<unk>'), at(vocab['<mask>'], '<mask>', true)],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: model.merges },
  };
  const ours = Tokenizer.fromJSON(j);
  const hf = new HF(j, {});
  assert.deepEqual([ours.special.bos, ours.special.eos, ours.special.pad, ours.special.mask], [0, 2, 1, vocab['<mask>']]);
  for (const t of ['Call me <mask> please.', 'The whale <mask>', ...EDGE]) {
    assert.deepEqual(ours.encode(t).ids, hf.encode(t).ids, JSON.stringify(t));
  }
  assert.deepEqual(ours.encode('Call me', { pair: 'Ishmael' }).ids, hf.encode('Call me', { text_pair: 'Ishmael' }).ids);
  const e = ours.encode('Call me <mask>');
  assert.equal(e.tokens.at(-2), '<mask>');
  assert.equal(e.tokens.filter((t) => t === 'Ġ').length, 0, 'lstrip swallowed the space before <mask>');
});

test('the per-word encoding cache is bounded (RAW_CACHE_MAX): 100k new words do not grow it past the bound, and encodings stay the same', () => {
  const t = new BpeTrainer({ vocabSize: 300 });
  t.feed('the cat sat on the mat. a dog ran to the park and back again.');
  const tok = t.finish();
  const word = (i: number) => `w${i.toString(36)}q`;
  const first = tok.encode(`${word(1)} ${word(2)}`).ids;
  for (let i = 0; i < 100_000; i += 100) tok.encode(Array.from({ length: 100 }, (_, j) => word(i + j)).join(' '));
  assert.ok(tok.cachedPretokens <= Tokenizer.RAW_CACHE_MAX, `${tok.cachedPretokens} cached pre-tokens > ${Tokenizer.RAW_CACHE_MAX}`);
  assert.ok(Tokenizer.RAW_CACHE_MAX <= 100_000, 'the bound keeps the cache near 32 MB');
  assert.deepEqual(tok.encode(`${word(1)} ${word(2)}`).ids, first, 'a cleared cache encodes the same');
});
