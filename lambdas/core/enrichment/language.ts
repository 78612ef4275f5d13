import { createRequire } from 'node:module';
import type { francAll as FrancAll } from 'franc-min';

/**
 * Language detection for short social text, with no network and no model download.
 *
 * `franc-min` (trigram profiles of ~80 languages, ISO 639-3 codes) does the statistics; on its
 * own it is shaky below a sentence, so it is restricted to languages we expect on social
 * channels and combined with two cheap, well-known cues that work on very short text:
 * function words ("the", "und", "c'est", "não"…) and distinctive characters (¿ ¡ ñ ã õ ß…).
 * Text too short to tell (fewer than 3 words or fewer than 8 letters once mentions, links,
 * hashtags, numbers and emoji are removed) is `und`, unless its script alone names the language
 * (kana, hangul, Thai, Greek…).
 */

/** True in the function bundles (an esbuild define: lib/constructs/function-bundling.ts). */
declare const SWITCHBOARD_BUNDLE: boolean | undefined;

let francLoaded: typeof FrancAll | undefined;
/**
 * franc-min, loaded by the first text that needs it: building its trigram tables takes about
 * 9 ms, a tenth of the process function's cold start, and texts in the seven languages the model
 * reads rarely need it (it is the fallback for other scripts and for readings the model is unsure
 * of). In a function bundle, esbuild turns the `require` into a lazy initialiser of the franc it
 * bundled; from source, Node loads the ES module synchronously (`require` of ES modules).
 */
function francAll(...args: Parameters<typeof FrancAll>): ReturnType<typeof FrancAll> {
  francLoaded ??= (
    (typeof SWITCHBOARD_BUNDLE !== 'undefined' && SWITCHBOARD_BUNDLE
      ? require('franc-min')
      : createRequire(import.meta.url)('franc-min')) as { francAll: typeof FrancAll }
  ).francAll;
  return francLoaded(...args);
}

/** ISO 639-3 (as franc returns) → ISO 639-1 for the languages we accept. */
const ISO3_TO_1: Readonly<Record<string, string>> = {
  eng: 'en',
  spa: 'es',
  por: 'pt',
  fra: 'fr',
  deu: 'de',
  ita: 'it',
  nld: 'nl',
  pol: 'pl',
  tur: 'tr',
  ron: 'ro',
  swe: 'sv',
  ces: 'cs',
  hun: 'hu',
  ind: 'id',
  zlm: 'ms',
  vie: 'vi',
  tgl: 'tl',
  swh: 'sw',
  rus: 'ru',
  ukr: 'uk',
  bul: 'bg',
  bel: 'be',
  kaz: 'kk',
  srp: 'sr',
  hrv: 'hr',
  bos: 'bs',
  arb: 'ar',
  pes: 'fa',
  urd: 'ur',
  hin: 'hi',
  mar: 'mr',
  npi: 'ne',
  ben: 'bn',
  cmn: 'zh',
  jpn: 'ja',
  kor: 'ko',
  tha: 'th',
  ell: 'el',
  heb: 'he',
  tam: 'ta',
  tel: 'te',
  guj: 'gu',
  kan: 'kn',
  mal: 'ml',
  pan: 'pa',
  amh: 'am',
  mya: 'my',
  sin: 'si',
  uzn: 'uz',
  azj: 'az',
  som: 'so',
  yor: 'yo',
  hau: 'ha',
  zul: 'zu',
};

/** Languages franc may choose between; obscure neighbours (Scots, Galician…) only add noise on short text. */
const CANDIDATES = Object.keys(ISO3_TO_1);

/** Scripts that identify a language on their own, for text too short for statistics. */
const SCRIPT_LANGUAGES: ReadonlyArray<[RegExp, string]> = [
  [/[\u3040-\u30ff]/u, 'ja'],
  [/[\uac00-\ud7af\u1100-\u11ff]/u, 'ko'],
  [/[\u0e00-\u0e7f]/u, 'th'],
  [/[\u0370-\u03ff]/u, 'el'],
  [/[\u0590-\u05ff]/u, 'he'],
  [/[\u4e00-\u9fff]/u, 'zh'],
];

