import { AUDIT_TABLES, type ColumnType, ITEMS, type ItemMatch, type Read, type TableDeclaration } from './tables.js';
import { type GlueColumn, glueColumns, sqlIdentifier, sqlString } from './views.js';

/**
 * The audit tables on Athena, generated from the same declarations as the DuckDB views
 * (tables.ts, views.ts), so a column is read the same way on both engines. Pure: it writes SQL
 * text and Glue table definitions; lib/constructs/audit-catalog.ts deploys them.
 *
 * The data is DynamoDB's own export (`ExportTableToPointInTime`, DYNAMODB_JSON) under
 * `s3://<audit bucket>/exports/AWSDynamoDB/<export id>/`: `data/<name>.json.gz` holds one
 * `{"Item":{…DynamoDB JSON…}}` per line, and `manifest-summary.json` is written once the export
 * is complete. One raw table, {@link EXPORT_LINES_TABLE}, has every line of every file under that
 * prefix as text; each view keeps the data lines of the newest complete export (by `"$path"`) and
 * reads attributes with `json_extract_scalar` / `json_extract` by their DynamoDB JSON path
 * (`$.Item.engagement.M.routing.M.priority.S`). Export ids start with the export's time in
 * milliseconds (14 digits), so the greatest id is the newest export.
 *
 * No crawler and no partitions: a new export is in the views the moment its summary lands, and
 * the Glue definitions never change between deployments.
 */

/** The raw Glue table: every line of every file of every export, as text. */
export const EXPORT_LINES_TABLE = 'export_lines';

/** Where DynamoDB writes exports under the export's S3 prefix (`exports`, lib/constructs/audit-exports.ts). */
export const EXPORTS_FOLDER = 'AWSDynamoDB';

/**
 * Athena's (Trino's) type for each column type: what each view's SELECT really returns, and so
 * what its Presto view definition must declare (Athena refuses a view whose query no longer
 * returns the declared types: "view is stale"). Timestamps are instants in UTC without a zone:
 * their Hive type is then plain `timestamp` (views.ts, GLUE_TYPES), and they compare, truncate and
 * cast to dates as DuckDB's TIMESTAMPTZ does in its UTC session.
 */
export const ATHENA_TYPES: Readonly<Record<ColumnType, string>> = {
  string: 'varchar',
  integer: 'bigint',
  double: 'double',
  timestamp: 'timestamp(3)',
  'string[]': 'array(varchar)',
};

/** A Glue `TableInput` (the shape of Glue's CreateTable API), as far as these tables use it. */
export interface GlueTableInput {
  Name: string;
  Description?: string;
  TableType: 'EXTERNAL_TABLE' | 'VIRTUAL_VIEW';
  Parameters: Record<string, string>;
  StorageDescriptor: {
    Columns: GlueColumn[];
    Location?: string;
    InputFormat?: string;
    OutputFormat?: string;
    Compressed?: boolean;
    SerdeInfo: { SerializationLibrary?: string; Parameters?: Record<string, string> };
  };
  ViewOriginalText?: string;
  ViewExpandedText?: string;
}

/**
 * {@link EXPORT_LINES_TABLE} over `s3://<bucket>/exports/AWSDynamoDB/`: one `line` column, the
 * whole line. Text input reads `.json.gz` gunzipped (by the extension) and the manifests as they
 * are, and Athena reads every file below the location, subfolders included (files whose names
 * start with `_`, like DynamoDB's `_started`, are skipped). The field delimiter is U+0001, which
 * JSON text never holds raw (it must escape control characters), so a line is never split.
 *
 * @param location The exports folder, `s3://<bucket>/exports/AWSDynamoDB/` (trailing slash).
 */
export function exportLinesTableInput(location: string): GlueTableInput {
  return {
    Name: EXPORT_LINES_TABLE,
    Description: 'Every line of every file of the DynamoDB table exports (read through the audit views, not directly).',
    TableType: 'EXTERNAL_TABLE',
    Parameters: { EXTERNAL: 'TRUE', classification: 'text' },
    StorageDescriptor: {
      Columns: [{ Name: 'line', Type: 'string', Comment: 'One line of an export file: {"Item": {…}} in a data file.' }],
      Location: location,
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
        Parameters: { 'field.delim': '\u0001', 'serialization.format': '\u0001' },
      },
    },
  };
}

