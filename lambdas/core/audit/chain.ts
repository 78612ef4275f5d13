import { createHash } from 'node:crypto';

/**
 * The audit trail's hash chain (docs/auditing.md, "Tamper evidence"). Every audit record of an
 * engagement — its routing decision (the engagement item), each lifecycle event (`EVENT#…`) and
 * each edit or deletion the platform reported (`AUDIT#…`) — carries `chain: { seq, prev, hash }`:
 * its place in the engagement's chain, the hash of the record before it, and its own hash over
 * that and the record's content. One chain per engagement, because an engagement's records are
 * written by different functions at once; each writer extends the chain on the condition that its
 * head (`ENG#<id>` / `CHAIN`, or the decision for a chain of one) is still the one it read, so two
 * concurrent writers cannot both append at the same place: the loser reads again, as for any
 * conflicting write.
 *
 * The hash covers what an auditor relies on and nothing a legitimate change rewrites: no text, no
 * author, no matched values (an erasure removes personal data, and must not break the chain), and
 * not the engagement's later edits (they are records of their own).
 */

/** A record's place in its engagement's chain. */
export interface ChainLink {
  seq: number;
  /** The hash of the record before it; empty for the first. */
  prev: string;
  hash: string;
}

/** Sort key of the chain's head item, kept once a chain has more than one record. */
export const CHAIN_HEAD_SORT_KEY = 'CHAIN';

/** JSON with object keys sorted at every level, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

type Item = Record<string, unknown>;
const obj = (v: unknown): Item => (v && typeof v === 'object' ? (v as Item) : {});

/** Whether an item is an audit record (one the chain covers). */
export function isAuditRecord(item: Item): boolean {
  const sk = String(item.sk ?? '');
  return (
    String(item.pk ?? '').startsWith('ENG#') &&
    (sk === 'ENGAGEMENT' || sk.startsWith('EVENT#') || sk.startsWith('AUDIT#'))
  );
}

/** What of an audit record the chain covers (see the module's doc): undefined for any other item. */
export function auditView(item: Item): unknown {
  const { pk, sk } = item;
  const key = String(sk ?? '');
  if (key === 'ENGAGEMENT') {
    const engagement = obj(item.engagement);
    const decision = obj(item.decision);
    return {
      pk,
      sk,
      engagement: {
        id: engagement.id,
        platform: engagement.platform,
        kind: engagement.kind,
        createdAt: engagement.createdAt,
        receivedAt: engagement.receivedAt,
        routing: engagement.routing,
      },
      decision: {
        at: decision.at,
        deliveryId: decision.deliveryId,
        rawKey: decision.rawKey,
        case: decision.case,
        // Which conditions held, not the engagement's values (they may quote its text).
        reasons: (Array.isArray(decision.reasons) ? decision.reasons : []).map((r) => ({
          rule: obj(r).rule,
          matched: (Array.isArray(obj(r).matched) ? (obj(r).matched as unknown[]) : []).map((m) => ({
            field: obj(m).field,
            operator: obj(m).operator,
          })),
        })),
      },
    };
  }
  if (key.startsWith('EVENT#')) {
    const event = obj(item.event);
    const detail = obj(event.detail);
    return {
      pk,
      sk,
      at: item.at,
      source: event.source,
      detailType: event.detailType,
      // A delivery carries the whole engagement: the chain keeps which one, and how it was routed.
      // A reply's text may quote its customer (an erasure scrubs it): the chain keeps the rest.
      detail:
        event.detailType === 'Engagement Routed'
          ? { id: detail.id, routing: detail.routing }
          : String(event.detailType).startsWith('Reply ')
            ? { ...detail, text: undefined }
            : detail,
    };
  }
  if (key.startsWith('AUDIT#')) return { pk, sk, type: item.type, at: item.at, deliveryId: item.deliveryId };
  return undefined;
}

/** The hash of a record after `prev`: SHA-256 (hex) of the previous hash and the record's view. */
export function recordHash(prev: string, item: Item): string {
  return createHash('sha256')
    .update(`${prev}\n${canonicalJson(auditView(item))}`)
    .digest('hex');
}

/** The link of a record appended after `head` (undefined: the first record of its chain). */
export function nextLink(head: Pick<ChainLink, 'seq' | 'hash'> | undefined, item: Item): ChainLink {
  const prev = head?.hash ?? '';
  return { seq: head ? head.seq + 1 : 0, prev, hash: recordHash(prev, item) };
}

/** A problem `audit verify` found, named by the record's table key. */
export interface ChainProblem {
  pk: string;
  sk: string;
  problem: string;
}

/** What verifying a set of items found. */
export interface ChainReport {
  chains: number;
  records: number;
  /** Audit records written before the chain existed (no `chain`): counted, not verifiable. */
  unchained: number;
  problems: ChainProblem[];
}

/**
 * Verifies every engagement's chain in a set of items (an export): each record's hash over its
 * content and the hash before it, the sequence without gaps, and the head naming the last record.
 * A changed record fails its own hash; a removed one leaves a gap (or a head past the end); two
 * reordered ones break the links. Problems come in table-key order, the first of each chain.
 */
export function verifyChains(items: Iterable<Item>): ChainReport {
  const byChain = new Map<string, { records: Item[]; head?: Item }>();
  let unchained = 0;
  for (const item of items) {
    const pk = String(item.pk ?? '');
    if (!pk.startsWith('ENG#')) continue;
    const entry = byChain.get(pk) ?? { records: [] };
    if (item.sk === CHAIN_HEAD_SORT_KEY) entry.head = item;
    else if (isAuditRecord(item)) {
      if (item.chain) entry.records.push(item);
      else unchained++;
    } else continue;
    byChain.set(pk, entry);
  }
  const problems: ChainProblem[] = [];
  let records = 0;
  let chains = 0;
  for (const [pk, { records: chain, head }] of [...byChain].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (chain.length === 0 && !head) continue;
    chains++;
    records += chain.length;
    const sorted = [...chain].sort((a, b) => Number(obj(a.chain).seq) - Number(obj(b.chain).seq));
    let prev = '';
    let problem: ChainProblem | undefined;
    for (const [i, record] of sorted.entries()) {
      const link = obj(record.chain);
      const at = { pk, sk: String(record.sk) };
      if (Number(link.seq) !== i) {
        problem = { ...at, problem: `record ${i} of the chain is missing before this one (seq ${String(link.seq)})` };
        break;
      }
      if (link.prev !== prev) {
        problem = { ...at, problem: 'does not follow the record before it (reordered, or the one before was changed)' };
        break;
      }
      if (recordHash(prev, record) !== link.hash) {
        problem = { ...at, problem: 'was changed: its content does not match its hash' };
        break;
      }
      prev = String(link.hash);
    }
    const last = sorted.at(-1);
    if (!problem && head && (Number(head.seq) !== sorted.length - 1 || head.hash !== obj(last?.chain).hash))
      problem = {
        pk,
        sk: CHAIN_HEAD_SORT_KEY,
        problem: `the chain's head names record ${String(head.seq)}, but the chain ends at record ${sorted.length - 1}: records were removed`,
      };
    if (problem) problems.push(problem);
  }
  return { chains, records, unchained, problems };
}
