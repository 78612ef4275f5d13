/**
 * JSON.parse that keeps integers beyond 2^53 as their digit strings (Node ≥ 21 gives revivers the
 * source text), so a numeric id in a nested JSON string keeps every digit. Undefined when the
 * text is not JSON; callers turn that into a 400 naming the field, never quoting it.
 */
export function parseJsonPrecise(text: string): unknown {
  try {
    return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
      typeof value === 'number' &&
      !Number.isSafeInteger(value) &&
      context?.source !== undefined &&
      /^-?\d+$/.test(context.source)
        ? context.source
        : value,
    ) as unknown;
  } catch {
    return undefined;
  }
}
