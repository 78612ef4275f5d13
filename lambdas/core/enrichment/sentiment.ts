import vader from 'vader-sentiment';

/**
 * Sentiment for social text, label + score in -1..1, with no network and no model.
 *
 * English (and undetermined) text is scored by VADER (Hutto & Gilbert 2014), a lexicon-and-rules
 * model built for social media: it already handles negation ("not good"), intensifiers
 * ("very", "so"), ALL-CAPS emphasis, "!!!" and contrast ("but"). Around it this module adds
 * what the JS port lacks for our traffic:
 * - emoji valences (the port scores 💖 or 😡 as nothing);
 * - elongation ("sooo gooood" → "so good", plus emphasis);
 * - a small customer-service lexicon (e.g. "never arrived", "crashes", "stuck", "spotless") and
 *   politeness that is not sentiment ("please", "would like to");
 * - cheap sarcasm markers ("/s", 🙄, "oh great, …again", "love typing … ten times a day") that
 *   turn a positive surface into a negative reading;
 * - for other languages, a small lexicon (es, fr, de, it, pt, nl) with negation and intensifiers
 *   plus the emoji. It is honest about its reach: with no lexicon hit the text is neutral, and
 *   `confidence` says how much evidence there was.
 */

export type SentimentLabel = 'positive' | 'neutral' | 'negative';

export interface Sentiment {
  label: SentimentLabel;
  /** -1..1 */
  score: number;
}

export interface SentimentDetail extends Sentiment {
  /** 0..1: how much lexical evidence the score rests on. */
  confidence: number;
  sarcasm: boolean;
}

/** |score| below this is neutral. VADER's own default is 0.05; social questions and requests carry a little politeness, so the band is wider. */
export const NEUTRAL_BAND = 0.2;

