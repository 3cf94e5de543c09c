export { DataError, BadRecordPolicy, type OnBadRecord, type SkippedRecord } from './errors.js';
export { DataRng, fnv1a, mixSeed, type RngState } from './rng.js';
export { linesSync, readTextStrict, type Line } from './io/lines.js';
export { expandPaths, globToRegExp } from './io/paths.js';
export { Tokenizer, type Encoding, type EncodeOptions, type SpecialIds } from './tokenizer/tokenizer.js';
export type * from './tokenizer/json-types.js';
export { BpeTrainer, trainBpe, DEFAULT_SPECIAL_TOKENS, type BpeTrainOptions, type BpeTrainReport } from './tokenizer/train-bpe.js';
export { BYTE_TO_CHAR, GPT2_SPLIT } from './tokenizer/bytelevel.js';
export { ListSource, textsSource, documentTexts, type Document, type DocumentSource } from './corpus/source.js';
export { embeddedCorpus, embeddedDocuments, isHeldOut, emailBody, EMBEDDED_CORPORA, type EmbeddedCorpusName, type SplitOptions, type EmbeddedCorpusOptions } from './corpus/embedded.js';
export { FileSource, type FileCorpusOptions, type FileStats } from './corpus/files.js';
export { textDocs, decodeTextDoc, hasBlankLineParagraphs, cutPoint, DEFAULT_MAX_DOC_BYTES, type TextDoc, type TextUnit } from './corpus/text-docs.js';
export { windowShuffled, DEFAULT_SHUFFLE_WINDOW } from './corpus/shuffle.js';
export { splitHeldOut, filterSource, MIN_SPLIT_DOCUMENTS, type HeldOutSplitOptions, type HeldOutSplitReport } from './corpus/split.js';
export { MlmBatcher, applyMask, maskCount, roundHalfEven, type MlmBatch, type MlmOptions, type MlmState, type MaskOptions, type MaskStrategy, type MlmTokenizer } from './mlm.js';
export { readSst2, readSick, pairText, SST2_LABELS, SICK_LABELS, type ReadResult, type ReadOptions, type Sst2Example, type SickExample } from './datasets/classification.js';
export { iterConllu, readConllu, UPOS_TAGS, type ConlluSentence } from './datasets/conllu.js';
export { iterIob, readIob, iob2Labels, UNER_TYPES, WNUT17_TYPES, type IobSentence, type IobOptions } from './datasets/iob.js';
export { encodeWords, alignLabels, wordPredictions, type WordEncoding, type AlignTokenizer } from './datasets/align.js';
export { readSquad, qaFeatures, spanText, squadRetrieval, type SquadExample, type SquadAnswer, type SquadFile, type QaFeature, type QaFeatureOptions, type QaTokenizer, type RetrievalSet } from './datasets/squad.js';
export { readRetrievalPairs, queryText, documentText } from './datasets/retrieval.js';
export { accuracy, f1Score, perSentenceMacroF1, pearson, type F1Result } from './metrics/classification.js';
export { getEntities, seqevalF1, type Chunk, type SeqevalResult } from './metrics/seqeval.js';
export { normalizeAnswer, exactMatch, tokenF1, squadScores, setF1, positionsOf, meanSetF1 } from './metrics/squad.js';
export { reciprocalRank, recallAtK, ndcgAtK, paperNdcgAtK, relevantCount, retrievalScores, irScores, type Ranking, type Relevance, type IrScores } from './metrics/retrieval.js';
export { readBeir, readBeirCorpus, readBeirQueries, readBeirQrels, writeBeir, squadBeir, describeUnknown, type BeirCollection, type BeirDocument, type BeirQuery, type UnknownQrel, type QrelLine } from './datasets/beir.js';
export { Bm25Index, bm25Terms, topK, type Bm25Options } from './retrieval/bm25.js';
export {
  makeNiah, niahRetrieval, niahQuestion, ordinal, scoreNiah, drawDistractors, NIAH_WORDS, NIAH_MIX, NIAH_GUESS_LINE, NIAH_MIN_GAP,
  type NiahExample, type NiahOptions, type NiahTokenizer, type NiahKind, type NiahScore, type DistractorMix,
} from './niah.js';
export { padBatch, encodeInput, batchIndices, type PaddedBatch, type InputTokenizer } from './batch.js';
export { sharedDatasetsDir, REPO_ROOT } from './io/shared.js';