/** An audit table as an Athena view: its SELECT and its columns in both type systems. */
export interface AthenaView {
  name: string;
  about: string;
  /** The view's query (`SELECT …`, no `CREATE VIEW`): the Presto view's `originalSql`. */
  sql: string;
  /** Its columns in order, with the types the query returns ({@link ATHENA_TYPES}). */
  columns: PrestoViewColumn[];
  /** The same columns with Hive types, as Glue lists a table's columns (views.ts). */
  glueColumns: GlueColumn[];
}

/** Every audit table as an Athena view, in the order of {@link AUDIT_TABLES}. */
export function athenaViews(tables: readonly TableDeclaration[] = AUDIT_TABLES): AthenaView[] {
  return tables.map((table) => ({
    name: table.name,
    about: table.about,
    sql: athenaViewSql(table),
    columns: table.columns.map((c) => ({ name: c.name, type: ATHENA_TYPES[c.type] })),
    glueColumns: glueColumns(table),
  }));
}

/**
 * The view's query: the newest complete export's data lines (`items`, with their keys), then one
 * SELECT per row source, in UNION ALL, as views.ts writes them for DuckDB.
 */
export function athenaViewSql(table: TableDeclaration): string {
  const selects = table.rows.map((source) => {
    const columns = table.columns.map((c) => `  ${compile(source.read[c.name]!, c.type)} AS ${sqlIdentifier(c.name)}`);
    const from = ['FROM items AS i'];
    const where = [keyCondition('i', source.items)];
    if (source.withEngagement)
      from.push(`LEFT JOIN items AS e ON e.pk = i.pk AND ${keyCondition('e', ITEMS.engagement)}`);
    if (source.each) from.push(`CROSS JOIN UNNEST(${attribute('i', source.each, 'string[]')}) AS x(element)`);
    if (source.each && source.unlessItem !== undefined) {
      // NOT EXISTS as an anti-join: keys are unique, so the two are the same rows, and a join on
      // an expression of the unnested element plans on every Trino version.
      from.push(`LEFT JOIN items AS s ON s.pk = i.pk AND s.sk = ${sqlString(source.unlessItem)} || x.element`);
      where.push('s.pk IS NULL');
    }
    return [`-- ${source.about}`, 'SELECT', columns.join(',\n'), ...from, `WHERE ${where.join(' AND ')}`].join('\n');
  });
  return [
    'WITH newest AS (',
    '  -- The newest complete export: DynamoDB writes its manifest-summary.json last.',
    `  SELECT max(regexp_extract("$path", ${sqlString(`/${EXPORTS_FOLDER}/([^/]+)/manifest-summary\\.json$`)}, 1)) AS export_id`,
    `  FROM ${EXPORT_LINES_TABLE}`,
    '),',
    'items AS (',
    `  SELECT ${keyRead('pk')} AS pk, ${keyRead('sk')} AS sk, line`,
    `  FROM ${EXPORT_LINES_TABLE}`,
    `  WHERE regexp_extract("$path", ${sqlString(`/${EXPORTS_FOLDER}/([^/]+)/data/`)}, 1) = (SELECT export_id FROM newest)`,
    ')',
    selects.join('\nUNION ALL\n'),
  ].join('\n');
}

/** A column of a Presto view definition: its name and Trino type. */
export interface PrestoViewColumn {
  name: string;
  type: string;
}

/**
 * The view definition Athena (Trino's Hive connector) keeps, base64-encoded JSON, in a Glue
 * view's `ViewOriginalText`. `owner` and `runAsInvoker` are left out: Athena runs a view with
 * the caller's permissions, and mapbox/cloudfriend's GluePrestoView, which people deploy with
 * CloudFormation, writes none either.
 */
