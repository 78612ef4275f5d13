/** Region and account the emulator pretends to run in. */
export interface Partition {
  region: string;
  accountId: string;
}

/** The bus every account has; PutEvents and rules use it when no bus is named. */
export const DEFAULT_BUS = 'default';

/** `arn:aws:events:<region>:<account>:event-bus/<name>`. */
export const busArn = (p: Partition, bus: string) => `arn:aws:events:${p.region}:${p.accountId}:event-bus/${bus}`;

/** Rules on the default bus have no bus segment in their ARN; rules on other buses do. */
export const ruleArn = (p: Partition, bus: string, rule: string) =>
  `arn:aws:events:${p.region}:${p.accountId}:rule/${bus === DEFAULT_BUS ? '' : `${bus}/`}${rule}`;

/** `arn:aws:events:<region>:<account>:archive/<name>`. */
export const archiveArn = (p: Partition, archive: string) =>
  `arn:aws:events:${p.region}:${p.accountId}:archive/${archive}`;

/** Accepts a bus name or a bus ARN (as PutEvents, PutRule and friends do) and returns the name. */
export function busNameOf(nameOrArn: string | undefined): string {
  if (nameOrArn === undefined || nameOrArn === '') return DEFAULT_BUS;
  const marker = ':event-bus/';
  const at = nameOrArn.startsWith('arn:') ? nameOrArn.indexOf(marker) : -1;
  return at >= 0 ? nameOrArn.slice(at + marker.length) : nameOrArn;
}

export interface ParsedArn {
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

/** Splits `arn:<partition>:<service>:<region>:<account>:<resource>`; undefined when it is not an ARN. */
export function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, , service = '', region = '', accountId = ''] = parts;
  return { service, region, accountId, resource: parts.slice(5).join(':') };
}
