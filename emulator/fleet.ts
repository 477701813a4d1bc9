/*
 * A fleet of CI users in one org, for `sf jwt diagnose --all` at scale (tests and `npm run bench`): the healthy
 * scenario's org and apps, with `count` users ci001@fleet.acme.com … who each approved CI_App with a refresh
 * token. Faults are applied per user after their logins are stored (PATCH /__users: approvalPending,
 * isActive), since a login can only be stored while it works.
 */
import { makeId } from './ids.js';
import { loadScenario } from './server.js';
import type { Scenario } from './scenario.js';

export const FLEET_SCENARIO = 'fleet';

/** The username of the i-th fleet user (1-based). */
export const fleetUsername = (i: number): string => `ci${String(i).padStart(3, '0')}@fleet.acme.com`;

export function fleetScenario(count: number): Scenario {
  const base = loadScenario('healthy');
  const ciApp = base.apps.find((app) => app.name === 'CI_App');
  const standard = base.profiles.find((profile) => profile.name === 'Standard User');
  if (!ciApp || !standard) throw new Error('the healthy scenario lost CI_App or the Standard User profile');
  const users = Array.from({ length: count }, (_, n) => ({
    // far above the hand-written ids of the scenario fixtures
    id: makeId('005', 900_000 + n),
    username: fleetUsername(n + 1),
    profileId: standard.id,
  }));
  return {
    ...base,
    name: FLEET_SCENARIO,
    description: `${count} CI users who approved CI_App, for diagnosing many stored JWT logins at once.`,
    users: [...base.users, ...users],
    oauthTokens: [
      ...base.oauthTokens,
      ...users.map((user) => ({
        userId: user.id,
        appId: ciApp.id,
        scopes: ['refresh_token', 'api', 'web'],
        createdDate: '2026-01-15T09:30:00.000Z',
        useCount: 1,
      })),
    ],
  };
}
