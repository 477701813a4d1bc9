/*
 * What an admin org shows about a JWT user and an app. Part of the JSON contract (`evidence` in diagnose's
 * result); never a token value.
 */

/** Org-side records that explain an approval failure. */
export type OrgEvidence = {
  user?: {
    id: string;
    username: string;
    isActive: boolean;
    isFrozen?: boolean;
    profileId?: string;
    profileName?: string;
  } | null;
  app?: {
    id?: string;
    name: string;
    label?: string;
    kind: 'ConnectedApplication' | 'ExternalClientApplication';
    /** true = "Admin approved users are pre-authorized". */
    adminApprovedOnly?: boolean;
    scopes?: string[];
    callbackUrls?: string[];
  } | null;
  /** Permission sets (incl. profile-owned) that grant the app, and whether the user has each. */
  grants?: Array<{
    permissionSetId: string;
    permissionSetName?: string;
    isOwnedByProfile?: boolean;
    profileId?: string;
    assignedToUser: boolean;
  }>;
  /** The user's approvals (OauthToken rows); never the token values. */
  oauthTokens?: Array<{ appName: string; createdDate?: string; lastUsedDate?: string; useCount?: number }>;
  /** Queries that failed, with the reason (e.g. INSUFFICIENT_ACCESS). */
  errors?: Array<{ what: string; message: string }>;
};
