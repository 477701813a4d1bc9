/*
 * A small SOQL engine for the emulator: a parser (SELECT … FROM … WHERE … ORDER BY … LIMIT … OFFSET),
 * and an evaluator over in-memory rows that answers with Salesforce's exact record and error shapes.
 *
 * Supported: field lists with relationship paths (Profile.Name, Parent.Profile.Name), COUNT() and
 * COUNT(field), WHERE with = != <> < <= > >= LIKE IN / NOT IN (value lists and semi-join
 * sub-selects), AND / OR / NOT and parentheses (mixing AND and OR without parentheses is refused, as
 * Salesforce does), string literals with backslash escapes, true / false / null, numbers, dates and
 * date-times; ORDER BY … ASC|DESC NULLS FIRST|LAST; LIMIT; OFFSET. Keywords, object and field names
 * are case-insensitive; values come back under the canonical API names.
 */

import { sameId, isValidId } from './ids.js';

// ---------------------------------------------------------------------------------------------
// Schema and data source

export type FieldType =
  | 'id'
  | 'reference'
  | 'string'
  | 'email'
  | 'picklist'
  | 'textarea'
  | 'boolean'
  | 'int'
  | 'double'
  | 'date'
  | 'datetime';

export type SObjectField = {
  name: string;
  type: FieldType;
  label?: string;
  nillable?: boolean;
  /** For reference fields: the object referred to. */
  referenceTo?: string;
  /** For reference fields: the relationship name (ProfileId → Profile). */
  relationshipName?: string;
  createable?: boolean;
};

export type SObjectDescribe = {
  name: string;
  label: string;
  keyPrefix: string | null;
  fields: SObjectField[];
  createable?: boolean;
  deletable?: boolean;
};

/** One record, keyed by canonical field names. */
export type Row = Record<string, unknown>;

export type SoqlDataSource = {
  /** Case-insensitive lookup of an object's describe; undefined when the object is not supported. */
  describe(objectName: string): SObjectDescribe | undefined;
  /** All rows of an object (canonical name) visible to the caller. */
  rows(objectName: string): Row[];
  /** One row by id (15 or 18 characters), or undefined. */
  findById(objectName: string, id: string): Row | undefined;
};

// ---------------------------------------------------------------------------------------------
// Errors

export type SoqlErrorCode = 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR';

export class SoqlError extends Error {
  public constructor(
    public readonly errorCode: SoqlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SoqlError';
  }
}

/**
 * Salesforce's error text for a position in a query: the offending line, a caret under the column,
 * "ERROR at Row:r:Column:c" and the explanation, each on its own line, with a leading newline.
 */
export function formatSoqlMessage(query: string, pos: number, text: string): string {
  const before = query.slice(0, pos);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = pos - lineStart + 1;
  const lineEnd = query.indexOf('\n', pos);
  const line = query.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  return `\n${line}\n${' '.repeat(column - 1)}^\nERROR at Row:${row}:Column:${column}\n${text}`;
}

function errorAt(query: string, code: SoqlErrorCode, pos: number, text: string): SoqlError {
  return new SoqlError(code, formatSoqlMessage(query, pos, text));
}

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenType = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'lparen' | 'rparen' | 'comma' | 'eof';
type Token = { type: TokenType; value: string; pos: number };

const ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
  // \_ and \% stay escaped: they only mean something to LIKE
  _: '\\_',
  '%': '\\%',
};

const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER_RE = /^[+-]?\d+(\.\d+)?(?![\w.])/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/;

