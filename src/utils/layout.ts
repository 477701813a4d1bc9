/*
 * How wide the human output may be, and text and tables folded to that width: the one place where line
 * lengths are decided (src/cli/command.ts renders every view through it). Pure: no output here.
 *
 * Lines break at spaces only. A URL, a file path or a placeholder such as <admin org alias> is never cut; a
 * suggested command (the text after ": " that starts with "sf ") is kept whole on one line, so it can be
 * pasted and run. Such a value moves to a line of its own when it does not fit after the text before it, and
 * is longer than the width only when it is longer by itself. In a table, where a line of its own is not to be
 * had, a path or URL too long for any column the width leaves breaks after one of its slashes, and only then
 * (a part between two slashes that is still too long is cut, as a last resort).
 */

/** The width of output that goes to a file or a pipe (a CI log): lines fit 100 columns. */
export const WIDTH_WITHOUT_TERMINAL = 100;
/** Narrower than this, folding helps nobody: a terminal reporting fewer columns is laid out for this many. */
const MIN_WIDTH = 40;

/** The columns to fit: the terminal's width, or WIDTH_WITHOUT_TERMINAL when the stream is not a terminal. */
export function outputWidth(stream: { isTTY?: boolean; columns?: number }): number {
  if (!stream.isTTY || !stream.columns) return WIDTH_WITHOUT_TERMINAL;
  return Math.max(stream.columns, MIN_WIDTH);
}

/** The length of text as a terminal shows it, counted in code points. */
export const textWidth = (text: string): number => [...text].length;

/**
 * Words of a text: a placeholder in angle brackets, and a value in double quotes (shown that way because its
 * spaces matter), are one word each, their spaces kept as they are.
 */
const WORD = /"(?:[^"\\\n]|\\.)*"\S*|<[^<>\n]*>\S*|\S+/g;
/** A bullet or a numbered step at the start of a line: its continuation lines are indented under its text. */
const MARKER = /^(\s*)((?:[-•*]|\d+\.)\s+)?/;
/** A suggested command after a colon, to the end of the line: one unbreakable piece. */
const COMMAND_TAIL = /^(.*?:)\s+(sf [a-z]\S* .*|sf [a-z]\S*)$/;
/** A URL at the end of the line, after a colon. */
const URL_TAIL = /^(.*?:)\s+(https?:\/\/\S+)$/;
/** A line that is a suggested command by itself. */
const COMMAND_LINE = /^sf [a-z]/;

const words = (text: string): string[] => text.match(WORD) ?? [];

/** Greedy fill of words into lines of at most `width` (a longer word gets a line of its own). */
function fill(items: string[], width: number, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of items) {
    const candidate = empty ? `${line}${word}` : `${line} ${word}`;
    if (empty || textWidth(candidate) <= width) {
      line = candidate;
      empty = false;
    } else {
      lines.push(line);
      line = `${rest}${word}`;
    }
  }
  if (!empty || lines.length === 0) lines.push(line);
  return lines;
}

/** One line of text (no line break in it) folded to `width`. */
function wrapParagraph(paragraph: string, width: number): string[] {
  if (textWidth(paragraph) <= width) return [paragraph];
  const [prefix, indent] = ((): [string, string] => {
    const m = MARKER.exec(paragraph) as RegExpExecArray;
    const lead = `${m[1]}${m[2] ?? ''}`;
    return [lead, ' '.repeat(textWidth(lead))];
  })();
  const body = paragraph.slice(prefix.length);
  if (COMMAND_LINE.test(body)) return [paragraph];
  const tail = COMMAND_TAIL.exec(body) ?? URL_TAIL.exec(body);
  if (!tail) return fill(words(body), width, prefix, indent);
  const head = fill(words(tail[1]), width, prefix, indent);
  const last = head[head.length - 1];
  const value = tail[2];
  if (textWidth(`${last} ${value}`) <= width) return [...head.slice(0, -1), `${last} ${value}`];
  return [...head, `${indent}  ${value}`];
}

/**
 * Text folded to `width` columns. Each line of it is folded on its own; a bullet's or a numbered step's
 * continuation lines are indented under its text.
 */
