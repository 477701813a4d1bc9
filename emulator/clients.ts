/*
 * The consumer keys (client ids) of the apps the scenario fixtures share: CI_App, which users approve
 * themselves, and Admin_App, "Admin approved users are pre-authorized", granted to the admin through its
 * profile. Tests, the demo and the bench log in with them.
 */
export const CI_CLIENT_ID = '3MVG9EMULATOR.CI.APP.KEY';
export const ADMIN_CLIENT_ID = '3MVG9EMULATOR.ADMIN.APP.KEY';
