/*
 * Asserting the error a call fails with: its name and exit code, the two things a script and a user see.
 */
import { expect } from 'chai';
import type { SfError } from '@salesforce/core';

/** Awaits `promise`, expects it to reject with an SfError of `name` and `exitCode`, and returns that error. */
export async function expectSfError(promise: Promise<unknown>, name: string, exitCode: number): Promise<SfError> {
  try {
    await promise;
  } catch (err) {
    expect((err as SfError).name).to.equal(name);
    expect((err as SfError).exitCode).to.equal(exitCode);
    return err as SfError;
  }
  return expect.fail(`expected ${name}`);
}

/** The error a promise rejects with (a test fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<SfError> {
  try {
    await promise;
  } catch (err) {
    return err as SfError;
  }
  return expect.fail('expected a rejection');
}
