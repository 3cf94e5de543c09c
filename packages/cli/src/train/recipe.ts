// The budget recipe of `avey pretrain` with no options (README's main job), chosen for a 2-core CPU
// and minutes, "Cramming"-style: only configuration values, the model stays Avey-B `tiny`.
// Measured choices and their effect: docs/reproduction.md ("The budgeted main job").

/** Wall-time budget when neither --steps nor --budget is given (the whole command, set-up included). */
export const DEFAULT_BUDGET = '4m';

/** Vocabulary of the tokenizer a fresh `tiny` run trains when no size is given: 2048 tokens instead
 *  of the preset's 8192 (a quarter of the embedding/head work per token; more steps per minute). */
export const TINY_RECIPE_VOCAB = 2048;

/** Fill-mask probes printed after a run on the built-in corpus: one per source (State of the Union
 *  addresses, Moby-Dick, SpamAssassin e-mails). */
export const BUILTIN_PROBES: readonly string[] = ['the United [MASK] of America', 'the sperm [MASK]', 'Click [MASK] to unsubscribe'];
