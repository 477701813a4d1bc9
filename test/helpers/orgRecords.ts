/*
 * What a small org answers through a fake Connection (helpers/fakeConnection.ts): a CI user, a self-authorize
 * connected app (CI_App) and an admin-approved one (Admin_App), their metadata, grants and approvals.
 */
import type { Answer } from './fakeConnection.js';

export const USER = {
  Id: '005A',
  Username: 'ci@acme.com',
  IsActive: true,
  ProfileId: '00eSTD',
  Profile: { Name: 'Standard User' },
};
export const CA_ROW = { Id: '0H4A', Name: 'CI_App', OptionsAllowAdminApprovedUsersOnly: false };
export const ADMIN_ROW = { Id: '0H4B', Name: 'Admin_App', OptionsAllowAdminApprovedUsersOnly: true };
export const CA_MD = {
  fullName: 'CI_App',
  label: 'CI App',
  oauthConfig: {
    consumerKey: 'KEY.CI',
    scopes: ['Api', 'RefreshToken'],
    isAdminApproved: 'false',
    callbackUrl: 'http://localhost:1717/OauthRedirect',
  },
};
export const ADMIN_MD = {
  fullName: 'Admin_App',
  label: 'Admin App',
  oauthConfig: { consumerKey: 'KEY.ADMIN', scopes: 'Api', isAdminApproved: true, callbackUrl: 'a b' },
};

/** The org's answers, `over` first. */
export const routes = (over: Array<[RegExp, Answer]> = []): Array<[RegExp, Answer]> => [
  ...over,
  [/FROM User WHERE/, [USER]],
  [/FROM UserLogin/, [{ IsFrozen: false }]],
  [/FROM ConnectedApplication WHERE Name = 'CI_App'/, [CA_ROW]],
  [/FROM ConnectedApplication WHERE Name = 'Admin_App'/, [ADMIN_ROW]],
  [/FROM ConnectedApplication WHERE Name = /, []],
  [/FROM ConnectedApplication$/, [CA_ROW, ADMIN_ROW]],
  [
    /FROM SetupEntityAccess/,
    [{ ParentId: '0PSX', Parent: { Name: 'JWT_Access', IsOwnedByProfile: false, ProfileId: null } }],
  ],
  [/FROM PermissionSetAssignment/, [{ PermissionSetId: '0PSstd', PermissionSetGroupId: null }]],
  [
    /FROM OauthToken/,
    [
      {
        AppName: 'CI App',
        CreatedDate: '2026-01-01T00:00:00.000+0000',
        UseCount: 4,
        AppMenuItem: { ApplicationId: '0H4A' },
      },
      {
        AppName: 'Salesforce CLI',
        CreatedDate: '2026-01-02T00:00:00.000+0000',
        UseCount: 1,
        AppMenuItem: { ApplicationId: '0H4Z' },
      },
    ],
  ],
  [/FROM ExternalClientApplication/, []],
];
