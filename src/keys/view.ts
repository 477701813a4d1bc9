/*
 * The human view of a new key pair: where the files are, the certificate's fingerprint and expiry, and the
 * numbered next steps (upload the certificate, log in, keep the key safe).
 */
import { Messages } from '@salesforce/core';
import { bullets } from '../utils/bullets.js';
import { shellQuote } from '../utils/shell.js';
import type { ViewLine } from '../utils/view.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.keygen');

/** The JSON result. No key material: paths, fingerprint and dates only. */
export type JwtKeygenResult = {
  keyFile: string;
  certFile: string;
  /** SHA-256 fingerprint of the certificate, colon-separated hex. */
  fingerprint: string;
  /** End of the certificate's validity, ISO 8601. */
  expiresAt: string;
  bits: number;
  commonName: string;
};

export function keygenView(result: JwtKeygenResult): ViewLine[] {
  const text = (line: string): ViewLine => ({ kind: 'text', text: line });
  return [
    { kind: 'success', text: messages.getMessage('output.written', [String(result.bits)]) },
    text(messages.getMessage('output.keyFile', [result.keyFile])),
    text(messages.getMessage('output.certFile', [result.certFile])),
    text(messages.getMessage('output.fingerprint', [result.fingerprint])),
    text(messages.getMessage('output.expires', [result.expiresAt])),
    text(''),
    { kind: 'header', text: messages.getMessage('output.nextSteps') },
    ...bullets(messages, 'output.steps', [
      result.certFile,
      shellQuote(result.keyFile),
      shellQuote(result.keyFile),
      shellQuote(result.certFile),
    ]).map((step, i) => text(`${i + 1}. ${step}`)),
  ];
}
