import { expect } from 'chai';
import {
  describeColumns,
  executeSoql,
  formatSoqlMessage,
  parseSoql,
  SoqlError,
  tokenize,
  type Row,
  type SObjectDescribe,
  type SoqlDataSource,
} from '../../emulator/soql.js';
import { idSuffix, isValidId, makeId, sameId, to18 } from '../../emulator/ids.js';

/*
 * A tiny org of its own, so the engine is tested apart from the emulator's store: users with
 * profiles, permission sets owned by a profile or not, and grants with a Parent relationship.
 */
const OBJECTS: SObjectDescribe[] = [
  {
    name: 'User',
    label: 'User',
    keyPrefix: '005',
    fields: [
      { name: 'Id', type: 'id' },
      { name: 'Username', type: 'string' },
      { name: 'IsActive', type: 'boolean' },
      { name: 'ProfileId', type: 'reference', referenceTo: 'Profile', relationshipName: 'Profile' },
      { name: 'CreatedDate', type: 'datetime' },
      { name: 'Birthday', type: 'date' },
      { name: 'Logins', type: 'int' },
    ],
  },
  {
    name: 'Profile',
    label: 'Profile',
    keyPrefix: '00e',
    fields: [
      { name: 'Id', type: 'id' },
      { name: 'Name', type: 'string' },
    ],
  },
  {
    name: 'PermissionSet',
    label: 'Permission Set',
    keyPrefix: '0PS',
    fields: [
      { name: 'Id', type: 'id' },
      { name: 'Name', type: 'string' },
      { name: 'IsOwnedByProfile', type: 'boolean' },
      { name: 'ProfileId', type: 'reference', referenceTo: 'Profile', relationshipName: 'Profile' },
    ],
  },
  {
    name: 'SetupEntityAccess',
    label: 'Setup Entity Access',
    keyPrefix: '0J0',
    fields: [
      { name: 'Id', type: 'id' },
      { name: 'ParentId', type: 'reference', referenceTo: 'PermissionSet', relationshipName: 'Parent' },
      { name: 'SetupEntityId', type: 'reference' },
      { name: 'SetupEntityType', type: 'picklist' },
    ],
  },
];

const P_ADMIN = '00e000000000001AAA';
const P_STD = '00e000000000002AAA';
const U_CI = '005000000000001AAA';
const U_ADMIN = '005000000000002AAA';
const U_OLD = '005000000000003AAA';
const U_NOPROFILE = '005000000000004AAA';
const PS_JWT = '0PS000000000001AAA';
const PS_ADMIN = '0PS000000000002AAA';
const APP = '0H4000000000001AAA';

const DATA: Record<string, Row[]> = {
  User: [
    {
      Id: U_CI,
      Username: 'ci@acme.com',
      IsActive: true,
      ProfileId: P_STD,
      CreatedDate: '2025-01-06T09:00:00.000+0000',
      Birthday: '1990-05-01',
      Logins: 5,
    },
    {
      Id: U_ADMIN,
      Username: "o'brien@acme.com",
      IsActive: true,
      ProfileId: P_ADMIN,
      CreatedDate: '2024-03-01T00:00:00.000+0000',
      Birthday: null,
      Logins: 50,
    },
    {
      Id: U_OLD,
      Username: 'old\\user@acme.com',
      IsActive: false,
      ProfileId: P_STD,
      CreatedDate: '2020-01-01T00:00:00.000+0000',
      Birthday: '1970-01-01',
      Logins: 0,
    },
    {
      Id: U_NOPROFILE,
      Username: 'ghost@acme.com',
      IsActive: true,
      ProfileId: null,
      CreatedDate: '2025-06-01T12:00:00.000+0000',
      Birthday: null,
      Logins: 1,
    },
  ],
  Profile: [
    { Id: P_ADMIN, Name: 'System Administrator' },
    { Id: P_STD, Name: 'Standard User' },
  ],
  PermissionSet: [
    { Id: PS_JWT, Name: 'JWT_Access', IsOwnedByProfile: false, ProfileId: null },
    { Id: PS_ADMIN, Name: 'X00e000000000001', IsOwnedByProfile: true, ProfileId: P_ADMIN },
  ],
  SetupEntityAccess: [
    { Id: '0J0000000000001AAA', ParentId: PS_JWT, SetupEntityId: APP, SetupEntityType: 'ConnectedApplication' },
    { Id: '0J0000000000002AAA', ParentId: PS_ADMIN, SetupEntityId: APP, SetupEntityType: 'ConnectedApplication' },
    { Id: '0J0000000000003AAA', ParentId: PS_JWT, SetupEntityId: '01p000000000001AAA', SetupEntityType: 'ApexClass' },
  ],
};

