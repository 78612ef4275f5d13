import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBResultReader,
  DuckDBTypeId,
  type DuckDBValueConverter,
  type Json,
  JsonDuckDBValueConverter,
} from '@duckdb/node-api';
import { ExportFormatError } from '../../lambdas/core/audit/export-format.js';
import { AUDIT_TABLES, auditTable, type TableDeclaration } from '../../lambdas/core/audit/tables.js';
import { DUCKDB_ITEMS_TABLE_SQL, duckdbViewsSql, ITEMS_TABLE, itemRow } from '../../lambdas/core/audit/views.js';
import { exportsFolder, newestExport, readExport, stateDirectory } from './export-reader.js';

/** Usage of `switchboard audit query`; also part of the CLI's usage text. */
export const AUDIT_QUERY_USAGE = 'switchboard audit query [--json|--csv] [--export <dir>] "<SQL>"';

/** A command line that does not fit the usage (exit 2). */
export class AuditQueryUsageError extends Error {}

/** A query DuckDB refused, with the reason as a person can act on it (exit 1). */
export class AuditQueryError extends Error {}

/** How results are printed. */
type Format = 'table' | 'json' | 'csv';

/** A query's result: its columns and rows, values as JSON (see {@link toJson}). */
export interface QueryResult {
  columns: string[];
  /** Per row, one value per column, in the columns' order. */
  rows: Json[][];
}

/**
 * `switchboard audit query [--json|--csv] [--export <dir>] "<SQL>"`: runs SQL with DuckDB over
 * an export of the engagements table (the newest under `.switchboard/exports/`, moved by
 * `SWITCHBOARD_STATE_DIR`, or the one `--export` names), through the audit tables of
 * lambdas/core/audit/tables.ts. Prints a readable table, `--json` one array of row objects, or
 * `--csv` with a header row. Exit codes: 0 ok, 1 bad SQL or no export, 2 usage.
 */
export async function auditQueryCommand(args: string[]): Promise<number> {
  const { format, exportDir, sql } = parseArgs(args);
  const dir = exportDir ?? newestExport(stateDirectory());
  if (dir === undefined) {
    console.error(
      `switchboard: no export found in ${exportsFolder(stateDirectory())}; make one with \`switchboard audit export\`, or name one with --export <dir>`,
    );
    return 1;
  }
  let database: AuditDatabase;
  try {
    database = await openAuditDatabase(readExport(dir));
  } catch (err) {
    if (!(err instanceof ExportFormatError || isFileError(err))) throw err;
    console.error(`switchboard: cannot read the export in ${dir}: ${(err as Error).message}`);
    return 1;
  }
  try {
    const result = await queryAudit(database.connection, sql);
    console.log(
      format === 'json'
        ? JSON.stringify(rowObjects(result))
        : format === 'csv'
          ? formatCsv(result)
          : formatTable(result),
    );
    return 0;
  } catch (err) {
    if (!(err instanceof AuditQueryError)) throw err;
    console.error(`switchboard: ${err.message}`);
    return 1;
  } finally {
    database.close();
  }
}

function parseArgs(args: string[]): { format: Format; exportDir?: string; sql: string } {
  const formats: Format[] = [];
  let exportDir: string | undefined;
  const sql: string[] = [];
  let options = true;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!options || !arg.startsWith('--')) sql.push(arg);
    else if (arg === '--') options = false;
    else if (arg === '--json') formats.push('json');
    else if (arg === '--csv') formats.push('csv');
    else if (arg === '--export') {
      const dir = args[++i];
      if (!dir || dir.startsWith('--'))
        throw new AuditQueryUsageError(`--export needs an export folder; expected: ${AUDIT_QUERY_USAGE}`);
      exportDir = dir;
    } else throw new AuditQueryUsageError(`unknown option "${arg}"; expected: ${AUDIT_QUERY_USAGE}`);
  }
  if (formats.length > 1 && new Set(formats).size > 1)
    throw new AuditQueryUsageError(`choose one of --json and --csv; expected: ${AUDIT_QUERY_USAGE}`);
  if (sql.length !== 1 || !sql[0]!.trim())
    throw new AuditQueryUsageError(
      `${sql.length > 1 ? 'give the SQL as one argument, in quotes' : 'no SQL given'}; expected: ${AUDIT_QUERY_USAGE}`,
    );
  return { format: formats[0] ?? 'table', ...(exportDir !== undefined ? { exportDir } : {}), sql: sql[0]! };
}

/** An in-memory DuckDB holding one export's items and the audit views over them. */
export interface AuditDatabase {
  connection: DuckDBConnection;
  close(): void;
}

