import { expect } from 'chai';
import {
  ELEMENT_ORDER,
  escapeXml,
  knownElements,
  METADATA_NAMESPACE,
  renderMetadataXml,
  renderPackageXml,
  SetupPackageError,
} from '../../../src/setup/metadataXml.js';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(SetupPackageError);
    return (error as SetupPackageError).code;
  }
  return expect.fail('expected a SetupPackageError');
};

/** The element names of a rendered file, in document order, without the root. */
const elementsOf = (xml: string): string[] => [...xml.matchAll(/^ {4}<(\w+)>/gm)].map((match) => match[1]);

describe('setup/metadataXml', () => {
  describe('escapeXml', () => {
    it('escapes the five XML special characters', () => {
      expect(escapeXml('a & b < c > d " e \' f')).to.equal('a &amp; b &lt; c &gt; d &quot; e &apos; f');
    });

    it('keeps tabs, line feeds, carriage returns and non-ASCII text', () => {
      expect(escapeXml('a\tb\nc\r\nd é ☃')).to.equal('a\tb\nc\r\nd é ☃');
    });

    it('refuses characters that XML cannot carry', () => {
      expect(codeOf(() => escapeXml('bell\u0007'))).to.equal('XML_INVALID_CHARACTER');
      expect(codeOf(() => escapeXml('nul\u0000'))).to.equal('XML_INVALID_CHARACTER');
      expect(codeOf(() => escapeXml('\uffff'))).to.equal('XML_INVALID_CHARACTER');
    });
  });

  describe('renderMetadataXml', () => {
    it('writes the declaration, the root in the metadata namespace and four-space indented elements', () => {
      const xml = renderMetadataXml('ExtlClntAppConfigurablePolicies', {
        externalClientApplication: 'sf_jwt',
        isEnabled: true,
      });
      expect(xml).to.equal(
        [
          '<?xml version="1.0" encoding="UTF-8"?>',
          `<ExtlClntAppConfigurablePolicies xmlns="${METADATA_NAMESPACE}">`,
          '    <externalClientApplication>sf_jwt</externalClientApplication>',
          '    <isEnabled>true</isEnabled>',
          '</ExtlClntAppConfigurablePolicies>',
          '',
        ].join('\n'),
      );
    });

    it('writes elements in the type order, whatever the order of the fields given', () => {
      const xml = renderMetadataXml('ExtlClntAppOauthConfigurablePolicies', {
        permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
        label: 'sf_jwt_oauthPlcy',
        externalClientApplication: 'sf_jwt',
        commaSeparatedProfile: 'System Administrator',
        commaSeparatedPermissionSet: 'JWT_Access',
      });
      expect(elementsOf(xml)).to.deep.equal([
        'commaSeparatedPermissionSet',
        'commaSeparatedProfile',
        'externalClientApplication',
        'label',
        'permittedUsersPolicyType',
      ]);
    });

    it('has the order of every type written, alphabetical for these types', () => {
      for (const [type, order] of Object.entries(ELEMENT_ORDER)) {
        expect(order, type).to.deep.equal([...order].sort((a, b) => (a < b ? -1 : 1)));
      }
      expect(ELEMENT_ORDER.ExtlClntAppGlobalOauthSettings.slice(0, 5)).to.deep.equal([
        'callbackUrl',
        'certificate',
        'consumerKey',
        'consumerSecret',
        'externalClientApplication',
      ]);
    });

    it('leaves out undefined and null fields and escapes values', () => {
      const xml = renderMetadataXml('ExternalClientApplication', {
        contactEmail: 'a&b@example.com',
        description: undefined,
        label: null,
      });
      expect(elementsOf(xml)).to.deep.equal(['contactEmail']);
      expect(xml).to.include('<contactEmail>a&amp;b@example.com</contactEmail>');
    });

    it('writes nested records in their own order and lists as repeated elements', () => {
      const xml = renderMetadataXml('ExtlClntAppOauthSettings', {
        externalClientApplication: 'sf_jwt',
        trustedIpRanges: [
          { startIpAddress: '10.0.0.0', endIpAddress: '10.0.0.255', description: 'office' },
          { startIpAddress: '10.1.0.0', endIpAddress: '10.1.0.255' },
        ],
      });
      expect(xml).to.include(
        [
          '    <trustedIpRanges>',
          '        <description>office</description>',
          '        <endIpAddress>10.0.0.255</endIpAddress>',
          '        <startIpAddress>10.0.0.0</startIpAddress>',
          '    </trustedIpRanges>',
          '    <trustedIpRanges>',
        ].join('\n'),
      );
      expect(xml.indexOf('<externalClientApplication>')).to.be.lessThan(xml.indexOf('<trustedIpRanges>'));
    });

    it('refuses an element the type does not have, an unknown type, and a record where text belongs', () => {
      expect(codeOf(() => renderMetadataXml('ExternalClientApplication', { bogus: 'x' }))).to.equal(
        'XML_UNKNOWN_ELEMENT',
      );
      expect(codeOf(() => renderMetadataXml('NoSuchType', {}))).to.equal('XML_UNKNOWN_TYPE');
      expect(codeOf(() => renderMetadataXml('ExternalClientApplication', { label: { a: 'b' } }))).to.equal(
        'XML_UNEXPECTED_RECORD',
      );
    });
  });

  describe('knownElements', () => {
    it('keeps the known elements, nested ones included, and drops the rest', () => {
      const kept = knownElements('ExtlClntAppGlobalOauthSettings', {
        fullName: 'sf_jwt_glbloauth',
        callbackUrl: 'http://localhost:1717/OauthRedirect',
        isPkceRequired: 'true',
        someFutureField: 'x',
        idTokenConfig: { idTokenValidityInMinutes: '5', unknownNested: 'y' },
        $: { 'xsi:type': 'ExtlClntAppGlobalOauthSettings' },
      });
      expect(kept).to.deep.equal({
        callbackUrl: 'http://localhost:1717/OauthRedirect',
        idTokenConfig: { idTokenValidityInMinutes: '5' },
        isPkceRequired: 'true',
      });
    });

    it('keeps a repeated element read as one record or as a list', () => {
      const one = knownElements('ExtlClntAppOauthSettings', {
        customAttributes: { key: 'k', formula: 'User.Country' },
      });
      const many = knownElements('ExtlClntAppOauthSettings', {
        customAttributes: [
          { key: 'a', formula: 'User.Country' },
          { key: 'b', formula: 'Organization.Name' },
        ],
      });
      expect(one.customAttributes).to.deep.equal({ formula: 'User.Country', key: 'k' });
      expect(many.customAttributes).to.have.length(2);
    });
  });

  describe('renderPackageXml', () => {
    it('lists one types block per type, sorted, then the version', () => {
      const xml = renderPackageXml(
        [
          { type: 'PermissionSet', fullName: 'JWT_Access' },
          { type: 'ExternalClientApplication', fullName: 'sf_jwt' },
          { type: 'ExtlClntAppOauthSettings', fullName: 'sf_jwt_oauth' },
        ],
        '66.0',
      );
      expect(xml).to.equal(
        [
          '<?xml version="1.0" encoding="UTF-8"?>',
          `<Package xmlns="${METADATA_NAMESPACE}">`,
          '    <types>',
          '        <members>sf_jwt</members>',
          '        <name>ExternalClientApplication</name>',
          '    </types>',
          '    <types>',
          '        <members>sf_jwt_oauth</members>',
          '        <name>ExtlClntAppOauthSettings</name>',
          '    </types>',
          '    <types>',
          '        <members>JWT_Access</members>',
          '        <name>PermissionSet</name>',
          '    </types>',
          '    <version>66.0</version>',
          '</Package>',
          '',
        ].join('\n'),
      );
    });
  });
});
