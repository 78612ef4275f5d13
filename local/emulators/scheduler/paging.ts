import { invalid } from './errors.js';
import { validationErrors } from './validation.js';

/** One page of a list operation and the token for the next, if there is more. */
export interface Page<T> {
  page: Array<[string, T]>;
  nextToken: string | undefined;
}

/** Sorts `[key, value]` entries by key (schedules' group/name keys: by group, then name). */
export function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Serves one page of a ListSchedules or ListScheduleGroups answer: checks MaxResults, throws the
 * findings in `errors` (the operation's own with it) as one ValidationException, then pages over
 * `entries` sorted by key.
 */
export function pageOf<T>(entries: Array<[string, T]>, query: URLSearchParams, errors: string[]): Page<T> {
  const maxResults = maxResultsOf(query, errors);
  if (errors.length > 0) throw validationErrors(errors);
  return paginate(entries.sort(byKey), query.get('NextToken') ?? undefined, maxResults);
}

function maxResultsOf(query: URLSearchParams, errors: string[]): number {
  const raw = query.get('MaxResults');
  if (raw === null) return 100;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    errors.push(`Value '${raw}' at 'maxResults' failed to satisfy constraint: Member must be between 1 and 100`);
  }
  return value;
}

/** Pages over entries sorted by key; the token is the last key served, so deletions don't shift pages. */
function paginate<T>(entries: Array<[string, T]>, token: string | undefined, maxResults: number): Page<T> {
  let start = 0;
  if (token !== undefined) {
    let after: unknown;
    try {
      after = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      after = undefined;
    }
    if (typeof after !== 'string') throw invalid('The NextToken is not valid.');
    start = entries.findIndex(([key]) => key > after);
    if (start < 0) start = entries.length;
  }
  const page = entries.slice(start, start + maxResults);
  const more = start + maxResults < entries.length;
  const last = page.at(-1);
  return {
    page,
    nextToken: more && last ? Buffer.from(JSON.stringify(last[0])).toString('base64url') : undefined,
  };
}
