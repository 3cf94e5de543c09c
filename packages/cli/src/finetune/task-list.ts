// The one list of downstream tasks: names, what each trains and scores, and whether it can be
// fine-tuned or is evaluated only. The yargs specs (specs/finetune.ts), the data loaders
// (finetune/tasks.ts) and the handlers all read it; it imports nothing, so no import cycle.

export interface TaskInfo {
  name: string;
  /** One line for --help: what the task is and its metric. */
  describe: string;
  /** False for tasks scored zero-shot from a pretrained model (eval only). */
  finetune: boolean;
}

export const TASK_LIST = [
  { name: 'sst2', describe: 'sentiment, accuracy', finetune: true },
  { name: 'sick', describe: '3-way entailment, accuracy', finetune: true },
  { name: 'pos', describe: 'UD-EWT UPOS tagging, accuracy', finetune: true },
  { name: 'uner', describe: 'UNER-EWT NER, entity F1', finetune: true },
  { name: 'wnut17', describe: 'WNUT-17 NER, entity F1', finetune: true },
  { name: 'squad', describe: 'SQuAD v1.1 extractive QA, EM/F1', finetune: true },
  { name: 'classify', describe: 'your own labelled texts: --train/--validation/--test TSV, CSV or JSONL files, accuracy', finetune: true },
  { name: 'tag', describe: 'your own tagged tokens: --train/--validation/--test CoNLL column files, entity F1 (--scheme iob2|bio) or token accuracy (--scheme none)', finetune: true },
  { name: 'niah', describe: 'needle in a haystack as the paper: fine-tune at --train-len tokens, test at each --eval-lens; exact-needle accuracy and set-F1', finetune: true },
  { name: 'retrieval', describe: 'dense retrieval: finetune with --train PAIRS.jsonl or --train-task squad, eval with --beir DIR; docs/guides/retrieval.md', finetune: true },
  { name: 'squad-retrieval', describe: 'SQuAD dev passage retrieval as a BEIR folder, nDCG@10/MRR@10/recall@100: eval only', finetune: false },
] as const satisfies readonly TaskInfo[];

export type TaskName = (typeof TASK_LIST)[number]['name'];

/** Tasks `avey finetune` accepts. */
export const FINETUNE_TASKS: readonly TaskName[] = TASK_LIST.filter((t) => t.finetune).map((t) => t.name);
/** Tasks `avey eval` accepts (every task). */
export const EVAL_TASKS: readonly TaskName[] = TASK_LIST.map((t) => t.name);

/** "sst2 (sentiment, accuracy) · …" for the tasks in `names`. */
export function taskHelp(names: readonly TaskName[]): string {
  return TASK_LIST.filter((t) => names.includes(t.name)).map((t) => `${t.name} (${t.describe})`).join(' · ');
}
