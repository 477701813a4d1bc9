import type { Scenario } from './scenario.js';

/** The mutable records of one emulated org. The data side (SOQL, sObjects, Metadata API) is built on this. */
export class OrgStore {
  public readonly data: Scenario;

  public constructor(scenario: Scenario) {
    this.data = structuredClone(scenario);
  }
}