/** Valences on VADER's -4..4 scale. */
const EMOJI: Readonly<Record<string, number>> = {
  '😀': 2, '😃': 2, '😄': 2, '😁': 2, '😆': 1.8, '😊': 2, '🙂': 1, '😉': 1, '😍': 3, '🥰': 3, '😘': 2.5,
  '🤩': 3, '😎': 1.5, '🥳': 2.5, '😂': 1.2, '🤣': 1.2, '😅': 0.5, '🥹': 1.5, '❤': 2.5, '❤️': 2.5, '💖': 2.5,
  '💕': 2.5, '💗': 2.5, '💙': 2, '💚': 2, '💜': 2, '🧡': 2, '💛': 2, '🖤': 1, '🤍': 1.5, '💯': 2, '🔥': 1.5,
  '👍': 1.8, '👏': 2, '🙌': 2, '🙏': 1, '✨': 1.2, '🎉': 2, '🌟': 2, '⭐': 1.5, '👌': 1.5, '💪': 1.5, '🚀': 1.5,
  '😐': -0.3, '😑': -0.5, '🤔': -0.2, '😕': -1.2, '🙁': -1.5, '☹': -1.8, '☹️': -1.8, '😞': -2, '😔': -1.8,
  '😟': -1.8, '😢': -2, '😭': -0.5, '😩': -2, '😫': -2, '😤': -2.2, '😠': -2.8, '😡': -3, '🤬': -3.2, '💩': -2.5,
  '👎': -2, '💔': -2.5, '😱': -1.5, '😨': -1.8, '😰': -1.8, '🤮': -3, '🤢': -2.5, '😒': -1.8, '🙄': -1.5,
  '💰': 1.5, '🤑': 1.5, '😬': -1, '😣': -2, '😖': -2, '🤦': -1.8, '🤦‍♂️': -1.8, '🤦‍♀️': -1.8, '⚠️': -0.8, '❌': -1.2, '🚫': -1.2,
};
const EMOJI_RE = new RegExp(
  [...Object.keys(EMOJI)].sort((a, b) => b.length - a.length).map((e) => e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
  'gu',
);

/**
 * Customer-service phrases VADER does not know (or weighs for general text), English.
 * Matched on lower-cased text with word boundaries.
 */
const DOMAIN_EN: ReadonlyArray<[RegExp, number]> = [
  [/\bnever (?:arrived|came|delivered|received|showed up|got)\b/, -2.2],
  [/\b(?:still|yet to) (?:waiting|not|no|haven'?t|hasn'?t)\b/, -1.5],
  [/\bstuck\b/, -1],
  [/\bwrong (?:item|colou?r|size|order|product|address|one)\b/, -1.8],
  [/\b(?:crash(?:es|ed|ing)?|freez(?:es|ing)|froze)\b/, -1.5],
  [/\bnothing happens\b/, -1.5],
  [/\b(?:is|was|got|gets) lost\b/, -0.8],
  [/\blogged me out\b/, -1.2],
  [/\bbring back\b/, -1.2],
  [/\bdoes(?:n'?t| not) (?:work|load|match|open)\b|\bnot working\b|\bwon'?t (?:load|open|start|work)\b/, -1.8],
  [/\b(?:melted|overheat(?:s|ed|ing)?|caught fire|on fire|sparks?|smok(?:e|ed|ing))\b/, -1.8],
  [/\b(?:fire hazard|could have (?:been killed|died))\b/, -1.5],
  [/\b(?:copy-paste|same (?:scripted|canned)) (?:reply|answer|response)\b/, -1],
  [/\b(?:refund|money back)\b/, -0.6],
  [/\bfailed (?:deliveries|delivery|attempts?)\b/, -1],
  [/\bwithout (?:a |any )?(?:licen[cs]e|permission|consent)\b/, -1.2],
  [/\btook my money\b/, -2],
  [/\b(?:unreal|spotless|flawless|smooth|seamless)\b/, 1.8],
  [/\b(?:so|super|really|very|lightning) (?:fast|quick)(?:ly)?\b|\bquickly\b/, 1],
  [/\bwould (?:stay|buy|order|recommend) (?:again|it|them|you)\b/, 1.5],
  [/\bbest (?:places?|\w+ i'?ve|ever)\b/, 0.8],
  // Wanting to buy from or work with the brand is a positive stance; a legal threat a negative one.
  [/\b(?:want|wanna|keen|ready) to (?:order|buy|purchase|upgrade)\b/, 1.2],
  [/\b(?:partner|collaborate|team up|work together) with (?:you|your)\b|\blaunch partner\b/, 1.2],
  [/\b(?:legal team|lawyers?|solicitors?|attorneys?|sue|suing|lawsuit|court)\b/, -1.2],
];

/** Politeness and team names that VADER reads as sentiment. */
const NOT_SENTIMENT_EN: ReadonlyArray<RegExp> = [
  /\bplease\b/g,
  /^\W*(?:ok|okay|k|kk)\W*$/g,
  /\b(?:enterprise|service|licen[cs]e|partnership|purchase|user|subscription) agreement\b/g,
  /\bcustomer success\b/g, /\bfree (?:trial|shipping|returns?)\b/g, /\bno (?:problem|worries)\b/g];

/** Cheap sarcasm markers: when one is present, a positive surface reading is taken as negative. */
const SARCASM: ReadonlyArray<RegExp> = [
  /(?:^|\s)\/s\b/,
  /🙄|🙃/u,
  /\byeah,? right\b/,
  /\bthanks for nothing\b/,
  /\bjust what i (?:needed|wanted)\b/,
  /\bgotta love\b/,
  // "Oh great" alone can be sincere; with a mishap after it, it is not.
  /\b(?:oh|wow),? (?:great|wonderful|fantastic|perfect|brilliant|lovely|joy|good|nice|awesome)\b.*\b(?:again|another|still|crash\w*|broke\w*|down|outage|logged|cancel\w*|late|fail\w*|lost|delay\w*|charged|waiting)\b/,
  /\b(?:great|wonderful|fantastic|perfect|brilliant|lovely|nice|awesome)[,.!]+ (?:another|again|now|once again)\b/,
  /\b(?:love|loving|enjoy|adore)s? (?:\w+ing|having to|waiting)\b.*\b(?:again|every (?:time|day)|times|hours|all day|a day)\b/,
  /\b(?:love|just love)s? (?:it )?when\b.*\b(?:crash|fail|break|lose|log|cancel|charge)/,
];

/** Other-language lexicon: es, fr, de, it, pt, nl (lower-case, accents kept). */
const LEXICON_INTL: ReadonlyMap<string, number> = new Map(
  Object.entries({
    // positive
    'bueno|buena|buenísimo|excelente|genial|increíble|perfecto|encanta|encantó|maravilloso|rápido|rápida|gracias|feliz|recomiendo|mejor': 2,
    'bon|bonne|excellent|excellente|génial|parfait|parfaite|merci|super|rapide|adore|magnifique|top|bravo|heureux|recommande|meilleur|formidable': 2,
    'gut|gute|toll|super|klasse|prima|perfekt|danke|schnell|hervorragend|großartig|wunderbar|empfehlen|liebe|zufrieden|beste|spitze': 2,
    'buono|buona|ottimo|ottima|eccellente|perfetto|perfetta|grazie|gentile|gentilissimo|gentilissima|gentilissimi|bravo|bravi|veloce|fantastico|consiglio|migliore|bellissimo': 2,
    'bom|boa|ótimo|ótima|excelente|perfeito|obrigado|obrigada|rápido|adorei|amei|maravilhoso|recomendo|melhor|incrível|parabéns': 2,
    'goed|geweldig|prima|perfect|bedankt|snel|fantastisch|aanrader|blij|tevreden|beste|top': 2,
    // negative
    'malo|mala|horrible|terrible|pésimo|pésima|lento|vergüenza|estafa|decepción|decepcionado|nunca|peor|fatal|roto|queja': -2,
    'mauvais|mauvaise|horrible|nul|nulle|lent|honteux|honte|arnaque|déçu|déçue|inadmissible|inacceptable|scandaleux|injoignable|pire|cassé|problème': -2,
    'schlecht|schlechte|schrecklich|furchtbar|langsam|katastrophe|betrug|enttäuscht|unverschämt|frechheit|inakzeptabel|kaputt|schlimmste|ärgerlich|problem': -2,
    'cattivo|pessimo|pessima|terribile|orribile|lento|vergogna|truffa|deluso|delusa|inaccettabile|rotto|peggiore|problema': -2,
    'ruim|péssimo|péssima|horrível|terrível|lento|vergonha|golpe|decepcionado|decepção|absurdo|inaceitável|quebrado|pior|problema': -2,
    'slecht|verschrikkelijk|traag|schande|oplichting|teleurgesteld|onacceptabel|kapot|slechtste|probleem': -2,
  }).flatMap(([words, v]) => words.split('|').map((w) => [w, v] as [string, number])),
);
/** Phrases (other languages) for things not received or still not done. */
const DOMAIN_INTL: ReadonlyArray<[RegExp, number]> = [
  [/\b(?:não|nao) (?:recebi|chegou|funciona)\b|\bainda não\b/u, -2],
  [/\bno (?:recibí|he recibido|llegó|ha llegado|funciona)\b|\btodavía no\b|\baún no\b/u, -2],
  [/\b(?:pas|jamais) (?:reçu|arrivé|livré)\b|\btoujours pas\b|\bne (?:marche|fonctionne) (?:pas|plus)\b/u, -2],
  [/\bnicht (?:erhalten|angekommen|geliefert)\b|\bimmer noch nicht\b|\bfunktioniert nicht\b/u, -2],
  [/\bnon (?:ho ricevuto|è arrivato|funziona)\b|\bancora non\b|\bmai arrivato\b/u, -2],
  [/\b(?:warte|warten) (?:schon )?seit\b|\b(?:espero|esperando) desde\b|\b(?:j'attends|attends|attendons) depuis\b|\b(?:aspetto|aspettando) da\b|\b(?:espero|esperando|aguardo) (?:há|faz)\b/u, -1.2],
  [/\bniet (?:ontvangen|aangekomen|geleverd)\b|\bnog steeds niet\b|\bwerkt niet\b/u, -2],
];
const NEGATORS_INTL = new Set(['no', 'non', 'ne', 'pas', 'nicht', 'kein', 'keine', 'não', 'nao', 'nunca', 'jamais', 'mai', 'niet', 'geen', 'nem', 'ni']);
const INTENSIFIERS_INTL = new Set(['muy', 'muito', 'très', 'tres', 'sehr', 'molto', 'erg', 'heel', 'super', 'tan', 'tão', 'so', 'trop', 'echt', 'wirklich', 'davvero']);

/** VADER's normalization x/√(x²+α), and its inverse so extra valence can be added to a compound. */
const ALPHA = 15;
const normalize = (x: number): number => x / Math.sqrt(x * x + ALPHA);
const denormalize = (c: number): number => {
  const k = Math.max(-0.999, Math.min(0.999, c));
  return (k * Math.sqrt(ALPHA)) / Math.sqrt(1 - k * k);
};

function vaderValence(text: string): number {
  const compound = vader.SentimentIntensityAnalyzer.polarity_scores(text).compound;
  return denormalize(compound);
}

/** "sooo gooood" → "so good"; returns the text and how many sentiment-bearing words were stretched. */
function unstretch(text: string): { text: string; stretchedSentiment: number } {
  let stretchedSentiment = 0;
  const out = text.replace(/\p{L}*(\p{L})\1{2,}\p{L}*/gu, (word) => {
    const two = word.replace(/(\p{L})\1{2,}/gu, '$1$1');
    const one = word.replace(/(\p{L})\1{2,}/gu, '$1');
    const scoreTwo = vaderValence(two);
    const scoreOne = vaderValence(one);
    const chosen = Math.abs(scoreOne) > Math.abs(scoreTwo) ? one : two;
    if (Math.max(Math.abs(scoreOne), Math.abs(scoreTwo)) > 0) stretchedSentiment++;
    if (/^(?:so|soo)$/i.test(one)) return 'so';
    return chosen;
  });
  return { text: out, stretchedSentiment };
}

function emojiValence(text: string): { sum: number; hits: number } {
  let sum = 0;
  let hits = 0;
  for (const m of text.matchAll(EMOJI_RE)) {
    const v = EMOJI[m[0]];
    if (v !== undefined) {
      sum += hits < 6 ? v : v * 0.25; // a row of 10 💰 is one feeling, not ten
      hits++;
    }
  }
  return { sum, hits };
}

function intlValence(lower: string): { sum: number; hits: number } {
  const words = lower.match(/[\p{L}\p{M}]+/gu) ?? [];
  let sum = 0;
  let hits = 0;
  words.forEach((word, i) => {
    const v = LEXICON_INTL.get(word);
    if (v === undefined) return;
    // "nunca"/"problema" etc. count as their own valence; a negator within 3 words before flips and dampens.
    const window = words.slice(Math.max(0, i - 3), i);
    const negated = window.some((w) => NEGATORS_INTL.has(w)) && !NEGATORS_INTL.has(word);
    const boosted = window.some((w) => INTENSIFIERS_INTL.has(w));
    let value = v * (boosted ? 1.3 : 1);
    if (negated) value *= -0.74; // VADER's negation scalar
    sum += value;
    hits++;
  });
  for (const [re, v] of DOMAIN_INTL) {
    if (re.test(lower)) {
      sum += v;
      hits++;
    }
  }
  return { sum, hits };
}

export interface SentimentOptions {
  /** ISO 639-1 or `und`; English and `und` use VADER. */
  language?: string;
  /** 1..5 star rating of a review, when the platform gives one. */
  rating?: number;
}

export function analyzeSentiment(rawText: string, options: SentimentOptions = {}): SentimentDetail {
  const language = options.language ?? 'und';
  const noLinks = rawText.replace(/https?:\/\/\S+|www\.\S+/giu, ' ').replace(/@[\p{L}\p{N}_]+/gu, ' ');
  const { text, stretchedSentiment } = unstretch(noLinks);
  const lower = text.toLowerCase();
  const emoji = emojiValence(text);

  let valence = emoji.sum;
  let hits = emoji.hits;
  if (language === 'en' || language === 'und') {
    let forVader = text.replace(EMOJI_RE, ' ');
    for (const re of NOT_SENTIMENT_EN) forVader = forVader.replace(new RegExp(re.source, 'gi'), ' ');
    // Litotes VADER under-reads: "not bad at all" is praise.
    forVader = forVader.replace(/\bnot (?:too |that |so )?bad(?: at all)?\b/gi, 'good');
    const v = vaderValence(forVader);
    valence += v;
    if (v !== 0) hits++;
    for (const [re, w] of DOMAIN_EN) {
      if (re.test(lower)) {
        valence += w;
        hits++;
      }
    }
  } else {
    const intl = intlValence(lower);
    valence += intl.sum;
    hits += intl.hits;
    if (/!{2,}/.test(text) && intl.sum !== 0) valence *= 1.15;
  }
  if (stretchedSentiment > 0 && valence !== 0) valence *= 1 + 0.15 * Math.min(stretchedSentiment, 3);

  let score = normalize(valence);
  // In a plain question ("How do I export my data before cancelling?") the words are the topic, not a stance.
  const sentences = text.split(/(?<=[.!?])\s+/).filter((s) => /\p{L}/u.test(s));
  if (sentences.length > 0 && sentences.every((s) => /\?\s*$/.test(s)) && Math.abs(score) < 0.4) score *= 0.5;
  const sarcasm = SARCASM.some((re) => re.test(lower) || re.test(text));
  if (sarcasm && score > 0) score = -Math.max(0.35, score * 0.7);

  if (options.rating !== undefined && options.rating >= 1 && options.rating <= 5) {
    const fromRating = (options.rating - 3) / 2;
    score = hits === 0 ? fromRating : 0.5 * score + 0.5 * fromRating;
  }
  score = Math.round(Math.max(-1, Math.min(1, score)) * 1000) / 1000;
  const label: SentimentLabel = score >= NEUTRAL_BAND ? 'positive' : score <= -NEUTRAL_BAND ? 'negative' : 'neutral';
  return { label, score, confidence: Math.min(1, hits / 3), sarcasm };
}

/** Label and score only (the engagement's `sentiment`). */
export function sentimentOf(text: string, options: SentimentOptions = {}): Sentiment {
  const { label, score } = analyzeSentiment(text, options);
  return { label, score };
}
