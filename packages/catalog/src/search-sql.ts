import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { relativeDate, type SearchBound, type SearchFieldRef, type SearchNode, type SearchScalar } from '@rendition/protocol';
import { escapeLike } from './asset-queries.ts';

/**
 * A parsed search expression (protocol's search-expression.ts) as one SQL condition. Every value is a
 * bound parameter; column names and SQL come only from the fixed tables below, never from the request.
 * Leaves that cannot be true for a row (a missing width, context key…) are NULL or false; a NOT asks
 * `IS NOT TRUE`, so such a row matches the negation, as a missing value does in Lucene.
 *
 * The word (`:`) matches use rendition_search_tokens (migration 0015): lowercase, split on anything
 * that is not a letter or digit; the GIN indexes on the token arrays of public_id, tags and context
 * values serve them.
 */

export type Condition = RawBuilder<SqlBool>;

interface CompileContext {
  /** What relative dates (`1w`) count back from. */
  now: Date;
}

type MatchMode = 'token' | 'exact' | 'prefix';

/** How one field of an entity matches: its word, exact and prefix matches, presence, and ranges. */
interface FieldSql {
  match(mode: MatchMode, text: string, key: string | undefined): Condition;
  exists(key: string | undefined): Condition;
  range?(lower: SearchBound | undefined, upper: SearchBound | undefined, context: CompileContext, key: string | undefined): Condition;
}

type FieldTable = Readonly<Record<string, FieldSql>>;

const TRUE: Condition = sql<SqlBool>`true`;
const FALSE: Condition = sql<SqlBool>`false`;

function tokensOf(text: string): RawBuilder<string[]> {
  return sql<string[]>`rendition_search_tokens(${text}::text)`;
}

