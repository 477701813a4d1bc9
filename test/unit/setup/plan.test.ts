import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { buildSetupPackage, SetupPackageError } from '../../../src/setup/package.js';
import {
  normaliseRead,
  planSetupPackage,
  readFlag,
  readList,
  readText,
  type DesiredApp,
  type ExistingReads,
  type SetupPlan,
} from '../../../src/setup/plan.js';
import { fixtureKey } from '../../helpers/keys.js';

const CERT = readFileSync(fixtureKey('server.crt'), 'utf8');
const OTHER_CERT = readFileSync(fixtureKey('other.crt'), 'utf8');
/** The certificate as an org may give it back: the base64 body on one line, without the PEM armour. */
const CERT_AS_READ = CERT.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
const EXISTING_KEY = '3MVG9existingConsumerKey0123456789';
const NEW_KEY = '3MVG9newConsumerKey0123456789';

const desired = (overrides: Partial<DesiredApp> = {}): DesiredApp => ({
  appName: 'sf_jwt',
  contactEmail: 'admin@example.com',
  certificatePem: CERT,
  consumerKey: NEW_KEY,
  ...overrides,
});

/** An app as `metadata.read` returns it when it is already what setup makes: text for booleans. */
const upToDate = (): {
  app: Record<string, unknown>;
  globalOauth: Record<string, unknown>;
  oauth: Record<string, unknown>;
  policies: Record<string, unknown>;
  oauthPolicies: Record<string, unknown>;
} => ({
  app: { fullName: 'sf_jwt', contactEmail: 'someone@example.com', distributionState: 'Local', label: 'sf jwt' },
  globalOauth: {
    fullName: 'sf_jwt_glbloauth',
    callbackUrl: 'http://localhost:1717/OauthRedirect',
    certificate: CERT_AS_READ,
    consumerKey: EXISTING_KEY,
    externalClientApplication: 'sf_jwt',
    isPkceRequired: 'true',
    label: 'sf_jwt_glbloauth',
  },
  oauth: {
    fullName: 'sf_jwt_oauth',
    commaSeparatedOauthScopes: 'RefreshToken, Api',
    externalClientApplication: 'sf_jwt',
    oauthLink: '00D000000000001:888000000000001',
  },
  policies: {
    fullName: 'sf_jwt_plcy',
    externalClientApplication: 'sf_jwt',
    isEnabled: 'true',
    isOauthPluginEnabled: 'true',
  },
  oauthPolicies: {
    fullName: 'sf_jwt_oauthPlcy',
    externalClientApplication: 'sf_jwt',
    permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
    commaSeparatedPermissionSet: 'Integration_Users,JWT_Access',
    commaSeparatedProfile: 'System Administrator',
    refreshTokenPolicyType: 'Infinite',
  },
});

const actions = (plan: SetupPlan): Record<string, string> =>
  Object.fromEntries(plan.components.map((component) => [component.component, component.action]));

const reasonsOf = (plan: SetupPlan, name: string): unknown[] => [
  ...(plan.components.find((component) => component.component === name)?.reasons ?? []),
];

