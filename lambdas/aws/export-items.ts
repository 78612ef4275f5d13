import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { decodeBinary, type ExportItem } from '../core/audit/export-format.js';
import { type ExportFiles, readExportItems, type VerifiedExport } from '../core/audit/export-reader.js';

/**
 * An export item as a plain object (`unmarshall`): numbers as numbers, except integers beyond
 * 2^53, kept as their digit strings (as `parseJsonPrecise` keeps platform ids); binary as bytes;
 * sets as Sets.
 */
export function unmarshallExportItem(item: ExportItem): Record<string, unknown> {
  return unmarshall(decodeBinary(item) as unknown as Record<string, AttributeValue>, { wrapNumbers: preciseNumber });
}

/** The items of an export as plain objects, verified against its manifests first (`readExportItems`). */
export async function* readExportObjects(
  files: ExportFiles,
  onVerified?: (verified: VerifiedExport) => void,
): AsyncGenerator<Record<string, unknown>> {
  for await (const item of readExportItems(files, onVerified)) yield unmarshallExportItem(item);
}

/** A DynamoDB number as a JS number, or its text when a number would change it (a long integer, an overflow). */
function preciseNumber(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) || (Number.isFinite(n) && !/^-?\d+$/.test(text)) ? n : text;
}
