import { AUDIT_TABLES, type ColumnType, ITEMS, type ItemMatch, type Read, type TableDeclaration } from './tables.js';

/**
 * The SQL of the audit tables, generated from their declarations (tables.ts): DuckDB views over
 * an export's items for `switchboard audit query`, and the Glue columns the same tables will
 * have in Athena. Pure: it writes SQL text; running it is the caller's job.
 *
 * The items are loaded as they are, one JSON document each (`raw.items`, see {@link itemRow}),
 * and the views read their attributes by path. Items of every shape sit in the one table, so an
 * attribute a later version adds, or an item of a kind no view reads, costs nothing; an absent
 * attribute reads as null.
 */

/** DuckDB's type for each column type. Lists of strings are real lists (`VARCHAR[]`). */
export const DUCKDB_TYPES: Readonly<Record<ColumnType, string>> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  double: 'DOUBLE',
  timestamp: 'TIMESTAMPTZ',
  'string[]': 'VARCHAR[]',
};

/** Glue's (Hive's) type for each column type, as a Glue table or an Athena view declares its columns. */
export const GLUE_TYPES: Readonly<Record<ColumnType, string>> = {
  string: 'string',
  integer: 'bigint',
  double: 'double',
  timestamp: 'timestamp',
  'string[]': 'array<string>',
};

/** The table the views read: every item of the export, its keys beside it for the views' filters. */
export const ITEMS_TABLE = 'raw.items';

/** Creates {@link ITEMS_TABLE}; load it with one {@link itemRow} per item, then create the views. */
export const DUCKDB_ITEMS_TABLE_SQL = [
  'CREATE SCHEMA IF NOT EXISTS raw',
  `CREATE TABLE ${ITEMS_TABLE} (pk VARCHAR, sk VARCHAR, doc JSON)`,
] as const;

/** One row of {@link ITEMS_TABLE}: an unmarshalled item's keys, and the item as JSON text. */
export interface ItemRow {
  pk: string | null;
  sk: string | null;
  doc: string;
}

/**
 * An unmarshalled item as a row of {@link ITEMS_TABLE}. JSON has no sets or bytes: a set
 * (`SS`, `NS`) becomes a list and bytes (`B`) base64 text, so such an attribute is still readable.
 */
export function itemRow(item: Record<string, unknown>): ItemRow {
  const doc = JSON.stringify(item, (_key, value: unknown) =>
    value instanceof Set ? [...value] : value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value,
  );
  return {
    pk: typeof item.pk === 'string' ? item.pk : null,
    sk: typeof item.sk === 'string' ? item.sk : null,
    doc,
  };
}

/** The statements creating every audit view; run after loading {@link ITEMS_TABLE}. */
export function duckdbViewsSql(tables: readonly TableDeclaration[] = AUDIT_TABLES): string[] {
  return tables.map(duckdbViewSql);
}

/** `CREATE VIEW <table> AS …`: one SELECT per row source, in UNION ALL. */
export function duckdbViewSql(table: TableDeclaration): string {
  const selects = table.rows.map((source) => {
    const columns = table.columns.map((c) => `  ${compile(source.read[c.name]!, c.type)} AS ${identifier(c.name)}`);
    const from = [`FROM ${ITEMS_TABLE} AS i`];
    if (source.withEngagement)
      from.push(`LEFT JOIN ${ITEMS_TABLE} AS e ON e.pk = i.pk AND ${keyCondition('e', ITEMS.engagement)}`);
    if (source.each) from.push(`CROSS JOIN unnest(${attribute('i', source.each, 'string[]')}) AS x(element)`);
    const where = [keyCondition('i', source.items)];
    if (source.each && source.unlessItem !== undefined)
      where.push(
        `NOT EXISTS (SELECT 1 FROM ${ITEMS_TABLE} AS s WHERE s.pk = i.pk AND s.sk = ${text(source.unlessItem)} || x.element)`,
      );
    return [`-- ${source.about}`, 'SELECT', columns.join(',\n'), ...from, `WHERE ${where.join(' AND ')}`].join('\n');
  });
  return `CREATE VIEW ${identifier(table.name)} AS\n${selects.join('\nUNION ALL\n')}`;
}

/** A Glue table column (the shape of Glue's `Column`). */
export interface GlueColumn {
  Name: string;
  Type: string;
  Comment?: string;
}

/** The table's columns as Glue declares them, in order: for the Athena view over the same export. */
export function glueColumns(table: TableDeclaration): GlueColumn[] {
  return table.columns.map((c) => ({
    Name: c.name,
    Type: GLUE_TYPES[c.type],
    ...(c.about ? { Comment: c.about } : {}),
  }));
}

/** The SQL of a read, as a value of `type`. Attributes are cast with TRY_CAST: a malformed one reads as null, not an error in every query. */
function compile(read: Read, type: ColumnType): string {
  switch (read.kind) {
    case 'attribute':
      return attribute(read.of === 'item' ? 'i' : 'e', read.path, type);
    case 'element':
      return cast('x.element', type, 'TRY_CAST');
    case 'literal':
      return cast(typeof read.value === 'number' ? String(read.value) : text(read.value), type, 'CAST');
    case 'joined':
      return cast(
        `(${read.parts.map((p) => compile(p, 'string')).join(` || ${text(read.separator)} || `)})`,
        type,
        'CAST',
      );
    case 'firstOf':
      return `COALESCE(${read.reads.map((r) => compile(r, type)).join(', ')})`;
    case 'present':
      return `CASE WHEN ${compile(read.test, 'string')} IS NOT NULL THEN ${compile(read.whenPresent, type)} ELSE ${compile(read.whenAbsent, type)} END`;
    case 'listed':
      return `CASE WHEN list_contains(${compile(read.list, 'string[]')}, ${compile(read.value, 'string')}) THEN ${compile(read.result, type)} END`;
  }
}

/** An attribute of an item by path: text for a scalar (`->>`), JSON for a list (`->`), cast to `type`. */
function attribute(alias: string, path: readonly string[], type: ColumnType): string {
  const jsonPath = text(`$${path.map((key) => `.${jsonKey(key)}`).join('')}`);
  if (type === 'string[]') return cast(`${alias}.doc -> ${jsonPath}`, type, 'TRY_CAST');
  return cast(`(${alias}.doc ->> ${jsonPath})`, type, 'TRY_CAST');
}

function cast(sql: string, type: ColumnType, how: 'CAST' | 'TRY_CAST'): string {
  return type === 'string' ? sql : `${how}(${sql} AS ${DUCKDB_TYPES[type]})`;
}

/** The condition that an item (by alias) is one of `match`. */
function keyCondition(alias: string, match: ItemMatch): string {
  const conditions = [`starts_with(${alias}.pk, ${text(match.pkPrefix)})`];
  if (match.sk)
    conditions.push(
      'equals' in match.sk
        ? `${alias}.sk = ${text(match.sk.equals)}`
        : `starts_with(${alias}.sk, ${text(match.sk.prefix)})`,
    );
  for (const w of match.where ?? []) conditions.push(`${attribute(alias, w.path, 'string')} = ${text(w.equals)}`);
  return conditions.join(' AND ');
}

/** A SQL string literal (the same in DuckDB and Athena: quotes doubled, backslashes plain). */
const text = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** A quoted SQL identifier: the column names include keywords (`at`, `by`). */
const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

// Shared with athena-views.ts: both dialects quote literals and identifiers alike (SQL standard).
export { identifier as sqlIdentifier, text as sqlString };

/** A key of a JSON path, quoted so any attribute name reads (`$."engagement"."id"`). */
const jsonKey = (key: string) => `"${key.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