export function wrapText(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((paragraph) => wrapParagraph(paragraph, width))
    .join('\n');
}

/** The columns of a table's rows, in order of first appearance. */
function columnsOf(data: Array<Record<string, string>>): string[] {
  const columns: string[] = [];
  for (const row of data) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  return columns;
}

const longestLine = (text: string): number => Math.max(0, ...text.split('\n').map(textWidth));
const longestWord = (text: string): number => Math.max(0, ...words(text).map(textWidth));
/** The pieces of a word that may end a line in a table cell: a path or URL after each of its slashes. */
const pieces = (word: string): string[] => word.split(/(?<=\/)/);
const longestPiece = (text: string): number =>
  Math.max(0, ...words(text).flatMap((word) => pieces(word).map(textWidth)));

/** Text cut into runs of `width` code points. */
function cut(text: string, width: number): string[] {
  const chars = [...text];
  const runs: string[] = [];
  for (let i = 0; i < chars.length; i += width) runs.push(chars.slice(i, i + width).join(''));
  return runs;
}

/**
 * A word longer than `width` as parts of at most `width`, each as long as it can be (so no two parts fit on one
 * line, and filling never puts a space inside the word): after its slashes, and a piece still too long cut.
 */
function partsOf(word: string, width: number): string[] {
  if (textWidth(word) <= width) return [word];
  const parts: string[] = [];
  let part = '';
  for (const piece of pieces(word).flatMap((p) => cut(p, width))) {
    if (part && textWidth(part + piece) > width) {
      parts.push(part);
      part = piece;
    } else part += piece;
  }
  return [...parts, part];
}

/** A cell folded to its column's width: at spaces, and a too long path or URL after a slash; its own line breaks kept. */
function wrapCell(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) =>
      textWidth(line) <= width
        ? [line]
        : fill(
            words(line).flatMap((word) => partsOf(word, width)),
            width,
            '',
            '',
          ),
    )
    .join('\n');
}

/**
 * The widths of a table's columns (without padding) so that the whole table, borders and one space of padding
 * on each side of every cell included, fits `width`: the widest columns give way first, none narrower than its
 * header or its longest word; when the longest words do not fit side by side, a path's or URL's longest piece.
 */
export function columnWidths(data: Array<Record<string, string>>, width: number): Record<string, number> {
  const columns = columnsOf(data);
  const natural = columns.map((c) => Math.max(textWidth(c), ...data.map((row) => longestLine(row[c] ?? ''))));
  const narrowest = (longest: (text: string) => number): number[] =>
    columns.map((c, i) => Math.min(natural[i], Math.max(textWidth(c), ...data.map((row) => longest(row[c] ?? '')))));
  const available = width - (3 * columns.length + 1);
  const total = (widths: number[]): number => widths.reduce((a, b) => a + b, 0);
  // words whole if they fit side by side; else paths and URLs broken after slashes; else anything, as a last resort
  const fits = (widths: number[]): boolean => total(widths) <= available;
  const whole = narrowest(longestWord);
  const broken = fits(whole) ? whole : narrowest(longestPiece);
  const minimum = fits(broken) ? broken : narrowest(() => 1);
  const sized = (cap: number): number[] => natural.map((n, i) => Math.min(n, Math.max(minimum[i], cap)));
  let widths = natural;
  if (total(natural) > available) {
    // the largest cap for which the table fits; at the lowest, every column is at its minimum
    let low = 0;
    let high = Math.max(...natural);
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (total(sized(mid)) <= available) low = mid;
      else high = mid - 1;
    }
    widths = sized(low);
  }
  return Object.fromEntries(columns.map((c, i) => [c, widths[i]]));
}

/** A table's rows with every cell folded, so that the table drawn with borders fits `width` (see columnWidths). */
export function fitTable(data: Array<Record<string, string>>, width: number): Array<Record<string, string>> {
  const widths = columnWidths(data, width);
  return data.map((row) =>
    Object.fromEntries(Object.entries(row).map(([key, value]) => [key, wrapCell(value, widths[key])])),
  );
}
