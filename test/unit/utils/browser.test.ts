import { expect } from 'chai';
import sinon from 'sinon';
import { apps } from 'open';
import { appFor, browser } from '../../../src/utils/browser.js';

describe('browser', () => {
  afterEach(() => sinon.restore());

  it('maps browser names to open’s detected apps', () => {
    expect(appFor('chrome').name).to.deep.equal(apps.chrome);
    expect(appFor('firefox').name).to.deep.equal(apps.firefox);
    expect(appFor('edge').name).to.deep.equal(apps.edge);
  });

  it('can be replaced in tests', async () => {
    const stub = sinon.stub(browser, 'open').resolves(undefined as never);
    await browser.open('https://login.salesforce.com', { app: 'firefox' });
    expect(stub.calledOnceWithExactly('https://login.salesforce.com', { app: 'firefox' })).to.equal(true);
  });
});
