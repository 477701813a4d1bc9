import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { strFromU8, unzipSync } from 'fflate';
import sinon from 'sinon';
import {
  buildSetupPackage,
  canonicalCertificate,
  certificateDer,
  componentNamesFromList,
  CONSUMER_KEY_LENGTH,
  DEFAULT_CALLBACK_URL,
  ecaComponentNames,
  formatScopeList,
  generateConsumerKey,
  isValidConsumerKey,
  labelOf,
  missingScopes,
  OAUTH_SCOPE_TO_METADATA,
  parseScopes,
  sameCertificate,
  SETUP_COMPONENT_TYPES,
  SetupPackageError,
  splitScopeList,
  validateAppName,
  validatePermissionSetName,
  VALID_OAUTH_SCOPES,
  type SetupPackageSpec,
} from '../../../src/setup/package.js';
import { fixtureKey } from '../../helpers/keys.js';

const CERT = readFileSync(fixtureKey('server.crt'), 'utf8');
const OTHER_CERT = readFileSync(fixtureKey('other.crt'), 'utf8');
const KEY = readFileSync(fixtureKey('server.key'), 'utf8');
const CONSUMER_KEY = '3MVG9fixedTestKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0';

const spec = (overrides: Partial<SetupPackageSpec> = {}): SetupPackageSpec => ({
  appName: 'sf_jwt',
  contactEmail: 'admin@example.com',
  certificatePem: CERT,
  consumerKey: CONSUMER_KEY,
  ...overrides,
});

const codeOf = (fn: () => unknown): { code: string; data: Readonly<Record<string, unknown>> } => {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(SetupPackageError);
    const { code, data } = error as SetupPackageError;
    return { code, data };
  }
  return expect.fail('expected a SetupPackageError');
};

/** The text of element `name` in `xml` (first occurrence), or undefined. */
const elementText = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1];

const unzipText = (zip: Uint8Array): Record<string, string> =>
  Object.fromEntries(Object.entries(unzipSync(zip)).map(([path, bytes]) => [path, strFromU8(bytes)]));

