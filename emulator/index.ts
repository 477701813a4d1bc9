/*
 * The Salesforce emulator used by tests and the demo: a loopback server that behaves like one org.
 */
export { startEmulator, loadScenario, portIsFree, unusedPort, SCENARIOS_DIR, TOKEN_PATH } from './server.js';
export type { Emulator, RecordedRequest, RestHandler } from './server.js';
export { OAUTH_ERRORS, JWT_BEARER, REMOTE_ACCESS_ERROR_PAGE, acceptedAudiences } from './oauth.js';
export { KEYS_DIR, keyPath, readKeyFile, signAssertion, pkceChallenge } from './keys.js';
export { OrgStore } from './store.js';
export type { Scenario, ScenarioApp, ScenarioEca, ScenarioUser, UserPermissions, Faults } from './scenario.js';
export { DeployJob, type DeployMessage, type DeployOptions, type DeployStatus } from './deploy.js';
export { ECA_PARTS, METADATA_FILES } from './metadata.js';
export { FLEET_SCENARIO, fleetScenario, fleetUsername } from './fleet.js';
export { ADMIN_CLIENT_ID, CI_CLIENT_ID } from './clients.js';
