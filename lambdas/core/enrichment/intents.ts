import type { Sentiment } from './sentiment.js';

/**
 * Multi-label intent detection with transparent rules (no model): each intent has cue
 * patterns (English first, with the main cues in es/fr/de/it/pt), and a few interactions:
 * - `spam` is exclusive: a spam post is not also a question worth routing;
 * - `question` comes from a question mark or an interrogative opening;
 * - `complaint` and `praise` also follow clear sentiment when nothing more specific was found,
 *   and `praise` needs a non-negative reading (so sarcasm does not count as praise);
 * - `other` only when nothing else applies.
 * Rules are easy to read, test and extend per tenant; the eval script measures them.
 */

// The vocabulary is the engagement contract's (DESIGN.md); re-exported for enrichment's users.
import { INTENTS, type Intent } from '../engagement/engagement.schema.js';

export { INTENTS, type Intent };

const any = (...patterns: RegExp[]): ((t: string) => boolean) => (t) => patterns.some((p) => p.test(t));
/** Count of patterns that match, for intents that need more than one weak cue. */
const count = (t: string, patterns: RegExp[]): number => patterns.filter((p) => p.test(t)).length;

const SOFTWARE = /\b(?:app|apps|site|website|web ?site|page|login|log ?in|sign ?in|logged|password|sync|update|version|button|screen|checkout|upload|download|editor|draft|save|account|browser|server|api|feature|notification|dashboard|ios|android|macos|windows|linux|iphone|ipad|pixel|galaxy|chrome|firefox|safari|token|error|link)\b/;

