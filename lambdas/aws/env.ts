/**
 * Reads a required environment variable once, at cold start, so a missing one fails the
 * deployment's first invocation loudly instead of a later code path quietly.
 */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`Environment variable ${name} is not set`);
  return value;
}
