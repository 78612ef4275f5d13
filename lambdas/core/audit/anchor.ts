import { createHash } from 'node:crypto';
import { CHAIN_HEAD_SORT_KEY, type ChainProblem, type ChainReport, isAuditRecord, verifyChains } from './chain.js';

/**
 * The daily root of the audit chains (docs/auditing.md, "Tamper evidence"). Each engagement's
 * records form a hash chain (chain.ts), which shows a record changed, removed or reordered
 * inside the chain; it cannot show a chain rewritten from its first record on, by someone who
 * can write the table and recomputes every hash. An anchor closes that: once a day, after the
 * export, the head of every chain (its last record's place and hash) goes into one file whose
 * root hash also covers the anchor before it, stored under S3 Object Lock where nobody can
 * rewrite it for the retention period. Later exports must then extend every anchored chain:
 * the anchored record is still there with the same hash. Rewriting history after an anchor
 * means rewriting the anchor, which the lock forbids.
 *
 * The anchor holds every head, not only the day's changes: it is then enough on its own to
 * check any later export (a few tens of bytes per engagement; a million engagements are some
 * 40 MB a day, gzipped, kept as long as the exports).
 */

/** The format marker of an anchor file. */
export const ANCHOR_FORMAT = 'switchboard-audit-anchor/1';

/** One chain's head as anchored: `[pk, seq, hash, receivedAt]` (receivedAt: when retention may remove it). */
export type AnchoredHead = [pk: string, seq: number, hash: string, receivedAt: string];

/** An anchor: the heads of all chains of one export and the root hash over them and the anchor before. */
export interface AuditAnchor {
  format: typeof ANCHOR_FORMAT;
  /** The export it was made from (the id in its ARN; the twin's exports have ids too). */
  exportId: string;
  /** The exported table's id: anchors of another table (one made anew) are not this one's history. */
  tableId: string;
  /** The point in time the export shows. */
  exportTime: string;
  /** When the anchor was made. */
  anchoredAt: string;
  /** The root of the anchor before this one ('' for the first). */
  previousRoot: string;
  chains: number;
  records: number;
  /** SHA-256 (hex) of `previousRoot` and every head, in key order (see {@link anchorRoot}). */
  root: string;
  /** What verifying the export's chains found; anchored as found, so a broken chain is on record. */
  problems: ChainProblem[];
  heads: AnchoredHead[];
}

type Item = Record<string, unknown>;
const obj = (v: unknown): Item => (v && typeof v === 'object' ? (v as Item) : {});

/** The root over heads (sorted by pk) after `previousRoot`: one line per head, so any change moves it. */
export function anchorRoot(previousRoot: string, heads: readonly AnchoredHead[]): string {
  const hash = createHash('sha256').update(`${ANCHOR_FORMAT}\n${previousRoot}\n`);
  for (const [pk, seq, h] of heads) hash.update(`${pk} ${seq} ${h}\n`);
  return hash.digest('hex');
}

/** Each chain's last record and when its engagement was received, from an export's items. */
export function chainHeads(items: Iterable<Item>): AnchoredHead[] {
  const heads = new Map<string, { seq: number; hash: string }>();
  const received = new Map<string, string>();
  for (const item of items) {
    const pk = String(item.pk ?? '');
    if (!pk.startsWith('ENG#') || item.sk === CHAIN_HEAD_SORT_KEY || !isAuditRecord(item)) continue;
    if (item.sk === 'ENGAGEMENT') received.set(pk, String(obj(item.engagement).receivedAt ?? ''));
    const link = obj(item.chain);
    if (typeof link.hash !== 'string') continue;
    const seq = Number(link.seq);
    const current = heads.get(pk);
    if (!current || seq > current.seq) heads.set(pk, { seq, hash: link.hash });
  }
  return [...heads]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([pk, h]) => [pk, h.seq, h.hash, received.get(pk) ?? '']);
}

