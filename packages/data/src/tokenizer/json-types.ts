/**
 * The subset of Hugging Face `tokenizer.json` (tokenizers ≥ 0.13) that @avey/data reads and writes.
 * Unknown component types raise a DataError on load, naming the component.
 */
export interface AddedTokenJson {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

export type NormalizerJson =
  | { type: 'BertNormalizer'; clean_text?: boolean; handle_chinese_chars?: boolean; strip_accents?: boolean | null; lowercase?: boolean }
  | { type: 'Lowercase' }
  | { type: 'NFC' } | { type: 'NFD' } | { type: 'NFKC' } | { type: 'NFKD' }
  | { type: 'StripAccents' }
  | { type: 'Strip'; strip_left?: boolean; strip_right?: boolean }
  | { type: 'Sequence'; normalizers: NormalizerJson[] };

export type PreTokenizerJson =
  | { type: 'BertPreTokenizer' }
  | { type: 'ByteLevel'; add_prefix_space?: boolean; trim_offsets?: boolean; use_regex?: boolean }
  | { type: 'Whitespace' }
  | { type: 'WhitespaceSplit' }
  | { type: 'Sequence'; pretokenizers: PreTokenizerJson[] };

export interface BpeModelJson {
  type: 'BPE';
  dropout?: number | null;
  unk_token?: string | null;
  continuing_subword_prefix?: string | null;
  end_of_word_suffix?: string | null;
  fuse_unk?: boolean;
  byte_fallback?: boolean;
  ignore_merges?: boolean;
  vocab: Record<string, number>;
  /** Either "a b" strings (older files) or [a, b] pairs (tokenizers ≥ 0.20). */
  merges: Array<string | [string, string]>;
}

export interface WordPieceModelJson {
  type: 'WordPiece';
  unk_token: string;
  continuing_subword_prefix?: string;
  max_input_chars_per_word?: number;
  vocab: Record<string, number>;
}

export type ModelJson = BpeModelJson | WordPieceModelJson;

export type TemplatePiece = { SpecialToken: { id: string; type_id: number } } | { Sequence: { id: 'A' | 'B'; type_id: number } };

export type PostProcessorJson =
  | { type: 'TemplateProcessing'; single: TemplatePiece[]; pair: TemplatePiece[]; special_tokens: Record<string, { id: string; ids: number[]; tokens: string[] }> }
  | { type: 'BertProcessing'; sep: [string, number]; cls: [string, number] }
  | { type: 'RobertaProcessing'; sep: [string, number]; cls: [string, number]; trim_offsets?: boolean; add_prefix_space?: boolean }
  | { type: 'ByteLevel'; add_prefix_space?: boolean; trim_offsets?: boolean; use_regex?: boolean }
  | { type: 'Sequence'; processors: PostProcessorJson[] };

export type DecoderJson =
  | { type: 'ByteLevel'; add_prefix_space?: boolean; trim_offsets?: boolean; use_regex?: boolean }
  | { type: 'WordPiece'; prefix?: string; cleanup?: boolean }
  | { type: 'BPEDecoder'; suffix?: string }
  | { type: 'Sequence'; decoders: DecoderJson[] };

export interface TokenizerJson {
  version: string;
  truncation: null | Record<string, unknown>;
  padding: null | Record<string, unknown>;
  added_tokens: AddedTokenJson[];
  normalizer: NormalizerJson | null;
  pre_tokenizer: PreTokenizerJson | null;
  post_processor: PostProcessorJson | null;
  decoder: DecoderJson | null;
  model: ModelJson;
}