describe('setup/plan', () => {
  describe('reading what metadata.read returned', () => {
    it('takes a record with a fullName, from a list too, without jsforce attributes or the secret', () => {
      expect(
        normaliseRead({ fullName: 'sf_jwt', label: 'x', $: { 'xsi:type': 'ExternalClientApplication' } }),
      ).to.deep.equal({
        fullName: 'sf_jwt',
        label: 'x',
      });
      expect(normaliseRead([{}, { fullName: ' sf_jwt_glbloauth ', consumerSecret: 'S' }])).to.deep.equal({
        fullName: 'sf_jwt_glbloauth',
      });
    });

    it('finds nothing in an empty read, a record without fullName, or something that is not a record', () => {
      for (const value of [
        undefined,
        null,
        {},
        { fullName: '' },
        { fullName: { $: { 'xsi:nil': 'true' } } },
        [],
        'x',
        3,
      ]) {
        expect(normaliseRead(value), JSON.stringify(value)).to.equal(undefined);
      }
    });

    it('reads text, flags and comma lists defensively', () => {
      expect(readText('a')).to.equal('a');
      expect(readText(5)).to.equal('5');
      expect(readText({ _: 'text', $: { a: 'b' } })).to.equal('text');
      expect(readText({ a: 'b' })).to.equal(undefined);
      expect(readFlag('true', false)).to.equal(true);
      expect(readFlag(' FALSE ', true)).to.equal(false);
      expect(readFlag(true, false)).to.equal(true);
      expect(readFlag(undefined, true)).to.equal(true);
      expect(readFlag('maybe', false)).to.equal(false);
      expect(readList(' A, b,,a ,C ')).to.deep.equal(['A', 'b', 'C']);
      expect(readList(undefined)).to.deep.equal([]);
    });
  });

  describe('a new app', () => {
    const plan = planSetupPackage({}, desired({ createPermissionSet: true }));

    it('creates every component, the permission set included', () => {
      expect(plan.appExists).to.equal(false);
      expect(actions(plan)).to.deep.equal({
        app: 'create',
        globalOauth: 'create',
        oauth: 'create',
        policies: 'create',
        oauthPolicies: 'create',
        permissionSet: 'create',
      });
      expect(plan.deploy).to.deep.equal(['app', 'globalOauth', 'oauth', 'policies', 'oauthPolicies', 'permissionSet']);
      expect(reasonsOf(plan, 'app')).to.deep.equal([{ code: 'APP_MISSING' }]);
      expect(plan.blockers).to.deep.equal([]);
    });

    it('gives the new app its consumer key, the defaults and the permission set alone', () => {
      expect(plan.consumerKey).to.deep.equal({ status: 'new', value: NEW_KEY });
      expect(plan.certificate).to.deep.equal({ verdict: 'missing', replaceAllowed: false });
      expect(plan.scopes).to.deep.equal(['Api', 'RefreshToken']);
      expect(plan.callbackUrl).to.equal('http://localhost:1717/OauthRedirect');
      expect(plan.permissionSets).to.deep.equal(['JWT_Access']);
      expect(plan.profiles).to.deep.equal([]);
    });

    it('makes a consumer key when none is given', () => {
      const generated = planSetupPackage({}, desired({ consumerKey: undefined }));
      expect(generated.consumerKey.status).to.equal('new');
      expect(generated.consumerKey.status === 'new' && generated.consumerKey.value).to.match(/^3MVG9[A-Za-z0-9]{80}$/);
    });

    it('gives a spec that builds the whole package with that key', () => {
      const built = buildSetupPackage(plan.spec);
      expect(built.consumerKey).to.equal(NEW_KEY);
      expect(built.components.map((component) => component.fullName)).to.deep.equal([
        'sf_jwt',
        'sf_jwt_glbloauth',
        'sf_jwt_oauth',
        'sf_jwt_plcy',
        'sf_jwt_oauthPlcy',
        'JWT_Access',
      ]);
    });

    it('ignores components read without their app (they cannot be this app’s)', () => {
      const { app, ...rest } = upToDate();
      void app;
      const orphan = planSetupPackage(rest, desired());
      expect(orphan.appExists).to.equal(false);
      expect(orphan.consumerKey).to.deep.equal({ status: 'new', value: NEW_KEY });
      expect(orphan.permissionSets).to.deep.equal(['JWT_Access']);
    });
  });

  describe('an app that is already what setup makes', () => {
    it('deploys nothing', () => {
      const plan = planSetupPackage(upToDate(), desired());
      expect(plan.appExists).to.equal(true);
      expect(plan.deploy).to.deep.equal([]);
      expect(Object.values(actions(plan))).to.deep.equal(Array(6).fill('unchanged'));
      expect(plan.spec.include).to.deep.equal([]);
      expect(plan.certificate.verdict).to.equal('same');
      expect(plan.consumerKey).to.deep.equal({ status: 'existing', value: EXISTING_KEY });
      expect(plan.blockers).to.deep.equal([]);
    });

    it('deploys nothing whatever the order and case of scopes and lists, and the wrapping of the certificate', () => {
      const reads = upToDate();
      reads.globalOauth.certificate = CERT.replace(/\n/g, '\r\n');
      reads.oauth.commaSeparatedOauthScopes = 'api ,OfflineAccess';
      reads.oauthPolicies.commaSeparatedPermissionSet = ' jwt_access , Integration_Users ';
      reads.policies.isEnabled = true;
      reads.policies.isOauthPluginEnabled = undefined;
      expect(planSetupPackage(reads, desired()).deploy).to.deep.equal([]);
    });

    it('deploys nothing when the policy lists the permission set by its Id', () => {
      const reads = upToDate();
      reads.oauthPolicies.commaSeparatedPermissionSet = '0PS000000000001AAA';
      expect(planSetupPackage(reads, desired({ permissionSetId: '0PS000000000001' })).deploy).to.deep.equal([]);
      expect(planSetupPackage(reads, desired({ permissionSetId: '0PS000000000001AAA' })).deploy).to.deep.equal([]);
      expect(planSetupPackage(reads, desired()).deploy).to.deep.equal(['oauthPolicies']);
    });

    it('reads list-shaped results as jsforce returns them for several names', () => {
      const reads = upToDate();
      const listed: ExistingReads = {
        app: [reads.app],
        globalOauth: [reads.globalOauth],
        oauth: [reads.oauth],
        policies: [reads.policies],
        oauthPolicies: [reads.oauthPolicies],
      };
      expect(planSetupPackage(listed, desired()).deploy).to.deep.equal([]);
    });
  });

  describe('an app that differs', () => {
    it('updates only the OAuth settings when a scope is missing, keeping the scopes it has', () => {
      const plan = planSetupPackage(upToDate(), desired({ scope: 'api refresh_token web' }));
      expect(plan.deploy).to.deep.equal(['oauth']);
      expect(reasonsOf(plan, 'oauth')).to.deep.equal([{ code: 'SCOPES_MISSING', missing: ['Web'] }]);
      expect(plan.scopes).to.deep.equal(['RefreshToken', 'Api', 'Web']);
      const built = buildSetupPackage(plan.spec);
      expect(Object.keys(built.files)).to.deep.equal(['extlClntAppOauthSettings/sf_jwt_oauth.ecaOauth']);
      const oauth = built.files['extlClntAppOauthSettings/sf_jwt_oauth.ecaOauth'];
      expect(oauth).to.include('<commaSeparatedOauthScopes>RefreshToken, Api, Web</commaSeparatedOauthScopes>');
      expect(oauth).not.to.include('oauthLink');
      expect(built.packageXml).not.to.include('ExternalClientApplication<');
    });

    it('keeps scopes newer than this module knows', () => {
      const reads = upToDate();
      reads.oauth.commaSeparatedOauthScopes = 'Api, RefreshToken, BrandNewScope';
      const plan = planSetupPackage(reads, desired({ scope: 'api refresh_token full' }));
      expect(plan.scopes).to.deep.equal(['Api', 'RefreshToken', 'BrandNewScope', 'Full']);
      expect(buildSetupPackage(plan.spec).files['extlClntAppOauthSettings/sf_jwt_oauth.ecaOauth']).to.include(
        'Api, RefreshToken, BrandNewScope, Full',
      );
    });

    it('adds the permission set to the policy, keeping every permission set and profile that grants the app', () => {
      const reads = upToDate();
      reads.oauthPolicies.commaSeparatedPermissionSet = 'Integration_Users,Ops';
      const plan = planSetupPackage(reads, desired());
      expect(plan.deploy).to.deep.equal(['oauthPolicies']);
      expect(reasonsOf(plan, 'oauthPolicies')).to.deep.equal([
        { code: 'PERMISSION_SET_NOT_LISTED', permissionSet: 'JWT_Access' },
      ]);
      expect(plan.permissionSets).to.deep.equal(['Integration_Users', 'Ops', 'JWT_Access']);
      expect(plan.profiles).to.deep.equal(['System Administrator']);
      const policy = buildSetupPackage(plan.spec).files['extlClntAppOauthPolicies/sf_jwt_oauthPlcy.ecaOauthPlcy'];
      expect(policy).to.include(
        '<commaSeparatedPermissionSet>Integration_Users,Ops,JWT_Access</commaSeparatedPermissionSet>',
      );
      expect(policy).to.include('<commaSeparatedProfile>System Administrator</commaSeparatedProfile>');
      expect(policy).to.include('<refreshTokenPolicyType>Infinite</refreshTokenPolicyType>');
      expect(policy).to.include('<permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>');
    });

    it('makes a self-authorized app admin-approved', () => {
      const reads = upToDate();
      reads.oauthPolicies.permittedUsersPolicyType = 'AllSelfAuthorized';
      const plan = planSetupPackage(reads, desired());
      expect(plan.deploy).to.deep.equal(['oauthPolicies']);
      expect(reasonsOf(plan, 'oauthPolicies')).to.deep.equal([
        { code: 'POLICY_NOT_PREAUTHORIZED', existing: 'AllSelfAuthorized' },
      ]);
      delete reads.oauthPolicies.permittedUsersPolicyType;
      expect(reasonsOf(planSetupPackage(reads, desired()), 'oauthPolicies')).to.deep.equal([
        { code: 'POLICY_NOT_PREAUTHORIZED', existing: undefined },
      ]);
    });

    it('turns the plugins back on', () => {
      const reads = upToDate();
      reads.policies.isEnabled = 'false';
      reads.policies.isOauthPluginEnabled = false;
      const plan = planSetupPackage(reads, desired());
      expect(plan.deploy).to.deep.equal(['policies']);
      expect(reasonsOf(plan, 'policies')).to.deep.equal([
        { code: 'PLUGINS_DISABLED' },
        { code: 'OAUTH_PLUGIN_DISABLED' },
      ]);
    });

    it('creates the components the app lacks, under their usual names', () => {
      const { app, globalOauth } = upToDate();
      const plan = planSetupPackage({ app, globalOauth }, desired());
      expect(plan.deploy).to.deep.equal(['oauth', 'policies', 'oauthPolicies']);
      expect(reasonsOf(plan, 'policies')).to.deep.equal([{ code: 'COMPONENT_MISSING' }]);
      expect(buildSetupPackage(plan.spec).components.map((component) => component.fullName)).to.deep.equal([
        'sf_jwt_oauth',
        'sf_jwt_plcy',
        'sf_jwt_oauthPlcy',
      ]);
    });

    it('keeps the names the org has for its components', () => {
      const reads = upToDate();
      reads.oauthPolicies.fullName = 'sf_jwtOAuthSettings_defaultPolicy';
      reads.oauthPolicies.commaSeparatedPermissionSet = 'Ops';
      const plan = planSetupPackage(reads, desired());
      expect(plan.components.find((component) => component.component === 'oauthPolicies')?.fullName).to.equal(
        'sf_jwtOAuthSettings_defaultPolicy',
      );
      expect(Object.keys(buildSetupPackage(plan.spec).files)).to.deep.equal([
        'extlClntAppOauthPolicies/sf_jwtOAuthSettings_defaultPolicy.ecaOauthPlcy',
      ]);
    });

    it('creates the permission set when the org lacks it', () => {
      const plan = planSetupPackage(upToDate(), desired({ createPermissionSet: true }));
      expect(plan.deploy).to.deep.equal(['permissionSet']);
      expect(reasonsOf(plan, 'permissionSet')).to.deep.equal([
        { code: 'PERMISSION_SET_MISSING', permissionSet: 'JWT_Access' },
      ]);
      expect(Object.keys(buildSetupPackage(plan.spec).files)).to.deep.equal([
        'permissionsets/JWT_Access.permissionset',
      ]);
    });
  });

  describe('the global OAuth settings', () => {
    it('calls another certificate different and blocks the deploy unless replacing is allowed', () => {
      const reads = upToDate();
      reads.globalOauth.certificate = OTHER_CERT;
      const blocked = planSetupPackage(reads, desired());
      expect(blocked.certificate).to.deep.equal({ verdict: 'different', replaceAllowed: false });
      expect(blocked.blockers).to.deep.equal([{ code: 'CERTIFICATE_DIFFERS', replaceAllowed: false }]);
      expect(reasonsOf(blocked, 'globalOauth')).to.deep.equal([{ code: 'CERTIFICATE_DIFFERS', replaceAllowed: false }]);

      const allowed = planSetupPackage(reads, desired({ allowCertificateReplace: true }));
      expect(allowed.certificate).to.deep.equal({ verdict: 'different', replaceAllowed: true });
      expect(allowed.blockers).to.deep.equal([]);
      expect(allowed.deploy).to.deep.equal(['globalOauth']);
      const global = buildSetupPackage(allowed.spec).files['extlClntAppGlobalOauthSets/sf_jwt_glbloauth.ecaGlblOauth'];
      expect(global).to.include('-----BEGIN CERTIFICATE-----');
      expect(global).to.include(`<consumerKey>${EXISTING_KEY}</consumerKey>`);
      expect(global).to.include('<isPkceRequired>true</isPkceRequired>');
    });

    it('adds the certificate to an app without one, keeping its key', () => {
      const reads = upToDate();
      delete reads.globalOauth.certificate;
      const plan = planSetupPackage(reads, desired());
      expect(plan.certificate.verdict).to.equal('missing');
      expect(plan.deploy).to.deep.equal(['globalOauth']);
      expect(reasonsOf(plan, 'globalOauth')).to.deep.equal([{ code: 'CERTIFICATE_MISSING' }]);
      expect(plan.consumerKey).to.deep.equal({ status: 'existing', value: EXISTING_KEY });
    });

    it('carries the certificate and keeps the existing key whenever the global OAuth settings are deployed', () => {
      const reads = upToDate();
      reads.globalOauth.callbackUrl = 'https://example.com/oauth';
      const plan = planSetupPackage(reads, desired({ callbackUrl: 'http://localhost:1717/OauthRedirect' }));
      expect(plan.deploy).to.deep.equal(['globalOauth']);
      expect(reasonsOf(plan, 'globalOauth')).to.deep.equal([
        {
          code: 'CALLBACK_DIFFERS',
          existing: 'https://example.com/oauth',
          wanted: 'http://localhost:1717/OauthRedirect',
        },
      ]);
      const built = buildSetupPackage(plan.spec);
      const global = built.files['extlClntAppGlobalOauthSets/sf_jwt_glbloauth.ecaGlblOauth'];
      expect(global).to.include('-----BEGIN CERTIFICATE-----');
      expect(global).to.include(`<consumerKey>${EXISTING_KEY}</consumerKey>`);
      expect(built.consumerKey).to.equal(EXISTING_KEY);
      expect(global).not.to.include(NEW_KEY);
    });

    it('keeps the callback URLs the app has unless another is asked for', () => {
      const reads = upToDate();
      reads.globalOauth.callbackUrl = 'https://example.com/oauth\nhttp://localhost:1717/OauthRedirect';
      expect(planSetupPackage(reads, desired()).deploy).to.deep.equal([]);
      expect(
        planSetupPackage(reads, desired({ callbackUrl: 'http://localhost:1717/OauthRedirect' })).deploy,
      ).to.deep.equal([]);
      reads.globalOauth.callbackUrl = 'https://example.com/oauth';
      const kept = planSetupPackage(reads, desired());
      expect(kept.deploy).to.deep.equal([]);
      expect(kept.callbackUrl).to.equal('https://example.com/oauth');
      reads.globalOauth.callbackUrl = '';
      expect(reasonsOf(planSetupPackage(reads, desired()), 'globalOauth')).to.deep.equal([
        { code: 'CALLBACK_MISSING', wanted: 'http://localhost:1717/OauthRedirect' },
      ]);
    });

    it('says the key is unconfirmed when the settings were read without it, and invents none', () => {
      const reads = upToDate();
      delete reads.globalOauth.consumerKey;
      reads.globalOauth.certificate = OTHER_CERT;
      const plan = planSetupPackage(reads, desired({ allowCertificateReplace: true }));
      expect(plan.consumerKey).to.deep.equal({ status: 'unconfirmed', code: 'CONSUMER_KEY_UNREADABLE' });
      expect(plan.spec.consumerKey).to.equal(null);
      const built = buildSetupPackage(plan.spec);
      expect(built.consumerKey).to.equal(undefined);
      const global = built.files['extlClntAppGlobalOauthSets/sf_jwt_glbloauth.ecaGlblOauth'];
      expect(global).not.to.include('consumerKey');
      expect(global).not.to.include(NEW_KEY);
    });

    it('says the key is unconfirmed when no global OAuth settings could be read for an existing app', () => {
      const { app, oauth, policies, oauthPolicies } = upToDate();
      const plan = planSetupPackage({ app, oauth, policies, oauthPolicies }, desired());
      expect(plan.consumerKey).to.deep.equal({ status: 'unconfirmed', code: 'GLOBAL_OAUTH_UNREADABLE' });
      expect(plan.certificate.verdict).to.equal('missing');
      expect(plan.deploy).to.deep.equal(['globalOauth']);
      expect(
        buildSetupPackage(plan.spec).files['extlClntAppGlobalOauthSets/sf_jwt_glbloauth.ecaGlblOauth'],
      ).not.to.include('consumerKey');
    });

    it('never carries a consumer secret it read', () => {
      const reads = upToDate();
      reads.globalOauth.consumerSecret = 'TOP-SECRET-VALUE';
      reads.globalOauth.certificate = OTHER_CERT;
      const plan = planSetupPackage(reads, desired({ allowCertificateReplace: true }));
      expect(JSON.stringify(plan)).not.to.include('TOP-SECRET-VALUE');
      expect(Object.values(buildSetupPackage(plan.spec).files).join('\n')).not.to.include('TOP-SECRET-VALUE');
    });
  });

  describe('refusals', () => {
    it('throws only for a desired state that cannot be built', () => {
      const codeOf = (fn: () => unknown): string => {
        try {
          fn();
        } catch (error) {
          expect(error).to.be.instanceOf(SetupPackageError);
          return (error as SetupPackageError).code;
        }
        return expect.fail('expected a SetupPackageError');
      };
      expect(codeOf(() => planSetupPackage({}, desired({ appName: 'sf__jwt' })))).to.equal('INVALID_NAME');
      expect(codeOf(() => planSetupPackage({}, desired({ permissionSetName: '9sets' })))).to.equal('INVALID_NAME');
      expect(codeOf(() => planSetupPackage({}, desired({ scope: 'api nope' })))).to.equal('SCOPE_UNKNOWN');
    });
  });
});
