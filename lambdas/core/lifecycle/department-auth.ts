import { safeEqual } from '../platforms/signatures.js';

/** Why a department request was not let in. */
export type AuthRefusal = { statusCode: 401 | 403; body: { error: string; message: string } };

/**
 * Checks a department request's bearer token (docs/design.md, "Lifecycle"): it is compared, in
 * constant time, with every department's token, so the time taken does not tell which department
 * (if any) it belongs to. None matches → 401; another department's matches → 403 (a department
 * acts only for itself, whatever its body says), `what` naming what it may not do ("report").
 * Undefined: let in. The tokens are only read when a bearer token was sent; they are never logged
 * nor echoed.
 */
export async function authenticateDepartment(
  authorization: string | undefined,
  department: string,
  tokens: () => Promise<Record<string, string>>,
  what = 'act',
): Promise<AuthRefusal | undefined> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  const owners = token
    ? Object.entries(await tokens())
        .filter(([, expected]) => expected !== '' && safeEqual(token, expected))
        .map(([d]) => d)
    : [];
  if (owners.length === 0)
    return {
      statusCode: 401,
      body: {
        error: 'unauthorized',
        message: 'Send the department’s status token as "Authorization: Bearer <statusToken>".',
      },
    };
  if (!owners.includes(department))
    return {
      statusCode: 403,
      body: {
        error: 'forbidden',
        message: `This token belongs to another department; it cannot ${what} for "${department}".`,
      },
    };
  return undefined;
}
