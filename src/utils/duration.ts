/*
 * Durations as release engineers write them: "90" (in the flag's unit), "90s", "10m", "1h", "500ms".
 * sf-plugins-core's duration flag reads "10m" as 10 of its unit (parseInt), which turns a ten-minute wait
 * into ten seconds; this parser reads the suffix.
 */
import { Messages } from '@salesforce/core';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const shared = Messages.loadMessages('plugin-jwt', 'jwt.shared');

export type DurationUnit = 'seconds' | 'minutes';

const MS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * The longest delay a Node.js timer can hold (2^31 - 1 ms, about 24.8 days). A longer one fires at once
 * (with a TimeoutOverflowWarning), and AbortSignal.timeout refuses it: every request would "time out" at
 * once. Durations beyond it are refused as usage errors, and computed budgets are clamped to it.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** A delay that a timer can hold: at most MAX_TIMER_MS, never negative. */
export function timerMs(ms: number): number {
  return Number.isFinite(ms) ? Math.min(Math.max(0, Math.round(ms)), MAX_TIMER_MS) : MAX_TIMER_MS;
}

/** A duration in milliseconds; undefined when the text is not one. */
export function parseDurationMs(text: string, unit: DurationUnit): number | undefined {
  const match = /^\s*(\d+)\s*(ms|s|sec|m|min|h)?\s*$/i.exec(text);
  if (!match) return undefined;
  const suffix = match[2]?.toLowerCase() ?? (unit === 'minutes' ? 'm' : 's');
  return Number(match[1]) * MS[suffix];
}

/** "90 seconds", "10 minutes", "1.5 hours": for messages. */
export function describeDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms >= 3_600_000) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/**
 * The milliseconds of a duration flag's value, or its default when absent. A value that is not a duration,
 * is shorter than the minimum or longer than a timer can hold (MAX_TIMER_MS), is a usage error (exit code 2)
 * naming the flag.
 */
export function flagDurationMs(
  value: string | undefined,
  opts: { flag: string; unit: DurationUnit; defaultMs: number; minMs?: number },
): number {
  if (value === undefined) return opts.defaultMs;
  const ms = parseDurationMs(value, opts.unit);
  if (ms === undefined) throw shared.createError('error.InvalidDuration', [value, opts.flag, opts.unit], [], 2);
  if (opts.minMs !== undefined && ms < opts.minMs) {
    throw shared.createError('error.DurationTooShort', [value, opts.flag, describeDuration(opts.minMs)], [], 2);
  }
  if (!Number.isSafeInteger(ms) || ms > MAX_TIMER_MS) {
    throw shared.createError('error.DurationTooLong', [value, opts.flag], [], 2);
  }
  return ms;
}