const isBug = (t: string): boolean =>
  any(
    /\b(?:crash(?:es|ed|ing)?|bug|bugs|buggy|glitch(?:es|y)?|freez(?:es|ing)|froze|frozen)\b/,
    /\berror (?:code|message|\d+)\b|\b(?:404|500|502|503) error\b|\bstack ?trace\b|\bexception\b/,
    /\bblank (?:screen|page)\b|\bwhite screen\b|\bspinning (?:wheel|forever)\b/,
  )(t) ||
  (SOFTWARE.test(t) &&
    any(
      /\b(?:fails?|failed|failing) (?:to|with|on|when|after)\b/,
      /\bnothing happens\b|\bdoes(?:n'?t| not) (?:work|load|open|save|sync|respond)\b|\bnot (?:working|loading|syncing|saving)\b|\bwon'?t (?:load|open|start|save|sync|let me)\b|\bcan'?t (?:log ?in|sign ?in|login|save|upload|open)\b/,
      /\b(?:is|gets|got) (?:lost|deleted|wiped)\b|\bkeeps? (?:logging|crashing|freezing|failing)\b|\blogged me out\b/,
      /\bsync fails\b|\bbroken (?:link|page|button|app|feature)\b/,
    )(t));

const isSafety = any(
  /\b(?:fire hazard|caught fire|on fire|melt(?:ed|ing|s)?|overheat(?:s|ed|ing)?|smok(?:e|ing)|sparks?|exploded?|explosion|electric(?:al)? shock|electrocut\w*)\b/,
  /\b(?:injur(?:ed|y|ies)|hurt (?:my|me|him|her|them|our)|hospital|a&e|emergency room|burn(?:s|ed|t)? (?:my|me|his|her|their)|burns?\b)/,
  /\b(?:rash|allergic reaction|choking|choke hazard|poison(?:ing|ed)?|toxic|food poisoning|contaminat\w+|mould in|mold in|glass in)\b/,
  /\b(?:unsafe|dangerous|hazard(?:ous)?|recall)\b|\bis (?:it|this) safe\b|\bnot safe\b/,
  /\bcould have (?:been )?(?:killed|died|hurt|injured)\b|\b(?:brakes?|airbags?) (?:failed|fail|didn'?t work)\b/,
  /\b(?:peligroso|quemadura|incendio|dangereux|brûlure|incendie|gefährlich|verbrennung|brand|pericoloso|ustione|incendio|perigoso|queimadura)\b/u,
);

const isLegal = any(
  /\b(?:lawyer|attorney|solicitor|lawsuit|sue|suing|sued|litigation|legal action|legal team|legal department|court|class action|cease and desist)\b/,
  /\b(?:filing|file|filed) (?:a )?(?:claim|complaint) (?:in|with|against)\b|\bsmall claims\b/,
  /\b(?:copyright|trademark|infring\w+|without (?:a |any )?(?:licen[cs]e|permission|consent)|defamat\w+|libel|slander)\b/,
  /\b(?:gdpr|data protection|ombudsman|trading standards|regulator|ftc|cnil|breach of contract|report(?:ing)? you to)\b/,
  /\b(?:abogado|demanda|denuncia|avocat|plainte|tribunal|anwalt|klage|gericht|avvocato|denuncia|advogado|processo|processar)\b/u,
);

const isPress = any(
  /\b(?:reporter|journalist|correspondent|newsroom|(?:an? |the )?(?:editor|producer) (?:at|of|for)|press (?:inquiry|enquiry|office|request)|media (?:inquiry|enquiry|request))\b/,
  /\b(?:need|request(?:ing)?|looking for|like|want) (?:a |an )?(?:statement|comment|quote)\b|\bfor comment\b|\bon the record\b/,
  /\b(?:writing|working on) (?:a |an )?(?:story|piece|article|feature)\b|\bfor (?:a |an |our |my )?(?:story|article|piece|paper|newspaper|segment)\b/,
  /\b(?:podcast|show|programme|program) host\b|\bcome on (?:the|our|my) (?:show|podcast|programme|program)\b|\binterview\b/,
  /\b(?:periodista|journaliste|journalist(?:in)?|giornalista|jornalista)\b/u,
);

const isJob = any(
  /\b(?:hiring|vacanc(?:y|ies)|job (?:opening|offer|posting)s?|openings?|open (?:roles|positions)|internships?|apprenticeships?|careers? (?:page|site)?)\b/,
  /\b(?:my|a) (?:cv|resume|résumé)\b|\bsend (?:you )?my (?:cv|resume|résumé|portfolio)\b/,
  /\b(?:apply|applying|application) (?:for|to) (?:a |the )?(?:job|role|position|internship)\b/,
  /\b(?:work|working) (?:for|at) (?:you|acme|your company)\b|\bjoin (?:your|the) team\b/,
  /\b(?:empleo|vacante|trabajo|candidature|emploi|stellenangebot|bewerbung|lavoro|candidatura|vaga|emprego)\b/u,
);

const isPartnership = any(
  /\b(?:partner(?:ship|ing)?s?|collaborat\w+|collab|co-marketing|co-branded|sponsor(?:ship|ing)?|affiliate|reseller|distributor|joint venture|white[- ]label)\b/,
  /\bintegrat(?:e|ion) with (?:you|your)\b|\bwork together\b|\bteam up\b/,
  /\b(?:alianza|colaboración|partenariat|zusammenarbeit|kooperation|collaborazione|parceria)\b/u,
);

const SPAM_STRONG = [
  /\b(?:free|cheap|buy|get|gain)\s+(?:real\s+)?(?:followers|likes|subscribers|views)\b/,
  /\b\d+k?\s+(?:followers|likes|subscribers)\b.*\b(?:overnight|cheap|now|fast|instantly|guaranteed)\b/,
  /\blink in (?:my )?bio\b|\bclick (?:the|my) link\b|\bcheck (?:out )?my (?:profile|page|bio)\b|\bvisit my (?:profile|page)\b/,
  /\bwin (?:a|an) (?:free )?(?:iphone|tesla|car|gift ?card|prize|\$)/,
  /\b(?:crypto|bitcoin|btc|forex|binary options)\b.*\b(?:profit|earn|invest|returns?|double)\b|\bmake \$?\d+\w* (?:a|per) (?:day|week)\b|\bearn (?:money|\$\d+)\b/,
  /\b(?:onlyfans|whatsapp me|telegram me)\b/,
];
const SPAM_WEAK = [
  /\bdm (?:me|now|us)\b/,
  /\bpromo\b|\bdiscount code\b|\b100% free\b/,
  /\bshare this post\b|\bfollow (?:me|back|for follow)\b|\bf4f\b|\bl4l\b/,
  /💰|🤑|💸/u,
  /!!!/,
  /\bfree\b.*\bfree\b/,
];

const isPurchase = any(
  /\b(?:pricing|price list|quote for|a quote|quotation|how much (?:is|are|does|do|for|would))\b/,
  /\b(?:want|wanna|going|ready|planning|looking|like|keen) to (?:buy|order|purchase|subscribe|upgrade|sign up|roll (?:\w+ )*out)\b/,
  /\bwhere (?:can|do) i (?:buy|get|order|purchase)\b|\b(?:is|are) (?:it|they|this|the \w+) (?:in stock|available)\b|\bback in stock\b/,
  /\benterprise (?:plan|agreement|licen[cs]e|deal|tier|pricing|contract)\b|\b(?:business|pro|premium|team) (?:tier|plan) (?:cost|price|include)/,
  /\bdeciding between\b|\bcompar(?:e|ing) (?:you|your)\b|\b(?:vs\.?|versus) (?:a )?competitor\b|\b(?:you|your \w+) (?:and|or) (?:a )?competitor\b/,
  /\b(?:book|get|schedule|request) a demo\b|\btalk to (?:sales|someone in sales)\b|\bsales team\b|\bvolume discount\b/,
  /\b\d[\d,.]* (?:seats|licen[cs]es|users|employees|staff)\b/,
  /\b(?:quiero comprar|precio|cuánto cuesta|je veux acheter|prix|combien|kaufen|preis|was kostet|comprare|prezzo|quanto costa|quero comprar|preço|quanto custa)\b/u,
);

const isFeatureRequest = any(
  /\bplease (?:add|let us|let me|allow|make|bring back|support|give us|consider|include|build)\b/,
  /\b(?:would|could|can|will) you (?:please )?(?:consider )?(?:add|adding|support|supporting|build|building|bring back|include|including|make|let us|allow)\b/,
  /\b(?:i|we) wish (?:you|it|there|the)\b|\bfeature request\b|\bwould (?:be|love) (?:great|nice|awesome|helpful|useful)? ?(?:if|to (?:have|see|get))\b/,
  /\b(?:any plans|plans?) to (?:add|support|bring|release)\b|\b(?:an? |the )?(?:option|ability|setting|way) to (?:switch|turn|disable|enable|export|change|set|customi[sz]e|hide)\b/,
  /\bbring back\b|\bshould (?:add|support|have an? option)\b|\badd support for\b|\bdark mode\b/,
  /\b(?:podrían añadir|pourriez-vous ajouter|ce serait bien|wäre (?:schön|toll|super) wenn|potreste aggiungere|poderiam adicionar)\b/u,
);

const isComplaint = any(
  /\b(?:terrible|awful|horrible|worst|unacceptable|disgusting|ridiculous|rubbish|useless|pathetic|appalling|shocking|disgrace(?:ful)?|joke|fed up|sick of|had enough|disappoint(?:ed|ing)|furious|angry|annoyed|frustrat(?:ed|ing))\b/,
  /\bnever (?:arrived|came|delivered|received|showed up|got)\b|\btook my money\b|\b(?:still|yet to) (?:waiting|not received|haven'?t|hasn'?t)\b|\bstuck in\b/,
  /\b(?:wrong|damaged|broken|missing|faulty|defective) (?:item|colou?r|size|order|product|parcel|package|part|\w+)\b|\bdamaged (?:our|my)\b/,
  /\b(?:no one|nobody) (?:answers|responds|replies|gets back|helps)\b|\bno (?:response|reply|answer)\b|\bkeeps? (?:sending|ignoring|cancell?ing)\b|\bcopy-paste\b/,
  /\b(?:overcharged|charged (?:me )?twice|double charged|waste of (?:money|time)|rip-?off|scam(?:med)?|want (?:a|my) refund|money back)\b/,
  /\b(?:failed deliver(?:y|ies)|late again|delayed again|cancell?ed my order)\b/,
  /\b(?:inadmissible|inacceptable|scandaleux|injoignable|honteux|toujours pas|pésimo|vergüenza|estafa|todavía no|unverschämt|frechheit|immer noch nicht|pessimo|vergogna|ancora non|péssimo|vergonha|não recebi|ainda não|reembolso|remboursement|rimborso|erstattung)\b/u,
);

const isPraise = any(
  /\b(?:thank(?:s| you)|thx|ty|kudos|shout-?out|well done|great (?:job|work|service|team|review|experience)|hats off)\b/,
  /\b(?:amazing|awesome|excellent|fantastic|brilliant|superb|outstanding|wonderful|incredible|unreal|spotless|flawless|perfect|impressed|proud|delighted|loving|stellar)\b/,
  /\b(?:love|loved|adore) (?:it|this|these|that|the|your|you|how|my)\b|\bbest (?:\w+ )?(?:i'?ve|ever|in town|places?)\b|\b(?:highly )?recommend\b|\bwould (?:stay|buy|order) again\b/,
  /\b(?:so|very|super|really) (?:fast|quick|helpful|friendly|good|easy)\b|\b5 stars?\b|\bfive stars?\b/,
  /❤|😍|🥰|👏|🙌|💖|💕|💯|🔥/u,
  /\b(?:gracias|excelente|genial|merci|génial|parfait|bravo|danke|vielen dank|toll|klasse|hervorragend|grazie|ottimo|gentilissim\w*|perfetto|obrigad[oa]|ótimo|adorei|parabéns|bedankt|geweldig)\b/u,
);

/** A question without a question mark: an auxiliary + subject, or a wh-word + auxiliary (not "When I tap save…"). */
const QUESTION_OPENERS = new RegExp(
  [
    "^(?:is|are|can|could|do|does|did|will|would|should|has|have|was|were) (?:it|this|that|there|the|your|you|i|we|they|he|she|anyone|someone)\\b",
    "^(?:who|what|when|where|why|how|which)(?:'s| (?:is|are|was|were|do|does|did|can|could|will|would|should|to|much|many|long|come))\\b",
    "^(?:any (?:idea|news|update|plans)|qué|cuándo|dónde|cómo|por qué|est-ce que|pourquoi|comment|quand|où|wie|wann|wo|warum|gibt es|perché|quanto|onde|porque)\\b",
  ].join('|'),
  'u',
);

export interface IntentOptions {
  sentiment?: Sentiment;
  /** A sarcasm marker was found (a sarcastic positive surface is a complaint). */
  sarcasm?: boolean;
}

/** The intents of a text, in vocabulary order; never empty (`other` when nothing applies). */
export function detectIntents(text: string, options: IntentOptions = {}): Intent[] {
  const t = text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/https?:\/\/\S+/g, ' link ');
  const found = new Set<Intent>();
  if (!t.trim()) return ['other'];

  const spamScore = 2 * count(t, SPAM_STRONG) + count(t, SPAM_WEAK);
  if (spamScore >= 2) return ['spam'];

  if (isBug(t)) found.add('bug_report');
  if (isSafety(t)) found.add('safety_risk');
  if (isLegal(t)) found.add('legal_risk');
  if (isPress(t)) found.add('press_inquiry');
  if (isJob(t)) found.add('job_inquiry');
  if (isPartnership(t)) found.add('partnership');
  if (isPurchase(t)) found.add('purchase_intent');
  if (isFeatureRequest(t)) found.add('feature_request');

  const sentences = t.split(/(?<=[.!?¿¡])\s+|\n+/).map((s) => s.replace(/^[¿¡\s"'(]+/, '').trim());
  if (/\?/.test(t) || sentences.some((s) => QUESTION_OPENERS.test(s) && s.split(/\s+/).length >= 3 && !/[.!]$/.test(s))) found.add('question');

  const sentiment = options.sentiment;
  const specific = [...found].some((i) => i !== 'question');
  const complaintCue = isComplaint(t);
  // Complaint: a complaint cue, or a clearly negative text that no specific intent explains.
  if ((complaintCue && sentiment?.label !== 'positive') || (options.sarcasm && sentiment?.label === 'negative') || (!specific && sentiment && sentiment.score <= -0.35)) found.add('complaint');

  // Praise: a praise cue with a positive reading, or a clearly positive statement with nothing more specific.
  // Thanks/love inside a request ("thanks in advance", "I'd love to send my CV") is politeness, not praise.
  const request = found.has('question') || ['purchase_intent', 'feature_request', 'job_inquiry', 'partnership', 'press_inquiry'].some((i) => found.has(i as Intent));
  const positive = sentiment ? sentiment.label === 'positive' : true;
  if (!found.has('complaint') && positive && ((isPraise(t) && !request) || (!specific && !found.has('question') && (sentiment?.score ?? 0) >= 0.3))) found.add('praise');

  if (found.size === 0) found.add('other');
  return INTENTS.filter((i) => found.has(i));
}
