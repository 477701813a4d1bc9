/*
 * The little XML the emulator needs: escaping, pulling elements out of SOAP envelopes, writing elements, and
 * parsing a metadata component file (a root element with one level of fields) with the positions and words
 * of the Xerces parser Salesforce's Metadata API reports ("Error parsing file: …" with a line and column).
 */

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&amp;/g, '&');
}

/** Inner text of every element `<name>` (any namespace prefix) inside `xml`, in document order. */
export function elements(xml: string, name: string): string[] {
  const re = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${name}>`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1]);
}

/** The unescaped, trimmed text of the first `<name>` inside `xml`, or undefined. */
export function firstText(xml: string, name: string): string | undefined {
  const inner = elements(xml, name)[0];
  return inner === undefined ? undefined : unescapeXml(inner).trim();
}

/** `<name>value</name>`, or nothing for undefined and null. */
export function el(name: string, value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** One child element of a component file's root. */
export type XmlField = {
  /** Local name (namespace prefix dropped). */
  name: string;
  /** Unescaped text content; for an element with children, the text of its descendants. */
  text: string;
  hasChildren: boolean;
  /** 1-based position of the child's start tag. */
  line: number;
  column: number;
};

export type XmlDocument = { root: string; fields: XmlField[] };

/** A well-formedness error, worded as Xerces words it, at a 1-based line and column. */
export class XmlParseError extends Error {
  public constructor(
    message: string,
    public readonly line: number,
    public readonly column: number,
  ) {
    super(message);
    this.name = 'XmlParseError';
  }
}

const NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/;

/** Parses a metadata file: its root element's name and that root's child elements. Throws XmlParseError. */
export function parseXmlDocument(input: string): XmlDocument {
  const text = input.replace(/^\uFEFF/, '');
  let pos = 0;

  const where = (at: number): { line: number; column: number } => {
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    return { line, column: at - (before.lastIndexOf('\n') + 1) + 1 };
  };
  const fail = (message: string, at = pos): never => {
    const { line, column } = where(at);
    throw new XmlParseError(message, line, column);
  };
  const skipMisc = (): void => {
    for (;;) {
      const ws = /^\s*/.exec(text.slice(pos))?.[0] ?? '';
      pos += ws.length;
      if (text.startsWith('<?', pos)) {
        const end = text.indexOf('?>', pos);
        if (end < 0) fail('XML document structures must start and end within the same entity.', text.length);
        pos = end + 2;
      } else if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos);
        if (end < 0) fail('XML document structures must start and end within the same entity.', text.length);
        pos = end + 3;
      } else return;
    }
  };

  /** Reads `<name attrs>` or `<name/>` at pos; returns the qualified name and whether it was empty. */
  const openTag = (): { qname: string; empty: boolean } => {
    const m = NAME.exec(text.slice(pos + 1));
    if (!m) fail('The markup in the document following the root element must be well-formed.');
    const qname = (m as RegExpExecArray)[0];
    const close = text.indexOf('>', pos);
    if (close < 0) fail('XML document structures must start and end within the same entity.', text.length);
    const empty = text[close - 1] === '/';
    pos = close + 1;
    return { qname, empty };
  };

  /** Content of an element whose start tag was just read, up to and including its end tag. */
  const content = (qname: string, collect?: XmlField[]): { text: string; hasChildren: boolean } => {
    let out = '';
    let hasChildren = false;
    for (;;) {
      const lt = text.indexOf('<', pos);
      if (lt < 0) fail('XML document structures must start and end within the same entity.', text.length);
      out += unescapeXml(text.slice(pos, lt));
      pos = lt;
      if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos);
        if (end < 0) fail('XML document structures must start and end within the same entity.', text.length);
        pos = end + 3;
      } else if (text.startsWith('<![CDATA[', pos)) {
        const end = text.indexOf(']]>', pos);
        if (end < 0) fail('XML document structures must start and end within the same entity.', text.length);
        out += text.slice(pos + 9, end);
        pos = end + 3;
      } else if (text.startsWith('</', pos)) {
        const m = NAME.exec(text.slice(pos + 2));
        const endName = m?.[0] ?? '';
        if (endName !== qname)
          fail(`The element type "${qname}" must be terminated by the matching end-tag "</${qname}>".`);
        const close = text.indexOf('>', pos);
        pos = close < 0 ? text.length : close + 1;
        return { text: out, hasChildren };
      } else {
        hasChildren = true;
        const start = pos;
        const child = openTag();
        const inner = child.empty ? { text: '', hasChildren: false } : content(child.qname);
        out += inner.text;
        if (collect) {
          const { line, column } = where(start);
          collect.push({
            name: localName(child.qname),
            text: inner.text,
            hasChildren: inner.hasChildren,
            line,
            column,
          });
        }
      }
    }
  };

  skipMisc();
  if (text[pos] !== '<' || pos >= text.length) fail('Content is not allowed in prolog.');
  const root = openTag();
  const fields: XmlField[] = [];
  if (!root.empty) content(root.qname, fields);
  skipMisc();
  if (pos < text.length) fail('Content is not allowed in trailing section.');
  return { root: localName(root.qname), fields };
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}
