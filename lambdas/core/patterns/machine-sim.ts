import type { PatternValue } from './pattern-values.js';
import type { SubRule } from './rule-compiler.js';
import { wildcardComplexity } from './wildcard.js';

/**
 * How a field's values are read before matching. Ruler reads a value once per byte machine
 * (one per field per automaton state): if any pattern in that machine is numeric, numbers are
 * compared as numbers and IP strings are *not* converted; otherwise, if any pattern is a CIDR or
 * an IP literal, IP strings are read as their hex form, so string operators (exact, prefix,
 * anything-but...) on the same machine stop seeing them as the original text.
 */
export type ReadMode = 'plain' | 'numeric' | 'ip';

interface SimMachine {
  readonly next: Map<string, SimNode>;
  absentNext: SimNode | undefined;
  numeric: boolean;
  ip: boolean;
  readonly wildcards: Map<string, string[]>;
}

interface SimNode {
  readonly machines: Map<string, SimMachine>;
}

/** Sub-rule keys in Ruler's order (UTF-16 code-unit order, as Java's String.compareTo). */
export function sortedKeys(rule: SubRule): string[] {
  const keys = [...rule.keys()];
  return keys.length < 2 ? keys : keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The machines a sub-rule's key passes through, to read their flags once all rules are in. */
export interface MachineLayout {
  /** modes[subRule][keyIndex], keys as ordered by {@link sortedKeys}. */
  readonly modes: ReadMode[][];
  /** Largest wildcard complexity of any machine, evaluated up to `cap + 1`. */
  wildcardComplexity(cap: number): number;
}

/**
 * Rebuilds the shape of Ruler's state machine for one pattern's sub-rules (keys in sorted
 * order; per key, one machine per reached state; equal values share their next state, and a
 * new value reuses the state of the value before it) to find which values share a machine.
 */
export function layoutMachines(subRules: readonly SubRule[]): MachineLayout {
  const root: SimNode = { machines: new Map() };
  const all: SimMachine[] = [];
  const used: SimMachine[][][] = [];
  for (const rule of subRules) {
    const keys = sortedKeys(rule);
    const perKey: SimMachine[][] = [];
    let nodes = new Set<SimNode>([root]);
    for (const key of keys) {
      const values = rule.get(key) ?? [];
      const nextNodes = new Set<SimNode>();
      const machines: SimMachine[] = [];
      for (const node of nodes) {
        let machine = node.machines.get(key);
        if (!machine) {
          machine = { next: new Map(), absentNext: undefined, numeric: false, ip: false, wildcards: new Map() };
          node.machines.set(key, machine);
          all.push(machine);
        }
        machines.push(machine);
        let last: SimNode | undefined;
        for (const value of values) {
          if (value.type === 'absent') {
            machine.absentNext ??= last ?? { machines: new Map() };
            last = machine.absentNext;
          } else {
            const existing = machine.next.get(value.id);
            if (existing) last = existing;
            else {
              last ??= { machines: new Map() };
              machine.next.set(value.id, last);
            }
            noteFlags(machine, value);
          }
          nextNodes.add(last);
        }
      }
      perKey.push(machines);
      nodes = nextNodes;
    }
    used.push(perKey);
  }
  const modes = used.map((perKey) =>
    perKey.map((machines): ReadMode => {
      if (machines.some((m) => m.numeric)) return 'numeric';
      return machines.some((m) => m.ip) ? 'ip' : 'plain';
    }),
  );
  return {
    modes,
    wildcardComplexity(cap: number): number {
      let worst = 0;
      for (const machine of all) {
        if (machine.wildcards.size === 0) continue;
        const patterns = [...machine.wildcards].map(([id, strings]) => ({ id, strings }));
        worst = Math.max(worst, wildcardComplexity(patterns, cap));
        if (worst > cap) return worst;
      }
      return worst;
    },
  };
}

/**
 * The value types {@link noteFlags} reacts to: the only ones that change how a field is read or
 * how complex a rule is. A pattern without any has all fields read plainly and no wildcard
 * complexity, so compiling it can skip the layout.
 */
export const LAYOUT_VALUE_TYPES: ReadonlySet<PatternValue['type']> = new Set([
  'numeric-equals',
  'range',
  'anything-but-numbers',
  'cidr',
  'wildcard',
  'anything-but-wildcard',
]);

function noteFlags(machine: SimMachine, value: PatternValue): void {
  switch (value.type) {
    case 'numeric-equals':
    case 'range':
    case 'anything-but-numbers':
      machine.numeric = true;
      break;
    case 'cidr':
      machine.ip = true;
      break;
    case 'wildcard':
      machine.wildcards.set(value.id, [value.wildcard.source]);
      break;
    case 'anything-but-wildcard':
      machine.wildcards.set(
        value.id,
        value.values.map((w) => w.source),
      );
      break;
    default:
      break;
  }
}