describe('setup/package', () => {
  describe('names', () => {
    it('accepts API names of letters, digits and single underscores that start with a letter', () => {
      for (const name of ['sf_jwt', 'JWT_Access', 'a', 'App2_ci_3', 'x'.repeat(80)]) {
        expect(validateAppName(name), name).to.deep.equal({ ok: true });
        expect(validatePermissionSetName(name), name).to.deep.equal({ ok: true });
      }
    });

    it('refuses bad API names with the rule broken and its data', () => {
      const reason = (name: string): unknown => {
        const check = validateAppName(name);
        return check.ok ? undefined : check.reason;
      };
      expect(reason('')).to.deep.equal({ code: 'API_NAME_EMPTY', name: '' });
      expect(reason('x'.repeat(81))).to.deep.equal({
        code: 'API_NAME_TOO_LONG',
        name: 'x'.repeat(81),
        max: 80,
        length: 81,
      });
      expect(reason('1app')).to.deep.equal({ code: 'API_NAME_FIRST_CHARACTER', name: '1app' });
      expect(reason('_app')).to.deep.equal({ code: 'API_NAME_FIRST_CHARACTER', name: '_app' });
      expect(reason('my app-1 ')).to.deep.equal({
        code: 'API_NAME_CHARACTERS',
        name: 'my app-1 ',
        invalid: [' ', '-'],
      });
      expect(reason('sf__jwt')).to.deep.equal({ code: 'API_NAME_DOUBLE_UNDERSCORE', name: 'sf__jwt' });
      expect(reason('sf_jwt_')).to.deep.equal({ code: 'API_NAME_TRAILING_UNDERSCORE', name: 'sf_jwt_' });
      expect(reason('sf.jwt')).to.deep.equal({ code: 'API_NAME_CHARACTERS', name: 'sf.jwt', invalid: ['.'] });
    });

    it('labels a name with spaces for underscores', () => {
      expect(labelOf('sf_jwt')).to.equal('sf jwt');
      expect(labelOf('JWT_Access')).to.equal('JWT Access');
    });

    it('names the components as Salesforce does for an app made in Setup', () => {
      expect(ecaComponentNames('sf_jwt')).to.deep.equal({
        app: 'sf_jwt',
        globalOauth: 'sf_jwt_glbloauth',
        oauth: 'sf_jwt_oauth',
        policies: 'sf_jwt_plcy',
        oauthPolicies: 'sf_jwt_oauthPlcy',
      });
    });

    it('has the folders and suffixes of the Metadata API', () => {
      expect(SETUP_COMPONENT_TYPES).to.deep.equal({
        app: { type: 'ExternalClientApplication', folder: 'externalClientApps', suffix: 'eca' },
        globalOauth: {
          type: 'ExtlClntAppGlobalOauthSettings',
          folder: 'extlClntAppGlobalOauthSets',
          suffix: 'ecaGlblOauth',
        },
        oauth: { type: 'ExtlClntAppOauthSettings', folder: 'extlClntAppOauthSettings', suffix: 'ecaOauth' },
        policies: { type: 'ExtlClntAppConfigurablePolicies', folder: 'extlClntAppPolicies', suffix: 'ecaPlcy' },
        oauthPolicies: {
          type: 'ExtlClntAppOauthConfigurablePolicies',
          folder: 'extlClntAppOauthPolicies',
          suffix: 'ecaOauthPlcy',
        },
        permissionSet: { type: 'PermissionSet', folder: 'permissionsets', suffix: 'permissionset' },
      });
    });

    it('picks component names from a metadata list, usual names first, never another app’s', () => {
      const listed = [
        { type: 'ExternalClientApplication', fullName: 'sf_jwt' },
        { type: 'ExternalClientApplication', fullName: 'sf_jwt_ci' },
        { type: 'ExtlClntAppGlobalOauthSettings', fullName: 'sf_jwtGlblOAuth' },
        { type: 'ExtlClntAppGlobalOauthSettings', fullName: 'sf_jwt_ci_glbloauth' },
        { type: 'ExtlClntAppOauthSettings', fullName: 'sf_jwt_oauth' },
        { type: 'ExtlClntAppOauthSettings', fullName: 'sf_jwtOAuthSettings' },
        { type: 'ExtlClntAppOauthConfigurablePolicies', fullName: 'sf_jwtOAuthSettings_defaultPolicy' },
        { type: 'ExtlClntAppConfigurablePolicies', fullName: 'sf_jwt_a' },
        { type: 'ExtlClntAppConfigurablePolicies', fullName: 'sf_jwt_b' },
      ];
      expect(componentNamesFromList('sf_jwt', listed)).to.deep.equal({
        names: {
          app: 'sf_jwt',
          globalOauth: 'sf_jwtGlblOAuth',
          oauth: 'sf_jwt_oauth',
          oauthPolicies: 'sf_jwtOAuthSettings_defaultPolicy',
        },
        ambiguous: { policies: ['sf_jwt_a', 'sf_jwt_b'] },
      });
      expect(componentNamesFromList('sf_jwt_ci', listed).names.globalOauth).to.equal('sf_jwt_ci_glbloauth');
      expect(componentNamesFromList('nope', listed)).to.deep.equal({ names: {}, ambiguous: {} });
    });
  });

  describe('scopes', () => {
    it('maps the OAuth scope strings to the Metadata API names', () => {
      expect(parseScopes('api refresh_token')).to.deep.equal({ ok: true, scopes: ['Api', 'RefreshToken'] });
      expect(parseScopes('web full offline_access openid id visualforce chatter_api')).to.deep.equal({
        ok: true,
        scopes: ['Web', 'Full', 'OfflineAccess', 'OpenID', 'Basic', 'CustomApplications', 'Chatter'],
      });
      expect(OAUTH_SCOPE_TO_METADATA.id).to.equal('Basic');
      expect(Object.keys(OAUTH_SCOPE_TO_METADATA)).to.have.length(35);
    });

    it('reads spaces or commas, any case, Metadata API names too, and drops repeats', () => {
      expect(parseScopes(' API,Refresh_Token  api ')).to.deep.equal({ ok: true, scopes: ['Api', 'RefreshToken'] });
      expect(parseScopes(['RefreshToken', 'api'])).to.deep.equal({ ok: true, scopes: ['RefreshToken', 'Api'] });
    });

    it('refuses an unknown scope with the list of valid ones, and an empty one', () => {
      expect(parseScopes('api refresh-token bogus')).to.deep.equal({
        ok: false,
        reason: { code: 'SCOPE_UNKNOWN', unknown: ['refresh-token', 'bogus'], valid: VALID_OAUTH_SCOPES },
      });
      expect(VALID_OAUTH_SCOPES).to.include.members([
        'api',
        'refresh_token',
        'web',
        'full',
        'offline_access',
        'openid',
        'id',
      ]);
      expect(parseScopes(' , ')).to.deep.equal({ ok: false, reason: { code: 'SCOPE_EMPTY' } });
    });

    it('normalises a read scope list and finds what it lacks, same-behaviour scopes counting', () => {
      expect(splitScopeList(' api ,Web,, REFRESHTOKEN, NewScope, Api')).to.deep.equal([
        'Api',
        'Web',
        'RefreshToken',
        'NewScope',
      ]);
      expect(splitScopeList(undefined)).to.deep.equal([]);
      expect(missingScopes(['Api', 'Web'], ['Api', 'RefreshToken'])).to.deep.equal(['RefreshToken']);
      expect(missingScopes(['Api', 'OfflineAccess'], ['Api', 'RefreshToken'])).to.deep.equal([]);
      expect(missingScopes(['Basic'], ['Email', 'Basic'])).to.deep.equal([]);
      expect(formatScopeList(['Api', 'RefreshToken'])).to.equal('Api, RefreshToken');
    });
  });

  describe('consumer key', () => {
    it('makes keys of 85 letters and digits starting with 3MVG9, each one new', () => {
      const keys = new Set(Array.from({ length: 50 }, () => generateConsumerKey()));
      expect(keys.size).to.equal(50);
      for (const key of keys) {
        expect(key).to.match(/^3MVG9[A-Za-z0-9]{80}$/);
        expect(key).to.have.length(CONSUMER_KEY_LENGTH);
        expect(isValidConsumerKey(key)).to.equal(true);
      }
    });

    it('checks the form of a consumer key', () => {
      expect(isValidConsumerKey('3MVG9.abc_DEF')).to.equal(true);
      expect(isValidConsumerKey('short')).to.equal(false);
      expect(isValidConsumerKey('has space in it')).to.equal(false);
      expect(isValidConsumerKey('a'.repeat(257))).to.equal(false);
    });
  });

  describe('certificate', () => {
    it('carries one certificate as PEM with LF line ends', () => {
      const pem = canonicalCertificate(`\r\n${CERT.replace(/\n/g, '\r\n')}\r\n`);
      expect(pem).to.match(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----$/);
      expect(pem).not.to.include('\r');
      expect(new X509Certificate(pem).fingerprint256).to.equal(new X509Certificate(CERT).fingerprint256);
    });

    it('refuses a private key, several certificates and garbage', () => {
      expect(codeOf(() => canonicalCertificate(KEY)).code).to.equal('CERTIFICATE_HAS_PRIVATE_KEY');
      expect(codeOf(() => canonicalCertificate(`${CERT}\n${KEY}`)).code).to.equal('CERTIFICATE_HAS_PRIVATE_KEY');
      expect(codeOf(() => canonicalCertificate(`${CERT}\n${OTHER_CERT}`)).data).to.deep.equal({ count: 2 });
      expect(codeOf(() => canonicalCertificate('not a certificate')).code).to.equal('CERTIFICATE_COUNT');
      expect(
        codeOf(() => canonicalCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).code,
      ).to.equal('CERTIFICATE_INVALID');
    });

    it('compares certificates by their bytes, however they are wrapped', () => {
      const body = CERT.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
      expect(sameCertificate(CERT, body)).to.equal(true);
      expect(sameCertificate(CERT, `  ${body.slice(0, 100)}\n ${body.slice(100)}  `)).to.equal(true);
      expect(sameCertificate(CERT, CERT.replace(/\n/g, '\r\n'))).to.equal(true);
      expect(sameCertificate(CERT, OTHER_CERT)).to.equal(false);
      expect(sameCertificate(CERT, undefined)).to.equal(false);
      expect(certificateDer('')).to.equal(undefined);
      expect(certificateDer('not base64 !')).to.equal(undefined);
    });
  });

  describe('buildSetupPackage, a new app', () => {
    const built = buildSetupPackage(spec({ createPermissionSet: true }));

    it('has the five components of the app and the permission set, in package.xml and as files', () => {
      expect(built.components).to.deep.equal([
        { type: 'ExternalClientApplication', fullName: 'sf_jwt' },
        { type: 'ExtlClntAppGlobalOauthSettings', fullName: 'sf_jwt_glbloauth' },
        { type: 'ExtlClntAppOauthSettings', fullName: 'sf_jwt_oauth' },
        { type: 'ExtlClntAppConfigurablePolicies', fullName: 'sf_jwt_plcy' },
        { type: 'ExtlClntAppOauthConfigurablePolicies', fullName: 'sf_jwt_oauthPlcy' },
        { type: 'PermissionSet', fullName: 'JWT_Access' },
      ]);
      expect(Object.keys(built.files)).to.deep.equal([
        'externalClientApps/sf_jwt.eca',
        'extlClntAppGlobalOauthSets/sf_jwt_glbloauth.ecaGlblOauth',
        'extlClntAppOauthSettings/sf_jwt_oauth.ecaOauth',
        'extlClntAppPolicies/sf_jwt_plcy.ecaPlcy',
        'extlClntAppOauthPolicies/sf_jwt_oauthPlcy.ecaOauthPlcy',
        'permissionsets/JWT_Access.permissionset',
      ]);
      for (const { type, fullName } of built.components) {
        expect(built.packageXml).to.include(`<members>${fullName}</members>\n        <name>${type}</name>`);
      }
      expect(built.packageXml).to.include('<version>66.0</version>');
    });

    it('makes the app local, labelled after its name, with the contact email', () => {
      const app = built.files['externalClientApps/sf_jwt.eca'];
      expect(app).to.equal(
        [
          '<?xml version="1.0" encoding="UTF-8"?>',
          '<ExternalClientApplication xmlns="http://soap.sforce.com/2006/04/metadata">',
          '    <contactEmail>admin@example.com</contactEmail>',
          '    <distributionState>Local</distributionState>',
          '    <isProtected>false</isProtected>',
          '    <label>sf jwt</label>',
          '</ExternalClientApplication>',
          '',
        ].join('\n'),
      );
    });

    it('puts the callback URL, the certificate and the consumer key in the global OAuth settings', () => {
      const global = built.files['extlClntAppGlobalOauthSets/sf_jwt_glbloauth.ecaGlblOauth'];
      expect(elementText(global, 'callbackUrl')).to.equal(DEFAULT_CALLBACK_URL);
      expect(sameCertificate(elementText(global, 'certificate'), CERT)).to.equal(true);
      expect(elementText(global, 'consumerKey')).to.equal(CONSUMER_KEY);
      expect(built.consumerKey).to.equal(CONSUMER_KEY);
      expect(elementText(global, 'externalClientApplication')).to.equal('sf_jwt');
      expect(elementText(global, 'label')).to.equal('sf_jwt_glbloauth');
      expect(global).not.to.include('consumerSecret');
    });

    it('makes a valid consumer key when none is given', () => {
      const fresh = buildSetupPackage(spec({ consumerKey: undefined }));
      expect(fresh.consumerKey).to.match(/^3MVG9[A-Za-z0-9]{80}$/);
      expect(
        elementText(fresh.files['extlClntAppGlobalOauthSets/sf_jwt_glbloauth.ecaGlblOauth'], 'consumerKey'),
      ).to.equal(fresh.consumerKey);
    });

    it('maps the scopes to Metadata API names', () => {
      expect(
        elementText(built.files['extlClntAppOauthSettings/sf_jwt_oauth.ecaOauth'], 'commaSeparatedOauthScopes'),
      ).to.equal('Api, RefreshToken');
      const web = buildSetupPackage(spec({ scope: 'api web refresh_token id' }));
      expect(
        elementText(web.files['extlClntAppOauthSettings/sf_jwt_oauth.ecaOauth'], 'commaSeparatedOauthScopes'),
      ).to.equal('Api, Web, RefreshToken, Basic');
    });

    it('turns the plugins on', () => {
      const policies = built.files['extlClntAppPolicies/sf_jwt_plcy.ecaPlcy'];
      expect(elementText(policies, 'isEnabled')).to.equal('true');
      expect(elementText(policies, 'isOauthPluginEnabled')).to.equal('true');
    });

    it('pre-authorizes admin-approved users through the permission set alone', () => {
      const policy = built.files['extlClntAppOauthPolicies/sf_jwt_oauthPlcy.ecaOauthPlcy'];
      expect(elementText(policy, 'permittedUsersPolicyType')).to.equal('AdminApprovedPreAuthorized');
      expect(elementText(policy, 'commaSeparatedPermissionSet')).to.equal('JWT_Access');
      expect(policy).not.to.include('commaSeparatedProfile');
    });

    it('describes the permission set it creates', () => {
      const set = built.files['permissionsets/JWT_Access.permissionset'];
      expect(elementText(set, 'label')).to.equal('JWT Access');
      expect(elementText(set, 'description')).to.match(/pre-authorizes the JWT bearer-flow user.*sf_jwt/i);
      expect(elementText(set, 'hasActivationRequired')).to.equal('false');
    });

    it('creates the permission set only when asked', () => {
      const without = buildSetupPackage(spec());
      expect(Object.keys(without.files)).not.to.include('permissionsets/JWT_Access.permissionset');
      expect(without.packageXml).not.to.include('PermissionSet');
    });

    it('takes the label, callback URL, permission set, API version and names it is given', () => {
      const custom = buildSetupPackage(
        spec({
          label: 'CI & deploy',
          callbackUrl: 'https://example.com/callback?a=1&b=2',
          permissionSetName: 'CI_Access',
          permissionSets: ['Existing', 'CI_Access', 'existing'],
          profiles: ['System Administrator'],
          apiVersion: '64.0',
          names: { oauthPolicies: 'sf_jwtOAuthSettings_defaultPolicy' },
        }),
      );
      expect(custom.files['externalClientApps/sf_jwt.eca']).to.include('<label>CI &amp; deploy</label>');
      expect(custom.files['extlClntAppGlobalOauthSets/sf_jwt_glbloauth.ecaGlblOauth']).to.include(
        '<callbackUrl>https://example.com/callback?a=1&amp;b=2</callbackUrl>',
      );
      const policy = custom.files['extlClntAppOauthPolicies/sf_jwtOAuthSettings_defaultPolicy.ecaOauthPlcy'];
      expect(elementText(policy, 'commaSeparatedPermissionSet')).to.equal('Existing,CI_Access');
      expect(elementText(policy, 'commaSeparatedProfile')).to.equal('System Administrator');
      expect(custom.packageXml).to.include('<version>64.0</version>');
      expect(custom.packageXml).to.include('<members>sf_jwtOAuthSettings_defaultPolicy</members>');
    });

    it('holds only the components it is asked for', () => {
      const oauthOnly = buildSetupPackage(spec({ include: ['oauth'], oauthScopes: ['Api', 'Web', 'RefreshToken'] }));
      expect(Object.keys(oauthOnly.files)).to.deep.equal(['extlClntAppOauthSettings/sf_jwt_oauth.ecaOauth']);
      expect(oauthOnly.components).to.deep.equal([{ type: 'ExtlClntAppOauthSettings', fullName: 'sf_jwt_oauth' }]);
      expect(oauthOnly.consumerKey).to.equal(undefined);
      expect(oauthOnly.files['extlClntAppOauthSettings/sf_jwt_oauth.ecaOauth']).to.include(
        '<commaSeparatedOauthScopes>Api, Web, RefreshToken</commaSeparatedOauthScopes>',
      );
    });

    it('leaves the consumer key out when it is null', () => {
      const keyless = buildSetupPackage(spec({ consumerKey: null }));
      expect(keyless.consumerKey).to.equal(undefined);
      expect(keyless.files['extlClntAppGlobalOauthSets/sf_jwt_glbloauth.ecaGlblOauth']).not.to.include('consumerKey');
    });
  });

  describe('buildSetupPackage, carried fields', () => {
    it('keeps what the org has besides what it sets, never the secret or generated values', () => {
      const built = buildSetupPackage(
        spec({
          consumerKey: '3MVG9existingKey',
          carry: {
            globalOauth: {
              fullName: 'sf_jwt_glbloauth',
              consumerSecret: 'TOP-SECRET',
              consumerKey: '3MVG9existingKey',
              isPkceRequired: 'false',
              shouldRotateConsumerKey: 'true',
              shouldRotateConsumerSecret: 'true',
              label: 'My global settings',
              futureField: 'x',
            },
            oauth: { oauthLink: '00D000000000001:888000000000001', singleLogoutUrl: 'https://example.com/logout' },
            oauthPolicies: { refreshTokenPolicyType: 'Infinite', commaSeparatedProfile: 'Standard User' },
          },
        }),
      );
      const global = built.files['extlClntAppGlobalOauthSets/sf_jwt_glbloauth.ecaGlblOauth'];
      expect(global).not.to.include('TOP-SECRET');
      expect(global).not.to.include('shouldRotate');
      expect(global).not.to.include('futureField');
      expect(elementText(global, 'isPkceRequired')).to.equal('false');
      expect(elementText(global, 'label')).to.equal('My global settings');
      expect(elementText(global, 'consumerKey')).to.equal('3MVG9existingKey');
      const oauth = built.files['extlClntAppOauthSettings/sf_jwt_oauth.ecaOauth'];
      expect(oauth).not.to.include('oauthLink');
      expect(elementText(oauth, 'singleLogoutUrl')).to.equal('https://example.com/logout');
      const policy = built.files['extlClntAppOauthPolicies/sf_jwt_oauthPlcy.ecaOauthPlcy'];
      expect(elementText(policy, 'refreshTokenPolicyType')).to.equal('Infinite');
      expect(elementText(policy, 'commaSeparatedProfile')).to.equal('Standard User');
    });
  });

  describe('buildSetupPackage, the zip', () => {
    it('holds package.xml and the component folders at its root, as built', () => {
      const built = buildSetupPackage(spec({ createPermissionSet: true }));
      const files = unzipText(built.zip);
      expect(Object.keys(files)).to.deep.equal(['package.xml', ...Object.keys(built.files)]);
      expect(files['package.xml']).to.equal(built.packageXml);
      for (const [path, xml] of Object.entries(built.files)) expect(files[path], path).to.equal(xml);
    });

    it('is the same bytes for the same spec, whenever it is built', () => {
      const build = (now: string): Uint8Array => {
        const clock = sinon.useFakeTimers({ now: new Date(now), toFake: ['Date'] });
        try {
          return buildSetupPackage(spec({ createPermissionSet: true })).zip;
        } finally {
          clock.restore();
        }
      };
      const first = build('2027-03-01T10:20:30Z');
      const second = build('2031-11-17T23:59:58Z');
      expect(Buffer.from(second).equals(Buffer.from(first))).to.equal(true);
      expect(Buffer.from(buildSetupPackage(spec({ scope: 'api web' })).zip).equals(Buffer.from(first))).to.equal(false);
    });

    it('never holds a private key or a consumer secret', () => {
      const built = buildSetupPackage(
        spec({ createPermissionSet: true, carry: { globalOauth: { consumerSecret: 'TOP-SECRET' } } }),
      );
      const everything = [built.packageXml, ...Object.values(built.files), ...Object.values(unzipText(built.zip))].join(
        '\n',
      );
      expect(everything).not.to.include('PRIVATE KEY');
      expect(everything).not.to.include('consumerSecret');
      expect(everything).not.to.include('TOP-SECRET');
      expect(everything).not.to.include(KEY.split('\n')[1]);
    });
  });

  describe('buildSetupPackage, refusals', () => {
    it('refuses a spec that cannot make a valid package', () => {
      expect(codeOf(() => buildSetupPackage(spec({ appName: 'bad name' })))).to.deep.equal({
        code: 'INVALID_NAME',
        data: { field: 'appName', code: 'API_NAME_CHARACTERS', name: 'bad name', invalid: [' '] },
      });
      expect(codeOf(() => buildSetupPackage(spec({ permissionSetName: 'JWT__Access' }))).data.field).to.equal(
        'permissionSetName',
      );
      expect(codeOf(() => buildSetupPackage(spec({ certificatePem: KEY }))).code).to.equal(
        'CERTIFICATE_HAS_PRIVATE_KEY',
      );
      expect(codeOf(() => buildSetupPackage(spec({ scope: 'api bogus' }))).code).to.equal('SCOPE_UNKNOWN');
      expect(codeOf(() => buildSetupPackage(spec({ consumerKey: 'bad key!' }))).code).to.equal('INVALID_CONSUMER_KEY');
      expect(codeOf(() => buildSetupPackage(spec({ apiVersion: 'v66' }))).code).to.equal('INVALID_API_VERSION');
      expect(codeOf(() => buildSetupPackage(spec({ include: [] }))).code).to.equal('NOTHING_TO_DEPLOY');
      expect(codeOf(() => buildSetupPackage(spec({ contactEmail: ' ' }))).code).to.equal('CONTACT_EMAIL_MISSING');
      expect(codeOf(() => buildSetupPackage(spec({ contactEmail: 'a\u0000@example.com' }))).code).to.equal(
        'XML_INVALID_CHARACTER',
      );
    });
  });
});
