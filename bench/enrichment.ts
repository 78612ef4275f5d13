import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import vader from 'vader-sentiment';
import { enrich } from '../lambdas/core/enrichment/enrich.js';
import { readCorpus } from '../scripts/corpus-file.js';
import { median, rateSync, ratio, type Box } from './measure.js';

/** The dev split's texts: social-length engagements in every supported language. */
const devTexts = (): string[] =>
  readCorpus(fileURLToPath(new URL('../corpus/enrichment/dev.jsonl', import.meta.url))).map((item) => item.text);

const BOX: Box = { maxMs: 1_000, maxEvents: 5_000_000 };
/** Local enrichment must keep up with a busy stream on one core. */
const RATE_TARGET = 10_000;
/** …and cost at most this many times stock VADER's sentiment alone on the same texts. */
const VADER_TARGET = 1.5;
/** The model must be read and decoded this fast at a cold start. */
const LOAD_TARGET_MS = 100;

/**
 * Enrichment (language, sentiment, intents, keywords, PII: the whole `enrich`) against stock
 * VADER's sentiment alone on the same social-length texts (the dev split), interleaved, one
 * core; then the model's cold-start load, measured in fresh processes (reading and decoding
 * the file, as a function's first invocation does).
 */
export function benchEnrichment(): void {
  const texts = devTexts();
  const at = (i: number) => texts[i % texts.length]!;
  rateSync({ maxMs: 300, maxEvents: 1e6 }, (i) => enrich({ text: at(i) }));
  rateSync({ maxMs: 300, maxEvents: 1e6 }, (i) => vader.SentimentIntensityAnalyzer.polarity_scores(at(i)));
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    ours.push(rateSync(BOX, (i) => enrich({ text: at(i) })).perSecond);
    theirs.push(rateSync(BOX, (i) => vader.SentimentIntensityAnalyzer.polarity_scores(at(i))).perSecond);
  }
  const rate = median(ours);
  const vaderRate = median(theirs);
  const timeRatio = vaderRate / rate;
  const mean = texts.reduce((n, t) => n + t.length, 0) / texts.length;
  console.log(
    `Enrichment on ${texts.length} dev-split texts (mean ${mean.toFixed(0)} characters), one core, median of 3 interleaved runs:`,
  );
  console.log(
    `  enrich (language, sentiment, intents, keywords, PII)  ${Math.round(rate).toLocaleString('en-US').padStart(8)} /s   target ≥ ${RATE_TARGET.toLocaleString('en-US')}: ${rate >= RATE_TARGET ? 'met' : 'NOT met'}`,
  );
  console.log(
    `  stock VADER sentiment alone                           ${Math.round(vaderRate).toLocaleString('en-US').padStart(8)} /s`,
  );
  console.log(
    `  enrich time ÷ VADER time: ${ratio(timeRatio)}   target ≤ ${VADER_TARGET}×: ${timeRatio <= VADER_TARGET ? 'met' : 'NOT met'}`,
  );

  // Cold start: a fresh process reads and decodes the model, three times.
  const loads: number[] = [];
  for (let i = 0; i < 3; i++) {
    const out = spawnSync(process.execPath, ['--import', 'tsx', '-e', LOAD_SCRIPT], {
      encoding: 'utf8',
      cwd: new URL('..', import.meta.url),
    });
    const ms = Number(out.stdout.trim());
    if (!Number.isFinite(ms)) throw new Error(`model load measurement failed: ${out.stderr}`);
    loads.push(ms);
  }
  const load = median(loads);
  console.log(
    `  model load at cold start (read + decode, fresh process): ${load.toFixed(1)} ms   target ≤ ${LOAD_TARGET_MS} ms: ${load <= LOAD_TARGET_MS ? 'met' : 'NOT met'}\n`,
  );
}

const LOAD_SCRIPT = `
const { shippedModel } = await import('./lambdas/core/enrichment/model/shipped-model.ts');
const start = performance.now();
shippedModel();
console.log(performance.now() - start);
`;

/**
 * List prices (us-east-1, USD) of what enrichment can call. Comprehend bills each request in
 * units of 100 characters, at least 3 units (Amazon Comprehend pricing page); Bedrock bills
 * tokens (Claude 3 Haiku on Bedrock: $0.25 per million input tokens, $1.25 per million output);
 * Lambda arm64 bills GB-seconds, and a 512 MB function gets about 512/1769 of a vCPU.
 */
const PRICES = {
  comprehendPerUnit: 0.0001,
  bedrockInputPerToken: 0.25 / 1e6,
  bedrockOutputPerToken: 1.25 / 1e6,
  lambdaPerGbSecond: 0.0000133334,
  processMemoryGb: 0.5,
  vcpuAt512Mb: 512 / 1769,
} as const;
/** Characters per token, a common rule of thumb for these models; the answer is ~15 tokens of JSON. */
const CHARS_PER_TOKEN = 4;
const ANSWER_TOKENS = 15;

/**
 * Cost per million engagements of each enrichment mode on the dev split's texts: `local` (the
 * shipped model's compute inside the process function), `cloud` (Comprehend language,
 * sentiment and PII plus Bedrock intents for every engagement) and `hybrid` (local, plus the
 * cloud for the share the model is unsure of at a few thresholds).
 */
export async function benchEnrichmentCost(): Promise<void> {
  const { SYSTEM_PROMPT } = await import('../lambdas/aws/bedrock-intents.js');
  const { isUnsure } = await import('../lambdas/core/lifecycle/enrichers.js');
  const texts = devTexts();
  const enriched = texts.map((text) => enrich({ text }));
  const rate = rateSync(BOX, (i) => enrich({ text: texts[i % texts.length]! })).perSecond;
  const secondsOnLambda = 1 / rate / PRICES.vcpuAt512Mb;
  const local = secondsOnLambda * PRICES.processMemoryGb * PRICES.lambdaPerGbSecond;
  const comprehend = (t: string) => 3 * Math.max(3, Math.ceil(t.length / 100)) * PRICES.comprehendPerUnit; // language, sentiment, PII
  const bedrock = (t: string) =>
    ((SYSTEM_PROMPT.length + t.length + 40) / CHARS_PER_TOKEN) * PRICES.bedrockInputPerToken +
    ANSWER_TOKENS * PRICES.bedrockOutputPerToken;
  const mean = (f: (t: string) => number, of: string[]) =>
    of.length ? of.reduce((s, t) => s + f(t), 0) / of.length : 0;
  const cloud = mean(comprehend, texts) + mean(bedrock, texts);
  const million = (usd: number) =>
    usd * 1e6 < 1 ? `$${(usd * 1e6).toFixed(4)}` : `$${Math.round(usd * 1e6).toLocaleString('en-US')}`;
  console.log('Enrichment cost per million engagements (list prices, us-east-1; dev-split texts):');
  console.log(`  local  (the model in the 512 MB process function)               ${million(local).padStart(9)}`);
  for (const below of [0.5, 0.6, 0.7]) {
    const unsure = texts.filter((_, i) => isUnsure(enriched[i]!, below));
    const share = unsure.length / texts.length;
    const hybrid = local + share * (mean(comprehend, unsure) + mean(bedrock, unsure));
    console.log(
      `  hybrid (secondOpinionBelow: ${below}; ${(100 * share).toFixed(0).padStart(2)}% asked Comprehend + Bedrock) ${million(hybrid).padStart(9)}`,
    );
  }
  console.log(`  cloud  (Comprehend language, sentiment, PII + Bedrock intents) ${million(cloud).padStart(9)}\n`);
}