/** Reads a quoted string literal starting at `start` (the quote); returns its value and the index after it. */
function readString(query: string, start: number): { value: string; end: number } {
  let value = '';
  let j = start + 1;
  while (j < query.length) {
    const d = query.charAt(j);
    if (d === "'") return { value, end: j + 1 };
    if (d === '\\') {
      const e = query.charAt(j + 1);
      if (!(e in ESCAPES)) {
        throw new SoqlError(
          'MALFORMED_QUERY',
          `line 1:${j} no viable alternative at character '${e === '' ? '<EOF>' : e}'`,
        );
      }
      value += ESCAPES[e];
      j += 2;
      continue;
    }
    value += d;
    j++;
  }
  throw new SoqlError('MALFORMED_QUERY', `line 1:${query.length} mismatched character '<EOF>' expecting '''`);
}

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = query.slice(i);
    if (c === "'") {
      const { value, end } = readString(query, i);
      tokens.push({ type: 'string', value, pos: i });
      i = end;
      continue;
    }
    let m = DATETIME_RE.exec(rest);
    if (m) {
      tokens.push({ type: 'datetime', value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = DATE_RE.exec(rest);
    if (m) {
      tokens.push({ type: 'date', value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = NUMBER_RE.exec(rest);
    if (m) {
      tokens.push({ type: 'number', value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = IDENT_RE.exec(rest);
    if (m) {
      tokens.push({ type: 'ident', value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    const two = rest.slice(0, 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ type: 'op', value: two, pos: i });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      tokens.push({ type: 'op', value: c, pos: i });
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', value: c, pos: i });
      i++;
      continue;
    }
    throw new SoqlError('MALFORMED_QUERY', `line 1:${i} no viable alternative at character '${c}'`);
  }
  tokens.push({ type: 'eof', value: '<EOF>', pos: query.length });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// AST

export type FieldPath = { path: string[]; pos: number };

export type SelectItem =
  | { kind: 'field'; field: FieldPath }
  | { kind: 'count'; pos: number }
  | { kind: 'countField'; field: FieldPath; alias?: string; pos: number };

export type Literal =
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'boolean'; value: boolean; pos: number }
  | { kind: 'null'; pos: number }
  | { kind: 'date'; value: string; pos: number }
  | { kind: 'datetime'; value: string; pos: number };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE';

export type Condition =
  | { kind: 'and' | 'or'; terms: Condition[] }
  | { kind: 'not'; term: Condition }
  | { kind: 'compare'; field: FieldPath; op: CompareOp; value: Literal }
  | { kind: 'in'; field: FieldPath; negated: boolean; values: Literal[] }
  | { kind: 'semiJoin'; field: FieldPath; negated: boolean; query: SoqlQuery };

export type OrderItem = { field: FieldPath; descending: boolean; nullsLast: boolean };

export type SoqlQuery = {
  select: SelectItem[];
  from: { name: string; pos: number };
  where?: Condition;
  orderBy?: OrderItem[];
  limit?: number;
  offset?: number;
};

const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'ORDER',
  'BY',
  'ASC',
  'DESC',
  'NULLS',
  'FIRST',
  'LAST',
  'LIMIT',
  'OFFSET',
  'GROUP',
  'HAVING',
  'WITH',
  'FOR',
  'USING',
  'TYPEOF',
]);

class Parser {
  private i = 0;

  public constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  public parseTop(): SoqlQuery {
    const q = this.parseQuery();
    const t = this.peek();
    if (t.type !== 'eof') throw this.unexpected(t);
    return q;
  }

  public parseQuery(): SoqlQuery {
    this.expectKeyword('SELECT');
    const select = this.parseSelectList();
    this.expectKeyword('FROM');
    const fromTok = this.next();
    if (fromTok.type !== 'ident' || KEYWORDS.has(fromTok.value.toUpperCase())) throw this.unexpected(fromTok);
    const query: SoqlQuery = { select, from: { name: fromTok.value, pos: fromTok.pos } };
    if (this.isKeyword('WHERE')) {
      this.next();
      query.where = this.parseCondition();
    }
    if (this.isKeyword('ORDER')) {
      this.next();
      this.expectKeyword('BY');
      query.orderBy = this.parseOrderBy();
    }
    if (this.isKeyword('LIMIT')) {
      this.next();
      query.limit = this.parseNonNegativeInt();
    }
    if (this.isKeyword('OFFSET')) {
      this.next();
      query.offset = this.parseNonNegativeInt();
    }
    return query;
  }

  private parseSelectList(): SelectItem[] {
    const items: SelectItem[] = [];
    for (;;) {
      const t = this.next();
      if (t.type !== 'ident' || KEYWORDS.has(t.value.toUpperCase())) throw this.unexpected(t);
      if (t.value.toUpperCase() === 'COUNT' && this.peek().type === 'lparen') {
        this.next();
        const inner = this.next();
        if (inner.type === 'rparen') {
          items.push({ kind: 'count', pos: t.pos });
        } else if (inner.type === 'ident') {
          this.expect('rparen');
          const aliasTok = this.peek();
          let alias: string | undefined;
          if (aliasTok.type === 'ident' && !KEYWORDS.has(aliasTok.value.toUpperCase())) {
            alias = this.next().value;
          }
          items.push({
            kind: 'countField',
            field: { path: inner.value.split('.'), pos: inner.pos },
            alias,
            pos: t.pos,
          });
        } else {
          throw this.unexpected(inner);
        }
      } else {
        items.push({ kind: 'field', field: { path: t.value.split('.'), pos: t.pos } });
      }
      if (this.peek().type !== 'comma') break;
      this.next();
    }
    return items;
  }

  private parseCondition(): Condition {
    const first = this.parseUnary();
    const terms = [first];
    let connector: 'AND' | 'OR' | undefined;
    for (;;) {
      const t = this.peek();
      if (t.type !== 'ident') break;
      const word = t.value.toUpperCase();
      if (word !== 'AND' && word !== 'OR') break;
      // Salesforce refuses a mix of AND and OR at one level without parentheses.
      if (connector && connector !== word) throw this.unexpected(t);
      connector = word;
      this.next();
      terms.push(this.parseUnary());
    }
    if (!connector) return first;
    return { kind: connector === 'AND' ? 'and' : 'or', terms };
  }

  private parseUnary(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', term: this.parseUnary() };
    }
    if (this.peek().type === 'lparen') {
      this.next();
      const inner = this.parseCondition();
      this.expect('rparen');
      return inner;
    }
    return this.parseComparison();
  }

  private parseComparison(): Condition {
    const ft = this.next();
    if (ft.type !== 'ident' || KEYWORDS.has(ft.value.toUpperCase())) throw this.unexpected(ft);
    const field: FieldPath = { path: ft.value.split('.'), pos: ft.pos };
    const t = this.next();
    if (t.type === 'op') {
      const op = (t.value === '<>' ? '!=' : t.value) as CompareOp;
      return { kind: 'compare', field, op, value: this.parseLiteral() };
    }
    if (t.type === 'ident') {
      const word = t.value.toUpperCase();
      if (word === 'LIKE') {
        const value = this.parseLiteral();
        return { kind: 'compare', field, op: 'LIKE', value };
      }
      let negated = false;
      let inTok = t;
      if (word === 'NOT') {
        negated = true;
        inTok = this.next();
      }
      if (inTok.type === 'ident' && inTok.value.toUpperCase() === 'IN') {
        this.expect('lparen');
        if (this.isKeyword('SELECT')) {
          const query = this.parseQuery();
          this.expect('rparen');
          return { kind: 'semiJoin', field, negated, query };
        }
        const values: Literal[] = [this.parseLiteral()];
        while (this.peek().type === 'comma') {
          this.next();
          values.push(this.parseLiteral());
        }
        this.expect('rparen');
        return { kind: 'in', field, negated, values };
      }
      throw this.unexpected(inTok);
    }
    throw this.unexpected(t);
  }

  private parseLiteral(): Literal {
    const t = this.next();
    switch (t.type) {
      case 'string':
        return { kind: 'string', value: t.value, pos: t.pos };
      case 'number':
        return { kind: 'number', value: Number(t.value), pos: t.pos };
      case 'date':
        return { kind: 'date', value: t.value, pos: t.pos };
      case 'datetime':
        return { kind: 'datetime', value: t.value, pos: t.pos };
      case 'ident': {
        const word = t.value.toUpperCase();
        if (word === 'TRUE' || word === 'FALSE') return { kind: 'boolean', value: word === 'TRUE', pos: t.pos };
        if (word === 'NULL') return { kind: 'null', pos: t.pos };
        throw this.unexpected(t);
      }
      default:
        throw this.unexpected(t);
    }
  }

  private parseOrderBy(): OrderItem[] {
    const items: OrderItem[] = [];
    for (;;) {
      const ft = this.next();
      if (ft.type !== 'ident' || KEYWORDS.has(ft.value.toUpperCase())) throw this.unexpected(ft);
      let descending = false;
      if (this.isKeyword('ASC')) this.next();
      else if (this.isKeyword('DESC')) {
        this.next();
        descending = true;
      }
      // Salesforce default: nulls first in ascending order, last in descending order.
      let nullsLast = descending;
      if (this.isKeyword('NULLS')) {
        this.next();
        const w = this.next();
        const word = w.value.toUpperCase();
        if (w.type !== 'ident' || (word !== 'FIRST' && word !== 'LAST')) throw this.unexpected(w);
        nullsLast = word === 'LAST';
      }
      items.push({ field: { path: ft.value.split('.'), pos: ft.pos }, descending, nullsLast });
      if (this.peek().type !== 'comma') break;
      this.next();
    }
    return items;
  }

  private parseNonNegativeInt(): number {
    const t = this.next();
    if (t.type !== 'number' || !/^\d+$/.test(t.value)) throw this.unexpected(t);
    return Number(t.value);
  }

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    const t = this.tokens[this.i];
    if (t.type !== 'eof') this.i++;
    return t;
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.type === 'ident' && t.value.toUpperCase() === word;
  }

  private expectKeyword(word: string): void {
    const t = this.next();
    if (t.type !== 'ident' || t.value.toUpperCase() !== word) throw this.unexpected(t);
  }

  private expect(type: TokenType): Token {
    const t = this.next();
    if (t.type !== type) throw this.unexpected(t);
    return t;
  }

  private unexpected(t: Token): SoqlError {
    const shown = t.type === 'eof' ? '<EOF>' : `'${t.value}'`;
    return errorAt(this.text, 'MALFORMED_QUERY', t.pos, `unexpected token: ${shown}`);
  }
}

/** Parses a SOQL statement; throws SoqlError (MALFORMED_QUERY) with Salesforce's wording. */
export function parseSoql(text: string): SoqlQuery {
  return new Parser(text, tokenize(text)).parseTop();
}

// ---------------------------------------------------------------------------------------------
// Field resolution

/** A field path resolved against the schema: relationship hops, then the final field. */
export type ResolvedPath = {
  hops: Array<{ relationshipName: string; viaField: string; to: SObjectDescribe }>;
  field: SObjectField;
  /** The object that holds the final field. */
  owner: SObjectDescribe;
};

const FIELD_HINT =
  "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.";
const RELATIONSHIP_HINT =
  "If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.";
const TYPE_HINT =
  "If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.";

function findField(obj: SObjectDescribe, name: string): SObjectField | undefined {
  const lower = name.toLowerCase();
  return obj.fields.find((f) => f.name.toLowerCase() === lower);
}

function findRelationship(obj: SObjectDescribe, name: string): SObjectField | undefined {
  const lower = name.toLowerCase();
  return obj.fields.find((f) => f.relationshipName?.toLowerCase() === lower);
}

export function resolvePath(text: string, ds: SoqlDataSource, root: SObjectDescribe, fp: FieldPath): ResolvedPath {
  let parts = fp.path;
  // "User.Username" on FROM User: a leading object name is allowed.
  if (parts.length > 1 && parts[0].toLowerCase() === root.name.toLowerCase() && !findRelationship(root, parts[0])) {
    parts = parts.slice(1);
  }
  const hops: ResolvedPath['hops'] = [];
  let current = root;
  for (let k = 0; k < parts.length - 1; k++) {
    const rel = findRelationship(current, parts[k]);
    const target = rel?.referenceTo ? ds.describe(rel.referenceTo) : undefined;
    if (!rel?.relationshipName || !target) {
      throw errorAt(
        text,
        'INVALID_FIELD',
        fp.pos,
        `Didn't understand relationship '${parts[k]}' in field path. ${RELATIONSHIP_HINT}`,
      );
    }
    hops.push({ relationshipName: rel.relationshipName, viaField: rel.name, to: target });
    current = target;
  }
  const last = parts[parts.length - 1];
  const field = findField(current, last);
  if (!field) {
    throw errorAt(text, 'INVALID_FIELD', fp.pos, `No such column '${last}' on entity '${current.name}'. ${FIELD_HINT}`);
  }
  return { hops, field, owner: current };
}

function resolveObject(text: string, ds: SoqlDataSource, from: SoqlQuery['from']): SObjectDescribe {
  const obj = ds.describe(from.name);
  if (!obj) {
    throw errorAt(text, 'INVALID_TYPE', from.pos, `sObject type '${from.name}' is not supported. ${TYPE_HINT}`);
  }
  return obj;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** Follows the relationship hops from a row; null when a reference on the way is empty. */
function follow(ds: SoqlDataSource, row: Row, hops: ResolvedPath['hops'], upTo = hops.length): Row | null {
  let current: Row | null = row;
  for (let k = 0; k < upTo && current; k++) {
    const ref: unknown = current[hops[k].viaField];
    current = typeof ref === 'string' && ref ? (ds.findById(hops[k].to.name, ref) ?? null) : null;
  }
  return current;
}

function valueOf(ds: SoqlDataSource, row: Row, rp: ResolvedPath): unknown {
  const target = follow(ds, row, rp.hops);
  if (!target) return null;
  const v = target[rp.field.name];
  return v === undefined ? null : v;
}

const STRINGY = new Set<FieldType>(['string', 'email', 'picklist', 'textarea']);

function toEpoch(v: string): number {
  // Salesforce writes +0000; Date.parse wants +00:00.
  return Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

/** Checks that a literal fits the field's type, with Salesforce's wording when it does not. */
function checkLiteral(text: string, rp: ResolvedPath, lit: Literal, fieldPos: number): void {
  const f = rp.field;
  const name = f.name;
  if (lit.kind === 'null') return;
  if ((f.type === 'id' || f.type === 'reference') && lit.kind === 'string' && !isValidId(lit.value)) {
    throw errorAt(text, 'INVALID_QUERY_FILTER_OPERATOR', fieldPos, `invalid ID field: ${lit.value}`);
  }
  const expected = expectedLiteral(f.type);
  if (expected && lit.kind !== expected.kind) {
    const quotes = expected.kind === 'string' ? 'should be enclosed in quotes' : 'should not be enclosed in quotes';
    throw errorAt(
      text,
      'INVALID_QUERY_FILTER_OPERATOR',
      fieldPos,
      `value of filter criterion for field '${name}' must be of type ${expected.typeName} and ${quotes}`,
    );
  }
}

/** The literal a field type takes in a filter, and the type's name in Salesforce's error; undefined: anything goes. */
function expectedLiteral(type: FieldType): { kind: Literal['kind']; typeName: string } | undefined {
  if (type === 'boolean') return { kind: 'boolean', typeName: 'boolean' };
  if (STRINGY.has(type) || type === 'id' || type === 'reference') return { kind: 'string', typeName: 'string' };
  if (type === 'int' || type === 'double') return { kind: 'number', typeName: 'double' };
  if (type === 'datetime') return { kind: 'datetime', typeName: 'dateTime' };
  if (type === 'date') return { kind: 'date', typeName: 'date' };
  return undefined;
}

function literalValue(lit: Literal): unknown {
  return lit.kind === 'null' ? null : lit.value;
}

/** -1, 0, 1 for two non-null values of a field type. */
function compareValues(type: FieldType, a: unknown, b: unknown): number {
  if (type === 'datetime' || type === 'date') {
    const x = toEpoch(String(a));
    const y = toEpoch(String(b));
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (type === 'int' || type === 'double') {
    return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
  }
  if (type === 'boolean') {
    return a === b ? 0 : a ? 1 : -1;
  }
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function equalValues(type: FieldType, a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b;
  if (type === 'id' || type === 'reference') return sameId(String(a), String(b));
  return compareValues(type, a, b) === 0;
}

function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern.charAt(k);
    if (c === '\\' && (pattern.charAt(k + 1) === '%' || pattern.charAt(k + 1) === '_')) {
      re += pattern.charAt(k + 1);
      k++;
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

type Predicate = (row: Row) => boolean;

function compileCondition(text: string, ds: SoqlDataSource, root: SObjectDescribe, cond: Condition): Predicate {
  switch (cond.kind) {
    case 'and': {
      const parts = cond.terms.map((t) => compileCondition(text, ds, root, t));
      return (row) => parts.every((p) => p(row));
    }
    case 'or': {
      const parts = cond.terms.map((t) => compileCondition(text, ds, root, t));
      return (row) => parts.some((p) => p(row));
    }
    case 'not': {
      const inner = compileCondition(text, ds, root, cond.term);
      return (row) => !inner(row);
    }
    case 'compare': {
      const rp = resolvePath(text, ds, root, cond.field);
      const type = rp.field.type;
      const lit = cond.value;
      if (cond.op === 'LIKE') {
        if (lit.kind !== 'string') {
          throw errorAt(text, 'MALFORMED_QUERY', lit.pos, 'LIKE operator requires a string value');
        }
        const re = likeToRegExp(lit.value);
        return (row) => {
          const v = valueOf(ds, row, rp);
          return v !== null && re.test(String(v));
        };
      }
      checkLiteral(text, rp, lit, cond.field.pos);
      const want = literalValue(lit);
      const op = cond.op;
      return (row) => {
        const v = valueOf(ds, row, rp);
        if (op === '=') return equalValues(type, v, want);
        if (op === '!=') return !equalValues(type, v, want);
        if (v === null || want === null) return false;
        const c = compareValues(type, v, want);
        return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
      };
    }
    case 'in': {
      const rp = resolvePath(text, ds, root, cond.field);
      for (const lit of cond.values) checkLiteral(text, rp, lit, cond.field.pos);
      const wants = cond.values.map(literalValue);
      const type = rp.field.type;
      return (row) => {
        const v = valueOf(ds, row, rp);
        const hit = wants.some((w) => equalValues(type, v, w));
        return cond.negated ? !hit : hit;
      };
    }
    case 'semiJoin': {
      const rp = resolvePath(text, ds, root, cond.field);
      if (rp.field.type !== 'id' && rp.field.type !== 'reference') {
        throw errorAt(text, 'MALFORMED_QUERY', cond.field.pos, 'semi join sub-selects are only allowed on id fields');
      }
      const sub = cond.query;
      if (sub.select.length !== 1 || sub.select[0].kind !== 'field') {
        throw errorAt(
          text,
          'MALFORMED_QUERY',
          sub.from.pos,
          'The selected field in a semi join sub-select must be an id',
        );
      }
      const subRoot = resolveObject(text, ds, sub.from);
      const subField = resolvePath(text, ds, subRoot, sub.select[0].field);
      const subRows = selectRows(text, ds, subRoot, sub);
      const ids = subRows.map((r) => valueOf(ds, r, subField)).filter((v): v is string => typeof v === 'string');
      return (row) => {
        const v = valueOf(ds, row, rp);
        const hit = typeof v === 'string' && ids.some((id) => sameId(id, v));
        return cond.negated ? !hit : hit;
      };
    }
  }
}

/** Rows of the query's object that pass WHERE, sorted by ORDER BY, cut by OFFSET and LIMIT. */
function selectRows(text: string, ds: SoqlDataSource, root: SObjectDescribe, q: SoqlQuery): Row[] {
  const predicate = q.where ? compileCondition(text, ds, root, q.where) : (): boolean => true;
  let rows = ds.rows(root.name).filter(predicate);
  if (q.orderBy?.length) {
    const keys = q.orderBy.map((o) => ({ o, rp: resolvePath(text, ds, root, o.field) }));
    rows = [...rows].sort((a, b) => {
      for (const { o, rp } of keys) {
        const x = valueOf(ds, a, rp);
        const y = valueOf(ds, b, rp);
        let c: number;
        if (x === null && y === null) c = 0;
        else if (x === null) c = o.nullsLast ? 1 : -1;
        else if (y === null) c = o.nullsLast ? -1 : 1;
        else c = compareValues(rp.field.type, x, y) * (o.descending ? -1 : 1);
        if (c !== 0) return c;
      }
      return 0;
    });
  }
  const start = q.offset ?? 0;
  const end = q.limit === undefined ? undefined : start + q.limit;
  return rows.slice(start, end);
}

// ---------------------------------------------------------------------------------------------
// Output

export type QueryOptions = {
  /** Prefix of attributes.url, e.g. /services/data/v66.0/sobjects or /services/data/v66.0/tooling/sobjects */
  sobjectUrlPrefix: string;
};

export type QueryResult = {
  totalSize: number;
  done: boolean;
  records: Row[];
};

function attributes(obj: SObjectDescribe, row: Row, opts: QueryOptions): Row {
  const id = row.Id;
  // Objects whose Id is always null (OauthToken) carry no record url.
  return typeof id === 'string' && id
    ? { type: obj.name, url: `${opts.sobjectUrlPrefix}/${obj.name}/${id}` }
    : { type: obj.name };
}

function putPath(
  ds: SoqlDataSource,
  out: Row,
  row: Row,
  rootObj: SObjectDescribe,
  rp: ResolvedPath,
  opts: QueryOptions,
): void {
  let target: Row = out;
  let source: Row | null = row;
  for (let k = 0; k < rp.hops.length; k++) {
    const hop = rp.hops[k];
    if (target[hop.relationshipName] === null) return;
    const next = follow(ds, row, rp.hops, k + 1);
    if (!next) {
      target[hop.relationshipName] = null;
      return;
    }
    if (typeof target[hop.relationshipName] !== 'object' || target[hop.relationshipName] === undefined) {
      target[hop.relationshipName] = { attributes: attributes(hop.to, next, opts) };
    }
    target = target[hop.relationshipName] as Row;
    source = next;
  }
  const v = source ? source[rp.field.name] : null;
  target[rp.field.name] = v === undefined ? null : v;
  void rootObj;
}

/**
 * Runs a SOQL statement and answers like /services/data/vNN.0/query. Throws SoqlError for
 * MALFORMED_QUERY, INVALID_TYPE, INVALID_FIELD and INVALID_QUERY_FILTER_OPERATOR.
 */
export function executeSoql(text: string, ds: SoqlDataSource, opts: QueryOptions): QueryResult {
  const q = parseSoql(text);
  const root = resolveObject(text, ds, q.from);
  const counts = q.select.filter((s) => s.kind === 'count');
  if (counts.length && q.select.length > 1) {
    throw errorAt(text, 'MALFORMED_QUERY', counts[0].pos, 'COUNT() must be the only element in the SELECT list.');
  }
  // Resolve every selected field first so that an unknown field fails even on an empty result.
  const resolved = q.select.map((s) => (s.kind === 'count' ? undefined : resolvePath(text, ds, root, s.field)));
  const rows = selectRows(text, ds, root, q);
  if (counts.length) {
    return { totalSize: rows.length, done: true, records: [] };
  }
  const aggregates = q.select.filter((s) => s.kind === 'countField');
  if (aggregates.length) {
    if (aggregates.length !== q.select.length) {
      throw errorAt(
        text,
        'MALFORMED_QUERY',
        q.from.pos,
        'Field must be grouped or aggregated: ' +
          q.select
            .filter((s) => s.kind === 'field')
            .map((s) => (s.kind === 'field' ? s.field.path.join('.') : ''))
            .join(', '),
      );
    }
    const rec: Row = { attributes: { type: 'AggregateResult' } };
    q.select.forEach((s, k) => {
      if (s.kind !== 'countField') return;
      const rp = resolved[k] as ResolvedPath;
      rec[s.alias ?? `expr${k}`] = rows.filter((r) => valueOf(ds, r, rp) !== null).length;
    });
    return { totalSize: 1, done: true, records: [rec] };
  }
  const records = rows.map((row) => {
    const out: Row = { attributes: attributes(root, row, opts) };
    resolved.forEach((rp) => {
      if (rp) putPath(ds, out, row, root, rp, opts);
    });
    return out;
  });
  return { totalSize: records.length, done: true, records };
}

// ---------------------------------------------------------------------------------------------
// Column metadata (what `sf data query` asks for with &columns=true)

export type ColumnMetadata = {
  aggregate: boolean;
  apexType: string | null;
  booleanType: boolean;
  columnName: string;
  custom: boolean;
  displayName: string;
  foreignKeyName: string | null;
  insertable: boolean;
  joinColumns: ColumnMetadata[];
  numberType: boolean;
  textType: boolean;
  updatable: boolean;
};

const APEX_TYPES: Record<FieldType, string> = {
  id: 'Id',
  reference: 'Id',
  string: 'String',
  email: 'String',
  picklist: 'String',
  textarea: 'String',
  boolean: 'Boolean',
  int: 'Integer',
  double: 'Double',
  date: 'Date',
  datetime: 'Datetime',
};

function fieldColumn(f: SObjectField): ColumnMetadata {
  return {
    aggregate: false,
    apexType: APEX_TYPES[f.type],
    booleanType: f.type === 'boolean',
    columnName: f.name,
    custom: false,
    displayName: f.name,
    foreignKeyName: null,
    insertable: f.createable ?? false,
    joinColumns: [],
    numberType: f.type === 'int' || f.type === 'double',
    textType: STRINGY.has(f.type) || f.type === 'id' || f.type === 'reference',
    updatable: false,
  };
}

function relationshipColumn(name: string): ColumnMetadata {
  return {
    aggregate: false,
    apexType: null,
    booleanType: false,
    columnName: name,
    custom: false,
    displayName: name,
    foreignKeyName: null,
    insertable: false,
    joinColumns: [],
    numberType: false,
    textType: false,
    updatable: false,
  };
}

export type ColumnsResult = {
  columnMetadata: ColumnMetadata[];
  entityName: string;
  groupBy: boolean;
  idSelected: boolean;
  keyPrefix: string | null;
};

/** The answer of /query?q=…&columns=true. */
export function describeColumns(text: string, ds: SoqlDataSource): ColumnsResult {
  const q = parseSoql(text);
  const root = resolveObject(text, ds, q.from);
  const columns: ColumnMetadata[] = [];
  let idSelected = false;
  q.select.forEach((s, k) => {
    if (s.kind === 'count') return;
    const rp = resolvePath(text, ds, root, s.field);
    if (s.kind === 'countField') {
      columns.push({
        ...fieldColumn(rp.field),
        aggregate: true,
        apexType: 'Integer',
        columnName: s.alias ?? `expr${k}`,
        displayName: `COUNT(${rp.field.name})`,
        numberType: true,
        textType: false,
      });
      return;
    }
    if (rp.hops.length === 0 && rp.field.name === 'Id') idSelected = true;
    let level = columns;
    for (const hop of rp.hops) {
      let col = level.find((c) => c.columnName === hop.relationshipName && !c.aggregate);
      if (!col) {
        col = relationshipColumn(hop.relationshipName);
        level.push(col);
      }
      level = col.joinColumns;
    }
    level.push(fieldColumn(rp.field));
  });
  return { columnMetadata: columns, entityName: root.name, groupBy: false, idSelected, keyPrefix: root.keyPrefix };
}