/** What {@link buildAnchor} needs besides the items. */
export interface AnchorInput {
  exportId: string;
  tableId: string;
  exportTime: string;
  anchoredAt: string;
  /** The anchor before this one, if any: its root is chained into this one. */
  previous?: Pick<AuditAnchor, 'root'>;
}

/** The anchor of an export's items: its chains verified, its heads, and the root over them. */
export function buildAnchor(items: readonly Item[], input: AnchorInput): { anchor: AuditAnchor; report: ChainReport } {
  const report = verifyChains(items);
  const heads = chainHeads(items);
  const previousRoot = input.previous?.root ?? '';
  return {
    report,
    anchor: {
      format: ANCHOR_FORMAT,
      exportId: input.exportId,
      tableId: input.tableId,
      exportTime: input.exportTime,
      anchoredAt: input.anchoredAt,
      previousRoot,
      chains: report.chains,
      records: report.records,
      root: anchorRoot(previousRoot, heads),
      problems: report.problems,
      heads,
    },
  };
}

/** An anchor file that is not one, or whose root does not match its heads (it was edited). */
export class AnchorFormatError extends Error {}

/** Reads an anchor file, checking that its root is the hash of its heads. */
export function parseAnchor(text: string, name: string): AuditAnchor {
  let anchor: AuditAnchor;
  try {
    anchor = JSON.parse(text) as AuditAnchor;
  } catch (err) {
    throw new AnchorFormatError(`${name}: not JSON (${(err as Error).message})`);
  }
  if (anchor?.format !== ANCHOR_FORMAT || !Array.isArray(anchor.heads) || typeof anchor.root !== 'string')
    throw new AnchorFormatError(`${name}: not an audit anchor (${ANCHOR_FORMAT})`);
  if (anchorRoot(anchor.previousRoot ?? '', anchor.heads) !== anchor.root)
    throw new AnchorFormatError(`${name}: its root does not match its heads: the anchor was edited`);
  return anchor;
}

/** What checking an export against an earlier anchor found. */
export interface AnchorCheck {
  /** Anchored chains found extended (or unchanged) in the export. */
  held: number;
  /** Anchored chains gone because retention removed them (received before the cut-off). */
  expired: number;
  problems: ChainProblem[];
}

/**
 * Checks that an export extends every chain of an earlier anchor: the anchored record is still
 * in its chain with the hash the anchor holds. A chain whose engagement was received before
 * `expiredBefore` (the audit retention's cut-off at the export's time) may be gone as a whole:
 * retention removed it. Anything else missing or different was rewritten after it was anchored.
 */
export function checkAnchor(anchor: AuditAnchor, items: Iterable<Item>, expiredBefore?: string): AnchorCheck {
  const wanted = new Map(anchor.heads.map((h) => [h[0], h] as const));
  const found = new Map<string, string>();
  const present = new Set<string>();
  for (const item of items) {
    const pk = String(item.pk ?? '');
    const head = wanted.get(pk);
    if (!head) continue;
    present.add(pk);
    const link = obj(item.chain);
    if (isAuditRecord(item) && Number(link.seq) === head[1]) found.set(pk, String(link.hash));
  }
  const problems: ChainProblem[] = [];
  let held = 0;
  let expired = 0;
  for (const [pk, seq, hash, receivedAt] of anchor.heads) {
    const actual = found.get(pk);
    if (actual === hash) held++;
    else if (!present.has(pk) && expiredBefore !== undefined && receivedAt !== '' && receivedAt < expiredBefore)
      expired++;
    else
      problems.push({
        pk,
        sk: `chain record ${seq}`,
        problem:
          actual === undefined
            ? `is gone, though the anchor of ${anchor.exportTime} holds it: the chain was cut or removed after it was anchored`
            : `has another hash than the anchor of ${anchor.exportTime} holds: the chain was rewritten after it was anchored`,
      });
  }
  return { held, expired, problems };
}