export interface PrestoViewDefinition {
  originalSql: string;
  catalog: string;
  schema: string;
  columns: PrestoViewColumn[];
}

/** Athena's name for the Glue Data Catalog, the catalog a view's query resolves its tables in. */
export const ATHENA_CATALOG = 'awsdatacatalog';

const PRESTO_VIEW_PREFIX = '/* Presto View: ';
const PRESTO_VIEW_SUFFIX = ' */';

/**
 * The Glue table of an Athena view (what `CREATE VIEW` in Athena writes), so CloudFormation can
 * create it with the tables. The format, as mapbox/cloudfriend's GluePrestoView writes it for
 * CloudFormation (lib/shortcuts/glue-presto-view.js), as Presto's Hive connector stores a view
 * (ExpediaGroup/waggle-dance#212; awslabs/aws-glue-data-catalog-client-for-apache-hive-metastore#29
 * sets the same two fields by the Glue API for Athena), and as other readers decode it
 * (StarRocks' HiveView, DataHub: prefix `/* Presto View: `, suffix ` *\/`):
 * - `TableType: 'VIRTUAL_VIEW'` and `Parameters: { presto_view: 'true', comment: 'Presto View' }`;
 * - `ViewOriginalText: '/* Presto View: <base64 of the JSON {@link PrestoViewDefinition}> *\/'`,
 *   the JSON holding `originalSql`, `catalog` (`awsdatacatalog`), `schema` (the database, where
 *   the query's unqualified tables are found) and `columns` (`[{ name, type }]`, Trino types);
 * - `ViewExpandedText: '/* Presto View *\/'`;
 * - `StorageDescriptor.Columns`: the same columns with Hive types, for Glue and the console.
 *
 * @param database The Glue database holding the view and {@link EXPORT_LINES_TABLE}; a plain name.
 */
export function prestoViewTableInput(view: AthenaView, database: string): GlueTableInput {
  return {
    Name: view.name,
    Description: view.about,
    TableType: 'VIRTUAL_VIEW',
    Parameters: { presto_view: 'true', comment: 'Presto View' },
    StorageDescriptor: { Columns: view.glueColumns, SerdeInfo: {} },
    ViewOriginalText: prestoViewText({
      originalSql: view.sql,
      catalog: ATHENA_CATALOG,
      schema: database,
      columns: view.columns,
    }),
    ViewExpandedText: '/* Presto View */',
  };
}

/** `/* Presto View: <base64 JSON> *\/`: a view definition as `ViewOriginalText` holds it. */
export function prestoViewText(definition: PrestoViewDefinition): string {
  return `${PRESTO_VIEW_PREFIX}${Buffer.from(JSON.stringify(definition), 'utf8').toString('base64')}${PRESTO_VIEW_SUFFIX}`;
}

/** The definition in a `ViewOriginalText` written by {@link prestoViewText} (or by Athena). */
export function decodePrestoViewText(text: string): PrestoViewDefinition {
  if (!text.startsWith(PRESTO_VIEW_PREFIX) || !text.endsWith(PRESTO_VIEW_SUFFIX))
    throw new Error('not a Presto view text (/* Presto View: <base64> */)');
  const encoded = text.slice(PRESTO_VIEW_PREFIX.length, text.length - PRESTO_VIEW_SUFFIX.length);
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as PrestoViewDefinition;
}

// --- Reads, in Trino SQL over a data line's DynamoDB JSON.