/** Frequent function words: a strong signal on the 3–10-word texts franc finds hard. */
const FUNCTION_WORDS: Readonly<Record<string, ReadonlySet<string>>> = Object.fromEntries(
  Object.entries({
    en: "the a an and or but is are was were be been it it's this that these with for of to in on at my your our you i i'm we we're they have has had do does did not can can't don't won't would will what when where why how who there here from just so very please thanks",
    es: 'el la los las un una unos y o pero es son está están fue ser de del al en con por para que qué cuando donde dónde cómo por qué mi mis tu su nuestro no sí muy ya hacen hay gracias pero también este esta esto',
    fr: "le la les un une des et ou mais est sont était être de du au aux en dans avec pour par que qui quoi quand où comment pourquoi mon ma mes ton votre vos notre nous vous je j'ai il elle ils pas ne c'est n'est ce cette depuis très merci aussi",
    de: 'der die das den dem des ein eine einen und oder aber ist sind war waren sein mit für von zu im in auf an bei was wann wo wie warum wer mein meine dein ihr unser wir sie ich nicht kein keine sehr danke auch schon noch',
    it: 'il lo la i gli le un una e o ma è sono era essere di del della dei al in con per che chi cosa quando dove come perché mio mia tuo vostro nostro noi voi io non molto grazie anche già ancora',
    pt: 'o a os as um uma e ou mas é são era ser de do da dos das no na em com por para que quando onde como porquê meu minha seu sua nosso nós você eu não muito obrigado obrigada já também até agora faz',
    nl: 'de het een en of maar is zijn was waren van voor met op in aan bij wat wanneer waar hoe waarom wie mijn jouw uw ons wij jullie ik niet geen heel bedankt ook nog al',
  }).map(([lang, words]) => [lang, new Set(words.split(' '))]),
);

/** Characters that point at one or two languages. */
const CHARACTER_CUES: ReadonlyArray<[RegExp, Record<string, number>]> = [
  [/[¿¡]/u, { es: 1.5 }],
  [/ñ/u, { es: 0.6 }],
  [/[ãõ]/u, { pt: 1 }],
  [/ç/u, { pt: 0.3, fr: 0.3 }],
  [/ß/u, { de: 1 }],
  [/[äöü]/u, { de: 0.5 }],
  [/[èù]/u, { fr: 0.3, it: 0.3 }],
  [/[êâîôû]/u, { fr: 0.5 }],
];