const ds: SoqlDataSource = {
  describe: (name) => OBJECTS.find((o) => o.name.toLowerCase() === name.toLowerCase()),
  rows: (name) => DATA[name] ?? [],
  findById: (name, id) => (DATA[name] ?? []).find((r) => sameId(String(r.Id), id)),
};

const OPTS = { sobjectUrlPrefix: '/services/data/v66.0/sobjects' };

function ids(soql: string): unknown[] {
  return executeSoql(soql, ds, OPTS).records.map((r) => r.Id);
}

function soqlError(soql: string): SoqlError {
  try {
    executeSoql(soql, ds, OPTS);
  } catch (err) {
    if (err instanceof SoqlError) return err;
    throw err;
  }
  throw new Error(`expected a SoqlError for ${soql}`);
}

describe('emulator SOQL engine', () => {
  describe('WHERE filters (table)', () => {
    const cases: Array<[string, string[]]> = [
      ["SELECT Id FROM User WHERE Username = 'ci@acme.com'", [U_CI]],
      ["SELECT Id FROM User WHERE Username = 'CI@ACME.COM'", [U_CI]], // text equality ignores case
      ["select id from user where username = 'ci@acme.com'", [U_CI]], // keywords, object and fields too
      ["SELECT Id FROM User WHERE Username = 'o\\'brien@acme.com'", [U_ADMIN]], // escaped quote
      ["SELECT Id FROM User WHERE Username = 'old\\\\user@acme.com'", [U_OLD]], // escaped backslash
      ["SELECT Id FROM User WHERE Username != 'ci@acme.com'", [U_ADMIN, U_OLD, U_NOPROFILE]],
      ["SELECT Id FROM User WHERE Username <> 'ci@acme.com'", [U_ADMIN, U_OLD, U_NOPROFILE]],
      ['SELECT Id FROM User WHERE IsActive = false', [U_OLD]],
      ['SELECT Id FROM User WHERE IsActive = TRUE', [U_CI, U_ADMIN, U_NOPROFILE]],
      ['SELECT Id FROM User WHERE ProfileId = null', [U_NOPROFILE]],
      ['SELECT Id FROM User WHERE ProfileId != null', [U_CI, U_ADMIN, U_OLD]],
      [`SELECT Id FROM User WHERE ProfileId = '${P_STD.slice(0, 15)}'`, [U_CI, U_OLD]], // 15-char id matches 18
      [`SELECT Id FROM User WHERE Id IN ('${U_CI}', '${U_OLD}')`, [U_CI, U_OLD]],
      [`SELECT Id FROM User WHERE Id NOT IN ('${U_CI}', '${U_OLD}')`, [U_ADMIN, U_NOPROFILE]],
      ["SELECT Id FROM User WHERE Profile.Name = 'Standard User'", [U_CI, U_OLD]],
      ["SELECT Id FROM User WHERE NOT Profile.Name = 'Standard User'", [U_ADMIN, U_NOPROFILE]],
      ["SELECT Id FROM User WHERE IsActive = true AND Profile.Name = 'Standard User'", [U_CI]],
      ["SELECT Id FROM User WHERE Username = 'ci@acme.com' OR IsActive = false", [U_CI, U_OLD]],
      [
        "SELECT Id FROM User WHERE IsActive = true AND (Username = 'ci@acme.com' OR Profile.Name = 'System Administrator')",
        [U_CI, U_ADMIN],
      ],
      ["SELECT Id FROM User WHERE (NOT IsActive = true) OR (Username LIKE 'GHOST%')", [U_OLD, U_NOPROFILE]],
      ["SELECT Id FROM User WHERE Username LIKE '%@acme.com'", [U_CI, U_ADMIN, U_OLD, U_NOPROFILE]],
      ["SELECT Id FROM User WHERE Username LIKE 'c_@acme.com'", [U_CI]],
      ['SELECT Id FROM User WHERE Logins > 4', [U_CI, U_ADMIN]],
      ['SELECT Id FROM User WHERE Logins <= 1', [U_OLD, U_NOPROFILE]],
      ['SELECT Id FROM User WHERE CreatedDate >= 2025-01-01T00:00:00Z', [U_CI, U_NOPROFILE]],
      ['SELECT Id FROM User WHERE CreatedDate < 2024-03-01T00:00:00.000+0000', [U_OLD]],
      ['SELECT Id FROM User WHERE Birthday = 1990-05-01', [U_CI]],
      [
        'SELECT Id FROM User WHERE ProfileId IN (SELECT ProfileId FROM PermissionSet WHERE IsOwnedByProfile = true)',
        [U_ADMIN],
      ],
      [
        'SELECT Id FROM User WHERE ProfileId NOT IN (SELECT ProfileId FROM PermissionSet WHERE IsOwnedByProfile = true)',
        [U_CI, U_OLD, U_NOPROFILE],
      ],
      ["SELECT Id FROM User WHERE User.Username = 'ci@acme.com'", [U_CI]], // leading object name
    ];
    for (const [soql, expected] of cases) {
      it(soql, () => {
        expect(ids(soql)).to.deep.equal(expected);
      });
    }
  });

  describe('ORDER BY, LIMIT, OFFSET', () => {
    it('sorts ascending with nulls first by default, descending with nulls last', () => {
      expect(ids('SELECT Id FROM User ORDER BY Birthday')).to.deep.equal([U_ADMIN, U_NOPROFILE, U_OLD, U_CI]);
      expect(ids('SELECT Id FROM User ORDER BY Birthday DESC')).to.deep.equal([U_CI, U_OLD, U_ADMIN, U_NOPROFILE]);
      expect(ids('SELECT Id FROM User ORDER BY Birthday ASC NULLS LAST')).to.deep.equal([
        U_OLD,
        U_CI,
        U_ADMIN,
        U_NOPROFILE,
      ]);
    });

    it('sorts by several keys and through relationships', () => {
      // 'System Administrator' sorts after 'Standard User'; ties broken by Logins ascending
      expect(ids('SELECT Id FROM User WHERE ProfileId != null ORDER BY Profile.Name DESC, Logins')).to.deep.equal([
        U_ADMIN,
        U_OLD,
        U_CI,
      ]);
    });

    it('applies OFFSET then LIMIT', () => {
      expect(ids('SELECT Id FROM User ORDER BY Logins LIMIT 2')).to.deep.equal([U_OLD, U_NOPROFILE]);
      expect(ids('SELECT Id FROM User ORDER BY Logins LIMIT 2 OFFSET 1')).to.deep.equal([U_NOPROFILE, U_CI]);
      expect(ids('SELECT Id FROM User LIMIT 0')).to.deep.equal([]);
    });
  });

  describe('record shape', () => {
    it('returns Salesforce records with attributes, canonical field names and nested relationships', () => {
      const res = executeSoql(
        "SELECT id, USERNAME, profile.name, Profile.Id FROM user WHERE Username IN ('ci@acme.com', 'ghost@acme.com')",
        ds,
        OPTS,
      );
      expect(res).to.deep.equal({
        totalSize: 2,
        done: true,
        records: [
          {
            attributes: { type: 'User', url: `/services/data/v66.0/sobjects/User/${U_CI}` },
            Id: U_CI,
            Username: 'ci@acme.com',
            Profile: {
              attributes: { type: 'Profile', url: `/services/data/v66.0/sobjects/Profile/${P_STD}` },
              Name: 'Standard User',
              Id: P_STD,
            },
          },
          {
            attributes: { type: 'User', url: `/services/data/v66.0/sobjects/User/${U_NOPROFILE}` },
            Id: U_NOPROFILE,
            Username: 'ghost@acme.com',
            Profile: null,
          },
        ],
      });
    });

    it('follows Parent on SetupEntityAccess (the grant query the plugin sends)', () => {
      const res = executeSoql(
        `SELECT ParentId, Parent.Name, Parent.IsOwnedByProfile, Parent.ProfileId FROM SetupEntityAccess WHERE SetupEntityType = 'ConnectedApplication' AND SetupEntityId = '${APP}'`,
        ds,
        OPTS,
      );
      expect(res.records.map((r) => r.Parent)).to.deep.equal([
        {
          attributes: { type: 'PermissionSet', url: `/services/data/v66.0/sobjects/PermissionSet/${PS_JWT}` },
          Name: 'JWT_Access',
          IsOwnedByProfile: false,
          ProfileId: null,
        },
        {
          attributes: { type: 'PermissionSet', url: `/services/data/v66.0/sobjects/PermissionSet/${PS_ADMIN}` },
          Name: 'X00e000000000001',
          IsOwnedByProfile: true,
          ProfileId: P_ADMIN,
        },
      ]);
    });

    it('follows two relationship hops', () => {
      const res = executeSoql(
        `SELECT Parent.Profile.Name FROM SetupEntityAccess WHERE ParentId = '${PS_ADMIN}' LIMIT 1`,
        ds,
        OPTS,
      );
      expect((res.records[0].Parent as Row).Profile).to.deep.include({ Name: 'System Administrator' });
    });

    it('answers COUNT() with totalSize and no records', () => {
      expect(executeSoql('SELECT COUNT() FROM User WHERE IsActive = true', ds, OPTS)).to.deep.equal({
        totalSize: 3,
        done: true,
        records: [],
      });
    });

    it('answers COUNT(field) as an AggregateResult', () => {
      const res = executeSoql('SELECT COUNT(Birthday) FROM User', ds, OPTS);
      expect(res.records).to.deep.equal([{ attributes: { type: 'AggregateResult' }, expr0: 2 }]);
      const aliased = executeSoql('SELECT COUNT(Id) total FROM User', ds, OPTS);
      expect(aliased.records[0]).to.deep.include({ total: 4 });
    });
  });

  describe('errors (table)', () => {
    const hint = "If you are attempting to use a custom object, be sure to append the '__c' after the entity name.";
    const cases: Array<[string, string, string]> = [
      [
        'SELECT Id FROM Foo',
        'INVALID_TYPE',
        `\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\nsObject type 'Foo' is not supported. ${hint}`,
      ],
      [
        'SELECT Id, Nope FROM User',
        'INVALID_FIELD',
        "ERROR at Row:1:Column:12\nNo such column 'Nope' on entity 'User'.",
      ],
      ['SELECT Boss.Name FROM User', 'INVALID_FIELD', "Didn't understand relationship 'Boss' in field path."],
      ["SELECT Id FROM User WHERE Nope = 'x'", 'INVALID_FIELD', "No such column 'Nope' on entity 'User'."],
      ['SELECT Id FROM User ORDER BY Nope', 'INVALID_FIELD', "No such column 'Nope' on entity 'User'."],
      ['SELECT FROM User', 'MALFORMED_QUERY', "ERROR at Row:1:Column:8\nunexpected token: 'FROM'"],
      ['SELECT Id FROM User WHERE', 'MALFORMED_QUERY', 'unexpected token: <EOF>'],
      ['SELECT Id User', 'MALFORMED_QUERY', "unexpected token: 'User'"],
      [
        "SELECT Id FROM User WHERE Username = 'x' AND IsActive = true OR Logins = 1",
        'MALFORMED_QUERY',
        "unexpected token: 'OR'",
      ],
      [
        "SELECT Id FROM User WHERE Username = 'unterminated",
        'MALFORMED_QUERY',
        "mismatched character '<EOF>' expecting '''",
      ],
      ['SELECT Id FROM User WHERE Username = :name', 'MALFORMED_QUERY', "no viable alternative at character ':'"],
      ['SELECT Id FROM User LIMIT x', 'MALFORMED_QUERY', "unexpected token: 'x'"],
      ['SELECT COUNT(), Id FROM User', 'MALFORMED_QUERY', 'COUNT() must be the only element'],
      [
        "SELECT Id FROM User WHERE IsActive = 'true'",
        'INVALID_QUERY_FILTER_OPERATOR',
        "value of filter criterion for field 'IsActive' must be of type boolean and should not be enclosed in quotes",
      ],
      ["SELECT Id FROM User WHERE Id = 'abc'", 'INVALID_QUERY_FILTER_OPERATOR', 'invalid ID field: abc'],
      [
        'SELECT Id FROM User WHERE Username = 5',
        'INVALID_QUERY_FILTER_OPERATOR',
        "value of filter criterion for field 'Username' must be of type string and should be enclosed in quotes",
      ],
      [
        "SELECT Id FROM User WHERE CreatedDate > '2020-01-01'",
        'INVALID_QUERY_FILTER_OPERATOR',
        'must be of type dateTime and should not be enclosed in quotes',
      ],
    ];
    for (const [soql, code, text] of cases) {
      it(`${code}: ${soql}`, () => {
        const err = soqlError(soql);
        expect(err.errorCode).to.equal(code);
        expect(err.message).to.include(text);
      });
    }

    it('reports an unknown field even when no row matches', () => {
      expect(soqlError("SELECT Nope FROM User WHERE Username = 'nobody'").errorCode).to.equal('INVALID_FIELD');
    });

    it('places the caret on the right row and column of a multi-line query', () => {
      expect(formatSoqlMessage('SELECT Id\nFROM Foo', 15, 'x')).to.equal(
        '\nFROM Foo\n     ^\nERROR at Row:2:Column:6\nx',
      );
    });
  });

  describe('parser', () => {
    it('parses the select list, WHERE tree, ORDER BY and LIMIT', () => {
      const text =
        "SELECT Id, Profile.Name FROM User WHERE IsActive = true AND (Id IN ('a', 'b') OR NOT Username LIKE 'x%') ORDER BY Username DESC NULLS FIRST LIMIT 5";
      const q = parseSoql(text);
      expect(q.select).to.deep.equal([
        { kind: 'field', field: { path: ['Id'], pos: 7 } },
        { kind: 'field', field: { path: ['Profile', 'Name'], pos: 11 } },
      ]);
      expect(q.from.name).to.equal('User');
      expect(q.where?.kind).to.equal('and');
      const terms = q.where?.kind === 'and' ? q.where.terms : [];
      expect(terms[0]).to.deep.include({ kind: 'compare', op: '=' });
      expect(terms[1].kind).to.equal('or');
      expect(q.orderBy).to.deep.equal([
        { field: { path: ['Username'], pos: text.indexOf('Username DESC') }, descending: true, nullsLast: false },
      ]);
      expect(q.limit).to.equal(5);
    });

    it('tokenizes escapes, dates, date-times and negative numbers', () => {
      const tokens = tokenize("'a\\'b\\\\c\\n' 2025-01-06 2025-01-06T09:00:00Z -12.5");
      expect(tokens.map((t) => [t.type, t.value])).to.deep.equal([
        ['string', "a'b\\c\n"],
        ['date', '2025-01-06'],
        ['datetime', '2025-01-06T09:00:00Z'],
        ['number', '-12.5'],
        ['eof', '<EOF>'],
      ]);
    });
  });

  describe('column metadata (columns=true)', () => {
    it('describes fields and relationship columns the way sf data query reads them', () => {
      const cols = describeColumns('SELECT Id, Username, Profile.Name, Profile.Id FROM User', ds);
      expect(cols).to.deep.include({ entityName: 'User', groupBy: false, idSelected: true, keyPrefix: '005' });
      expect(cols.columnMetadata.map((c) => c.columnName)).to.deep.equal(['Id', 'Username', 'Profile']);
      expect(cols.columnMetadata[2].joinColumns.map((c) => c.columnName)).to.deep.equal(['Name', 'Id']);
      expect(cols.columnMetadata[1]).to.deep.include({ apexType: 'String', textType: true, aggregate: false });
    });

    it('says when Id is not selected', () => {
      expect(describeColumns('SELECT Username FROM User', ds).idSelected).to.equal(false);
    });
  });
});

describe('emulator ids', () => {
  it('computes the case-safe suffix like Salesforce', () => {
    // Well-known pair: 001A0000006Vm9r → 001A0000006Vm9rIAC
    expect(idSuffix('001A0000006Vm9r')).to.equal('IAC');
    expect(to18('001A0000006Vm9r')).to.equal('001A0000006Vm9rIAC');
  });

  it('makes 18-character ids with the key prefix and a valid suffix', () => {
    const id = makeId('0PS', 42);
    expect(id).to.have.length(18);
    expect(id.startsWith('0PS')).to.equal(true);
    expect(id.slice(15)).to.equal(idSuffix(id.slice(0, 15)));
    expect(makeId('0PS', 43)).to.not.equal(id);
  });

  it('compares 15- and 18-character forms', () => {
    expect(sameId('001A0000006Vm9r', '001A0000006Vm9rIAC')).to.equal(true);
    expect(sameId('001A0000006Vm9R', '001A0000006Vm9rIAC')).to.equal(false);
    expect(isValidId('abc')).to.equal(false);
  });
});