/** A value with no letter or digit has no words: `:` then falls back to the whole value. */
function hasWords(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

/** One word only: the token index alone decides, no per-value recheck needed. */
function isOneWord(text: string): boolean {
  return /^[\p{L}\p{N}]+$/u.test(text);
}

function startsWith(column: RawBuilder<unknown>, prefix: string): Condition {
  return sql<SqlBool>`${column} LIKE ${`${escapeLike(prefix)}%`}`;
}

const publicIdC = sql<string>`(public_id COLLATE "C")`;
const filename = sql<string>`regexp_replace(public_id, '^.*/', '')`;
const folderOfPublicId = sql<string>`(CASE WHEN strpos(public_id, '/') > 0 THEN regexp_replace(public_id, '/[^/]*$', '') ELSE '' END)`;
const publicIdTokens = sql<string[]>`rendition_search_tokens(public_id)`;
const tagTokens = sql<string[]>`rendition_tag_tokens(tags)`;
const contextTokens = sql<string[]>`rendition_context_tokens(context)`;
const duration = sql<number>`(CASE WHEN json_typeof(media->'duration') = 'number' THEN (media->>'duration')::float8 END)`;

/** A plain text column: `:` words, `=` whole value, prefix; presence is a non-empty value. */
function textColumn(column: RawBuilder<string>): FieldSql {
  return {
    match(mode, text) {
      if (mode === 'prefix') return startsWith(column, text);
      if (mode === 'exact' || !hasWords(text)) return sql<SqlBool>`${column} = ${text}`;
      return sql<SqlBool>`rendition_search_tokens(${column}) @> ${tokensOf(text)}`;
    },
    exists: () => sql<SqlBool>`coalesce(${column}, '') <> ''`,
  };
}

/** A column compared whole (`:` and `=` alike; the parser lowercases the values of enumerations, stored lowercase). */
function keywordColumn(column: RawBuilder<string | null>): FieldSql {
  return {
    match: (mode, text) => (mode === 'prefix' ? startsWith(column, text) : sql<SqlBool>`${column} = ${text}`),
    exists: () => sql<SqlBool>`${column} IS NOT NULL`,
  };
}

/** Integer columns: bounds become whole numbers so the comparison stays on the column's type and index. */
function integerColumn(column: RawBuilder<number | null>): FieldSql {
  return {
    match: () => FALSE,
    exists: () => sql<SqlBool>`${column} IS NOT NULL`,
    range(lower, upper) {
      const conditions: Condition[] = [];
      if (lower) conditions.push(sql<SqlBool>`${column} >= ${integerLowerBound(lower)}::bigint`);
      if (upper) conditions.push(sql<SqlBool>`${column} <= ${integerUpperBound(upper)}::bigint`);
      return and(conditions);
    },
  };
}

function floatColumn(column: RawBuilder<number | null>): FieldSql {
  return {
    match: () => FALSE,
    exists: () => sql<SqlBool>`${column} IS NOT NULL`,
    range(lower, upper) {
      const conditions: Condition[] = [];
      if (lower) conditions.push(sql<SqlBool>`${column} ${sql.raw(lower.inclusive ? '>=' : '>')} ${numberOf(lower.value)}::float8`);
      if (upper) conditions.push(sql<SqlBool>`${column} ${sql.raw(upper.inclusive ? '<=' : '<')} ${numberOf(upper.value)}::float8`);
      return and(conditions);
    },
  };
}

function dateColumn(column: RawBuilder<Date>): FieldSql {
  return {
    match: () => FALSE,
    exists: () => TRUE,
    range(lower, upper, context) {
      const conditions: Condition[] = [];
      if (lower) conditions.push(sql<SqlBool>`${column} ${sql.raw(lower.inclusive ? '>=' : '>')} ${dateOf(lower.value, context)}::timestamptz`);
      if (upper) conditions.push(sql<SqlBool>`${column} ${sql.raw(upper.inclusive ? '<=' : '<')} ${dateOf(upper.value, context)}::timestamptz`);
      return and(conditions);
    },
  };
}

function integerLowerBound(bound: SearchBound): number {
  const value = numberOf(bound.value);
  return bound.inclusive ? Math.ceil(value) : Math.floor(value) + 1;
}

function integerUpperBound(bound: SearchBound): number {
  const value = numberOf(bound.value);
  return bound.inclusive ? Math.floor(value) : Math.ceil(value) - 1;
}

function numberOf(value: SearchScalar): number {
  if (value.kind !== 'number') throw new RangeError(`a number was expected, not a ${value.kind}`);
  return value.value;
}

function dateOf(value: SearchScalar, context: CompileContext): string {
  if (value.kind === 'date') return value.iso;
  if (value.kind === 'relative') return relativeDate(context.now, value.amount, value.unit).toISOString();
  throw new RangeError(`a date was expected, not a ${value.kind}`);
}

/** `tags`: `=` one tag is the value; `:` one tag holds all its words; prefix: one tag starts with it. */
const tagsField: FieldSql = {
  match(mode, text) {
    if (mode === 'exact' || (mode === 'token' && !hasWords(text))) return sql<SqlBool>`tags @> ARRAY[${text}::text]`;
    if (mode === 'prefix') return sql<SqlBool>`EXISTS (SELECT 1 FROM unnest(tags) AS tag(value) WHERE tag.value LIKE ${`${escapeLike(text)}%`})`;
    const indexed = sql<SqlBool>`${tagTokens} @> ${tokensOf(text)}`;
    if (isOneWord(text)) return indexed;
    // The index holds the words of all tags together; one tag must hold them all.
    return sql<SqlBool>`(${indexed} AND EXISTS (SELECT 1 FROM unnest(tags) AS tag(value) WHERE rendition_search_tokens(tag.value) @> ${tokensOf(text)}))`;
  },
  exists: () => sql<SqlBool>`cardinality(tags) > 0`,
};

const publicIdField: FieldSql = {
  match(mode, text) {
    if (mode === 'prefix') return startsWith(publicIdC, text);
    if (mode === 'exact' || !hasWords(text)) return sql<SqlBool>`${publicIdC} = ${text}`;
    return sql<SqlBool>`${publicIdTokens} @> ${tokensOf(text)}`;
  },
  exists: () => TRUE,
};

/** The public_id's last element; public_id's token index narrows the rows before the filename is computed. */
const filenameField: FieldSql = {
  match(mode, text) {
    if (mode === 'prefix') return startsWith(filename, text);
    if (!hasWords(text)) return sql<SqlBool>`${filename} = ${text}`;
    const narrowed = sql<SqlBool>`${publicIdTokens} @> ${tokensOf(text)}`;
    if (mode === 'exact') return sql<SqlBool>`(${narrowed} AND ${filename} = ${text})`;
    return sql<SqlBool>`(${narrowed} AND rendition_search_tokens(${filename}) @> ${tokensOf(text)})`;
  },
  exists: () => TRUE,
};

/** The folder of the public_id (fixed folders): `a/b` exactly that folder; `a/*` a and everything below it. */
const folderField: FieldSql = {
  match(mode, text) {
    if (mode === 'prefix') {
      const under = startsWith(publicIdC, text);
      return text.endsWith('/') ? under : sql<SqlBool>`(${under} AND ${startsWith(folderOfPublicId, text)})`;
    }
    if (text === '') return sql<SqlBool>`strpos(public_id, '/') = 0`;
    return sql<SqlBool>`(${startsWith(publicIdC, `${text}/`)} AND strpos(substr(public_id, ${text.length + 2}::int), '/') = 0)`;
  },
  exists: () => sql<SqlBool>`strpos(public_id, '/') > 0`,
};

const assetFolderC = sql<string>`(asset_folder COLLATE "C")`;

/** The asset folder (dynamic folders): as folder, on its own column. */
const assetFolderField: FieldSql = {
  match(mode, text) {
    if (mode !== 'prefix') return sql<SqlBool>`${assetFolderC} = ${text}`;
    const below = startsWith(assetFolderC, text);
    return text.endsWith('/') ? sql<SqlBool>`(${assetFolderC} = ${text.slice(0, -1)} OR ${below})` : below;
  },
  exists: () => sql<SqlBool>`asset_folder <> ''`,
};

/** Every asset row is a live asset: Cloudinary's `status` is `active` for all of them. */
const statusField: FieldSql = {
  match: (mode, text) => ((mode === 'prefix' ? 'active'.startsWith(text) : text === 'active') ? TRUE : FALSE),
  exists: () => TRUE,
};

/** `context.<key>`: text values. */
const contextField: FieldSql = {
  match(mode, text, key) {
    const name = requireKey(key);
    if (mode === 'exact' || (mode === 'token' && !hasWords(text))) return sql<SqlBool>`context @> jsonb_build_object(${name}::text, ${text}::text)`;
    if (mode === 'prefix') return sql<SqlBool>`(context ? ${name}::text AND context->>${name}::text LIKE ${`${escapeLike(text)}%`})`;
    return sql<SqlBool>`(${contextTokens} @> ${tokensOf(text)} AND rendition_search_tokens(context->>${name}::text) @> ${tokensOf(text)})`;
  },
  exists: (key) => sql<SqlBool>`context ? ${requireKey(key)}::text`,
};

/** `metadata.<external_id>`: a text, number, date (`YYYY-MM-DD` text) or set (array of ids) value. */
const metadataField: FieldSql = {
  match(mode, text, key) {
    const name = requireKey(key);
    const value = sql<unknown>`metadata->${name}::text`;
    const present = sql<SqlBool>`metadata ? ${name}::text`;
    if (mode === 'prefix') {
      const pattern = `${escapeLike(text)}%`;
      return sql<SqlBool>`(${present} AND (metadata->>${name}::text LIKE ${pattern} OR (jsonb_typeof(${value}) = 'array' AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(${value}) AS item(value) WHERE item.value LIKE ${pattern}))))`;
    }
    if (mode === 'exact' || !hasWords(text)) {
      return sql<SqlBool>`(${present} AND (metadata->>${name}::text = ${text} OR (jsonb_typeof(${value}) = 'array' AND ${value} ? ${text}::text)))`;
    }
    return sql<SqlBool>`(${present} AND rendition_search_tokens(metadata->>${name}::text) @> ${tokensOf(text)})`;
  },
  exists: (key) => sql<SqlBool>`metadata ? ${requireKey(key)}::text`,
  range(lower, upper, _context, key) {
    const name = requireKey(key);
    const conditions: Condition[] = [sql<SqlBool>`metadata ? ${name}::text`];
    for (const [bound, strict, loose] of [
      [lower, '>', '>='],
      [upper, '<', '<='],
    ] as const) {
      if (!bound) continue;
      const operator = sql.raw(bound.inclusive ? loose : strict);
      conditions.push(
        bound.value.kind === 'number'
          ? sql<SqlBool>`(CASE WHEN jsonb_typeof(metadata->${name}::text) = 'number' THEN (metadata->>${name}::text)::numeric END) ${operator} ${bound.value.value}::numeric`
          : sql<SqlBool>`(CASE WHEN jsonb_typeof(metadata->${name}::text) = 'string' THEN metadata->>${name}::text END) COLLATE "C" ${operator} ${scalarText(bound.value)}`,
      );
    }
    return and(conditions);
  },
};

function scalarText(value: SearchScalar): string {
  return value.kind === 'text'
    ? value.text
    : value.kind === 'date'
      ? value.iso
      : String(value.kind === 'number' ? value.value : `${value.amount}${value.unit}`);
}

function requireKey(key: string | undefined): string {
  if (key === undefined) throw new RangeError('this field needs a key');
  return key;
}

/** The assets' fields (protocol's ASSET_SEARCH_FIELDS), as SQL on `assets`. */
const ASSET_FIELDS: FieldTable = {
  public_id: publicIdField,
  filename: filenameField,
  display_name: textColumn(sql<string>`display_name`),
  tags: tagsField,
  asset_id: keywordColumn(sql<string>`asset_id`),
  folder: folderField,
  asset_folder: assetFolderField,
  resource_type: keywordColumn(sql<string>`resource_type`),
  type: keywordColumn(sql<string>`type`),
  format: keywordColumn(sql<string | null>`format`),
  status: statusField,
  moderation_status: keywordColumn(sql<string | null>`moderation_status`),
  bytes: integerColumn(sql<number>`bytes`),
  width: integerColumn(sql<number | null>`width`),
  height: integerColumn(sql<number | null>`height`),
  pixels: integerColumn(sql<number | null>`(width::bigint * height)`),
  pages: integerColumn(sql<number | null>`pages`),
  duration: floatColumn(duration),
  aspect_ratio: floatColumn(sql<number | null>`(width::float8 / nullif(height, 0))`),
  created_at: dateColumn(sql<Date>`created_at`),
  // An overwrite replaces the row's created_at (assets-repository.ts): it is the last upload's time.
  uploaded_at: dateColumn(sql<Date>`created_at`),
  context: contextField,
  metadata: metadataField,
};

/** A bare word: a word of the public_id, of a tag or of a context value; a prefix of any of them. */
function assetBareWord(mode: MatchMode, text: string): Condition {
  if (mode === 'prefix') {
    const pattern = `${escapeLike(text)}%`;
    return sql<SqlBool>`(${publicIdC} LIKE ${pattern} OR ${filename} LIKE ${pattern} OR EXISTS (SELECT 1 FROM unnest(tags) AS tag(value) WHERE tag.value LIKE ${pattern}) OR EXISTS (SELECT 1 FROM jsonb_each_text(context) AS entry WHERE entry.value LIKE ${pattern}))`;
  }
  if (!hasWords(text)) {
    return sql<SqlBool>`(${publicIdC} = ${text} OR tags @> ARRAY[${text}::text] OR EXISTS (SELECT 1 FROM jsonb_each_text(context) AS entry WHERE entry.value = ${text}))`;
  }
  const tokens = tokensOf(text);
  return sql<SqlBool>`(${publicIdTokens} @> ${tokens} OR ${tagTokens} @> ${tokens} OR ${contextTokens} @> ${tokens})`;
}

/** The folders' fields, on the columns of the folder listing (search-folders.ts). */
const FOLDER_FIELDS: FieldTable = {
  name: keywordColumn(sql<string>`name`),
  path: {
    match(mode, text) {
      if (mode !== 'prefix') return sql<SqlBool>`(path COLLATE "C") = ${text}`;
      const below = startsWith(sql<string>`(path COLLATE "C")`, text);
      return text.endsWith('/') ? sql<SqlBool>`((path COLLATE "C") = ${text.slice(0, -1)} OR ${below})` : below;
    },
    exists: () => TRUE,
  },
  created_at: dateColumn(sql<Date>`created_at`),
};

function folderBareWord(mode: MatchMode, text: string): Condition {
  if (mode === 'prefix') return startsWith(sql<string>`name`, text);
  if (!hasWords(text)) return sql<SqlBool>`name = ${text}`;
  return sql<SqlBool>`rendition_search_tokens(name) @> ${tokensOf(text)}`;
}

function and(conditions: Condition[]): Condition {
  if (conditions.length === 0) return TRUE;
  if (conditions.length === 1) return conditions[0]!;
  return sql<SqlBool>`(${sql.join(conditions, sql` AND `)})`;
}

function compile(node: SearchNode, fields: FieldTable, bareWord: (mode: MatchMode, text: string) => Condition, context: CompileContext): Condition {
  const recurse = (child: SearchNode) => compile(child, fields, bareWord, context);
  switch (node.type) {
    case 'and':
      return and(node.children.map(recurse));
    case 'or':
      return sql<SqlBool>`(${sql.join(node.children.map(recurse), sql` OR `)})`;
    case 'not':
      return sql<SqlBool>`((${recurse(node.child)}) IS NOT TRUE)`;
    case 'match':
      if (node.field === null) return bareWord(node.mode, node.text);
      return fieldOf(fields, node.field).match(node.mode, node.text, node.field.key);
    case 'exists':
      return fieldOf(fields, node.field).exists(node.field.key);
    case 'range': {
      const field = fieldOf(fields, node.field);
      if (!field.range) throw new RangeError(`field ${node.field.name} has no ranges`);
      return field.range(node.lower, node.upper, context, node.field.key);
    }
  }
}

function fieldOf(fields: FieldTable, field: SearchFieldRef): FieldSql {
  const sqlField = Object.hasOwn(fields, field.name) ? fields[field.name] : undefined;
  // The parser only lets through the fields of its table, which these tables mirror.
  if (!sqlField) throw new RangeError(`no SQL for search field ${field.name}`);
  return sqlField;
}

/** The condition on `assets` rows for an expression (undefined: every asset). */
export function assetSearchCondition(node: SearchNode | undefined, now: Date): Condition {
  return node ? compile(node, ASSET_FIELDS, assetBareWord, { now }) : TRUE;
}

/** The condition on the folder listing's rows (path, name, created_at). */
export function folderSearchCondition(node: SearchNode | undefined, now: Date): Condition {
  return node ? compile(node, FOLDER_FIELDS, folderBareWord, { now }) : TRUE;
}

/** The SQL expression of a numeric search field (aggregation ranges read it). */
export const RANGE_FIELD_SQL = {
  bytes: sql<number>`bytes`,
  pixels: sql<number>`(width::bigint * height)`,
  duration,
} as const;

/** 0020's length limit on the whole tags and words that asset_tag_words holds. */
const TAG_WORD_MAX_BYTES = 1000;

/**
 * A tags term that asset_tag_words (migration 0020) answers on its own: `tags=x` (a whole tag) or a
 * one-word `tags:x` (a word of a tag), as the key it is found under; undefined for any other term.
 */
export function tagWordTerm(node: SearchNode): { whole: boolean; word: RawBuilder<string> } | undefined {
  if (node.type !== 'match' || node.field?.name !== 'tags' || node.mode === 'prefix') return undefined;
  if (Buffer.byteLength(node.text, 'utf8') > TAG_WORD_MAX_BYTES) return undefined;
  if (node.mode === 'exact' || !hasWords(node.text)) return { whole: true, word: sql<string>`${node.text}::text` };
  if (isOneWord(node.text)) return { whole: false, word: sql<string>`(${tokensOf(node.text)})[1]` };
  return undefined;
}

/** The columns asset_tag_words copies from `assets` and an equality on which it can answer. */
export const TAG_WORD_COLUMNS = ['resource_type', 'type', 'format'] as const;
export type TagWordColumn = (typeof TAG_WORD_COLUMNS)[number];

/** `resource_type:x`, `type=x`, `format:x`…: an equality on a column that asset_tag_words copies. */
export function tagWordColumnMatch(node: SearchNode): { column: TagWordColumn; value: string } | undefined {
  if (node.type !== 'match' || node.field === null || node.mode === 'prefix') return undefined;
  const column = TAG_WORD_COLUMNS.find((name) => name === node.field?.name);
  return column ? { column, value: node.text } : undefined;
}
