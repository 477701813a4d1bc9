/*
 * The `sf-doctor-plugin-jwt` hook: `sf doctor` (plugin-info) runs it with its doctor instance. The work is in
 * jwtDoctor.ts, loaded only here, when `sf doctor` runs; this module itself imports nothing.
 */
import type { Hook } from '@oclif/core';
import type { DoctorLike } from './jwtDoctor.js';

const hook: Hook<'sf-doctor-plugin-jwt'> = async function (options) {
  const doctor = options.doctor as DoctorLike | undefined;
  if (!doctor) return;
  try {
    const { runJwtDoctor } = await import('./jwtDoctor.js');
    await runJwtDoctor(doctor, { bin: options.config?.bin });
  } catch (error) {
    // The diagnostics could not even be loaded: still say so, as a warning, if the CLI's core can.
    try {
      const { Lifecycle, Messages } = await import('@salesforce/core');
      const { displayLine } = await import('../utils/printable.js');
      Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
      const messages = Messages.loadMessages('plugin-jwt', 'jwt.hooks');
      const reason = error instanceof Error ? error.message : String(error);
      await Lifecycle.getInstance().emit('Doctor:diagnostic', {
        testName: displayLine(messages.getMessage('doctor.failed', ['plugin-jwt', reason])),
        status: 'warn',
      });
    } catch {
      // nothing left to report through
    }
  }
};

export default hook;
