/*
 * The checks a diagnosis makes before anything is sent: the key file, the key, its size, the certificate
 * (with --cert-file), the login URL and the client id, in the order of CheckId (types.ts).
 */
import type { KeyObject } from 'node:crypto';
import { Messages } from '@salesforce/core';
import type { JwtInputs } from '../org/inputs.js';
import { suggestedLoginOf } from '../org/suggest.js';
import type { Check } from './types.js';
import { checkKeyFile } from './checks/keyFile.js';
import { checkKeyParse } from './checks/keyParse.js';
import { checkKeySize } from './checks/keySize.js';
import { checkCertFile } from './checks/cert.js';
import { checkLoginUrl } from './checks/loginUrl.js';
import { checkClientId } from './checks/clientId.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.diagnose');

/** A check that was not run, and why. */
export const skip = (id: Check['id'], reason: string): Check => ({ id, status: 'skip', message: reason });

export type LocalChecks = { checks: Check[]; key?: KeyObject; loginUrlOk: boolean };

export async function runLocalChecks(inputs: JwtInputs): Promise<LocalChecks> {
  const source = (from: string | undefined): string => messages.getMessage(`source.${from ?? 'flag'}`);
  const checks: Check[] = [
    {
      id: 'inputs',
      status: 'pass',
      message: messages.getMessage('inputs.ok', [
        inputs.username,
        source(inputs.source.clientId),
        source(inputs.source.jwtKeyFile),
        source(inputs.source.loginUrl),
      ]),
    },
  ];
  let key: KeyObject | undefined;

  const keyPath = inputs.jwtKeyFile as string;
  const file = await checkKeyFile(keyPath, inputs.source.jwtKeyFile ?? 'flag', suggestedLoginOf(inputs));
  checks.push(file.check);
  if (file.pem !== undefined) {
    const parsed = checkKeyParse(file.pem, keyPath);
    checks.push(parsed.check);
    key = parsed.key;
  } else {
    checks.push(skip('key-parse', messages.getMessage('skip.noKeyFile')));
  }
  const sizeCheck = key ? checkKeySize(key) : skip('key-size', messages.getMessage('skip.noKey'));
  checks.push(sizeCheck);
  checks.push(
    inputs.certFile !== undefined
      ? await checkCertFile(inputs.certFile, key)
      : skip('cert', messages.getMessage('skip.noCertFile')),
  );
  const url = checkLoginUrl(inputs.loginUrl);
  checks.push(url.check);
  checks.push(checkClientId(inputs.clientId as string));
  return { checks, key: sizeCheck.status === 'fail' ? undefined : key, loginUrlOk: url.check.status !== 'fail' };
}
