/*
 * Flags shared by several commands. Kept out of src/commands/ (oclif loads every file there as a command).
 */
import { Flags, type Interfaces } from '@oclif/core';

/**
 * A duration flag: "90", "90s", "10m", "1h". It arrives as text and is read with `flagDurationMs`, so a bad
 * value is a usage error (exit 2). It has no computed default, which would make oclif load the whole command
 * just to show --help: commands apply their default, and the summary names it.
 */
export function durationFlag(opts: { summary: string; description?: string; char?: 'w' }): Interfaces.OptionFlag<string | undefined> {
  return Flags.string({ summary: opts.summary, description: opts.description, helpValue: '<duration>', ...(opts.char ? { char: opts.char } : {}) });
}