/** Letters-only view of the text: no links, mentions, hashtags, numbers or emoji. */
function cleanForDetection(text: string): string {
  return text
    .replace(/https?:\/\/\S+|www\.\S+/giu, ' ')
    .replace(/[@#][\p{L}\p{N}_]+/gu, ' ')
    .replace(/[^\p{L}\p{M}'’\s¿¡]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface LanguageResult {
  /** ISO 639-1, or `und` when the text is too short or too mixed to tell. */
  language: string;
  /** 0..1: how far ahead the winner was (0 for `und`). */
  confidence: number;
}

export function detectLanguageDetailed(text: string): LanguageResult {
  const clean = cleanForDetection(text);
  const lower = clean.toLowerCase();
  const words = lower.match(/[\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)*/gu) ?? [];
  const letters = (clean.match(/\p{L}/gu) ?? []).length;

  for (const [script, lang] of SCRIPT_LANGUAGES) {
    // Japanese text also uses Han characters: test kana before Han, and require some substance.
    if (script.test(clean) && letters >= 2) return { language: lang, confidence: 0.9 };
  }
  if (words.length < 3 || letters < 8) return { language: 'und', confidence: 0 };

  const scores = new Map<string, number>();
  const add = (lang: string, value: number): void => {
    scores.set(lang, (scores.get(lang) ?? 0) + value);
  };
  for (const [code, score] of francAll(clean, { only: CANDIDATES, minLength: 3 })) {
    const lang = ISO3_TO_1[code];
    if (lang) add(lang, score);
  }
  // Function words: each hit adds, normalized by length so long texts are not dominated by them.
  const perHit = Math.min(0.35, 1.2 / Math.sqrt(words.length));
  for (const word of words) {
    for (const [lang, set] of Object.entries(FUNCTION_WORDS)) if (set.has(word.replace('’', "'"))) add(lang, perHit);
  }
  for (const [cue, weights] of CHARACTER_CUES) {
    if (cue.test(lower)) for (const [lang, w] of Object.entries(weights)) add(lang, w);
  }

  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  if (!best || best[1] <= 0) return { language: 'und', confidence: 0 };
  const margin = best[1] - (second?.[1] ?? 0);
  return { language: best[0], confidence: Math.max(0, Math.min(1, margin / Math.max(best[1], 1e-9))) };
}

/** ISO 639-1 code of the text's language by franc-min and the cues above, or `und`. */
export function detectLanguage(text: string): string {
  return detectLanguageDetailed(text).language;
}

/** Below this probability the model's language is checked against franc-min on longer texts. */
const MODEL_SURE = 0.6;
/** Words social posts use in every language; alone they tell nothing. */
const EVERY_LANGUAGE = new Set([
  'ok',
  'okay',
  'okk',
  'lol',
  'lmao',
  'rofl',
  'wow',
  'omg',
  'haha',
  'hahaha',
  'xd',
  'wtf',
  'hmm',
  'hm',
  'ah',
  'oh',
  'yay',
  'top',
  'super',
  'bravo',
]);
/** One-word texts need this much. */
const SHORT_SURE = 0.95;
/** Texts with at least this many words are long enough for franc-min's statistics. */
const FRANC_WORDS = 5;
const LETTER = /\p{L}/u;
const LATIN = /\p{Script=Latin}/gu;
const LETTERS = /\p{L}/gu;
const WORD = /[\p{L}\p{M}]+/gu;

/**
 * The language of a text from the enrichment model's language head (`probabilities` over
 * `languages`, the languages it was trained on), which holds on short and misspelled social
 * text in those languages; franc-min and the cues above answer for other scripts, and for
 * longer texts the model is unsure of (another Latin-script language). `und` only for text with
 * no letters, or too short and too unlike any language to tell.
 */
export function chooseLanguage(text: string, languages: readonly string[], probabilities: Float32Array): string {
  if (!LETTER.test(text)) return 'und';
  const letters = text.match(LETTERS)?.length ?? 0;
  const latin = text.match(LATIN)?.length ?? 0;
  if (latin < letters / 2) return detectLanguage(text);
  let best = 0;
  for (let i = 1; i < probabilities.length; i++) if (probabilities[i]! > probabilities[best]!) best = i;
  const p = probabilities[best]!;
  const words = text.match(WORD)?.length ?? 0;
  // A single word is often shared by many languages ("Acme", "super"): only a clear answer counts,
  // and the interjections every language uses are never one language's.
  if (words <= 1)
    return p >= SHORT_SURE &&
      !EVERY_LANGUAGE.has(
        text
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}]+/gu, ''),
      )
      ? languages[best]!
      : 'und';
  if (p >= MODEL_SURE) return languages[best]!;
  if (words >= FRANC_WORDS) {
    // The model only knows its languages: a text it is unsure of may be in another one.
    const other = detectLanguageDetailed(text).language;
    if (other !== 'und') return other;
  }
  return p >= 0.3 ? languages[best]! : 'und';
}

/** The platform's own language tag when it gives a usable one ("en", "pt-BR" → "pt"), which wins over detection. */
export function platformLanguage(tag: string | undefined): string | undefined {
  return tag && /^[a-z]{2}(?:[-_]|$)/i.test(tag) ? tag.slice(0, 2).toLowerCase() : undefined;
}
