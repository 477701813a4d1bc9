/*
 * What a command shows, as plain data: each domain's `view` turns its result into these lines and tables, and
 * the command renders them (src/cli/command.ts). Nothing here prints.
 */

/**
 * A table: rows of column → text, in order; `wrap` folds long cells at the terminal's width, and without a
 * terminal at `maxWidth` when it is given (else the table keeps its natural width).
 */
export type ViewTable = {
  kind: 'table';
  title?: string;
  data: Array<Record<string, string>>;
  overflow?: 'wrap';
  maxWidth?: number;
};

export type ViewLine =
  | { kind: 'header'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'success'; text: string }
  /** A fault the user must see even when stdout is piped away. */
  | { kind: 'stderr'; text: string }
  /** Non-blocking: stderr, and the `warnings` of the JSON output. */
  | { kind: 'warning'; text: string }
  | ViewTable;

/** Progress while work runs: a spinner on a terminal, lines in a log. */
export type Spinner = { start: (text: string) => void; status: (text: string) => void; stop: () => void };
