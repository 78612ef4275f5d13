import { logger } from './logger.js';
import { secretReader } from './platform-secrets.js';

/**
 * Each department's status token, from its secret (`{ statusToken }`), by department id: what
 * the department APIs compare a bearer token with. One department's unreadable secret must not
 * lock every department out: it matches nothing, and is logged (by department, never the value).
 */
export function departmentTokens(secretArns: Record<string, string>): () => Promise<Record<string, string>> {
  // Each secret kept a minute by the reader (and four more by the extension).
  const secretFor = secretReader(secretArns);
  return async () => {
    const departments = Object.keys(secretArns);
    const read = await Promise.allSettled(departments.map((d) => secretFor(d)));
    return Object.fromEntries(
      read.map((r, i) => {
        if (r.status === 'rejected')
          logger.error('a department status secret could not be read', { department: departments[i] });
        const token = r.status === 'fulfilled' ? (r.value as { statusToken?: unknown }).statusToken : undefined;
        return [departments[i]!, typeof token === 'string' ? token : ''];
      }),
    );
  };
}
