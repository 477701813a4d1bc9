import { expect } from 'chai';
import { describeError, errorCodeOf } from '../../../src/org/query.js';
import { apiError } from '../../helpers/fakeConnection.js';

/** jsforce's HttpApiError: its name is whatever error code it was given, a string or not. */
class HttpApiErrorLike extends Error {
  public errorCode: unknown;
  public constructor(message: string, errorCode: unknown) {
    super(message);
    this.name = (errorCode || this.name) as string;
    this.errorCode = this.name;
  }
}

describe('describeError: any failed read through an admin org, as words', () => {
  it('keeps the error code and a single line', () => {
    expect(describeError(apiError('INVALID_TYPE', 'line one\n  line two'))).to.equal('INVALID_TYPE: line one line two');
    expect(describeError('x')).to.equal('x');
  });

  const shapes: Array<[string, unknown, string, string | undefined]> = [
    [
      'a SOAP fault code parsed with its attributes (an object where a string is expected)',
      new HttpApiErrorLike('use of the Metadata API requires…', {
        _: 'sf:INSUFFICIENT_ACCESS',
        $: { 'xmlns:sf': 'x' },
      }),
      'INSUFFICIENT_ACCESS: use of the Metadata API requires…',
      'INSUFFICIENT_ACCESS',
    ],
    [
      'a REST error body left as the message',
      new HttpApiErrorLike(
        '[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]',
        'ERROR_HTTP_401',
      ),
      'INVALID_SESSION_ID: Session expired or invalid',
      'ERROR_HTTP_401',
    ],
    [
      'a session that could not be refreshed because the key file is gone',
      new Error("Unable to refresh session due to: ENOENT: no such file or directory, open '/tmp/admin.key'"),
      'Unable to refresh session due to: /tmp/admin.key: it does not exist',
      undefined,
    ],
    ['a name that is a number', Object.assign(new Error('refused'), { name: 42 }), 'refused', undefined],
    ['null', null, 'the request failed without saying why', undefined],
    ['undefined', undefined, 'the request failed without saying why', undefined],
    ['a plain object with a nested message', { message: { text: 'no access' } }, 'no access', undefined],
    [
      'an object whose message throws',
      {
        get message(): string {
          throw new Error('boom');
        },
      },
      'the request failed without saying why',
      undefined,
    ],
    [
      'a URL with a session id in its words',
      Object.assign(new Error('see https://x.my.salesforce.com/?sid=00Dabc!secret'), { errorCode: 'BAD' }),
      'BAD: see https://x.my.salesforce.com/?sid=****',
      'BAD',
    ],
    ['escape sequences and line breaks', new Error('line1\n\u001b[31mline2\u0007'), 'line1 line2', undefined],
  ];
  for (const [what, err, words, code] of shapes) {
    it(`never throws: ${what}`, () => {
      expect(describeError(err)).to.equal(words);
      expect(errorCodeOf(err)).to.equal(code);
    });
  }
});