/**
 * Loads unmarshalled items into a new in-memory DuckDB (`raw.items`: `pk`, `sk`, `doc` JSON) and
 * creates the audit views over them (lambdas/core/audit/views.ts). Times read and print in UTC
 * whatever the machine's zone, so a query gives the same answer everywhere.
 */
export async function openAuditDatabase(
  items: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>,
): Promise<AuditDatabase> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  try {
    await connection.run("SET TimeZone = 'UTC'");
    for (const statement of DUCKDB_ITEMS_TABLE_SQL) await connection.run(statement);
    // The appender writes rows without SQL text to parse: the fastest way in for a large export.
    const appender = await connection.createAppender('items', 'raw');
    for await (const item of items) {
      const row = itemRow(item);
      for (const key of [row.pk, row.sk]) key === null ? appender.appendNull() : appender.appendVarchar(key);
      appender.appendVarchar(row.doc);
      appender.endRow();
    }
    appender.closeSync();
    for (const view of duckdbViewsSql()) await connection.run(view);
    return { connection, close };
  } catch (err) {
    close();
    throw err;
  }
}

/**
 * Runs SQL (the last statement's result is returned). A query naming a table or column that
 * does not exist throws an {@link AuditQueryError} naming it and listing what there is; any other
 * error DuckDB gives is passed on as an {@link AuditQueryError} with DuckDB's message.
 */
export async function queryAudit(connection: DuckDBConnection, sql: string): Promise<QueryResult> {
  let reader: DuckDBResultReader;
  try {
    reader = await connection.runAndReadAll(sql);
  } catch (err) {
    throw new AuditQueryError(await explain(connection, sql, (err as Error).message));
  }
  return { columns: uniqueNames(reader.columnNames()), rows: reader.convertRows(toJson) };
}

/**
 * JSON values as a person expects them: integers as numbers (DuckDB's JSON form gives BIGINT,
 * which counts and sums are, as text; one beyond 2^53 stays text so no digit is lost), decimals
 * as numbers, timestamps as ISO 8601 in UTC, intervals as DuckDB writes them; everything else as
 * DuckDB's JSON form (lists as arrays, dates as `YYYY-MM-DD`).
 */
const toJson: DuckDBValueConverter<Json> = (value, type, converter) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT: {
      const n = Number(value as bigint);
      return Number.isSafeInteger(n) ? n : String(value);
    }
    case DuckDBTypeId.DECIMAL:
      return Number(String(value));
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return isoTime((value as { micros: bigint }).micros / 1000n) ?? String(value);
    case DuckDBTypeId.TIMESTAMP_MS:
      return isoTime((value as { millis: bigint }).millis) ?? String(value);
    case DuckDBTypeId.TIMESTAMP_S:
      return isoTime((value as { seconds: bigint }).seconds * 1000n) ?? String(value);
    case DuckDBTypeId.TIMESTAMP_NS:
      return isoTime((value as { nanos: bigint }).nanos / 1_000_000n) ?? String(value);
    // `sla_due_at - received_at`: as DuckDB writes it (`01:00:00`, `2 days 03:00:00`), not its parts.
    case DuckDBTypeId.INTERVAL:
      return String(value);
  }
  return JsonDuckDBValueConverter(value, type, converter);
};

/** Milliseconds since the epoch as ISO 8601; undefined for what a Date cannot hold (infinity). */
function isoTime(millis: bigint): string | undefined {
  const date = new Date(Number(millis));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Column names made unique (`SELECT *` over a join repeats some), as DuckDB names them in a table: `name_1`. */
function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let unique = name;
    for (let n = 1; seen.has(unique); n++) unique = `${name}_${n}`;
    seen.add(unique);
    return unique;
  });
}

/** The rows as objects: what `--json` prints. */
export function rowObjects(result: QueryResult): Record<string, Json>[] {
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i] ?? null])));
}

/** Longest cell of the readable table; `--json` and `--csv` give whole values. */
const MAX_CELL = 80;

/**
 * The readable form: a header, a rule, one line per row with columns aligned (numbers and their
 * headers to the right), then `(n rows)`. Null reads `NULL`, a list `[a, b]`; line breaks become spaces and
 * long values are cut at {@link MAX_CELL} characters with `…`.
 */
