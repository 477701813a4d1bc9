/*
 * The words of the setup's steps: what the key step, the pre-flight, the app and the permission set did (or,
 * with --dry-run, would do), from the key plan and the pre-flight's deploy plan. Every word comes from
 * messages/jwt.setup.md.
 */
import { basename, dirname } from 'node:path';
import { Messages } from '@salesforce/core';
import type { PlanReason } from './plan.js';
import type { KeyPlan } from './key.js';
import type { Preflight } from './preflight.js';
import type { SetupInputs } from './inputs.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.setup');

const m = (key: string, tokens: Array<string | number> = []): string => messages.getMessage(key, tokens.map(String));

export type StepWords = {
  key: { planned: string; done: string };
  preflight: string;
  app: { planned: string; done: (deployId: string | undefined) => string };
  permissionSet: { planned: string; done: string };
};

/**
 * The key and certificate as the step names them: by file name when they sit side by side (the result's keyFile
 * and certFile, and the lines under the table, give the whole paths), else by their paths.
 */
function fileNames(key: KeyPlan): { keyFile: string; certFile: string } {
  return dirname(key.keyFile) === dirname(key.certFile)
    ? { keyFile: basename(key.keyFile), certFile: basename(key.certFile) }
    : { keyFile: key.keyFile, certFile: key.certFile };
}

function keyWords(plan: KeyPlan): StepWords['key'] {
  const key = { ...plan, ...fileNames(plan) };
  switch (key.writes) {
    case 'pair':
      return {
        planned: m('key.pair.planned', [key.bits, key.keyFile, key.certFile]),
        done: m('key.pair.done', [key.bits, key.keyFile, key.certFile]),
      };
    case 'certificate':
      return {
        planned: m('key.certificate.planned', [key.certFile, key.keyFile, key.bits]),
        done: m('key.certificate.done', [key.keyFile, key.bits, key.certFile]),
      };
    default:
      return {
        planned: m('key.reused.planned', [key.keyFile, key.bits, key.certFile]),
        done: m('key.reused.done', [key.keyFile, key.bits, key.certFile]),
      };
  }
}

/** One reason a component changes, in words. */
function reasonWords(reason: PlanReason, inputs: SetupInputs, sameKey: boolean): string | undefined {
  switch (reason.code) {
    case 'CERTIFICATE_MISSING':
      return m('change.certificateAdded');
    case 'CERTIFICATE_DIFFERS':
      return m(sameKey ? 'change.certificateSameKey' : 'change.certificateReplaced');
    case 'CALLBACK_MISSING':
    case 'CALLBACK_DIFFERS':
      return m('change.callback', [reason.wanted]);
    case 'SCOPES_MISSING':
      return m('change.scopes', [reason.missing.join(', ')]);
    case 'PLUGINS_DISABLED':
      return m('change.enabled');
    case 'OAUTH_PLUGIN_DISABLED':
      return m('change.oauthEnabled');
    case 'POLICY_NOT_PREAUTHORIZED':
      return m('change.policy');
    case 'PERMISSION_SET_NOT_LISTED':
      return m('change.permissionSetListed', [inputs.permissionSet]);
    case 'COMPONENT_MISSING':
      return undefined;
    default:
      return undefined;
  }
}

function appWords(pre: Preflight, inputs: SetupInputs): StepWords['app'] {
  const { plan } = pre;
  const app = inputs.appName;
  if (!plan.appExists) {
    const scopes = plan.scopes.join(', ');
    return {
      planned: m('app.create.planned', [app, scopes, inputs.permissionSet]),
      done: (id) => m('app.create.done', [app, id ?? '?', scopes, inputs.permissionSet]),
    };
  }
  const changes = plan.components
    .filter((component) => component.component !== 'permissionSet' && component.action !== 'unchanged')
    .flatMap((component) => {
      const words = component.reasons
        .map((reason) => reasonWords(reason, inputs, pre.certificateSameKey))
        .filter((text): text is string => text !== undefined);
      return component.action === 'create' ? [m('change.componentAdded', [component.type]), ...words] : words;
    });
  if (changes.length === 0) {
    const same = m('app.unchanged', [app]);
    return { planned: same, done: () => same };
  }
  const list = [...new Set(changes)].join('; ');
  return {
    planned: m('app.update.planned', [app, list]),
    done: (id) => m('app.update.done', [app, id ?? '?', list]),
  };
}

function preflightWords(pre: Preflight, inputs: SetupInputs, username: string): string {
  const { plan } = pre;
  const certificate =
    plan.certificate.verdict === 'different' && pre.certificateSameKey ? 'sameKey' : plan.certificate.verdict;
  const app = plan.appExists
    ? m(`preflight.app.${certificate}`, [inputs.appName])
    : m('preflight.app.new', [inputs.appName]);
  const deploy = pre.checkDeployId ? m('preflight.checked', [pre.checkDeployId]) : m('preflight.nothingToDeploy');
  return m('preflight.passed', [username, app, deploy]);
}

/** The words of each step, from what the key step and the pre-flight found. */
export function describePlan(pre: Preflight, key: KeyPlan, inputs: SetupInputs, username: string): StepWords {
  const createPermissionSet = pre.plan.deploy.includes('permissionSet');
  return {
    key: keyWords(key),
    preflight: preflightWords(pre, inputs, username),
    app: appWords(pre, inputs),
    permissionSet: createPermissionSet
      ? {
          planned: m('permissionSet.create.planned', [inputs.permissionSet]),
          done: m('permissionSet.create.done', [inputs.permissionSet]),
        }
      : {
          planned: m('permissionSet.present', [inputs.permissionSet]),
          done: m('permissionSet.present', [inputs.permissionSet]),
        },
  };
}
