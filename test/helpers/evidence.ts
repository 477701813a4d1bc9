/*
 * Org-side evidence for tests of the decision and the words: a user, an app and a grant, each with what a test
 * changes in it.
 */
import type { OrgEvidence } from '../../src/org/types.js';

export const user = (over: Partial<NonNullable<OrgEvidence['user']>> = {}): NonNullable<OrgEvidence['user']> => ({
  id: '005000000000001AAA',
  username: 'ci@acme.com',
  isActive: true,
  isFrozen: false,
  profileId: '00e000000000001AAA',
  profileName: 'Integration',
  ...over,
});
export const app = (over: Partial<NonNullable<OrgEvidence['app']>> = {}): NonNullable<OrgEvidence['app']> => ({
  id: '0H4000000000001AAA',
  name: 'CI_App',
  label: 'CI App',
  kind: 'ConnectedApplication',
  adminApprovedOnly: false,
  scopes: ['Api', 'RefreshToken'],
  ...over,
});
export const grant = (
  over: Partial<NonNullable<OrgEvidence['grants']>[number]> = {},
): NonNullable<OrgEvidence['grants']>[number] => ({
  permissionSetId: '0PS000000000001AAA',
  permissionSetName: 'CI_Access',
  isOwnedByProfile: false,
  assignedToUser: false,
  ...over,
});