export function formatTable(result: QueryResult): string {
  const cells = result.rows.map((row) => row.map(cellText));
  const widths = result.columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const numeric = result.columns.map(
    (_c, i) =>
      result.rows.some((row) => typeof row[i] === 'number') &&
      result.rows.every((row) => row[i] === null || typeof row[i] === 'number'),
  );
  const line = (values: string[], rightAligned: boolean[]) =>
    values
      .map((v, i) => (rightAligned[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    ...(result.columns.length > 0
      ? [
          line(result.columns, numeric),
          line(
            widths.map((w) => '-'.repeat(w)),
            numeric,
          ),
        ]
      : []),
    ...cells.map((row) => line(row, numeric)),
    `(${result.rows.length} ${result.rows.length === 1 ? 'row' : 'rows'})`,
  ].join('\n');
}

function cellText(value: Json): string {
  const text = value === null ? 'NULL' : Array.isArray(value) ? `[${value.map(listItem).join(', ')}]` : plain(value);
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

const listItem = (value: Json): string =>
  value === null ? 'NULL' : Array.isArray(value) ? cellText(value) : plain(value);
const plain = (value: Json): string => (typeof value === 'object' ? JSON.stringify(value) : String(value));

/**
 * CSV (RFC 4180): a header row, then one row each; a null is an empty cell, a list or struct
 * its JSON text (`["care","sales"]`), a value with a comma, quote or line break quoted.
 */
export function formatCsv(result: QueryResult): string {
  const cell = (value: Json) => {
    const text = value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [result.columns.map(cell), ...result.rows.map((row) => row.map(cell))].map((r) => r.join(',')).join('\n');
}

/** The tables a query can name, for messages. */
const TABLE_LIST = AUDIT_TABLES.map((t) => t.name).join(', ');

/** DuckDB's message rewritten for an unknown table or column (what there is instead); others as DuckDB gives them. */
async function explain(connection: DuckDBConnection, sql: string, message: string): Promise<string> {
  const table = /^Catalog Error: Table with name "?(.+?)"? does not exist/.exec(message)?.[1];
  if (table !== undefined)
    return `unknown table "${table}"; the tables are: ${TABLE_LIST} (and ${ITEMS_TABLE}: every item of the export, as JSON in its doc column)`;

  const qualified = /^Binder Error: (?:Table|Values list) "(.+?)" does not have a column named "(.+?)"/.exec(message);
  const unqualified = /^Binder Error: Referenced column "(.+?)" not found in FROM clause/.exec(message);
  if (qualified || unqualified) {
    const refs = await tableRefs(connection, sql);
    const column = qualified ? qualified[2]! : unqualified![1]!;
    // `e.nope`: the table `e` names, by alias or name; `nope`: every audit table the query reads.
    const named = qualified
      ? refs.filter((r) => (r.alias || r.name).toLowerCase() === qualified[1]!.toLowerCase())
      : refs;
    const tables = [...new Set(named.map((r) => auditTable(r.name)).filter((t) => t !== undefined))];
    if (tables.length === 1)
      return `unknown column "${column}" in ${tables[0]!.name}; its columns are: ${columnList(tables[0]!)}`;
    if (tables.length > 1)
      return `unknown column "${column}"; the columns are: ${tables.map((t) => `${t.name}: ${columnList(t)}`).join('; ')}`;
  }

  // `at` and `by` are columns, and SQL keywords: unquoted, they are a syntax error.
  if (
    message.startsWith('Parser Error') &&
    /(?<!["\w])(at|by)(?!["\w])/i.test(sql.replace(/\b(order|group|partition)\s+by\b/gi, ''))
  )
    return `${message}\n(the columns "at" and "by" are SQL keywords: quote them, as "at" and "by")`;
  return message;
}

const columnList = (table: TableDeclaration) => table.columns.map((c) => c.name).join(', ');

/** The tables a query reads (name and alias), from DuckDB's own parse of it; none when it does not parse. */
async function tableRefs(connection: DuckDBConnection, sql: string): Promise<{ name: string; alias: string }[]> {
  const refs: { name: string; alias: string }[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) {
      const n = node as Record<string, unknown>;
      if (n.type === 'BASE_TABLE' && typeof n.table_name === 'string')
        refs.push({ name: n.table_name, alias: typeof n.alias === 'string' ? n.alias : '' });
      Object.values(n).forEach(visit);
    }
  };
  try {
    const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
    visit(JSON.parse(String(reader.getRows()[0]?.[0] ?? '{}')));
  } catch {
    // No table names to offer: the message stays DuckDB's.
  }
  return refs;
}

/** An error of the file system (a folder that is not there, a file that cannot be read). */
const isFileError = (err: unknown): boolean => typeof (err as NodeJS.ErrnoException)?.code === 'string';
