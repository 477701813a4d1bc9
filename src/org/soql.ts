/*
 * SOQL literal escaping. Every value the plugin puts into a SOQL string goes through soqlString:
 * usernames may contain quotes, and an unescaped backslash would break the query.
 */

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Escapes a value for use inside a single-quoted SOQL string literal (without the quotes). */
export function escapeSoql(value: string): string {
  return value.replace(/[\\'"\n\r\t\b\f]/g, (ch) => ESCAPES[ch]);
}

/** A quoted SOQL string literal: soqlString("o'brien@x.com") → 'o\'brien@x.com'. */
export function soqlString(value: string): string {
  return `'${escapeSoql(value)}'`;
}

/** A parenthesised list of quoted literals for IN clauses: ('a','b'). */
export function soqlList(values: readonly string[]): string {
  return `(${values.map(soqlString).join(',')})`;
}