/** The SQL of a read, as a value of `type` ({@link ATHENA_TYPES}); malformed values read as null, as in DuckDB. */
function compile(read: Read, type: ColumnType): string {
  switch (read.kind) {
    case 'attribute':
      return attribute(read.of === 'item' ? 'i' : 'e', read.path, type);
    case 'element':
      return fromText('x.element', type);
    case 'literal':
      if (typeof read.value === 'number' && (type === 'integer' || type === 'double'))
        return `CAST(${read.value} AS ${ATHENA_TYPES[type]})`;
      // CAST: a bare 'new' is varchar(3), which a view declaring varchar would not be.
      return fromText(`CAST(${sqlString(String(read.value))} AS varchar)`, type);
    case 'joined':
      return fromText(
        `(${read.parts.map((p) => compile(p, 'string')).join(` || ${sqlString(read.separator)} || `)})`,
        type,
      );
    case 'firstOf':
      return `COALESCE(${read.reads.map((r) => compile(r, type)).join(', ')})`;
    case 'present':
      return `CASE WHEN ${compile(read.test, 'string')} IS NOT NULL THEN ${compile(read.whenPresent, type)} ELSE ${compile(read.whenAbsent, type)} END`;
    case 'listed':
      return `CASE WHEN contains(${compile(read.list, 'string[]')}, ${compile(read.value, 'string')}) THEN ${compile(read.result, type)} END`;
  }
}

/**
 * An attribute by its path in the item. DynamoDB JSON wraps every value in its type: a map's
 * attributes are under `M`, a string is `S`, a number `N` (as text), a list `L` of wrapped
 * values, a string set `SS`. A string list reads from either, as the DuckDB views read a set as a list.
 */
function attribute(alias: string, path: readonly string[], type: ColumnType): string {
  const at = (letter: string) =>
    sqlString(jsonPath(['Item', ...path.flatMap((key, n) => (n ? ['M', key] : [key])), letter]));
  switch (type) {
    case 'string':
      return `json_extract_scalar(${alias}.line, ${at('S')})`;
    case 'integer':
    case 'double':
      return `try_cast(json_extract_scalar(${alias}.line, ${at('N')}) AS ${ATHENA_TYPES[type]})`;
    case 'timestamp':
      return fromText(`json_extract_scalar(${alias}.line, ${at('S')})`, type);
    case 'string[]':
      return `COALESCE(try(transform(CAST(json_extract(${alias}.line, ${at('L')}) AS array(json)), v -> json_extract_scalar(v, '$.S'))), try(CAST(json_extract(${alias}.line, ${at('SS')}) AS array(varchar))))`;
  }
}

/** Text as a value of `type`: numbers by try_cast, times as ISO 8601 instants, in UTC. */
function fromText(sql: string, type: ColumnType): string {
  switch (type) {
    case 'string':
      return sql;
    case 'integer':
    case 'double':
      return `try_cast(${sql} AS ${ATHENA_TYPES[type]})`;
    case 'timestamp':
      return `try(CAST(from_iso8601_timestamp(${sql}) AT TIME ZONE 'UTC' AS timestamp(3)))`;
    case 'string[]':
      throw new Error('a text value cannot be read as a list');
  }
}

/** A table key (`pk`, `sk`) of a data line: always a string attribute. */
const keyRead = (key: string) => `json_extract_scalar(line, ${sqlString(jsonPath(['Item', key, 'S']))})`;

/** The condition that an item (by alias) is one of `match`. */
function keyCondition(alias: string, match: ItemMatch): string {
  const conditions = [startsWith(`${alias}.pk`, match.pkPrefix)];
  if (match.sk)
    conditions.push(
      'equals' in match.sk ? `${alias}.sk = ${sqlString(match.sk.equals)}` : startsWith(`${alias}.sk`, match.sk.prefix),
    );
  for (const w of match.where ?? []) conditions.push(`${attribute(alias, w.path, 'string')} = ${sqlString(w.equals)}`);
  return conditions.join(' AND ');
}

/** `substr` rather than `starts_with` or LIKE: on every Trino version, and no wildcard to escape. Lengths count code points, as Trino's do. */
const startsWith = (sql: string, prefix: string) => `substr(${sql}, 1, ${[...prefix].length}) = ${sqlString(prefix)}`;

/**
 * A JSON path as Trino's json_extract reads it: `$.key` for a plain name, `$["key"]` otherwise,
 * so any attribute name reads.
 */
function jsonPath(keys: readonly string[]): string {
  return `$${keys
    .map((key) =>
      /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `["${key.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"]`,
    )
    .join('')}`;
}
